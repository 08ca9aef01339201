import ArgumentParser
import Foundation
import RNNCore
import RNNCheck
import RNNFixtures
import RNNNumpy

struct GradCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradcheck",
        abstract: "Gradient-check a cell with random or given weights: per-tensor relative errors from central differences and from GSL.")

    @Option(help: "Cell kind: \(RandomCase.Kind.allCases.map(\.name).joined(separator: ", ")).")
    var cell: String = RandomCase.Kind.tfBasicRNNCell.name

    @Option(help: "Check this fixture's model and weights instead of a random cell.")
    var fixture: String?

    @Option(help: "H: units.") var units: Int = 3
    @Option(help: "I: input width (vocabulary size for numpy.min_char_rnn).") var input: Int = 2
    @Option(help: "B: batch.") var batch: Int = 2
    @Option(help: "T: steps.") var steps: Int = 4
    @Option(help: "Stacked layers (tf.BasicRNNCell).") var layers: Int = 1
    @Option(help: "Activation: tanh, sigmoid, relu, linear (torch.nn.RNN's nonlinearity: tanh, relu).") var activation: String = "tanh"
    @Flag(help: "Keras use_bias=False.") var noBias = false
    @Flag(help: "Time-major input (tf.BasicRNNCell).") var timeMajor = false
    @Flag(help: "Random sequence_length, including 0 and T (TF cells); random packed lengths in 1...T (torch.nn.*).") var lengths = false
    @Flag(help: "tf.LSTMCell / CoupledInputForgetGateLSTMCell use_peepholes.") var peepholes = false
    @Option(help: "tf.LSTMCell cell_clip.") var cellClip: Double?
    @Option(help: "tf.LSTMCell num_proj / torch.nn.LSTM proj_size.") var numProj: Int?
    @Option(help: "tf.LSTMCell proj_clip (needs --num-proj).") var projClip: Double?
    @Option(help: "TF forget_bias.") var forgetBias: Double = 1.0
    @Flag(help: "TF state_is_tuple=False.") var concatState = false
    @Flag(help: "Keras GRU reset_after=False.") var resetBefore = false
    @Flag(help: "tf.contrib.rnn.CoupledInputForgetGateLSTMCell layer_norm=True.") var layerNorm = false
    @Flag(help: "PyTorch bidirectional=True (torch.nn.RNN/LSTM/GRU).") var bidirectional = false
    @Option(help: "Seed of numpy's RandomState for all the numbers.") var seed: Int = 0
    @Option(help: "scalar, blas or both.") var impl: ImplChoice = .both
    @Option(help: "At most this many coordinates per tensor.") var maxCoordinates: Int = 1000

    func run() throws {
        var worst = 0.0
        try failing {
            let check: (any RNNImplementation.Type) throws -> [GradCheckEntry]
            let what: String
            if let fixture {
                let f = try Fixture.load(path: fixture)
                check = { try FixtureRunner.gradientCheck(f, impl: $0, maxCoordinates: maxCoordinates, useGSL: true) }
                what = "\(f.name) (\(f.document["about"]?.stringValue ?? f.kind))"
            } else {
                var c = RandomCase(try LayerKind(name: cell, option: "cell", what: "cell kind"))
                c.units = units; c.input = input; c.batch = batch; c.steps = steps; c.layers = layers
                c.activation = try Activation(name: activation)
                c.useBias = !noBias; c.timeMajor = timeMajor; c.withLengths = lengths; c.seed = seed
                c.peepholes = peepholes; c.cellClip = cellClip; c.numProj = numProj; c.projClip = projClip
                c.forgetBias = forgetBias; c.stateIsTuple = !concatState; c.resetAfter = !resetBefore
                c.bidirectional = bidirectional; c.layerNorm = layerNorm
                let model = try c.model()
                check = { try model.gradientCheck($0, maxCoordinates: maxCoordinates, useGSL: true) }
                what = "random \(c)"
            }
            print("gradient check of \(what) in float64")
            for i in impl.implementations {
                let entries = try check(i)
                guard !entries.isEmpty else { throw RNNError(.unsupported, fixture ?? cell, "this model kind has no gradients to check") }
                print("[\(i.name)]")
                print("  \(pad("tensor", 44)) \(pad("checked", 11)) \(pad("max |grad|", 10)) \(pad("central", 9)) gsl_deriv_central")
                for e in entries {
                    print("  \(pad(e.name, 44)) \(pad("\(e.checked)/\(e.total)", 11)) \(pad(format(e.maxAbsGradient), 10)) \(pad(format(e.fdRelError), 9)) \(format(e.gslRelError ?? .nan))")
                    worst = max(worst, e.fdRelError.isNaN ? .infinity : e.fdRelError)
                }
            }
        }
        let ok = worst <= GradCheckLimits.finiteDifference
        print("worst central-difference relative error \(format(worst)) (limit \(format(GradCheckLimits.finiteDifference))): \(ok ? "pass" : "FAIL")")
        if !ok { throw ExitCode(1) }
    }
}
