import RNNCore
import RNNNumpy
import RNNLayers
import RNNFixtures

extension KerasBidirectionalProblem {
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

    /// Errors of the layer, forward or backward, are located in `model`.
    func evaluate<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>], gradients: Bool) throws -> Evaluation<T> {
        do {
            let l = try layer(impl, t)
            let run = try l.forward(t[xName]!, initialState: initialStateNames?.map { t[$0]! }, mask: mask)
            guard gradients && (upstreamOutputs != nil || upstreamFinal != nil) else { return Evaluation(run: run, gradients: nil) }
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

    public var differentiableNames: [String] { weightNames + [xName] + (initialStateNames ?? []) }

    public func results<T: RNNFloat>(_ impl: any RNNImplementation.Type, _: T.Type) throws -> ResultSet {
        let t = floatTensors(tensors, T.self)
        let e = try evaluate(impl, t, gradients: true)
        var r = ResultSet()
        if merge == .none { r.addList("outputs", e.run.outputs.map { TensorData($0) }) } else { r.add(["outputs"], TensorData(e.run.outputs[0])) }
        if forwardLayer.returnState { r.addList("final_state", e.run.finalState.map { TensorData($0) }) }
        if let g = e.gradients { for n in differentiableNames where g[n] != nil { r.add(["gradients", n], TensorData(g[n]!)) } }
        return r
    }

    func listedRun<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>],
                                gradients: Bool) throws -> (outputs: [Tensor<T>], finalState: [Tensor<T>], gradients: [String: Tensor<T>]?) {
        let e = try evaluate(impl, t, gradients: gradients)
        return (e.run.outputs, e.run.finalState, e.gradients)
    }
}

extension KerasBidirectionalProblem: ListedResultsModel {}

/// A model whose results are lists (outputs, final states) and whose loss is
/// `L = Σ_k outputs[k] ⊙ upstream.outputs[k] + Σ_k final_state[k] ⊙ upstream.final_state[k]`:
/// its gradient check follows from one run.
protocol ListedResultsModel: FixtureModel {
    var tensors: [String: TensorData] { get }
    var upstreamOutputs: [TensorData]? { get }
    var upstreamFinal: [TensorData]? { get }
    var differentiableNames: [String] { get }
    func listedRun<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>],
                                gradients: Bool) throws -> (outputs: [Tensor<T>], finalState: [Tensor<T>], gradients: [String: Tensor<T>]?)
}

extension ListedResultsModel {
    func loss<T: RNNFloat>(outputs: [Tensor<T>], finalState: [Tensor<T>]) -> T {
        var l: T = 0
        if let u = upstreamOutputs { for (k, ut) in u.enumerated() { l += outputs[k].dot(ut.tensor(T.self)) } }
        if let u = upstreamFinal { for (k, ut) in u.enumerated() { l += finalState[k].dot(ut.tensor(T.self)) } }
        return l
    }

    /// Each coordinate costs two runs: for models with very many parameters (003's NestedCell at
    /// its sizes has 1.2M) a couple of coordinates per tensor are checked.
    public func gradientCheck(_ impl: any RNNImplementation.Type, maxCoordinates: Int, useGSL: Bool) throws -> [GradCheckEntry] {
        let t = floatTensors(tensors, Double.self)
        guard let g = try listedRun(impl, t, gradients: true).gradients else { return [] }
        return try RNNCheck.gradientCheck(differentiableNames, of: t, analytic: g, maxCoordinates: coordinateBudget(tensors, maxCoordinates),
                                           useGSL: useGSL) { all in
            let e = try listedRun(impl, all, gradients: false)
            return loss(outputs: e.outputs, finalState: e.finalState)
        }
    }
}
