/// Karpathy's min-char-rnn as quoted in “基本概念” (002), in the document's
/// column-vector convention: `Wxh` [H, V], `Whh` [H, H], `Why` [V, H], `bh` [H, 1], `by` [V, 1],
/// hidden state [H, 1]. These are the shared pieces; `lossFun` and `sample` are implemented in
/// RNNScalar and RNNBLAS under the name `MinCharRNN`.
public enum MinCharRNNSpec {
    public static let parameterNames = ["Wxh", "Whh", "Why", "bh", "by"]

    public static func parameterShapes(hidden h: Int, vocab v: Int) -> [(name: String, shape: [Int])] {
        [("Wxh", [h, v]), ("Whh", [h, h]), ("Why", [v, h]), ("bh", [h, 1]), ("by", [v, 1])]
    }

    /// Validates the five parameters (present, consistent shapes, finite); returns (H, V).
    public static func validate<T: RNNFloat>(_ given: [String: Tensor<T>]) throws -> (Parameters<T>, hidden: Int, vocab: Int) {
        guard let wxh = given["Wxh"] else { throw RNNError(.missing, "Wxh", "missing weight") }
        guard wxh.rank == 2 else { throw RNNError(.shape, "Wxh", "expected rank 2 [H, V], got shape \(wxh.shape)") }
        let (h, v) = (wxh.shape[0], wxh.shape[1])
        guard h > 0, v > 0 else { throw RNNError(.shape, "Wxh", "empty shape \(wxh.shape)") }
        var tensors: [Tensor<T>] = []
        for (name, shape) in parameterShapes(hidden: h, vocab: v) {
            guard let t = given[name] else { throw RNNError(.missing, name, "missing weight (expected shape \(shape))") }
            try t.expectShape(shape, name)
            if let bad = t.firstNonFinite() {
                throw RNNError(.invalid, name, "non-finite value \(bad.value) at index \(multiIndex(bad.index, shape: t.shape))")
            }
            tensors.append(t)
        }
        return (Parameters(names: parameterNames, tensors: tensors), h, v)
    }

    /// Validates `inputs`/`targets` (same non-zero length, ids in 0..<V) and `hprev` [H, 1].
    public static func validate<T: RNNFloat>(inputs: [Int], targets: [Int], hprev: Tensor<T>, hidden: Int, vocab: Int) throws {
        guard !inputs.isEmpty else { throw RNNError(.invalid, "inputs", "needs at least one character id") }
        guard inputs.count == targets.count else {
            throw RNNError(.shape, "targets", "expected \(inputs.count) ids (as many as inputs), got \(targets.count)")
        }
        for (name, ids) in [("inputs", inputs), ("targets", targets)] {
            if let bad = ids.firstIndex(where: { $0 < 0 || $0 >= vocab }) {
                throw RNNError(.invalid, name, "id \(ids[bad]) at position \(bad) is outside 0..<\(vocab)")
            }
        }
        try hprev.expectShape([hidden, 1], "hprev")
    }
}

/// What `lossFun(inputs, targets, hprev)` returns, plus `dhprev` (the document drops it; we
/// keep it so the initial state can be gradient-checked too).
public struct MinCharRNNLoss<Scalar: RNNFloat>: Sendable {
    public var loss: Scalar
    /// dWxh, dWhh, dWhy, dbh, dby, named as the parameters; clipped to ±5 when asked.
    public var gradients: Parameters<Scalar>
    /// `hs[len(inputs) - 1]`, [H, 1].
    public var lastHidden: Tensor<Scalar>
    /// dL/dhprev [H, 1] (`dhnext` after the last backward step; never clipped).
    public var dhprev: Tensor<Scalar>

    public init(loss: Scalar, gradients: Parameters<Scalar>, lastHidden: Tensor<Scalar>, dhprev: Tensor<Scalar>) {
        self.loss = loss
        self.gradients = gradients
        self.lastHidden = lastHidden
        self.dhprev = dhprev
    }
}
