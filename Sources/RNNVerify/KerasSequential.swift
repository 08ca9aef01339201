import RNNCore
import RNNLayers

/// A `keras.Sequential` fixture: RNNLayers' `KerasSequential` of Keras RNN layers and
/// `Bidirectional` wrappers, as in the Keras RNN guide's `Bidirectional(LSTM(64,
/// return_sequences=True))` followed by `Bidirectional(LSTM(32))`. Model: `{"kind":
/// "keras.Sequential", "layers": [layer objects without x], "x": name, "upstream": {"outputs":
/// name}}`; `expected.outputs` is the last layer's output, `gradients` every weight's and x's.
/// Each layer's input size is the one below's output size, from the specs: decoding runs no math.
public struct KerasSequentialProblem: Sendable {
    enum Layer: Sendable {
        case rnn(KerasLayerEntry)
        case bidirectional(KerasBidirectionalProblem)
    }

    var layers: [Layer]
    var xName: String
    var upstream: TensorData?
    var tensors: [String: TensorData]

    public init(_ f: Fixture) throws {
        let m = f.model
        try rejectUnknownKeys(m, known: ["kind", "layers", "x", "upstream"], path: "model", kind: f.kind)
        guard let ls = m["layers"]?.arrayValue, !ls.isEmpty else { throw RNNError(.missing, "model.layers", "needs a non-empty list of layers") }
        guard let (xn, xd) = try f.namedTensor(m, "x", path: "model") else { throw RNNError(.missing, "model.x", "missing input tensor name") }
        guard xd.rank == 3 else { throw RNNError(.shape, "tensors.\(xn)", "x must have rank 3, got shape \(xd.shape)") }
        xName = xn
        tensors = f.tensors
        if let u = m["upstream"]?.objectValue, let n = u["outputs"]?.stringValue { upstream = try f.tensor(n, key: "model.upstream.outputs") }
        var built: [Layer] = []
        var inputSize = xd.shape[2]
        for (k, l) in ls.enumerated() {
            let path = "model.layers[\(k)]"
            guard let lo = l.objectValue, let kind = lo["kind"]?.stringValue else { throw RNNError(.malformed, path, "a layer needs a kind") }
            if k > 0 {
                let below: Bool
                switch built[k - 1] {
                case let .rnn(e): below = e.returnSequences
                case let .bidirectional(b): below = b.forwardLayer.returnSequences
                }
                guard below else { throw RNNError(.invalid, "model.layers[\(k - 1)]", "feeds another recurrent layer, so it must return sequences") }
            }
            switch kind {
            case "keras.Bidirectional":
                try rejectUnknownKeys(lo, known: ["kind", "merge_mode", "layer", "backward_layer"], path: path, kind: kind)
                let b = try KerasBidirectionalProblem(f, lo, path: path, xName: xn, inputSize: inputSize)
                guard b.merge != .none else { throw RNNError(.unsupported, "\(path).merge_mode", "a Sequential layer has one output: merge_mode None has two") }
                let (fw, bw) = (b.forwardLayer.cell.spec.outputSize, b.backwardLayer.cell.spec.outputSize)
                inputSize = b.merge == .concat ? fw + bw : fw
                built.append(.bidirectional(b))
            case "keras.SimpleRNN", "keras.LSTM", "keras.GRU", "keras.MinimalRNNCell":
                let e = try decodeKerasLayer(lo, kind: kind, inputSize: inputSize, path: path)
                for (v, t) in e.cell.weightNames { _ = try f.tensor(t, key: "\(path).weights.\(v)") }
                inputSize = e.cell.spec.outputSize
                built.append(.rnn(e))
            default:
                throw RNNError(.unsupported, "\(path).kind", "keras.Sequential takes Keras RNN layers and Bidirectional, not \(kind)")
            }
        }
        layers = built
    }

    /// The typed model in precision `T`, computed by `impl`.
    func model<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>]) throws -> KerasSequential<T> {
        try KerasSequential(try layers.map { l -> KerasSequential<T>.Layer in
            switch l {
            case let .rnn(e): return .rnn(try e.layer(impl, t))
            case let .bidirectional(b): return .bidirectional(try b.layer(impl, t))
            }
        })
    }

    func gradients<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>]) throws -> [String: Tensor<T>]? {
        guard let u = upstream else { return nil }
        let model = try model(impl, t)
        let g = try model.backward(try model.forward(t[xName]!), dOutput: u.tensor(T.self))
        var by: [String: Tensor<T>] = [xName: g.dx]
        for (l, lg) in zip(layers, g.layers) {
            switch (l, lg) {
            case let (.rnn(e), .rnn(d)):
                for (v, tensor) in zip(d.dWeights.names, d.dWeights.tensors) { by[e.cell.weightNames[v]!] = tensor }
            case let (.bidirectional(b), .bidirectional(d)):
                for (n, tensor) in b.gradientsByName(d) where n != b.xName { by[n] = tensor }
            default:
                preconditionFailure("the model's layers and their gradients are in the same order")
            }
        }
        return by
    }

    var differentiableNames: [String] {
        layers.flatMap { l -> [String] in
            switch l {
            case let .rnn(e): return e.cell.spec.parameterShapes(inputSize: e.cell.inputSize).map { e.cell.weightNames[$0.name]! }
            case let .bidirectional(b): return b.weightNames
            }
        } + [xName]
    }

    func results<T: RNNFloat>(_ impl: any RNNImplementation.Type, _: T.Type) throws -> ResultSet {
        let t = tensors.filter { !$0.value.isInteger }.mapValues { $0.tensor(T.self) }
        var r = ResultSet()
        r.add(["outputs"], TensorData(try model(impl, t).forward(t[xName]!).output))
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
            return try model(impl, all).forward(all[xName]!).output.dot(u.tensor(Double.self))
        }
    }
}
