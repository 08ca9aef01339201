import RealModule

// The heads of 003's whole models, the parts of `keras.layers.Dense` and
// `keras.layers.BatchNormalization` that are not a matrix product: row-wise reductions and
// elementwise arithmetic, so one implementation serves both modules (as the losses do). The
// Dense matrix product itself is twinned (`DenseArithmetic`); the embedding lookup is
// `Embedding` (Losses.swift).

/// The `activation=` of `keras.layers.Dense`: any elementwise `Activation`, or one of Keras'
/// two activations over the last axis, as the TensorFlow backend computes them
/// (keras/src/activations/activations.py → `tf.nn.softmax`, `tf.nn.log_softmax`):
///
///     softmax:      y_j = e^{z_j − max z} / Σ_k e^{z_k − max z}     dz = y ⊙ (dy − Σ_k dy_k·y_k)
///     log_softmax:  y_j = (z_j − max z) − log Σ_k e^{z_k − max z}   dz = dy − softmax(z)·Σ_k dy_k
///
/// z, y, dy [N, O]; the sums run over a row's O units.
public enum DenseActivation: Sendable, Equatable {
    case elementwise(Activation)
    case softmax
    case logSoftmax

    /// Keras' name: `softmax`, `log_softmax`, or any name `Activation(name:)` reads. Keras'
    /// other non-elementwise activations (`glu`, `sparsemax`) are refused with the reason.
    public init(name: String) throws {
        switch name {
        case "softmax": self = .softmax
        case "log_softmax": self = .logSoftmax
        case "glu", "sparsemax":
            throw RNNError(.unsupported, "activation", "Dense activation '\(name)' is not supported in this version (softmax, log_softmax and every elementwise activation are)")
        default: self = .elementwise(try Activation(name: name))
        }
    }

    /// `y = f(z)` for z [N, O].
    public func apply<T: RNNFloat>(_ z: Tensor<T>) -> Tensor<T> {
        var y = z
        switch self {
        case let .elementwise(a):
            for k in y.data.indices { y.data[k] = a.apply(z.data[k]) }
        case .softmax, .logSoftmax:
            let o = z.shape.last ?? 1
            for r in 0..<(o == 0 ? 0 : z.count / o) {
                let row = (r * o)..<((r + 1) * o)
                let m = z.data[row].max() ?? 0
                var sum: T = 0
                for k in row { sum += T.exp(z.data[k] - m) }
                if self == .softmax {
                    for k in row { y.data[k] = T.exp(z.data[k] - m) / sum }
                } else {
                    let logSum = T.log(sum)
                    for k in row { y.data[k] = (z.data[k] - m) - logSum }
                }
            }
        }
        return y
    }

    /// `dL/dz` from `dL/dy`, given `z` and `y = apply(z)`.
    public func backward<T: RNNFloat>(z: Tensor<T>, y: Tensor<T>, dy: Tensor<T>) -> Tensor<T> {
        var dz = dy
        switch self {
        case let .elementwise(a):
            for k in dz.data.indices { dz.data[k] = dy.data[k] * a.derivative(z: z.data[k], y: y.data[k]) }
        case .softmax, .logSoftmax:
            let o = z.shape.last ?? 1
            for r in 0..<(o == 0 ? 0 : z.count / o) {
                let row = (r * o)..<((r + 1) * o)
                if self == .softmax {
                    var s: T = 0
                    for k in row { s += dy.data[k] * y.data[k] }                 // Σ dy·y
                    for k in row { dz.data[k] = y.data[k] * (dy.data[k] - s) }
                } else {
                    var s: T = 0
                    for k in row { s += dy.data[k] }                              // Σ dy
                    for k in row { dz.data[k] = dy.data[k] - T.exp(y.data[k]) * s }   // e^y = softmax(z)
                }
            }
        }
        return dz
    }
}

/// `keras.layers.BatchNormalization(axis=-1)` over the rows of x [N, C] (a [B, T, C] input is
/// N = B·T rows), keras/src/layers/normalization/batch_normalization.py with the TensorFlow
/// backend:
///
///     if training:                               (batch statistics; Keras `_moments`)
///         mean, variance = tf.nn.moments(x, axes)                 Σ x/N, Σ (x − mean)²/N
///         (with a mask w over the rows: Σ w·x/(Σw + 1e-7), Σ w·(x − mean)²/(Σw + 1e-7))
///         moving_mean     = moving_mean·momentum + mean·(1 − momentum)
///         moving_variance = moving_variance·momentum + variance·(1 − momentum)
///     else:
///         mean, variance = moving_mean, moving_variance
///     y = tf.nn.batch_normalization(x, mean, variance, beta, gamma, epsilon)
///       = x·inv + (beta − mean·inv),   inv = gamma/√(variance + epsilon)
///
/// The variance is the biased one (÷N), in the update too. Every row is normalised, masked or
/// not; the mask only chooses the rows the statistics see. `gamma` and `beta` are nil when the
/// layer has `scale=False` / `center=False`.
public enum BatchNormalization {
    /// Keras' `backend.epsilon()`, added to the masked rows' count.
    public static let maskEpsilon = 1e-7

