import RNNCore
import RNNNumpy
import RNNFixtures

extension OptimizerProblem {
    func results<T: RNNFloat>(_: T.Type) throws -> ResultSet {
        var p = params.map { $0.data.tensor(T.self) }
        var opt = Optimizer<T>(rule)
        var r = ResultSet()
        for (k, step) in steps.enumerated() {
            var g = step.map { $0.data.tensor(T.self) }
            if let (lo, hi) = clipValue { clipByValue(&g, T(lo), T(hi)) }
            if let c = clipNorm { clipByGlobalNorm(&g, clipNorm: T(c)) }
            do { try opt.apply(g, to: &p) } catch let e as RNNError { throw e.within("model.gradients[\(k)]") }
            for (i, (name, _)) in params.enumerated() { r.add(["steps", String(k), name], TensorData(p[i])) }
        }
        r.listKeys.insert("steps")
        return r
    }
}

extension ClipByGlobalNormProblem {
    func results<T: RNNFloat>(_: T.Type) throws -> ResultSet {
        var ts = tensors.map { $0.data.tensor(T.self) }
        let norm = clipByGlobalNorm(&ts, clipNorm: T(clipNorm))
        var r = ResultSet()
        r.addList("list_clipped", ts.map { TensorData($0) })
        r.add(["global_norm"], TensorData(scalar: Double(norm)))
        return r
    }
}

extension SequenceLossProblem {
    public var differentiableNames: [String] { logits.map(\.name) + weights.map(\.name) }

    func compute<T: RNNFloat>(_ l: [Tensor<T>], _ w: [[T]]) throws -> SequenceLossByExample<T> {
        try SequenceLossByExample(logits: l, targets: targets, weights: w, upstream: upstream.values.map { T($0) })
    }

    func results<T: RNNFloat>(_: T.Type) throws -> ResultSet {
        let s = try compute(logits.map { $0.data.tensor(T.self) }, weights.map { $0.data.values.map { T($0) } })
        var r = ResultSet()
        r.add(["loss"], TensorData(shape: [s.loss.count], values: s.loss.map { Double($0) }))
        for (k, l) in logits.enumerated() { r.add(["gradients", l.name], TensorData(s.dLogits[k])) }
        for (k, w) in weights.enumerated() { r.add(["gradients", w.name], TensorData(shape: w.data.shape, values: s.dWeights[k].map { Double($0) })) }
        return r
    }

    /// With one time step the loss is `ce·w/(w + 1e-12)`, whose w-gradient is about 1e-12·ce:
    /// below what central differences resolve (rounding noise ≈ 1e-11), so the weights are
    /// gradient-checked only when T > 1 (their values are still compared with TF's).
    func gradientCheck(maxCoordinates: Int, useGSL: Bool) throws -> [GradCheckEntry] {
        let vars = (logits + (logits.count > 1 ? weights : [])).map { ($0.name, $0.data.tensor(Double.self)) }
        let a = try compute(logits.map { $0.data.tensor(Double.self) }, weights.map { $0.data.values })
        var analytic: [String: Tensor<Double>] = [:]
        for (k, l) in logits.enumerated() { analytic[l.name] = a.dLogits[k] }
        for (k, w) in weights.enumerated() { analytic[w.name] = Tensor(uncheckedShape: w.data.shape, data: a.dWeights[k]) }
        return try RNNCheck.gradientCheck(variables: vars, analytic: analytic, maxCoordinates: maxCoordinates, useGSL: useGSL) { v in
            let s = try compute(logits.map { v[$0.name]! }, weights.map { v[$0.name]?.data ?? $0.data.values })
            return zip(s.loss, upstream.values).reduce(0) { $0 + $1.0 * $1.1 }
        }
    }
}

extension EmbeddingProblem {
    func results<T: RNNFloat>(_: T.Type) throws -> ResultSet {
        let t = table.data.tensor(T.self)
        var out = try Embedding.lookup(t, ids.ints)
        let e = t.shape[1]
        out = try out.reshaped(ids.shape + [e])
        guard upstream.shape == out.shape else { throw RNNError(.shape, "model.upstream.outputs", "expected shape \(out.shape), got \(upstream.shape)") }
        var g = Tensor<T>(zeros: t.shape)
        Embedding.accumulate(Tensor(uncheckedShape: [ids.values.count, e], data: upstream.values.map { T($0) }), ids: ids.ints, into: &g)
        var r = ResultSet()
        r.add(["outputs"], TensorData(out))
        r.add(["gradients", table.name], TensorData(g))
        return r
    }
}

extension DenseMSEProblem {
    public var differentiableNames: [String] { [x.name, kernel.name] + (bias.map { [$0.name] } ?? []) }

    func compute<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ v: [String: Tensor<T>]) throws -> (out: Tensor<T>, loss: T, grads: [String: Tensor<T>]) {
        let (xv, k) = (v[x.name]!, v[kernel.name]!)
        let out = impl.dense(xv, kernel: k, bias: bias.map { v[$0.name]! })
        let (loss, dOut) = try meanSquaredError(predictions: out, targets: y.tensor(T.self))
        let g = impl.denseBackward(xv, kernel: k, dy: dOut)
        var grads = [x.name: g.dx, kernel.name: g.dKernel]
        if let b = bias { grads[b.name] = g.dBias }
        return (out, loss, grads)
    }

    func variables<T: RNNFloat>(_: T.Type) -> [String: Tensor<T>] {
        var v = [x.name: x.data.tensor(T.self), kernel.name: kernel.data.tensor(T.self)]
        if let b = bias { v[b.name] = b.data.tensor(T.self) }
        return v
    }

    public func results<T: RNNFloat>(_ impl: any RNNImplementation.Type, _: T.Type) throws -> ResultSet {
        let c = try compute(impl, variables(T.self))
        var r = ResultSet()
        r.add(["outputs"], TensorData(c.out))
        r.add(["loss"], TensorData(scalar: Double(c.loss)))
        for n in differentiableNames { r.add(["gradients", n], TensorData(c.grads[n]!)) }
        return r
    }

    public func gradientCheck(_ impl: any RNNImplementation.Type, maxCoordinates: Int, useGSL: Bool) throws -> [GradCheckEntry] {
        let v = variables(Double.self)
        let a = try compute(impl, v)
        return try RNNCheck.gradientCheck(variables: differentiableNames.map { ($0, v[$0]!) }, analytic: a.grads,
                                           maxCoordinates: maxCoordinates, useGSL: useGSL) { try compute(impl, $0).loss }
    }
}
