import RNNBLAS
import RNNCheck
import RNNCore
import RNNLayers
import RNNNumpy
import RNNScalar
import RNNTestSupport
import Testing

/// ONNX's LSTM operator as a typed value (`ONNXRecurrent` over `.lstm(LSTMConfig(flavor: .onnx))`
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
        var configs: [LSTMConfig] = []
        var input = 2

        init(seed: Int) throws {
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
            let inputForget = seed % 5 == 2, peepholes = seed % 2 == 0, bias = seed % 7 != 3
            for d in 0..<directions {
                var c = LSTMConfig(flavor: .onnx, units: h)
                c.recurrentActivation = [.sigmoid, .onnx(.init(.scaledTanh, alpha: 0.5, beta: 1.1)), .softsign][draw(3)]
                c.activation = smooth[draw(smooth.count)]
                let third = smooth[draw(smooth.count)]
                c.outputActivation = third == c.activation ? nil : third
                (c.gateClip, c.inputForget, c.usePeepholes, c.useBias) = (clip, inputForget, peepholes, bias)
                configs.append(c)
                for (n, shape) in c.parameterShapes(inputSize: input) { put("\(d)/\(n)", shape) }
            }
            put("X", layout == 0 ? [t, b, input] : [b, t, input], 1)
            put("initial_h", layout == 0 ? [directions, b, h] : [b, directions, h], 1)
            put("initial_c", layout == 0 ? [directions, b, h] : [b, directions, h], 1)
            if seed % 3 != 0 {
                var l = (0..<b).map { _ in draw(t + 1) }
                l[0] = t
                lens = l
            }
            put("dY", layout == 0 ? [t, directions, b, h] : [b, t, directions, h], 1)
            put("dY_h", layout == 0 ? [directions, b, h] : [b, directions, h], 1)
            put("dY_c", layout == 0 ? [directions, b, h] : [b, directions, h], 1)
            options = ["direction=\(direction)", "layout=\(layout)", "clip=\(clip != nil)", "input_forget=\(inputForget)",
                       "P=\(peepholes)", "B=\(bias)", "lens=\(lens != nil)"]
        }

        func model(_ impl: any RNNImplementation.Type, _ w: [String: Tensor<Double>]) throws -> ONNXRecurrent<Double> {
            let cells = try (0..<directions).map { d -> any RecurrentCell<Double> in
                let c = configs[d]
                let given = Dictionary(uniqueKeysWithValues: c.parameterShapes(inputSize: input).map { ($0.name, w["\(d)/\($0.name)"]!) })
                return try impl.buildCell(.lstm(c), inputSize: input, given: given)
            }
            return try ONNXRecurrent(cells: cells, direction: direction, layout: layout)
        }

        /// Y, Y_h, Y_c and every gradient, by name.
        func run(_ impl: any RNNImplementation.Type) throws -> [String: Tensor<Double>] {
            let m = try model(impl, weights)
            let f = try m.forward(weights["X"]!, initialState: [weights["initial_h"]!, weights["initial_c"]!], sequenceLens: lens)
            let g = try m.backward(f, dOutput: weights["dY"]!, dFinalState: [weights["dY_h"]!, weights["dY_c"]!])
            var out = ["Y": f.output, "Y_h": f.finalState[0], "Y_c": f.finalState[1], "dX": g.dx, "dinitial_h": g.dInitialState[0],
                       "dinitial_c": g.dInitialState[1]]
            for d in 0..<directions { for (n, t) in zip(g.dParameters[d].names, g.dParameters[d].tensors) { out["d\(d)/\(n)"] = t } }
            return out
        }

        func loss(_ impl: any RNNImplementation.Type, _ perturbed: [String: Tensor<Double>]) throws -> Double {
            let w = weights.merging(perturbed) { $1 }
            let f = try model(impl, w).forward(w["X"]!, initialState: [w["initial_h"]!, w["initial_c"]!], sequenceLens: lens)
            return f.output.dot(w["dY"]!) + f.finalState[0].dot(w["dY_h"]!) + f.finalState[1].dot(w["dY_c"]!)
        }

        var differentiable: [String] { weights.keys.filter { !$0.hasPrefix("dY") }.sorted() }
    }

    /// 36 random operators: scalar and BLAS agree on Y, Y_h, Y_c and every gradient, and every
    /// attribute value is drawn.
    @Test func scalarAndBLASAgree() throws {
        var drawn = Set<String>()
        for seed in 0..<36 {
            let c = try Case(seed: seed)
            let a = try c.run(RNNScalar.Implementation.self), b = try c.run(RNNBLAS.Implementation.self)
            #expect(Set(a.keys) == Set(b.keys))
            let scale = a.values.flatMap { $0.data.map(abs) }.max() ?? 0
            for (k, u) in a { #expect(maxAbsError(u.data, b[k]!.data) <= 1e-12 * max(1, scale), "seed \(seed) \(c.options): \(k)") }
            drawn.formUnion(c.options)
        }
        for o in ["direction=forward", "direction=reverse", "direction=bidirectional", "layout=0", "layout=1", "clip=true", "clip=false",
                  "input_forget=true", "input_forget=false", "P=true", "P=false", "B=true", "B=false", "lens=true", "lens=false"] {
            #expect(drawn.contains(o), "never drawn: \(o)")
        }
    }

    /// The same operators against central differences (float64, ≤ 1e-7), both implementations.
    @Test(arguments: 0..<18)
    func gradientCheck(_ seed: Int) throws {
        let c = try Case(seed: seed)
        for impl in implementations {
            let g = try c.run(impl)
            var analytic: [String: Tensor<Double>] = [:]
            for n in c.differentiable { analytic[n] = g["d" + n] }
            let entries = try RNNCheck.gradientCheck(variables: c.differentiable.map { ($0, c.weights[$0]!) }, analytic: analytic,
                                                     maxCoordinates: 40, useGSL: seed % 2 == 0) { try c.loss(impl, $0) }
            for e in entries { #expect(e.fdRelError <= 1e-7, "seed \(seed) \(c.options) [\(impl.name)] \(e.name): \(e.fdRelError)") }
        }
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
}
