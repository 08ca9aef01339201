import RNNCore
import RNNLayers
import RNNFixtures

extension FlaxProblem {
    /// Cell `k` as a `flax.linen.RNN`, computed by `impl`.
    func rnn<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>], cell k: Int) throws -> FlaxRNN<T> {
        let c = cells[k].config
        let cell = try impl.buildCell(c.spec, inputSize: inputSize, given: try c.kerasParameters(flaxParameters(t, cell: k), inputSize: inputSize))
        return try FlaxRNN(c, cell: cell, timeMajor: timeMajor, returnCarry: returnCarry, reverse: reverse, keepOrder: keepOrder)
    }

    /// The outputs and the carry (Flax's order), and a pullback to every gradient by tensor name.
    func run<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>])
        throws -> (outputs: Tensor<T>, carry: [Tensor<T>], pullback: (Tensor<T>?, [Tensor<T>]?) throws -> [String: Tensor<T>]) {
        do {
            let x = t[inputsName]!, c0 = initialCarryNames?.map { t[$0]! }
            var grads: [(String, Tensor<T>)] = []
            func named(_ k: Int, _ g: Parameters<T>) {
                let (c, prefix) = cells[k]
                for (n, v) in c.flaxGradients(g) { grads.append((params[prefix + n]!, v)) }
            }
            func finish(_ dx: Tensor<T>, _ dc: [Tensor<T>]) -> [String: Tensor<T>] {
                var by = Dictionary(grads, uniquingKeysWith: { a, _ in a })
                by[inputsName] = dx
                if let names = initialCarryNames { for (k, n) in names.enumerated() { by[n] = dc[k] } }
                return by
            }
            switch kind {
            case .rnn:
                let r = try rnn(impl, t, cell: 0)
                let f = try r.forward(x, initialCarry: c0, seqLengths: seqLengths)
                return (f.outputs, f.carry, { dy, dc in
                    let g = try r.backward(f, dOutputs: dy, dCarry: dc)
                    named(0, g.dParameters)
                    return finish(g.dInputs, g.dInitialCarry)
                })
            case .bidirectional:
                let b = FlaxBidirectional(forward: try rnn(impl, t, cell: 0), backward: try rnn(impl, t, cell: 1),
                                          timeMajor: timeMajor, returnCarry: returnCarry)
                let f = try b.forward(x, initialCarry: c0, seqLengths: seqLengths)
                return (f.outputs, f.carry, { dy, dc in
                    let g = try b.backward(f, dOutputs: dy, dCarry: dc)
                    named(0, g.dParameters[0]); named(1, g.dParameters[1])
                    return finish(g.dInputs, g.dInitialCarry)
                })
            }
        } catch let e as RNNError { throw e.location.hasPrefix("model") || e.location.hasPrefix("tensors") ? e : e.within("model") }
    }

    /// Every gradient by tensor name (nil without an upstream).
    func gradients<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>]) throws -> [String: Tensor<T>]? {
        guard hasUpstream else { return nil }
        return try run(impl, t).pullback(upstreamOutputs?.tensor(T.self), upstreamCarry?.map { $0.tensor(T.self) })
    }

    public var differentiableNames: [String] {
        cells.flatMap { c in c.config.parameterShapes(inputSize: inputSize).map { params[c.prefix + $0.name]! } } + [inputsName] + (initialCarryNames ?? [])
    }

    public func results<T: RNNFloat>(_ impl: any RNNImplementation.Type, _: T.Type) throws -> ResultSet {
        let t = floatTensors(tensors, T.self)
        let r = try run(impl, t)
        var out = ResultSet()
        out.add(["outputs"], TensorData(r.outputs))
        if returnCarry { out.addList("final_state", r.carry.map { TensorData($0) }) }
        if let g = try gradients(impl, t) { for n in differentiableNames where g[n] != nil { out.add(["gradients", n], TensorData(g[n]!)) } }
        return out
    }

    /// `L = Σ outputs ⊙ upstream.outputs + Σ_k carry[k] ⊙ upstream.final_state[k]`.
    public func gradientCheck(_ impl: any RNNImplementation.Type, maxCoordinates: Int, useGSL: Bool) throws -> [GradCheckEntry] {
        let t = floatTensors(tensors, Double.self)
        guard let g = try gradients(impl, t) else { return [] }
        return try RNNCheck.gradientCheck(differentiableNames, of: t, analytic: g, maxCoordinates: coordinateBudget(tensors, maxCoordinates),
                                          useGSL: useGSL) { all in
            let r = try run(impl, all)
            var l = upstreamOutputs.map { r.outputs.dot($0.tensor(Double.self)) } ?? 0
            if let u = upstreamCarry { for k in u.indices { l += r.carry[k].dot(u[k].tensor(Double.self)) } }
            return l
        }
    }
}
