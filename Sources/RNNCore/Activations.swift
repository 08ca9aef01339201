import RealModule

/// The activations a cell may name (`activation=` in TF and Keras). Derivatives are taken from
/// the *outputs*, as every hand-written backward pass here does: for `y = σ(z)`,
/// `dσ/dz = y(1 − y)`; for `y = tanh z`, `1 − y²`; for `y = relu z`, `1` where `y > 0`.
public enum Activation: String, Sendable, CaseIterable, Codable {
    case tanh, sigmoid, relu, linear

    /// Parses a framework's activation name (`"tanh"`, `"sigmoid"`, `"relu"`, `"linear"`;
    /// `"identity"` and `"None"` mean linear, as Keras' `activation=None` does).
    public init(name: String) throws {
        switch name {
        case "tanh": self = .tanh
        case "sigmoid": self = .sigmoid
        case "relu": self = .relu
        case "linear", "identity", "None", "none": self = .linear
        default:
            throw RNNError(.unknown, "activation", "unknown activation '\(name)' (known: tanh, sigmoid, relu, linear)")
        }
    }

    @inlinable
    public func apply<T: RNNFloat>(_ z: T) -> T {
        switch self {
        case .tanh: return stableTanh(z)
        case .sigmoid: return RNNCore.sigmoid(z)
        case .relu: return z < 0 ? 0 : z          // NaN stays NaN, as in numpy, TF and PyTorch
        case .linear: return z
        }
    }

    /// `dy/dz` expressed through the output `y = apply(z)`.
    @inlinable
    public func derivative<T: RNNFloat>(fromOutput y: T) -> T {
        switch self {
        case .tanh: return 1 - y * y
        case .sigmoid: return y * (1 - y)
        case .relu: return y > 0 ? 1 : 0
        case .linear: return 1
        }
    }
}

/// Logistic sigmoid `1 / (1 + e^{−z})`, evaluated so that no intermediate overflows: for
/// `z ≥ 0` as `1 / (1 + e^{−z})`, for `z < 0` as `e^{z} / (1 + e^{z})`. Finite for every finite
/// `z` (±1e4 included) in Float and Double; NaN in gives NaN out.
@inlinable
public func sigmoid<T: RNNFloat>(_ z: T) -> T {
    if z >= 0 {
        return 1 / (1 + T.exp(-z))
    } else {
        let e = T.exp(z)
        return e / (1 + e)
    }
}

/// `tanh z` from libm (`tanh`/`tanhf`), which saturates to ±1 without overflow.
@inlinable
public func stableTanh<T: RNNFloat>(_ z: T) -> T { T.tanh(z) }

/// `min(max(x, lo), hi)`, TF's `clip_by_value`.
@inlinable
public func clip<T: RNNFloat>(_ x: T, _ lo: T, _ hi: T) -> T { Swift.min(Swift.max(x, lo), hi) }

/// The subgradient TF uses for `clip_by_value`: 1 where `lo ≤ x ≤ hi`, else 0 (TF's
/// `_ClipByValueGrad` zeroes the gradient only where `x < lo` or `x > hi`).
@inlinable
public func clipGradient<T: RNNFloat>(_ x: T, _ lo: T, _ hi: T) -> T { (x < lo || x > hi) ? 0 : 1 }
