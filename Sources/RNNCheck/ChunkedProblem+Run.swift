import RNNCore
import RNNNumpy
import RNNFixtures

/// One call of a stateful sequence (`ChunkedProblem`): the model, its input and initial state
/// renamed per call, its output cotangent per call.
protocol CarriedCall: Sendable {
    var callInput: String { get set }
    var callInitialState: [String]? { get set }
    var callUpstreamOutput: TensorData? { get set }
    var callUpstreamFinal: [TensorData]? { get set }
    var tensors: [String: TensorData] { get }
    /// The call's differentiable tensors, input and initial state included.
    var differentiableNames: [String] { get }
    /// Whether `final_state` is among the results.
    var returnsState: Bool { get }
    var hasUpstream: Bool { get }
    func evaluateCall<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>],
                                   gradients: Bool) throws -> (output: Tensor<T>, finalState: [Tensor<T>], gradients: [String: Tensor<T>]?)
}

extension SequenceProblem: CarriedCall {
    var callInput: String {
        get { xName }
        set { xName = newValue; x = tensors[newValue]! }
    }
    var callInitialState: [String]? {
        get { initialStateNames }
        set { initialStateNames = newValue }
    }
    var callUpstreamOutput: TensorData? {
        get { upstreamOutputs }
        set { upstreamOutputs = newValue }
    }
    var callUpstreamFinal: [TensorData]? {
        get { upstreamFinal }
        set { upstreamFinal = newValue }
    }
    var returnsState: Bool { returnState || family != .keras }

    func evaluateCall<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>],
                                   gradients: Bool) throws -> (output: Tensor<T>, finalState: [Tensor<T>], gradients: [String: Tensor<T>]?) {
        let e = try evaluate(impl, t, gradients: gradients)
        return (e.outputs, e.finalState, e.gradients.map(gradientsByName))
    }
}

extension KerasBidirectionalProblem: CarriedCall {
    var callInput: String {
        get { xName }
        set { xName = newValue }
    }
    var callInitialState: [String]? {
        get { initialStateNames }
        set { initialStateNames = newValue }
    }
    var callUpstreamOutput: TensorData? {
        get { upstreamOutputs?.first }
        set { upstreamOutputs = newValue.map { [$0] } }
    }
    var callUpstreamFinal: [TensorData]? {
        get { upstreamFinal }
        set { upstreamFinal = newValue }
    }
    var returnsState: Bool { forwardLayer.returnState }
    var hasUpstream: Bool { upstreamOutputs != nil || upstreamFinal != nil }

    func evaluateCall<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>],
                                   gradients: Bool) throws -> (output: Tensor<T>, finalState: [Tensor<T>], gradients: [String: Tensor<T>]?) {
        let e = try evaluate(impl, t, gradients: gradients)
        return (e.run.outputs[0], e.run.finalState, e.gradients)
    }
}

extension ChunkedProblem.Call {
    var carried: any CarriedCall {
        switch self {
        case let .sequence(p): return p
        case let .bidirectional(b): return b
        }
    }
}

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
        let base = call.carried
        var all = t
        var outputs: [Tensor<T>] = []
        var stateNames = base.callInitialState
        var by: [String: Tensor<T>] = [:]
        var fin: [Tensor<T>] = []
        var carried: [[Tensor<T>]] = []
        for (k, name) in chunkNames.enumerated() {
            var p = base
            p.callInput = name
            p.callInitialState = stateNames
            let last = k == chunkNames.count - 1
            p.callUpstreamOutput = upstreamChunks?[k]
            if !last, let u = base.callUpstreamFinal {
                p.callUpstreamFinal = u.map { TensorData(shape: $0.shape, values: [Double](repeating: 0, count: $0.values.count)) }
            }
            let e = try p.evaluateCall(impl, all, gradients: gradients)
            outputs.append(e.output)
            fin = e.finalState
            if let g = e.gradients {
                // weights sum over the calls; x is this call's chunk; the initial state is the first call's
                for (n, v) in g where !n.hasPrefix("__carried/") {
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
        let base = call.carried
        let weights = base.differentiableNames.filter { $0 != base.callInput && !(base.callInitialState ?? []).contains($0) }
        return weights + chunkNames + (base.callInitialState ?? [])
    }

    public func results<T: RNNFloat>(_ impl: any RNNImplementation.Type, _: T.Type) throws -> ResultSet {
        let base = call.carried
        let t = floatTensors(base.tensors, T.self)
        let e = try evaluate(impl, t, gradients: base.hasUpstream || upstreamChunks != nil)
        var r = ResultSet()
        r.addList("outputs", e.outputs.map { TensorData($0) })
        if base.returnsState { r.addList("final_state", e.finalState.map { TensorData($0) }) }
        if let g = e.gradients { for n in differentiableNames where g[n] != nil { r.add(["gradients", n], TensorData(g[n]!)) } }
        return r
    }

    func loss<T: RNNFloat>(_ e: Evaluation<T>) -> T {
        var l: T = 0
        if let u = upstreamChunks { for (k, ut) in u.enumerated() { l += e.outputs[k].dot(ut.tensor(T.self)) } }
        if let u = call.carried.callUpstreamFinal { for (k, ut) in u.enumerated() { l += e.finalState[k].dot(ut.tensor(T.self)) } }
        return l
    }

    public func gradientCheck(_ impl: any RNNImplementation.Type, maxCoordinates: Int, useGSL: Bool) throws -> [GradCheckEntry] {
        let t = floatTensors(call.carried.tensors, Double.self)
        let e = try evaluate(impl, t, gradients: true)
        guard let g = e.gradients else { return [] }
        return try RNNCheck.gradientCheck(differentiableNames, of: t, analytic: g, maxCoordinates: maxCoordinates,
                                           useGSL: useGSL) { all in
            loss(try evaluate(impl, all, gradients: false, fixedCarried: e.carried))
        }
    }
}
