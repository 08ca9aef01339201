import RNNCore
import RNNLayers
import RNNFixtures

extension ONNXProblem {
    /// The typed operator in precision `T`, computed by `impl`.
    func model<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>]) throws -> ONNXRecurrent<T> {
        let cells = try (0..<directions).map { d in try impl.buildCell(specs[d], inputSize: inputSize, given: parameters(t, direction: d)) }
        return try ONNXRecurrent(cells: cells, direction: direction, layout: layout)
    }

    func run<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>]) throws -> (ONNXRecurrent<T>, ONNXRecurrent<T>.Forward) {
        do {
            let m = try model(impl, t)
            let s = op.stateNames.compactMap { inputs[$0] }.map { t[$0]! }
            return (m, try m.forward(t[inputs["X"]!]!, initialState: s.isEmpty ? nil : padState(s, t), sequenceLens: sequenceLens))
        } catch let e as RNNError { throw e.location.hasPrefix("model") || e.location.hasPrefix("tensors") ? e : e.within("model") }
    }

    /// initial_h given without initial_c (or the reverse): the missing one is zeros.
    func padState<T: RNNFloat>(_ given: [Tensor<T>], _ t: [String: Tensor<T>]) -> [Tensor<T>] {
        op.stateNames.map { n in inputs[n].map { t[$0]! } ?? Tensor(zeros: given[0].shape) }
    }

    /// Every gradient by input tensor name.
    func gradients<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>]) throws -> [String: Tensor<T>]? {
        guard hasUpstream else { return nil }
        let (m, f) = try run(impl, t)
        let g = try m.backward(f, dOutput: upstreamOutputs?.tensor(T.self), dFinalState: upstreamFinal?.map { $0.tensor(T.self) })
        var by: [String: Tensor<T>] = [inputs["X"]!: g.dx]
        func stacked(_ parts: (Parameters<T>) -> [Tensor<T>]) -> Tensor<T> {
            let rows = g.dParameters.map { p in Tensor<T>(uncheckedShape: [0], data: parts(p).flatMap(\.data)) }
            return Tensor.stack(rows, inner: [rows[0].data.count])
        }
        let (h, g4, i) = (hiddenSize, op.gates, inputSize)
        by[inputs["W"]!] = try stacked { [$0["W"]] }.reshaped([directions, g4 * h, i])
        by[inputs["R"]!] = try stacked { [$0["R"]] }.reshaped([directions, g4 * h, h])
        if let b = inputs["B"] { by[b] = stacked { [$0["Wb"], $0["Rb"]] } }
        if let p = inputs["P"] { by[p] = stacked { [$0["P_i"], $0["P_o"], $0["P_f"]] } }
        for (k, n) in op.stateNames.enumerated() { if let name = inputs[n] { by[name] = g.dInitialState[k] } }
        return by
    }

    public var differentiableNames: [String] {
        (["X", "W", "R", "B", "initial_h", "initial_c", "P"]).compactMap { inputs[$0] }
    }

    public func results<T: RNNFloat>(_ impl: any RNNImplementation.Type, _: T.Type) throws -> ResultSet {
        let t = floatTensors(tensors, T.self)
        let (_, f) = try run(impl, t)
        var r = ResultSet()
        r.add(["outputs"], TensorData(f.output))
        r.addList("final_state", f.finalState.map { TensorData($0) })
        if let g = try gradients(impl, t) { for n in differentiableNames where g[n] != nil { r.add(["gradients", n], TensorData(g[n]!)) } }
        return r
    }

    /// `L = Σ Y ⊙ dY + Σ_k Y_state[k] ⊙ dY_state[k]`.
    func loss<T: RNNFloat>(_ f: ONNXRecurrent<T>.Forward) -> T {
        var l: T = 0
        if let u = upstreamOutputs { l += f.output.dot(u.tensor(T.self)) }
        if let u = upstreamFinal { for k in u.indices { l += f.finalState[k].dot(u[k].tensor(T.self)) } }
        return l
    }

    public func gradientCheck(_ impl: any RNNImplementation.Type, maxCoordinates: Int, useGSL: Bool) throws -> [GradCheckEntry] {
        let t = floatTensors(tensors, Double.self)
        guard let g = try gradients(impl, t) else { return [] }
        return try RNNCheck.gradientCheck(differentiableNames, of: t, analytic: g, maxCoordinates: coordinateBudget(tensors, maxCoordinates),
                                          useGSL: useGSL) { all in loss(try run(impl, all).1) }
    }
}
