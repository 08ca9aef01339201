import RNNCore
import RNNLayers

/// A `keras.Bidirectional` fixture: RNNLayers' `KerasBidirectional` (Keras' `call` quoted there)
/// with weights, inputs and cotangents from the fixture. The backward layer is given as Keras
/// builds it from `layer`: the same flags, its own weights, and `go_backwards` flipped here.
///
/// Model: `{"kind": "keras.Bidirectional", "merge_mode": …, "layer": {keras layer with its
/// weights}, "backward_layer": {the same kind with its own weights}, "x", "initial_state"
/// (forward states, then backward), "upstream": {"outputs": name (or [fw, bw] for None),
/// "final_state": [...]}}`.
public struct KerasBidirectionalProblem: Sendable {
    public typealias Merge = KerasMergeMode
    public var merge: Merge
    var forwardLayer: KerasLayerEntry
    var backwardLayer: KerasLayerEntry
    var xName: String
    var initialStateNames: [String]?
    public var upstreamOutputs: [TensorData]?
    public var upstreamFinal: [TensorData]?
    var tensors: [String: TensorData]

    public init(_ f: Fixture) throws {
        let m = f.model
        try rejectUnknownKeys(m, known: ["kind", "merge_mode", "layer", "backward_layer", "x", "initial_state", "upstream"], path: "model", kind: f.kind)
        guard let (xn, xd) = try f.namedTensor(m, "x", path: "model") else { throw RNNError(.missing, "model.x", "missing input tensor name") }
        guard xd.rank == 3 else { throw RNNError(.shape, "tensors.\(xn)", "x must have rank 3, got shape \(xd.shape)") }
        try self.init(f, m, path: "model", xName: xn, inputSize: xd.shape[2])
    }

    /// Decodes `m` (at `path`) whose input, named `xName`, has `inputSize` features (in a
    /// Sequential, the layer below's output).
    init(_ f: Fixture, _ m: [String: JSONValue], path: String, xName: String, inputSize: Int) throws {
        self.xName = xName
        switch m["merge_mode"] {
        case nil: merge = .concat
        case .null?: merge = .none
        case let v?:
            guard let s = v.stringValue, let mm = Merge(rawValue: s), mm != .none else {
                throw RNNError(.unknown, "\(path).merge_mode", "unknown merge_mode \(v.serialized()) (concat, sum, ave, mul, null)")
            }
            merge = mm
        }
        guard let layer = m["layer"]?.objectValue else { throw RNNError(.missing, "\(path).layer", "missing the wrapped Keras layer") }
        guard let back = m["backward_layer"]?.objectValue else { throw RNNError(.missing, "\(path).backward_layer", "missing the backward layer (its weights)") }
        guard let kind = layer["kind"]?.stringValue, ["keras.SimpleRNN", "keras.LSTM", "keras.GRU", "keras.MinimalRNNCell"].contains(kind) else {
            throw RNNError(.unsupported, "\(path).layer.kind", "Bidirectional wraps keras.SimpleRNN, keras.LSTM, keras.GRU or keras.MinimalRNNCell")
        }
        guard back["kind"]?.stringValue == kind else {
            throw RNNError(.invalid, "\(path).backward_layer.kind", "the backward layer must be a \(kind) like the forward one")
        }
        tensors = f.tensors
        forwardLayer = try decodeKerasLayer(layer, kind: kind, inputSize: inputSize, path: "\(path).layer")
        backwardLayer = try decodeKerasLayer(back, kind: kind, inputSize: inputSize, path: "\(path).backward_layer")
        backwardLayer.goBackwards.toggle()
        guard forwardLayer.returnSequences == backwardLayer.returnSequences, forwardLayer.returnState == backwardLayer.returnState else {
            throw RNNError(.invalid, "\(path).backward_layer", "return_sequences and return_state must match the forward layer's")
        }
        for (e, key) in [(forwardLayer, "layer"), (backwardLayer, "backward_layer")] {
            for (v, t) in e.cell.weightNames { _ = try f.tensor(t, key: "\(path).\(key).weights.\(v)") }
        }
        if let s = try f.namedTensors(m, "initial_state", path: path) {
            let want = forwardLayer.cell.spec.stateSizes.count + backwardLayer.cell.spec.stateSizes.count
            guard s.count == want else { throw RNNError(.shape, "\(path).initial_state", "expected \(want) tensors (forward states, then backward), got \(s.count)") }
            initialStateNames = s.map(\.name)
        }
        if let u = m["upstream"]?.objectValue {
            if let o = u["outputs"] {
                if merge == .none {
                    guard let names = o.arrayValue?.compactMap(\.stringValue), names.count == 2 else {
                        throw RNNError(.malformed, "\(path).upstream.outputs", "merge_mode None returns two outputs: list two tensor names")
                    }
                    upstreamOutputs = try names.map { try f.tensor($0, key: "\(path).upstream.outputs") }
                } else {
                    guard let n = o.stringValue else { throw RNNError(.malformed, "\(path).upstream.outputs", "must be a tensor name") }
                    upstreamOutputs = [try f.tensor(n, key: "\(path).upstream.outputs")]
                }
            }
            upstreamFinal = try f.namedTensors(u, "final_state", path: "\(path).upstream")?.map(\.data)
        }
    }

