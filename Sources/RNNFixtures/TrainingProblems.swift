import RNNCore
import RNNNumpy

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
public struct OptimizerProblem: Sendable {
    public static let optimizers = ["tf.train.GradientDescentOptimizer", "tf.train.AdagradOptimizer", "tf.train.AdamOptimizer",
                             "keras.optimizers.SGD", "keras.optimizers.Adam", "numpy.min_char_rnn.adagrad"]
    public var rule: UpdateRule
    public var params: [(name: String, data: TensorData)]
    public var steps: [[(name: String, data: TensorData)]]
    public var clipValue: (Double, Double)?
    public var clipNorm: Double?

    public init(_ f: Fixture) throws {
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
}

/// `tf.clip_by_global_norm`: `t_list` (names), `clip_norm`. Results: `list_clipped`, `global_norm`.
public struct ClipByGlobalNormProblem: Sendable {
    public var tensors: [(name: String, data: TensorData)]
    public var clipNorm: Double

    public init(_ f: Fixture) throws {
        try rejectUnknownKeys(f.model, known: ["kind", "t_list", "clip_norm"], path: "model", kind: f.kind)
        tensors = try names(f, f.model, "t_list", path: "model")
        clipNorm = try number(f.model, "clip_norm", path: "model")
        guard clipNorm > 0 else { throw RNNError(.invalid, "model.clip_norm", "must be positive") }
    }
}

/// `tf.legacy_seq2seq.sequence_loss_by_example`: `logits`, `targets`, `weights` (lists of T
/// names), `average_across_timesteps` (true; false is not implemented), `upstream.loss`.
public struct SequenceLossProblem: Sendable {
    public var logits: [(name: String, data: TensorData)]
    public var targets: [[Int]]
    public var weights: [(name: String, data: TensorData)]
    public var upstream: TensorData

    public init(_ f: Fixture) throws {
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
}

/// `tf.nn.embedding_lookup`: `params`, `ids` (int), `upstream.outputs`. Results: `outputs`,
/// `gradients[params]` (densified).
public struct EmbeddingProblem: Sendable {
    public var table: (name: String, data: TensorData)
    public var ids: TensorData
    public var upstream: TensorData

    public init(_ f: Fixture) throws {
        try rejectUnknownKeys(f.model, known: ["kind", "params", "ids", "upstream"], path: "model", kind: f.kind)
        table = try named(f, f.model, "params", path: "model")
        ids = try named(f, f.model, "ids", path: "model").data
        guard let up = f.model["upstream"]?.objectValue else { throw RNNError(.missing, "model.upstream", "missing upstream.outputs") }
        upstream = try named(f, up, "outputs", path: "model.upstream").data
    }
}

/// `keras.Dense+MeanSquaredError`: `x`, `y_true`, `weights.kernel`, `weights.bias`; results
/// `outputs` (the predictions), `loss`, and the gradients of the loss for x, kernel and bias.
public struct DenseMSEProblem: Sendable {
    public var x: (name: String, data: TensorData)
    public var y: TensorData
    public var kernel: (name: String, data: TensorData)
    public var bias: (name: String, data: TensorData)?

    public init(_ f: Fixture) throws {
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
}
