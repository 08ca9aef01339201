import Foundation
import RNNBLAS
import RNNCheck
import RNNCore
import RNNFixtures
import RNNLayers
import RNNNumpy
import RNNScalar
import RNNTestSupport
import Testing

/// ONNX's LSTM, GRU and RNN operators as typed values (`ONNXRecurrent` over ONNX-flavored
/// cells): random configurations of every attribute through both implementations and against
/// central differences, and `clip`'s zero gradient.
@Suite("ONNX operators")
struct ONNXOperatorTests {
    /// A random operator of seed `seed`: its model builder, weights by name, X, initial state and
    /// lengths, and the options drawn (for counting).
    struct Case {
        var weights: [String: Tensor<Double>] = [:]
        var lens: [Int]?
        var options: Set<String> = []
        var directions = 1
        var direction = ONNXDirection.forward
        var layout = 0
        var specs: [CellSpec] = []
        var input = 2
        var states = 2

        /// `op`: 0 LSTM, 1 GRU, 2 RNN.
        init(seed: Int, op: Int = 0) throws {
            var rng = try numpyRandomState(seed: seed)
            func draw(_ n: Int) -> Int { Int(rng.source.nextUInt32() % UInt32(n)) }
            func put(_ name: String, _ shape: [Int], _ scale: Double = 0.8) {
                weights[name] = Tensor(uncheckedShape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.uniform(-scale, scale) })
            }
            direction = ONNXDirection.allCases[seed % 3]
            directions = direction == .bidirectional ? 2 : 1
            layout = (seed / 3) % 2
            let (t, b, h) = (1 + draw(4), 1 + draw(3), 1 + draw(3))
            input = 1 + draw(3)
            let smooth: [Activation] = [.sigmoid, .tanh, .softsign, .softplus, .onnx(.init(.scaledTanh, alpha: 1.3, beta: 0.7)),
                                        .onnx(.init(.affine, alpha: 0.6, beta: 0.1)), .onnx(.init(.elu, alpha: 0.8)),
                                        .onnx(.init(.leakyRelu, alpha: 0.2))]
            let clip: Double? = seed % 4 == 1 ? 0.6 : nil
            let inputForget = seed % 5 == 2, peepholes = seed % 2 == 0, bias = seed % 7 != 3, linearBeforeReset = seed % 2 == 1
            let gates: [Activation] = [.sigmoid, .onnx(.init(.scaledTanh, alpha: 0.5, beta: 1.1)), .softsign]
            states = op == 0 ? 2 : 1
            for d in 0..<directions {
                let spec: CellSpec
                switch op {
                case 0:
                    var c = LSTMConfig(flavor: .onnx, units: h)
                    c.recurrentActivation = gates[draw(3)]
                    c.activation = smooth[draw(smooth.count)]
                    let third = smooth[draw(smooth.count)]
                    c.outputActivation = third == c.activation ? nil : third
                    (c.gateClip, c.inputForget, c.usePeepholes, c.useBias) = (clip, inputForget, peepholes, bias)
                    spec = .lstm(c)
                case 1:
                    var c = GRUConfig(flavor: linearBeforeReset ? .onnxLinearBeforeReset : .onnx, units: h)
                    (c.recurrentActivation, c.activation, c.gateClip, c.useBias) = (gates[draw(3)], smooth[draw(smooth.count)], clip, bias)
                    spec = .gru(c)
                default:
                    spec = .onnxRNN(hiddenSize: h, activation: smooth[draw(smooth.count)], bias: bias, clip: clip)
                }
                specs.append(spec)
                for (n, shape) in spec.parameterShapes(inputSize: input) { put("\(d)/\(n)", shape) }
            }
            put("X", layout == 0 ? [t, b, input] : [b, t, input], 1)
            put("initial_h", layout == 0 ? [directions, b, h] : [b, directions, h], 1)
            if op == 0 { put("initial_c", layout == 0 ? [directions, b, h] : [b, directions, h], 1) }
            if seed % 3 != 0 {
                var l = (0..<b).map { _ in draw(t + 1) }
                l[0] = t
                lens = l
            }
            put("dY", layout == 0 ? [t, directions, b, h] : [b, t, directions, h], 1)
            put("dY_h", layout == 0 ? [directions, b, h] : [b, directions, h], 1)
            if op == 0 { put("dY_c", layout == 0 ? [directions, b, h] : [b, directions, h], 1) }
            options = ["direction=\(direction)", "layout=\(layout)", "clip=\(clip != nil)", "B=\(bias)", "lens=\(lens != nil)"]
            if op == 0 { options.formUnion(["input_forget=\(inputForget)", "P=\(peepholes)"]) }
            if op == 1 { options.insert("linear_before_reset=\(linearBeforeReset)") }
        }

