import ArgumentParser
import Foundation
import RNNBLAS
import RNNCore
import RNNScalar
import RNNTrain
import RNNVerify

/// `rnnref train`: the documents' training programs.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one of the documents' training programs (deterministic under --seed).",
        subcommands: [MinCharRNNCommand.self])
}

/// Options every program shares.
struct CommonTrainOptions: ParsableArguments {
    @Option(help: "Seed of numpy's legacy stream (weights, shuffles, dropout masks, samples).") var seed: Int = 0
    @Option(help: "blas (default) or scalar.") var impl: ImplChoice = .blas
    @Option(help: "Save the trained weights here (.npz).") var save: String?
    @Option(help: "Start from these weights (.npz, as --save writes them).") var load: String?

    func implementation() throws -> any RNNImplementation.Type {
        guard impl != .both else { throw RNNError(.invalid, "--impl", "train takes one implementation: scalar or blas") }
        return impl.implementations[0]
    }
}

struct MinCharRNNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "min-char-rnn",
        abstract: "Karpathy's min-char-rnn as in 002_7f33b4f86bf72921.txt; prints exactly the lines numpy's program prints.")

    @Option(help: "A plain-text file to learn (e.g. Fixtures/data/sonnets.txt).") var text: String
    @Option(help: "Parameter updates to run.") var iterations: Int = 5000
    @Option(help: "Print a sample and the loss every K iterations (the document: 1000).") var logEvery: Int = 1000
    @Option(help: "Hidden units.") var hidden: Int = 100
    @Option(help: "Characters per BPTT window.") var seqLength: Int = 25
    @Option(help: "Adagrad learning rate.") var learningRate: Double = 0.1
    @OptionGroup var common: CommonTrainOptions

    func run() throws {
        try failing {
            guard let t = try? String(contentsOfFile: text, encoding: .utf8) else { throw RNNError(.invalid, text, "cannot read as UTF-8 text") }
            var p = MinCharRNNProgram(text: t, seed: common.seed, iterations: iterations)
            p.logEvery = logEvery; p.hidden = hidden; p.seqLength = seqLength; p.learningRate = learningRate
            var initial: Parameters<Double>?
            if let load = common.load {
                let arrays = try NPZ.read(URL(fileURLWithPath: load))
                var given: [String: Tensor<Double>] = [:]
                for (k, a) in arrays { given[k] = Tensor(uncheckedShape: a.shape, data: a.values) }
                initial = try MinCharRNNSpec.validate(given).0
            }
            let r = try p.run(impl: try common.implementation(), output: .console(), initial: initial)
            if let save = common.save { try saveWeights(Array(zip(r.parameters.names, r.parameters.tensors)), to: save) }
        }
    }
}