    /// The typed layer in precision `T`, computed by `impl`.
    func layer<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>]) throws -> KerasBidirectional<T> {
        try KerasBidirectional(forward: try forwardLayer.layer(impl, t), backward: try backwardLayer.layer(impl, t), merge: merge)
    }

    /// Gradients by tensor name: each direction's weights, x, the initial states.
    func gradientsByName<T: RNNFloat>(_ g: KerasBidirectional<T>.Gradients) -> [String: Tensor<T>] {
        var by: [String: Tensor<T>] = [:]
        for (entry, d) in [(forwardLayer, g.dForwardWeights), (backwardLayer, g.dBackwardWeights)] {
            for (v, tensor) in zip(d.names, d.tensors) {
                let n = entry.cell.weightNames[v]!
                if by[n] == nil { by[n] = tensor } else { by[n]!.add(tensor) }
            }
        }
        by[xName] = g.dx
        for (k, n) in (initialStateNames ?? []).enumerated() { by[n] = g.dInitialState[k] }
        return by
    }

    struct Evaluation<T: RNNFloat> {
        var run: KerasBidirectional<T>.Forward
        var gradients: [String: Tensor<T>]?
    }

    func evaluate<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>], gradients: Bool) throws -> Evaluation<T> {
        let l = try layer(impl, t)
        let run = try l.forward(t[xName]!, initialState: initialStateNames?.map { t[$0]! })
        guard gradients && (upstreamOutputs != nil || upstreamFinal != nil) else { return Evaluation(run: run, gradients: nil) }
        do {
            let g = try l.backward(run, dOutputs: upstreamOutputs?.map { $0.tensor(T.self) }, dFinalState: upstreamFinal?.map { $0.tensor(T.self) })
            return Evaluation(run: run, gradients: gradientsByName(g))
        } catch let e as RNNError { throw e.within("model") }
    }

    var weightNames: [String] {
        var names: [String] = []
        for e in [forwardLayer, backwardLayer] {
            for (v, _) in e.cell.spec.parameterShapes(inputSize: e.cell.inputSize) where !names.contains(e.cell.weightNames[v]!) {
                names.append(e.cell.weightNames[v]!)
            }
        }
        return names
    }

    var differentiableNames: [String] { weightNames + [xName] + (initialStateNames ?? []) }

    func results<T: RNNFloat>(_ impl: any RNNImplementation.Type, _: T.Type) throws -> ResultSet {
        let t = tensors.filter { !$0.value.isInteger }.mapValues { $0.tensor(T.self) }
        let e = try evaluate(impl, t, gradients: true)
        var r = ResultSet()
        if merge == .none { r.addList("outputs", e.run.outputs.map { TensorData($0) }) } else { r.add(["outputs"], TensorData(e.run.outputs[0])) }
        if forwardLayer.returnState { r.addList("final_state", e.run.finalState.map { TensorData($0) }) }
        if let g = e.gradients { for n in differentiableNames where g[n] != nil { r.add(["gradients", n], TensorData(g[n]!)) } }
        return r
    }

    func loss<T: RNNFloat>(_ e: Evaluation<T>) -> T {
        var l: T = 0
        if let u = upstreamOutputs { for (k, ut) in u.enumerated() { l += e.run.outputs[k].dot(ut.tensor(T.self)) } }
        if let u = upstreamFinal { for (k, ut) in u.enumerated() { l += e.run.finalState[k].dot(ut.tensor(T.self)) } }
        return l
    }

    func gradientCheck(_ impl: any RNNImplementation.Type, maxCoordinates: Int, useGSL: Bool) throws -> [GradCheckEntry] {
        let t = tensors.filter { !$0.value.isInteger }.mapValues { $0.tensor(Double.self) }
        guard let g = try evaluate(impl, t, gradients: true).gradients else { return [] }
        return try RNNVerify.gradientCheck(variables: differentiableNames.map { ($0, t[$0]!) }, analytic: g,
                                           maxCoordinates: maxCoordinates, useGSL: useGSL) { perturbed in
            var all = t
            for (k, v) in perturbed { all[k] = v }
            return loss(try evaluate(impl, all, gradients: false))
        }
    }
}