        func model(_ impl: any RNNImplementation.Type, _ w: [String: Tensor<Double>]) throws -> ONNXRecurrent<Double> {
            let cells = try (0..<directions).map { d -> any RecurrentCell<Double> in
                let given = Dictionary(uniqueKeysWithValues: specs[d].parameterShapes(inputSize: input).map { ($0.name, w["\(d)/\($0.name)"]!) })
                return try impl.buildCell(specs[d], inputSize: input, given: given)
            }
            return try ONNXRecurrent(cells: cells, direction: direction, layout: layout)
        }

        /// Y, Y_h, Y_c and every gradient, by name.
        var stateNames: [String] { ["initial_h", "initial_c"].prefix(states).map { $0 } }

        func run(_ impl: any RNNImplementation.Type) throws -> [String: Tensor<Double>] {
            let m = try model(impl, weights)
            let f = try m.forward(weights["X"]!, initialState: stateNames.map { weights[$0]! }, sequenceLens: lens)
            let g = try m.backward(f, dOutput: weights["dY"]!, dFinalState: ["dY_h", "dY_c"].prefix(states).map { weights[$0]! })
            var out = ["Y": f.output, "dX": g.dx]
            for (k, n) in stateNames.enumerated() { (out["Y_state\(k)"], out["d" + n]) = (f.finalState[k], g.dInitialState[k]) }
            for d in 0..<directions { for (n, t) in zip(g.dParameters[d].names, g.dParameters[d].tensors) { out["d\(d)/\(n)"] = t } }
            return out
        }

        func loss(_ impl: any RNNImplementation.Type, _ perturbed: [String: Tensor<Double>]) throws -> Double {
            let w = weights.merging(perturbed) { $1 }
            let f = try model(impl, w).forward(w["X"]!, initialState: stateNames.map { w[$0]! }, sequenceLens: lens)
            var l = f.output.dot(w["dY"]!)
            for (k, n) in ["dY_h", "dY_c"].prefix(states).enumerated() { l += f.finalState[k].dot(w[n]!) }
            return l
        }

