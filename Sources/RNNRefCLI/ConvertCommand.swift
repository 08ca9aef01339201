import ArgumentParser
import Foundation
import RNNCore
import RNNCheck
import RNNFixtures
import RNNNumpy

struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rewrite an LSTM or GRU fixture in another framework's layout (weights, gate order, biases, state order); `rnnref check` the result to prove it.")

    @Argument(help: "A fixture of LSTMs or GRUs (tf.nn.dynamic_rnn of tf.LSTMCell/BasicLSTMCell/GRUCell, keras.LSTM, keras.GRU, torch.nn.LSTM, torch.nn.GRU, onnx.LSTM, onnx.GRU).")
    var fixture: String?

    @Option(help: "Target: \(LayerKind.conversionTargets.map(\.name).joined(separator: ", ")), onnx.LSTM, onnx.GRU.")
    var to: String?

    @Option(help: "Where to write the converted fixture.")
    var out: String?

    @Flag(help: "Print, for every pair of layouts (TF, Keras, PyTorch, ONNX, Flax), whether a conversion is exact, exact after folding, or impossible.")
    var matrix = false

    @Option(parsing: .upToNextOption, help: "FROM TO (layout names as --matrix prints them): for an impossible pair, the weights and inputs where the nearest conversion parts most, and how far.")
    var counterexample: [String] = []

    func run() throws {
        if matrix {
            print(ConversionMatrix.markdown(.lstm))
            print("")
            print(ConversionMatrix.markdown(.gru))
            return
        }
        if !counterexample.isEmpty {
            try failing {
                guard counterexample.count == 2 else { throw RNNError(.invalid, "--counterexample", "give two layouts, FROM and TO") }
                let (a, b) = (try ConversionMatrix.layout(named: counterexample[0]), try ConversionMatrix.layout(named: counterexample[1]))
                let c = try ConversionMatrix.counterexample(from: a, to: b)
                print("\(a.name) → \(b.name): the same weights in both reset placements (the nearest conversion); worst of 4 scales × 64 seeds:")
                print("numpy RandomState(\(c.seed)), weights uniform(±\(c.scale)), H = 4, I = 3, B = 4, T = 20 (`rnnref gru-drift --units 4 --input 3 --batch 4 --steps 20 --seed \(c.seed) --scale \(c.scale)`)")
                print("| t | max abs difference | mean abs difference | max abs h |")
                print("| --- | --- | --- | --- |")
                for r in c.steps { print("| \(r.t) | \(format(r.maxAbs)) | \(format(r.meanAbs)) | \(format(r.maxAbsH)) |") }
            }
            return
        }
        try failing {
            guard let fixture, let to, let out else { throw RNNError(.missing, "FIXTURE", "give a fixture, --to and --out (or --matrix, or --counterexample FROM TO)") }
            let f = try Fixture.load(path: fixture)
            let doc = try FixtureConversion.convert(f, to: to)
            do {
                try Data((doc.serialized() + "\n").utf8).write(to: URL(fileURLWithPath: out))
            } catch {
                throw RNNError(.io, out, "cannot write the result (\(error.localizedDescription))")
            }
            print("wrote \(out): \(f.name) as \(to)")
        }
    }
}
