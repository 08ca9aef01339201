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
    var fixture: String

    @Option(help: "Target: \(LayerKind.conversionTargets.map(\.name).joined(separator: ", ")), onnx.LSTM, onnx.GRU.")
    var to: String

    @Option(help: "Where to write the converted fixture.")
    var out: String

    func run() throws {
        try failing {
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
