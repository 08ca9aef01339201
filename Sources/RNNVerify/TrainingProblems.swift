import RNNCore

// Fixture kinds of the training building blocks (Fixtures/README.md has an example of each):
//   optimizer                                    updates step by step (TF v1, Keras, numpy)
//   tf.clip_by_global_norm                       the clipped list and the norm
//   tf.legacy_seq2seq.sequence_loss_by_example   per-example loss, dlogits, dweights
//   tf.nn.embedding_lookup                       rows and the densified gradient
//   keras.Dense+MeanSquaredError                 000's regression head: outputs, loss, gradients

private func names(_ f: Fixture, _ o: [String: JSONValue], _ key: String, path: String) throws -> [(name: String, data: TensorData)] {
    guard let l = try f.namedTensors(o, key, path: path) else { throw RNNError(.missing, "\(path).\(key)", "missing list of tensor names") }
    return l
}

private func named(_ f: Fixture, _ o: [String: JSONValue], _ key: String, path: String) throws -> (name: String, data: TensorData) {
    guard let t = try f.namedTensor(o, key, path: path) else { throw RNNError(.missing, "\(path).\(key)", "missing tensor name") }
    return t
}

private func number(_ o: [String: JSONValue], _ key: String, path: String, default d: Double? = nil) throws -> Double {
    if let v = try optionalNumber(o, key, path: path) { return v }
    if let d { return d }
    throw RNNError(.missing, "\(path).\(key)", "missing number")
}

/// `optimizer`: the rule named by `optimizer` with the framework's own hyperparameter names,
/// applied to `params` once per entry of `gradients` (a list of steps, each a list of tensor
/// names in the order of `params`), after the optional `clip_by_value` [lo, hi] or
/// `clip_by_global_norm`. Results: `steps[k][param]`, the parameters after step k.
struct OptimizerProblem: Sendable {
    static let optimizers = ["tf.train.GradientDescentOptimizer", "tf.train.AdagradOptimizer", "tf.train.AdamOptimizer",
                             "keras.optimizers.SGD", "keras.optimizers.Adam", "numpy.min_char_rnn.adagrad"]
    var rule: UpdateRule
    var params: [(name: String, data: TensorData)]
    var steps: [[(name: String, data: TensorData)]]
    var clipValue: (Double, Double)?
    var clipNorm: Double?

