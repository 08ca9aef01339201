import RNNCore
import RNNNumpy
import RNNFixtures

extension ChunkedProblem {
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

    public var differentiableNames: [String] {
        let weights = base.differentiableNames.filter { $0 != base.xName && !(base.initialStateNames ?? []).contains($0) }
        return weights + chunkNames + (base.initialStateNames ?? [])
    }

    public func results<T: RNNFloat>(_ impl: any RNNImplementation.Type, _: T.Type) throws -> ResultSet {
        let t = floatTensors(base.tensors, T.self)
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

    public func gradientCheck(_ impl: any RNNImplementation.Type, maxCoordinates: Int, useGSL: Bool) throws -> [GradCheckEntry] {
        let t = floatTensors(base.tensors, Double.self)
        let e = try evaluate(impl, t, gradients: true)
        guard let g = e.gradients else { return [] }
        return try RNNCheck.gradientCheck(differentiableNames, of: t, analytic: g, maxCoordinates: maxCoordinates,
                                           useGSL: useGSL) { all in
            loss(try evaluate(impl, all, gradients: false, fixedCarried: e.carried))
        }
    }
}
