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

    func listedRun<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>],
                                gradients: Bool) throws -> (outputs: [Tensor<T>], finalState: [Tensor<T>], gradients: [String: Tensor<T>]?) {
        let e = try evaluate(impl, t, gradients: gradients)
        return (e.run.outputs, e.run.finalState, e.gradients)
    }
}

extension KerasNestedProblem: ListedResultsModel {}