        var differentiable: [String] { weights.keys.filter { !$0.hasPrefix("dY") }.sorted() }
    }

    /// 36 random operators of each kind: scalar and BLAS agree on Y, Y_h (Y_c) and every
    /// gradient, and every attribute value is drawn.
    @Test(arguments: [0, 1, 2])
    func scalarAndBLASAgree(_ op: Int) throws {
        var drawn = Set<String>()
        for seed in 0..<36 {
            let c = try Case(seed: seed, op: op)
            let a = try c.run(RNNScalar.Implementation.self), b = try c.run(RNNBLAS.Implementation.self)
            #expect(Set(a.keys) == Set(b.keys))
            let scale = a.values.flatMap { $0.data.map(abs) }.max() ?? 0
            for (k, u) in a { #expect(maxAbsError(u.data, b[k]!.data) <= 1e-12 * max(1, scale), "seed \(seed) \(c.options): \(k)") }
            drawn.formUnion(c.options)
        }
        var all = ["direction=forward", "direction=reverse", "direction=bidirectional", "layout=0", "layout=1", "clip=true", "clip=false",
                   "B=true", "B=false", "lens=true", "lens=false"]
        if op == 0 { all += ["input_forget=true", "input_forget=false", "P=true", "P=false"] }
        if op == 1 { all += ["linear_before_reset=true", "linear_before_reset=false"] }
        for o in all { #expect(drawn.contains(o), "never drawn: \(o)") }
    }

    /// The same operators against central differences (float64, ≤ 1e-7), both implementations.
    @Test(arguments: 0..<36)
    func gradientCheck(_ n: Int) throws {
        let (seed, op) = (n % 18, n / 18 == 0 ? 0 : (n % 2 == 0 ? 1 : 2))
        let c = try Case(seed: seed + 100 * op, op: op)
        for impl in implementations {
            let g = try c.run(impl)
            var analytic: [String: Tensor<Double>] = [:]
            for n in c.differentiable { analytic[n] = g["d" + n] }
            let entries = try RNNCheck.gradientCheck(variables: c.differentiable.map { ($0, c.weights[$0]!) }, analytic: analytic,
                                                     maxCoordinates: 40, useGSL: seed % 2 == 0) { try c.loss(impl, $0) }
            for e in entries { #expect(e.fdRelError <= 1e-7, "seed \(seed) \(c.options) [\(impl.name)] \(e.name): \(e.fdRelError)") }
        }
    }

    /// A fixture written by a reader with exactly the keys of the issue that introduced the
    /// onnx kinds (its example model block, verbatim below) runs unchanged: `rnnref check`
    /// compares Y, Y_h, Y_c and the gradients keyed by the input names with onnxruntime's and
    /// PyTorch's numbers (fixture `onnx-lstm-issue-example`).
    @Test func readerWrittenFixtureRunsUnchanged() throws {
        let issueExample = #"""
            {"kind": "onnx.LSTM",
             "attributes": {"hidden_size": 3, "direction": "bidirectional", "layout": 0,
                            "activations": ["Sigmoid", "Tanh", "Tanh", "HardSigmoid", "Tanh", "Softsign"],
                            "activation_alpha": [0.2], "activation_beta": [0.5],
                            "clip": 2.0, "input_forget": 1},
             "inputs": {"X": "X", "W": "W", "R": "R", "B": "B", "sequence_lens": "sequence_lens",
                        "initial_h": "initial_h", "initial_c": "initial_c", "P": "P"},
             "upstream": {"outputs": "upstream/Y", "final_state": ["upstream/Y_h", "upstream/Y_c"]}}
            """#
        let fixture = try loadFixture("onnx-lstm-issue-example.json")
        #expect(fixture.document["model"] == (try JSONValue.parse(Data(issueExample.utf8))))
        let expected = try #require(try fixture.expected())
        #expect(Set(expected.entries.map(\.key)) == Set(["outputs", "final_state/0", "final_state/1"] +
                                                           ["X", "W", "R", "B", "initial_h", "initial_c", "P"].map { "gradients/\($0)" }))
        let c = try runCLI(["check", fixturesDir.appendingPathComponent("onnx-lstm-issue-example.json").path, "--impl", "both"])
        #expect(c.status == 0 && c.out.contains("2 passed, 0 failed"), "\(c.out)\(c.err)")
    }

    /// `clip` bounds each gate's input: where every input is beyond it, no gradient reaches the
    /// weights, the biases, the peepholes, X or initial_h (exactly 0), while initial_c still gets
    /// one through f⊙c_prev.
    @Test func clipZeroesTheGradientBeyondIt() throws {
        var c = LSTMConfig(flavor: .onnx, units: 2)
        (c.gateClip, c.usePeepholes) = (0.1, true)
        let (i, b, t) = (2, 2, 3)
        var given: [String: Tensor<Double>] = [:]
        for (n, shape) in c.parameterShapes(inputSize: i) { given[n] = Tensor(shape: shape, repeating: 2) }   // every gate input ≫ 0.1
        let x = Tensor<Double>(shape: [t, b, i], repeating: 1), h0 = Tensor<Double>(shape: [1, b, 2], repeating: 0.5)
        for impl in implementations {
            let m = try ONNXRecurrent(cells: [try impl.buildCell(.lstm(c), inputSize: i, given: given)], direction: .forward)
            let f = try m.forward(x, initialState: [h0, h0])
            let g = try m.backward(f, dOutput: Tensor(shape: f.output.shape, repeating: 1), dFinalState: f.finalState.map { Tensor(shape: $0.shape, repeating: 1) })
            for (n, d) in zip(g.dParameters[0].names, g.dParameters[0].tensors) { #expect(d.data.allSatisfy { $0 == 0 }, "\(impl.name) \(n)") }
            #expect(g.dx.data.allSatisfy { $0 == 0 } && g.dInitialState[0].data.allSatisfy { $0 == 0 })
            #expect(g.dInitialState[1].data.contains { $0 != 0 })
        }
    }

    /// `rnnref convert --to onnx.LSTM|onnx.GRU`: TF, Keras and PyTorch layers written as the ONNX
    /// node of the same function; the result reproduces the source framework's outputs and final
    /// state (both implementations).
    @Test(arguments: [("tf-gru-f64", "onnx.GRU"), ("tf-001-lstmcell5-dynamic-rnn", "onnx.LSTM"), ("keras-lstm-f64", "onnx.LSTM"),
                      ("keras-gru-resetafter-f64", "onnx.GRU"), ("keras-gru-resetbefore-f64", "onnx.GRU"), ("torch-lstm-f32", "onnx.LSTM"),
                      ("torch-gru-nobias-f64", "onnx.GRU"), ("tf-lstm-peep-noproj-fb1-f32", "onnx.LSTM")])
    func conversionToONNXReproducesTheSource(_ name: String, _ target: String) throws {
        let src = try loadFixture(name + ".json")
        let converted = try Fixture(source: "converted.json", json: try FixtureConversion.convert(src, to: target))
        #expect(converted.kind == target)
        for impl in implementations {
            let report = try FixtureRunner.compare(converted, computed: try FixtureRunner.run(converted, impl: impl), implementation: impl.name)
            #expect(report.passed && report.comparisons.count >= 2, "\(name) → \(target) [\(impl.name)]: \(report.comparisons.filter { !$0.passed }.map(\.key))")
        }
    }

    /// What no ONNX node computes is refused, with the reason.
    @Test func conversionToONNXRefusals() throws {
        for (name, target, reason) in [("tf-lstm-clip-noproj-fb0-f32", "onnx.LSTM", "cell_clip"), ("tf-lstm-proj-fb1-f32", "onnx.LSTM", "no projection"),
                                       ("tf-gru-2layer-f32", "onnx.GRU", "one direction of one layer"),
                                       ("tf-gru-f32-lengths", "onnx.GRU", "a row of length 0"),
                                       ("tf-cifg-noproj-f32", "onnx.LSTM", "input_forget"), ("tf-gru-f64", "onnx.LSTM", "does not convert")] {
            do {
                _ = try FixtureConversion.convert(try loadFixture(name + ".json"), to: target)
                Issue.record("\(name) → \(target) was not refused")
            } catch let e as RNNError {
                #expect(e.description.contains(reason) && !e.description.contains("\n"), "\(name): \(e)")
            }
        }
    }

    /// `rnnref convert ONNX_FIXTURE --to …`: forward ONNX nodes (ONNX's node tests and random
    /// configurations) as TF, Keras and PyTorch layers, reproducing ONNX's Y and final state;
    /// what no such layer computes is refused with the reason.
    @Test(arguments: [("onnx-node-test-lstm-defaults", "tf.LSTMCell"), ("onnx-node-test-lstm-with-initial-bias", "keras.LSTM"),
                      ("onnx-node-test-lstm-batchwise", "torch.nn.LSTM"), ("onnx-node-test-gru-defaults", "keras.GRU"),
                      ("onnx-node-test-gru-seq-length", "tf.GRUCell"), ("onnx-random-gru-f64-3", "tf.GRUCell"),
                      ("onnx-random-gru-f64-5", "keras.GRU")])
    func conversionFromONNXReproducesONNX(_ name: String, _ target: String) throws {
        let converted = try Fixture(source: "converted.json", json: try FixtureConversion.convert(try loadFixture(name + ".json"), to: target))
        for impl in implementations {
            let report = try FixtureRunner.compare(converted, computed: try FixtureRunner.run(converted, impl: impl), implementation: impl.name)
            #expect(report.passed, "\(name) → \(target) [\(impl.name)]: \(report.comparisons.filter { !$0.passed }.map(\.key))")
        }
    }

    @Test func conversionFromONNXRefusals() throws {
        for (name, target, reason) in [("onnx-lstm-zero-length-rows", "tf.LSTMCell", "one forward direction"),
                                       ("onnx-lstm-clip-bites", "tf.LSTMCell", "clips every gate"),
                                       ("onnx-random-lstm-f64-0", "keras.LSTM", "third activation"),
                                       ("onnx-node-test-gru-defaults", "torch.nn.GRU", "resets before"),
                                       ("onnx-random-gru-7", "tf.GRUCell", "has no equivalent"),
                                       ("onnx-node-test-lstm-with-peepholes", "keras.LSTM", "no sequence lengths")] {
            do {
                _ = try FixtureConversion.convert(try loadFixture(name + ".json"), to: target)
                Issue.record("\(name) → \(target) was not refused")
            } catch let e as RNNError {
                #expect(e.description.contains(reason) && !e.description.contains("\n"), "\(name): \(e)")
            }
        }
    }
}
