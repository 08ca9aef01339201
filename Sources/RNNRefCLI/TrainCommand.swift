import ArgumentParser
import Foundation
import RNNBLAS
import RNNCore
import RNNScalar
import RNNTrain
import RNNFigures
import RNNCheck
import RNNFixtures
import RNNNumpy

/// `rnnref train`: the documents' training programs.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one of the documents' training programs (deterministic under --seed).",
        subcommands: [MinCharRNNCommand.self, SineCommand.self, SineRegressionCommand.self, PTBCommand.self])
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

// Each command declares its own options (its CLI surface, with its own help and defaults);
// the lists look alike, the options differ. What they share is `CommonTrainOptions`.
struct MinCharRNNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "min-char-rnn",
        abstract: "Karpathy's min-char-rnn as in “基本概念” (002); prints exactly the lines numpy's program prints.")

    @Option(help: "A plain-text file to learn (e.g. Fixtures/data/sonnets.txt).") var text: String
    @Option(help: "Parameter updates to run.") var iterations: Int = 5000
    @Option(help: "Print a sample and the loss every K iterations (the document: 1000).") var logEvery: Int = 1000
    @Option(help: "Hidden units.") var hidden: Int = 100
    @Option(help: "Characters per BPTT window.") var seqLength: Int = 25
    @Option(help: "Adagrad learning rate.") var learningRate: Double = 0.1
    @OptionGroup var common: CommonTrainOptions

    func run() throws {
        try failing {
            let t = try Corpus.read(path: text)
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

/// Loads `--load` for a program: `untrained()` runs it for zero steps, which gives the names and
/// shapes of its tensors (as initialised), so the archive is checked against them.
func loadInitial<T: RNNFloat>(_ path: String?, untrained: () throws -> (names: [String], weights: [Tensor<T>])) throws -> [Tensor<T>]? {
    guard let path else { return nil }
    let r = try untrained()
    return try loadWeights(Array(zip(r.names, r.weights.map(\.shape))), from: path)
}

struct SineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sine",
        abstract: "000's sine forecast: MinimalRNNCell(64) or LSTM(128), Dense(1), MSE, Adam, batch 512; a 50-step rolling forecast.")

    @Option(help: "minimal (the document's MinimalRNNCell) or lstm.") var cell: String = "minimal"
    @Option(help: "Units (default: 64 for minimal, 128 for lstm, as the document).") var units: Int?
    @Option(help: "Epochs (default: 100 for minimal, 50 for lstm, as the document).") var epochs: Int?
    @Option(help: "Batch size.") var batch: Int = 512
    @Option(help: "Adam learning rate (tf.train.AdamOptimizer's default).") var learningRate: Double = 0.001
    @Option(help: "Write the forecast plot here (SVG).") var plot: String?
    @OptionGroup var common: CommonTrainOptions

    func run() throws {
        try failing {
            guard let c = SineProgram.Cell(rawValue: cell) else { throw RNNError(.unknown, "--cell", "unknown cell '\(cell)' (known: minimal, lstm)") }
            var p = SineProgram(cell: c)
            if let units { p.units = units }
            if let epochs { p.epochs = epochs }
            p.batch = batch; p.learningRate = learningRate; p.seed = common.seed
            let initial: [Tensor<Double>]? = try loadInitial(common.load) {
                var untrained = p; untrained.epochs = 0
                let r = try untrained.run(impl: try common.implementation(), output: ProgramOutput(log: { _ in }))
                return (r.names, r.weights)
            }
            let r = try p.run(impl: try common.implementation(), output: .console(unit: "epoch"), initial: initial)
            if let plot { try SineProgram.plot(r, title: "000 sine forecast, \(cell) cell").write(to: plot) }
            if let save = common.save { try saveWeights(Array(zip(r.names, r.weights)), to: save) }
        }
    }
}

struct SineRegressionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sine-regression",
        abstract: "004's sine regression: two BasicLSTMCell(30), timesteps 10, batch 32, Adagrad 0.1, 3000 steps; test RMSE.")

    @Option(help: "Hidden units.") var hidden: Int = 30
    @Option(help: "Layers.") var layers: Int = 2
    @Option(help: "Training steps.") var steps: Int = 3000
    @Option(help: "Batch size.") var batch: Int = 32
    @Option(help: "Adagrad learning rate.") var learningRate: Double = 0.1
    @Option(help: "Write the test-set plot here (SVG).") var plot: String?
    @OptionGroup var common: CommonTrainOptions

    func run() throws {
        try failing {
            var p = SineRegressionProgram()
            p.hidden = hidden; p.layers = layers; p.steps = steps; p.batch = batch; p.learningRate = learningRate; p.seed = common.seed
            let initial: [Tensor<Float>]? = try loadInitial(common.load) {
                var untrained = p; untrained.steps = 0
                let r = try untrained.run(impl: try common.implementation(), output: ProgramOutput(log: { _ in }))
                return (r.names, r.weights)
            }
            let r = try p.run(impl: try common.implementation(), output: .console(unit: "step"), initial: initial)
            if let plot { try SineRegressionProgram.plot(r).write(to: plot) }
            if let save = common.save { try saveWeights(Array(zip(r.names, r.weights)), to: save) }
        }
    }
}

struct PTBCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ptb-lm",
        abstract: "004's PTB language model (2-layer LSTM, embedding, dropout, clip_by_global_norm 5, SGD 1.0) on a small word-level text.")

    @Option(help: "A plain-text corpus; paragraphs (blank lines) split it: the last two are validation and test.") var text: String
    @Option(help: "Hidden units (= embedding size).") var hidden: Int = 64
    @Option(help: "LSTM layers.") var layers: Int = 2
    @Option(help: "Training batch size.") var batch: Int = 4
    @Option(help: "Truncation length (num_steps).") var numSteps: Int = 10
    @Option(help: "Epochs.") var epochs: Int = 10
    @Option(help: "Dropout keep probability.") var keepProb: Double = 0.5
    @Option(help: "SGD learning rate.") var learningRate: Double = 1.0
    @Option(help: "clip_by_global_norm's clip_norm.") var maxGradNorm: Double = 5.0
    @OptionGroup var common: CommonTrainOptions

    func run() throws {
        try failing {
            let t = try Corpus.read(path: text)
            var p = PTBProgram(text: t)
            p.hidden = hidden; p.layers = layers; p.batch = batch; p.numSteps = numSteps; p.epochs = epochs
            p.keepProb = keepProb; p.learningRate = learningRate; p.maxGradNorm = maxGradNorm; p.seed = common.seed
            let initial: [Tensor<Float>]? = try loadInitial(common.load) {
                var untrained = p; untrained.epochs = 0
                let r = try untrained.run(impl: try common.implementation(), output: ProgramOutput(log: { _ in }))
                return (r.names, r.weights)
            }
            let r = try p.run(impl: try common.implementation(), output: .console(unit: "step"), initial: initial)
            if let save = common.save { try saveWeights(Array(zip(r.names, r.weights)), to: save) }
        }
    }
}
