import RNNCore
import RNNScalar

/// A layer of a `keras.Sequential` stack: one input, one output.
protocol StackedLayer: Sendable {
    var inputName: String { get set }
    func output<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>]) throws -> Tensor<T>
    /// Gradients of `Σ output ⊙ dOut` by tensor name (the input's under `inputName`).
    func gradients<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>], dOut: Tensor<T>) throws -> [String: Tensor<T>]
    var layerWeightNames: [String] { get }
}

extension SequenceProblem: StackedLayer {
    var inputName: String {
        get { xName }
        set { xName = newValue }
    }
    func output<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>]) throws -> Tensor<T> {
        var p = self
        p.x = TensorData(t[xName]!)
        return try p.evaluate(impl, t, gradients: false).outputs
    }
    func gradients<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>], dOut: Tensor<T>) throws -> [String: Tensor<T>] {
        var p = self
        p.x = TensorData(t[xName]!)
        p.upstreamOutputs = TensorData(dOut)
        p.upstreamFinal = nil
        guard let g = try p.evaluate(impl, t, gradients: true).gradients else { return [:] }
        return p.gradientsByName(g)
    }
    var layerWeightNames: [String] { differentiableNames.filter { $0 != xName && !(initialStateNames ?? []).contains($0) } }
}

extension KerasBidirectionalProblem: StackedLayer {
    var inputName: String {
        get { forwardLayer.xName }
        set { forwardLayer.xName = newValue; backwardLayer.xName = newValue }
    }
    func output<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>]) throws -> Tensor<T> {
        var p = self
        p.forwardLayer.x = TensorData(t[inputName]!)
        p.backwardLayer.x = p.forwardLayer.x
        return try p.evaluate(impl, t, gradients: false).outputs[0]
    }
    func gradients<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>], dOut: Tensor<T>) throws -> [String: Tensor<T>] {
        var p = self
        p.forwardLayer.x = TensorData(t[inputName]!)
        p.backwardLayer.x = p.forwardLayer.x
        p.upstreamOutputs = [TensorData(dOut)]
        p.upstreamFinal = nil
        return try p.evaluate(impl, t, gradients: true).gradients ?? [:]
    }
    var layerWeightNames: [String] { differentiableNames.filter { $0 != inputName } }
}

/// `keras.Sequential([layer, layer, …])` of RNN layers (and `Bidirectional` wrappers), as in
/// 003_39150d02b307b59d.txt's `Bidirectional(LSTM(64, return_sequences=True))` followed by
/// `Bidirectional(LSTM(32))`. Model: `{"kind": "keras.Sequential", "layers": [layer objects
/// without x], "x": name, "upstream": {"outputs": name}}`; `expected.outputs` is the last
/// layer's output, `gradients` every weight's and x's.
public struct KerasSequentialProblem: Sendable {
    var layers: [any StackedLayer]
    var xName: String
    var upstream: TensorData?
    var tensors: [String: TensorData]
    var dtype: DType

    public init(_ f: Fixture) throws {
        let m = f.model
        try rejectUnknownKeys(m, known: ["kind", "layers", "x", "upstream"], path: "model", kind: f.kind)
        guard let ls = m["layers"]?.arrayValue, !ls.isEmpty else { throw RNNError(.missing, "model.layers", "needs a non-empty list of layers") }
        guard let (xn, _) = try f.namedTensor(m, "x", path: "model") else { throw RNNError(.missing, "model.x", "missing input tensor name") }
        xName = xn
        tensors = f.tensors
        dtype = f.dtype
        if let u = m["upstream"]?.objectValue, let n = u["outputs"]?.stringValue { upstream = try f.tensor(n, key: "model.upstream.outputs") }
        // build each layer against the previous layer's output (shapes from a forward pass)
        var built: [any StackedLayer] = []
        var g = f
        var current = xn
        var t = f.tensors.filter { !$0.value.isInteger }.mapValues { $0.tensor(Double.self) }
        for (k, l) in ls.enumerated() {
            guard var lo = l.objectValue, let kind = lo["kind"]?.stringValue else { throw RNNError(.malformed, "model.layers[\(k)]", "a layer needs a kind") }
            lo["x"] = .string(current)
            lo["upstream"] = nil
            g.model = lo
            g.kind = kind
            g.tensors[current] = TensorData(t[current]!)
            let layer: any StackedLayer
            do {
                switch kind {
                case "keras.Bidirectional": layer = try KerasBidirectionalProblem(g)
                case "keras.SimpleRNN", "keras.LSTM", "keras.GRU", "keras.MinimalRNNCell": layer = try SequenceProblem(g)
                default: throw RNNError(.unsupported, "kind", "keras.Sequential takes Keras RNN layers and Bidirectional, not \(kind)")
                }
            } catch let e as RNNError { throw e.within("model.layers[\(k)]") }
            let out = try layer.output(RNNScalar.Implementation.self, t)
            built.append(layer)
            current = "__sequential/\(k + 1)"
            t[current] = out
        }
        layers = built
    }

    func forward<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t0: [String: Tensor<T>]) throws -> (Tensor<T>, [String: Tensor<T>]) {
        var t = t0
        var out = t[xName]!
        for (k, l) in layers.enumerated() {
            out = try l.output(impl, t)
            t["__sequential/\(k + 1)"] = out
        }
        return (out, t)
    }

    func gradients<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t0: [String: Tensor<T>]) throws -> [String: Tensor<T>]? {
        guard let u = upstream else { return nil }
        let (_, t) = try forward(impl, t0)
        var d = u.tensor(T.self)
        var by: [String: Tensor<T>] = [:]
        for l in layers.reversed() {
            let g = try l.gradients(impl, t, dOut: d)
            for (n, v) in g where n != l.inputName { by[n] = v }
            d = g[l.inputName]!
        }
        by[xName] = d
        return by
    }

    var differentiableNames: [String] { layers.flatMap(\.layerWeightNames) + [xName] }

    func results<T: RNNFloat>(_ impl: any RNNImplementation.Type, _: T.Type) throws -> ResultSet {
        let t = tensors.filter { !$0.value.isInteger }.mapValues { $0.tensor(T.self) }
        var r = ResultSet()
        r.add(["outputs"], TensorData(try forward(impl, t).0))
        if let g = try gradients(impl, t) { for n in differentiableNames where g[n] != nil { r.add(["gradients", n], TensorData(g[n]!)) } }
        return r
    }

    func gradientCheck(_ impl: any RNNImplementation.Type, maxCoordinates: Int, useGSL: Bool) throws -> [GradCheckEntry] {
        let t = tensors.filter { !$0.value.isInteger }.mapValues { $0.tensor(Double.self) }
        guard let g = try gradients(impl, t), let u = upstream else { return [] }
        return try RNNVerify.gradientCheck(variables: differentiableNames.map { ($0, t[$0]!) }, analytic: g,
                                           maxCoordinates: maxCoordinates, useGSL: useGSL) { perturbed in
            var all = t
            for (k, v) in perturbed { all[k] = v }
            return try forward(impl, all).0.dot(u.tensor(Double.self))
        }
    }
}