    /// The statistics of the rows of x [N, C]: all rows (`tf.nn.moments`), or those whose
    /// weight is 1 (Keras' masked moments).
    public static func moments<T: RNNFloat>(_ x: Tensor<T>, rowWeights w: [T]?) -> (mean: [T], variance: [T]) {
        let c = x.shape.last!, n = x.count / max(c, 1)
        let count = rowCount(n, w)
        var mean = [T](repeating: 0, count: c), variance = mean
        for r in 0..<n { for j in 0..<c { mean[j] += (w?[r] ?? 1) * x.data[r * c + j] } }
        for j in 0..<c { mean[j] /= count }
        for r in 0..<n {
            for j in 0..<c { let d = x.data[r * c + j] - mean[j]; variance[j] += (w?[r] ?? 1) * d * d }
        }
        for j in 0..<c { variance[j] /= count }
        return (mean, variance)
    }

    /// What the statistics divide by: N, or Σw + 1e-7 with a mask.
    static func rowCount<T: RNNFloat>(_ n: Int, _ w: [T]?) -> T { w.map { $0.reduce(0, +) + T(maskEpsilon) } ?? T(n) }

    /// Where the normalisation's mean and variance came from.
    public enum Statistics<T: RNNFloat>: Sendable {
        /// Inference: the moving statistics, constants of the batch.
        case moving
        /// Training: `moments(x, rowWeights:)` of this batch (nil: every row, unmasked).
        case batch(rowWeights: [T]?)
    }

    /// `y = x·inv + (beta − mean·inv)`, `inv = gamma/√(variance + epsilon)`, as
    /// `tf.nn.batch_normalization` computes it.
    public static func normalize<T: RNNFloat>(_ x: Tensor<T>, mean: [T], variance: [T], gamma: [T]?, beta: [T]?,
                                              epsilon: Double) -> Tensor<T> {
        let c = x.shape.last!
        let inv = (0..<c).map { j in (1 / T.sqrt(variance[j] + T(epsilon))) * (gamma?[j] ?? 1) }
        let shift = (0..<c).map { j in (beta?[j] ?? 0) - mean[j] * inv[j] }
        var y = x
        for k in y.data.indices { y.data[k] = x.data[k] * inv[k % c] + shift[k % c] }
        return y
    }

    /// `moving·momentum + batch·(1 − momentum)`, the two factors rounded to T as TF rounds
    /// Python floats (1 − momentum taken in float64 first).
    public static func movingAverage<T: RNNFloat>(_ moving: [T], _ batch: [T], momentum: Double) -> [T] {
        zip(moving, batch).map { $0 * T(momentum) + $1 * T(1 - momentum) }
    }

    public struct Gradients<T: RNNFloat>: Sendable {
        public var dx: Tensor<T>
        public var dGamma: [T]
        public var dBeta: [T]
        /// dL/d(mean) and dL/d(variance) as the normalisation saw them: the moving statistics'
        /// gradients in inference mode (in training mode they are folded into dx).
        public var dMean: [T]
        public var dVariance: [T]
    }

    /// The VJP of `normalize` at statistics `mean`, `variance`; with `.batch` statistics
    /// (training mode) the gradient flows through them into dx:
    ///
    ///     r = 1/√(variance + ε), inv = γ·r, W = Σ w + 1e-7 with a mask (w = 1, W = N without)
    ///     dβ = Σ_n dy;  dinv = Σ_n dy·(x − mean);  dγ = dinv·r
    ///     dmean = −inv·Σ_n dy;  dvariance = −½·dinv·γ·r³
    ///     training:  dmean += dvariance·(−2 Σ_n w(x − mean)/W)
    ///                dx = dy·inv + dvariance·2w(x − mean)/W + dmean·w/W
    ///     inference: dx = dy·inv
    public static func backward<T: RNNFloat>(_ x: Tensor<T>, mean: [T], variance: [T], gamma: [T]?, epsilon: Double,
                                             dy: Tensor<T>, statistics: Statistics<T>) -> Gradients<T> {
        let c = x.shape.last!, n = x.count / max(c, 1)
        let r = (0..<c).map { j in 1 / T.sqrt(variance[j] + T(epsilon)) }
        let g = (0..<c).map { j in gamma?[j] ?? 1 }
        let inv = (0..<c).map { j in r[j] * g[j] }
        var dBeta = [T](repeating: 0, count: c), dInv = dBeta
        for row in 0..<n {
            for j in 0..<c {
                let d = dy.data[row * c + j]
                dBeta[j] += d
                dInv[j] += d * (x.data[row * c + j] - mean[j])
            }
        }
        let dGamma = (0..<c).map { j in dInv[j] * r[j] }
        var dMean = (0..<c).map { j in -inv[j] * dBeta[j] }
        let dVariance = (0..<c).map { j in -dInv[j] * g[j] * r[j] * r[j] * r[j] / 2 }
        var dx = dy
        for k in dx.data.indices { dx.data[k] = dy.data[k] * inv[k % c] }
        if case let .batch(rowWeights) = statistics {
            let count: T = rowCount(n, rowWeights)
            let w = rowWeights ?? [T](repeating: 1, count: n)
            var centred = [T](repeating: 0, count: c)                                 // Σ w(x − mean)
            for row in 0..<n { for j in 0..<c { centred[j] += w[row] * (x.data[row * c + j] - mean[j]) } }
            for j in 0..<c { dMean[j] += dVariance[j] * (-2 * centred[j] / count) }
            for row in 0..<n {
                for j in 0..<c {
                    let k = row * c + j
                    dx.data[k] += dVariance[j] * 2 * w[row] * (x.data[k] - mean[j]) / count + dMean[j] * w[row] / count
                }
            }
        }
        return Gradients(dx: dx, dGamma: dGamma, dBeta: dBeta, dMean: dMean, dVariance: dVariance)
    }
}
