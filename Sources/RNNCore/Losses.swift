/// The losses of the documents' programs, forward and backward. Row-wise reductions with no
/// matrix product in them, so one implementation serves both modules.

/// `tf.nn.sparse_softmax_cross_entropy_with_logits` (and the per-step loss of min-char-rnn):
/// for each row of `logits` [N, V], `loss = log Σ_j e^{z_j − max z} − (z_label − max z)`, with
/// `dloss/dz = softmax(z) − onehot(label)`, computed as TF's kernel does (shift by the row max,
/// so no exponential overflows). Returns the per-row losses [N] and the gradient [N, V].
public func sparseSoftmaxCrossEntropy<T: RNNFloat>(logits: Tensor<T>, labels: [Int]) throws -> (loss: [T], dLogits: Tensor<T>) {
    guard logits.rank == 2 else { throw RNNError(.shape, "logits", "expected [N, V], got shape \(logits.shape)") }
    let (n, v) = (logits.shape[0], logits.shape[1])
    guard labels.count == n else { throw RNNError(.shape, "labels", "expected \(n) labels (one per row), got \(labels.count)") }
    if let bad = labels.firstIndex(where: { $0 < 0 || $0 >= v }) {
        throw RNNError(.invalid, "labels", "label \(labels[bad]) at position \(bad) is outside 0..<\(v)")
    }
    var loss = [T](repeating: 0, count: n)
    var d = Tensor<T>(zeros: [n, v])
    for r in 0..<n {
        var m = -T.infinity
        for j in 0..<v { m = Swift.max(m, logits.data[r * v + j]) }
        var sum: T = 0
        for j in 0..<v { sum += T.exp(logits.data[r * v + j] - m) }
        loss[r] = T.log(sum) - (logits.data[r * v + labels[r]] - m)
        for j in 0..<v { d.data[r * v + j] = T.exp(logits.data[r * v + j] - m) / sum }
        d.data[r * v + labels[r]] -= 1
    }
    return (loss, d)
}

/// TF 1.x `legacy_seq2seq.sequence_loss_by_example(logits, targets, weights)` with
/// `average_across_timesteps=True` (the PTB model of “TensorFlow RNN入门” (004)):
/// `loss_b = Σ_t w_tb·ce_tb / (Σ_t w_tb + 1e-12)` over the T lists of logits [B, V].
/// Backward from the upstream cotangent `up` [B]: `dz_t = up·w_t/total·(softmax − onehot)`,
/// `dw_t = up·(ce_t − loss)/total`.
public struct SequenceLossByExample<T: RNNFloat>: Sendable {
    public var loss: [T]
    public var dLogits: [Tensor<T>]
    public var dWeights: [[T]]

    public init(logits: [Tensor<T>], targets: [[Int]], weights: [[T]], upstream: [T]) throws {
        guard !logits.isEmpty, logits.count == targets.count, logits.count == weights.count else {
            throw RNNError(.shape, "logits", "logits, targets and weights must be lists of the same non-zero length")
        }
        let b = logits[0].shape.first ?? 0
        guard upstream.count == b else { throw RNNError(.shape, "upstream", "expected \(b) values, got \(upstream.count)") }
        var ce: [[T]] = [], dz: [Tensor<T>] = []
        for (t, l) in logits.enumerated() {
            guard l.rank == 2, l.shape[0] == b else { throw RNNError(.shape, "logits[\(t)]", "expected [\(b), V], got \(l.shape)") }
            guard weights[t].count == b else { throw RNNError(.shape, "weights[\(t)]", "expected \(b) values, got \(weights[t].count)") }
            let r = try sparseSoftmaxCrossEntropy(logits: l, labels: targets[t])
            ce.append(r.loss); dz.append(r.dLogits)
        }
        var total = [T](repeating: 0, count: b), logPerps = total
        for t in logits.indices { for i in 0..<b { logPerps[i] += ce[t][i] * weights[t][i]; total[i] += weights[t][i] } }
        for i in 0..<b { total[i] += T(1e-12) }
        loss = (0..<b).map { logPerps[$0] / total[$0] }
        dLogits = []
        dWeights = []
        for t in logits.indices {
            var d = dz[t]
            let v = d.shape[1]
            for i in 0..<b { for j in 0..<v { d.data[i * v + j] *= upstream[i] * weights[t][i] / total[i] } }
            dLogits.append(d)
            dWeights.append((0..<b).map { i in upstream[i] * (ce[t][i] - loss[i]) / total[i] })
        }
    }
}

/// Mean squared error, `keras.losses.MeanSquaredError` with its default reduction (the mean over
/// the last axis, then over the batch) and `tf.losses.mean_squared_error` (the mean over all
/// values); for [N, O] both are `Σ (p − y)²/(N·O)`. Returns the loss and dloss/dp.
public func meanSquaredError<T: RNNFloat>(predictions p: Tensor<T>, targets y: Tensor<T>) throws -> (loss: T, dPredictions: Tensor<T>) {
    guard p.shape == y.shape else { throw RNNError(.shape, "targets", "expected shape \(p.shape) (the predictions'), got \(y.shape)") }
    guard p.count > 0 else { throw RNNError(.shape, "predictions", "empty") }
    let rows = p.rank == 0 ? 1 : p.shape.dropLast().reduce(1, *), cols = p.count / rows
    var loss: T = 0
    var d = Tensor<T>(zeros: p.shape)
    for r in 0..<rows {
        var s: T = 0
        for j in 0..<cols { let e = p.data[r * cols + j] - y.data[r * cols + j]; s += e * e }
        loss += s / T(cols)
        for j in 0..<cols { d.data[r * cols + j] = 2 * (p.data[r * cols + j] - y.data[r * cols + j]) / T(cols) / T(rows) }
    }
    return (loss / T(rows), d)
}

/// `tf.nn.embedding_lookup(params, ids)`: rows of `table` [V, E] for `ids` → [N, E]. Its
/// gradient is sparse (TF: `IndexedSlices` of the ids and the upstream rows); `accumulate` sums
/// the rows of repeated ids into a [V, E] gradient, as `tf.convert_to_tensor` does.
public enum Embedding {
    public static func lookup<T: RNNFloat>(_ table: Tensor<T>, _ ids: [Int]) throws -> Tensor<T> {
        guard table.rank == 2 else { throw RNNError(.shape, "params", "expected [V, E], got shape \(table.shape)") }
        let (v, e) = (table.shape[0], table.shape[1])
        if let bad = ids.firstIndex(where: { $0 < 0 || $0 >= v }) {
            throw RNNError(.invalid, "ids", "id \(ids[bad]) at position \(bad) is outside 0..<\(v)")
        }
        var out = Tensor<T>(zeros: [ids.count, e])
        for (r, id) in ids.enumerated() { for j in 0..<e { out.data[r * e + j] = table.data[id * e + j] } }
        return out
    }

    /// Adds the upstream rows `d` [N, E] into the dense gradient `into` [V, E] at `ids`.
    public static func accumulate<T: RNNFloat>(_ d: Tensor<T>, ids: [Int], into g: inout Tensor<T>) {
        let e = g.shape[1]
        for (r, id) in ids.enumerated() { for j in 0..<e { g.data[id * e + j] += d.data[r * e + j] } }
    }
}
