import RNNCore
import RNNNumpy
import RNNLayers
import RNNFixtures

extension KerasNestedProblem {
    /// The typed layer in precision `T`, computed by `impl`.
    func layer<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>]) throws -> KerasNestedRNN<T> {
        let spec = CellSpec.kerasNested(config)
        let cell = try impl.buildCell(spec, inputSize: config.flatInput, given: weightNames.mapValues { t[$0]! })
        return try KerasNestedRNN(config: config, layer: KerasRNN(cell: cell, returnSequences: returnSequences, returnState: returnState,
                                                                 goBackwards: goBackwards, zeroOutputForMask: zeroOutputForMask))
    }

    struct Evaluation<T: RNNFloat> {
        var run: KerasNestedRNN<T>.Forward
        var gradients: [String: Tensor<T>]?
    }

    /// Errors of the layer are located in `model`.
    func evaluate<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>], gradients: Bool) throws -> Evaluation<T> {
        do {
            let l = try layer(impl, t)
            let run = try l.forward(xNames.map { t[$0]! }, initialState: initialStateNames?.map { t[$0]! }, mask: mask)
            guard gradients && (upstreamOutputs != nil || upstreamFinal != nil) else { return Evaluation(run: run, gradients: nil) }
            let g = try l.backward(run, dOutputs: upstreamOutputs?.map { $0.tensor(T.self) }, dFinalState: upstreamFinal?.map { $0.tensor(T.self) })
            var by: [String: Tensor<T>] = [:]
            for (v, d) in zip(g.dWeights.names, g.dWeights.tensors) { by[weightNames[v]!] = d }
            for (n, d) in zip(xNames, g.dx) { by[n] = d }
            for (n, d) in zip(initialStateNames ?? [], g.dInitialState) { by[n] = d }
            return Evaluation(run: run, gradients: by)
        } catch let e as RNNError { throw e.within("model") }
    }

    public var differentiableNames: [String] {
        CellSpec.kerasNested(config).parameterShapes(inputSize: config.flatInput).map { weightNames[$0.name]! } + xNames + (initialStateNames ?? [])
    }

    public func results<T: RNNFloat>(_ impl: any RNNImplementation.Type, _: T.Type) throws -> ResultSet {
        let e = try evaluate(impl, floatTensors(tensors, T.self), gradients: true)
        var r = ResultSet()
        r.addList("outputs", e.run.outputs.map { TensorData($0) })
        if returnState { r.addList("final_state", e.run.finalState.map { TensorData($0) }) }
        if let g = e.gradients { for n in differentiableNames where g[n] != nil { r.add(["gradients", n], TensorData(g[n]!)) } }
        return r
    }

    func loss<T: RNNFloat>(_ e: Evaluation<T>) -> T {
        var l: T = 0
        if let u = upstreamOutputs { for (k, ut) in u.enumerated() { l += e.run.outputs[k].dot(ut.tensor(T.self)) } }
        if let u = upstreamFinal { for (k, ut) in u.enumerated() { l += e.run.finalState[k].dot(ut.tensor(T.self)) } }
        return l
    }

    public func gradientCheck(_ impl: any RNNImplementation.Type, maxCoordinates: Int, useGSL: Bool) throws -> [GradCheckEntry] {
        let t = floatTensors(tensors, Double.self)
        guard let g = try evaluate(impl, t, gradients: true).gradients else { return [] }
        return try RNNCheck.gradientCheck(differentiableNames, of: t, analytic: g, maxCoordinates: maxCoordinates, useGSL: useGSL) { all in
            loss(try evaluate(impl, all, gradients: false))
        }
    }
}