    init(_ f: Fixture) throws {
        let m = f.model, path = "model"
        guard let name = m["optimizer"]?.stringValue else { throw RNNError(.missing, "model.optimizer", "missing optimizer name") }
        let lr = try number(m, "learning_rate", path: path)
        var known: Set<String> = ["kind", "optimizer", "learning_rate", "params", "gradients", "clip_by_value", "clip_by_global_norm"]
        switch name {
        case "tf.train.GradientDescentOptimizer", "keras.optimizers.SGD":
            if name == "keras.optimizers.SGD", try number(m, "momentum", path: path, default: 0) != 0 {
                throw RNNError(.unsupported, "model.momentum", "SGD with momentum is not implemented")
            }
            known.insert("momentum")
            rule = .gradientDescent(learningRate: lr)
        case "tf.train.AdagradOptimizer":
            known.insert("initial_accumulator_value")
            rule = .tfAdagrad(learningRate: lr, initialAccumulator: try number(m, "initial_accumulator_value", path: path, default: 0.1))
        case "tf.train.AdamOptimizer":
            known.formUnion(["beta1", "beta2", "epsilon"])
            rule = .tfAdam(learningRate: lr, beta1: try number(m, "beta1", path: path, default: 0.9),
                           beta2: try number(m, "beta2", path: path, default: 0.999), epsilon: try number(m, "epsilon", path: path, default: 1e-8))
        case "keras.optimizers.Adam":
            known.formUnion(["beta_1", "beta_2", "epsilon", "amsgrad"])
            if try boolKey(m, "amsgrad", path: path, default: false) { throw RNNError(.unsupported, "model.amsgrad", "amsgrad is not implemented") }
            rule = .kerasAdam(learningRate: lr, beta1: try number(m, "beta_1", path: path, default: 0.9),
                              beta2: try number(m, "beta_2", path: path, default: 0.999), epsilon: try number(m, "epsilon", path: path, default: 1e-7))
        case "numpy.min_char_rnn.adagrad":
            rule = .minCharAdagrad(learningRate: lr)
        default:
            throw RNNError(.unknown, "model.optimizer", "unknown optimizer \"\(name)\" (known: \(Self.optimizers.joined(separator: ", ")))")
        }
        try rejectUnknownKeys(m, known: known, path: path, kind: name)
        params = try names(f, m, "params", path: path)
        guard let g = m["gradients"]?.arrayValue else { throw RNNError(.missing, "model.gradients", "missing list of steps") }
        let count = params.count
        steps = try g.indices.map { k in
            let s = try names(f, ["g": g[k]], "g", path: "model.gradients[\(k)]")
            guard s.count == count else {
                throw RNNError(.shape, "model.gradients[\(k)]", "expected \(count) gradients (one per param), got \(s.count)")
            }
            return s
        }
        if let c = m["clip_by_value"] {
            guard let a = c.arrayValue, a.count == 2, let lo = a[0].numberValue, let hi = a[1].numberValue, lo <= hi else {
                throw RNNError(.malformed, "model.clip_by_value", "must be [lo, hi] with lo ≤ hi")
            }
            clipValue = (lo, hi)
        }
        clipNorm = try optionalNumber(m, "clip_by_global_norm", path: path)
        if let c = clipNorm, !(c > 0) { throw RNNError(.invalid, "model.clip_by_global_norm", "must be positive") }
    }

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

/// `tf.clip_by_global_norm`: `t_list` (names), `clip_norm`. Results: `list_clipped`, `global_norm`.
func clipByGlobalNormResults<T: RNNFloat>(_ f: Fixture, _: T.Type) throws -> ResultSet {
    try rejectUnknownKeys(f.model, known: ["kind", "t_list", "clip_norm"], path: "model", kind: f.kind)
    var ts = try names(f, f.model, "t_list", path: "model").map { $0.data.tensor(T.self) }
    let c = try number(f.model, "clip_norm", path: "model")
    guard c > 0 else { throw RNNError(.invalid, "model.clip_norm", "must be positive") }
    let norm = clipByGlobalNorm(&ts, clipNorm: T(c))
    var r = ResultSet()
    r.addList("list_clipped", ts.map { TensorData($0) })
    r.add(["global_norm"], TensorData(scalar: Double(norm)))
    return r
}

/// `tf.legacy_seq2seq.sequence_loss_by_example`: `logits`, `targets`, `weights` (lists of T
/// names), `average_across_timesteps` (true; false is not implemented), `upstream.loss`.
struct SequenceLossProblem: Sendable {
    var logits: [(name: String, data: TensorData)]
    var targets: [[Int]]
    var weights: [(name: String, data: TensorData)]
    var upstream: TensorData

    init(_ f: Fixture) throws {
        let m = f.model
        try rejectUnknownKeys(m, known: ["kind", "logits", "targets", "weights", "average_across_timesteps", "upstream", "softmax_loss_function"],
                              path: "model", kind: f.kind)
        guard try boolKey(m, "average_across_timesteps", path: "model", default: true) else {
            throw RNNError(.unsupported, "model.average_across_timesteps", "only true (the default, and the PTB model's) is implemented")
        }
        if let s = m["softmax_loss_function"], s != .null { throw RNNError(.unsupported, "model.softmax_loss_function", "only the default is implemented") }
        logits = try names(f, m, "logits", path: "model")
        targets = try names(f, m, "targets", path: "model").map { $0.data.ints }
        weights = try names(f, m, "weights", path: "model")
        guard let up = m["upstream"]?.objectValue else { throw RNNError(.missing, "model.upstream", "missing upstream.loss") }
        upstream = try named(f, up, "loss", path: "model.upstream").data
    }

