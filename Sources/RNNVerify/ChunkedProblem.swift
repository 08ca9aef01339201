import RNNCore

/// Consecutive calls with the state carried over: Keras `stateful=True` over consecutive
/// batches (the three paragraphs of “Recurrent Neural Networks (RNN) with Keras” (003)), and truncated BPTT as
/// min-char-rnn carries `hprev` and TF v1 programs feed the final state back in. Model: any
/// sequence kind with `"x": [chunk names…]` (and Keras' `"stateful": true`); the first chunk
/// starts from `initial_state` (zeros when absent), each next one from the state the previous
/// one ended in, taken as a constant: no gradient flows from one call into the one before,
/// exactly as a state kept in a Keras variable or fed back through a placeholder.
/// `expected.outputs` lists each call's outputs, `final_state` is the state after the last call,
/// `gradients` sum over the calls. `upstream.outputs` lists one cotangent per call;
/// `upstream.final_state` applies to the last call.
public struct ChunkedProblem: Sendable {
    var base: SequenceProblem
    public var chunkNames: [String]
    var upstreamChunks: [TensorData]?

    public init(_ f: Fixture) throws {
        guard let list = f.model["x"]?.arrayValue else { throw RNNError(.malformed, "model.x", "expected a list of chunk names") }
        let names = try list.enumerated().map { k, v -> String in
            guard let s = v.stringValue else { throw RNNError(.malformed, "model.x[\(k)]", "must be a tensor name") }
            _ = try f.tensor(s, key: "model.x[\(k)]")
            return s
        }
        guard !names.isEmpty else { throw RNNError(.invalid, "model.x", "needs at least one chunk") }
        var g = f
        g.model["x"] = .string(names[0])
        g.model["stateful"] = nil
        var up = g.model["upstream"]?.objectValue
        var chunks: [TensorData]?
        if let o = up?["outputs"] {
            guard let us = o.arrayValue?.compactMap(\.stringValue), us.count == names.count else {
                throw RNNError(.malformed, "model.upstream.outputs", "list one cotangent per call (\(names.count))")
            }
            chunks = try us.map { try f.tensor($0, key: "model.upstream.outputs") }
            up?["outputs"] = nil
            g.model["upstream"] = .object(up!)
        }
        let stateful = try boolKey(f.model, "stateful", path: "model", default: false)
        if f.kind.hasPrefix("keras.") && !stateful {
            throw RNNError(.invalid, "model.stateful", "a list of Keras calls carries state only with stateful=True")
        }
        base = try SequenceProblem(g)
        if chunks != nil { base.upstreamOutputs = chunks![0] }
        chunkNames = names
        upstreamChunks = chunks
        for n in names.dropFirst() where base.tensors[n]!.shape.count != 3 || base.tensors[n]!.shape[2] != base.x.shape[2] {
            throw RNNError(.shape, "tensors.\(n)", "every chunk must be [·, ·, \(base.x.shape[2])] like the first")
        }
    }

    struct Evaluation<T: RNNFloat> {
        var outputs: [Tensor<T>]
        var finalState: [Tensor<T>]
        var gradients: [String: Tensor<T>]?
        /// The state each call after the first started from.
        var carried: [[Tensor<T>]]
    }

    /// With `fixedCarried`, call k > 0 starts from `fixedCarried[k-1]` instead of what call k−1
    /// computed: the finite-difference oracle holds the carried states constant, as the
    /// truncated gradient does.
    func evaluate<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>], gradients: Bool,
                               fixedCarried: [[Tensor<T>]]? = nil) throws -> Evaluation<T> {
        var all = t
        var outputs: [Tensor<T>] = []
        var stateNames = base.initialStateNames
        var by: [String: Tensor<T>] = [:]
        var fin: [Tensor<T>] = []
        var carried: [[Tensor<T>]] = []
        for (k, name) in chunkNames.enumerated() {
            var p = base
            p.xName = name
            p.x = base.tensors[name]!
            p.initialStateNames = stateNames
            let last = k == chunkNames.count - 1
            p.upstreamOutputs = upstreamChunks?[k]
            if !last, let u = base.upstreamFinal { p.upstreamFinal = u.map { TensorData(shape: $0.shape, values: [Double](repeating: 0, count: $0.values.count)) } }
            let e = try p.evaluate(impl, all, gradients: gradients)
            outputs.append(e.outputs)
            fin = e.finalState
            if let g = e.gradients {
                // weights sum over the calls; x is this call's chunk; the initial state is the first call's
                for (n, v) in p.gradientsByName(g) where !n.hasPrefix("__carried/") {
                    if by[n] == nil { by[n] = v } else { by[n]!.add(v) }
                }
            }
            // the next call starts from this one's final state, as a constant
            let next = fixedCarried.map { k < $0.count ? $0[k] : fin } ?? fin
            carried.append(next)
            stateNames = next.indices.map { "__carried/\(k)/\($0)" }
            for (j, s) in next.enumerated() { all["__carried/\(k)/\(j)"] = s }
        }
        return Evaluation(outputs: outputs, finalState: fin, gradients: gradients ? by : nil, carried: carried)
    }

    var differentiableNames: [String] {
        let weights = base.differentiableNames.filter { $0 != base.xName && !(base.initialStateNames ?? []).contains($0) }
        return weights + chunkNames + (base.initialStateNames ?? [])
    }

    func results<T: RNNFloat>(_ impl: any RNNImplementation.Type, _: T.Type) throws -> ResultSet {
        let t = base.tensorsAs(T.self)
        let e = try evaluate(impl, t, gradients: base.hasUpstream || upstreamChunks != nil)
        var r = ResultSet()
        r.addList("outputs", e.outputs.map { TensorData($0) })
        if base.returnState || base.family != .keras { r.addList("final_state", e.finalState.map { TensorData($0) }) }
        if let g = e.gradients { for n in differentiableNames where g[n] != nil { r.add(["gradients", n], TensorData(g[n]!)) } }
        return r
    }

    func loss<T: RNNFloat>(_ e: Evaluation<T>) -> T {
        var l: T = 0
        if let u = upstreamChunks { for (k, ut) in u.enumerated() { l += e.outputs[k].dot(ut.tensor(T.self)) } }
        if let u = base.upstreamFinal { for (k, ut) in u.enumerated() { l += e.finalState[k].dot(ut.tensor(T.self)) } }
        return l
    }

    func gradientCheck(_ impl: any RNNImplementation.Type, maxCoordinates: Int, useGSL: Bool) throws -> [GradCheckEntry] {
        let t = base.tensorsAs(Double.self)
        let e = try evaluate(impl, t, gradients: true)
        guard let g = e.gradients else { return [] }
        return try RNNVerify.gradientCheck(variables: differentiableNames.map { ($0, t[$0]!) }, analytic: g,
                                           maxCoordinates: maxCoordinates, useGSL: useGSL) { perturbed in
            var all = t
            for (k, v) in perturbed { all[k] = v }
            return loss(try evaluate(impl, all, gradients: false, fixedCarried: e.carried))
        }
    }
}