    var differentiableNames: [String] { logits.map(\.name) + weights.map(\.name) }

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
        return try RNNVerify.gradientCheck(variables: vars, analytic: analytic, maxCoordinates: maxCoordinates, useGSL: useGSL) { v in
            let s = try compute(logits.map { v[$0.name]! }, weights.map { v[$0.name]?.data ?? $0.data.values })
            return zip(s.loss, upstream.values).reduce(0) { $0 + $1.0 * $1.1 }
        }
    }
}

/// `tf.nn.embedding_lookup`: `params`, `ids` (int), `upstream.outputs`. Results: `outputs`,
/// `gradients[params]` (densified).
struct EmbeddingProblem: Sendable {
    var table: (name: String, data: TensorData)
    var ids: TensorData
    var upstream: TensorData

    init(_ f: Fixture) throws {
        try rejectUnknownKeys(f.model, known: ["kind", "params", "ids", "upstream"], path: "model", kind: f.kind)
        table = try named(f, f.model, "params", path: "model")
        ids = try named(f, f.model, "ids", path: "model").data
        guard let up = f.model["upstream"]?.objectValue else { throw RNNError(.missing, "model.upstream", "missing upstream.outputs") }
        upstream = try named(f, up, "outputs", path: "model.upstream").data
    }

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

/// `keras.Dense+MeanSquaredError`: `x`, `y_true`, `weights.kernel`, `weights.bias`; results
/// `outputs` (the predictions), `loss`, and the gradients of the loss for x, kernel and bias.
struct DenseMSEProblem: Sendable {
    var x: (name: String, data: TensorData)
    var y: TensorData
    var kernel: (name: String, data: TensorData)
    var bias: (name: String, data: TensorData)?

    init(_ f: Fixture) throws {
        let m = f.model
        try rejectUnknownKeys(m, known: ["kind", "x", "y_true", "weights", "use_bias", "activation", "units"], path: "model", kind: f.kind)
        if try activationKey(m, path: "model", default: .linear) != .linear { throw RNNError(.unsupported, "model.activation", "only a linear Dense is implemented") }
        x = try named(f, m, "x", path: "model")
        y = try named(f, m, "y_true", path: "model").data
        guard let w = m["weights"]?.objectValue else { throw RNNError(.missing, "model.weights", "missing kernel and bias names") }
        kernel = try named(f, w, "kernel", path: "model.weights")
        bias = try f.namedTensor(w, "bias", path: "model.weights")
        guard x.data.shape.count == 2, kernel.data.shape.count == 2, x.data.shape[1] == kernel.data.shape[0] else {
            throw RNNError(.shape, "model.weights.kernel", "expected [\(x.data.shape.last ?? 0), O] for x of shape \(x.data.shape), got \(kernel.data.shape)")
        }
        if let b = bias, b.data.shape != [kernel.data.shape[1]] { throw RNNError(.shape, "model.weights.bias", "expected [\(kernel.data.shape[1])], got \(b.data.shape)") }
    }

    var differentiableNames: [String] { [x.name, kernel.name] + (bias.map { [$0.name] } ?? []) }

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

    func results<T: RNNFloat>(_ impl: any RNNImplementation.Type, _: T.Type) throws -> ResultSet {
        let c = try compute(impl, variables(T.self))
        var r = ResultSet()
        r.add(["outputs"], TensorData(c.out))
        r.add(["loss"], TensorData(scalar: Double(c.loss)))
        for n in differentiableNames { r.add(["gradients", n], TensorData(c.grads[n]!)) }
        return r
    }

    func gradientCheck(_ impl: any RNNImplementation.Type, maxCoordinates: Int, useGSL: Bool) throws -> [GradCheckEntry] {
        let v = variables(Double.self)
        let a = try compute(impl, v)
        return try RNNVerify.gradientCheck(variables: differentiableNames.map { ($0, v[$0]!) }, analytic: a.grads,
                                           maxCoordinates: maxCoordinates, useGSL: useGSL) { try compute(impl, $0).loss }
    }
}
