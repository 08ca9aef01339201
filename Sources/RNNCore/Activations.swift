import RealModule

/// The activations a cell may name: `activation=` and `recurrent_activation=` in Keras 3 (every
/// elementwise function of `keras.activations`, by the name Keras serialises), and TF v1's
/// `activation=`. Each is computed as Keras' TensorFlow backend computes it
/// (keras/src/backend/tensorflow/nn.py); the table in Fixtures/README.md gives the formulas.
///
/// Derivatives: for `tanh`, `sigmoid`, `relu` and `linear` they are taken from the *output*, as
/// every hand-written backward pass here does (`dσ/dz = y(1 − y)`, `dtanh/dz = 1 − y²`, `1`
/// where `y > 0`); for the others, whose derivative the output does not determine (silu, gelu
/// and mish are not monotonic), from the pre-activation z, which their cells then keep
/// (`derivativeNeedsInput`). At a kink the derivative is TF's autograd's: the side its `where`
/// or `clip_by_value` passes (noted per case).
public enum Activation: Sendable, Hashable, CaseIterable, RawRepresentable {
    case tanh, sigmoid, relu, linear
    /// `relu6(x + 3)/6`: Keras 3's (Keras 2's was `0.2x + 0.5` clipped, a different function).
    case hardSigmoid
    /// `x·hard_sigmoid(x)` (alias `hard_swish`).
    case hardSilu
    /// `clip(x, −1, 1)`.
    case hardTanh
    /// `x` where `|x| > 0.5`, else 0.
    case hardShrink
    /// `x − 0.5` above 0.5, `x + 0.5` below −0.5, else 0.
    case softShrink
    /// `x` for x > 0, `e^x − 1` else (alpha 1).
    case elu
    /// `scale·x` for x > 0, `scale·alpha·(e^x − 1)` else (scale 1.0507009873554805, alpha 1.6732632423543772).
    case selu
    /// `max(x, 0) + expm1(min(x, 0))` (alpha 1).
    case celu
    /// `log(1 + e^x)`.
    case softplus
    /// `x/(1 + |x|)`.
    case softsign
    /// `x·σ(x)` (alias `swish`).
    case silu
    /// `x·Φ(x) = x/2·erfc(−x/√2)`: Keras' `gelu` by name (`approximate=False`), as TF's
    /// `tf.nn.gelu` computes it, 1/√2 included as `math_ops.cast(0.7071067811865476, dtype)`
    /// makes it: a float32 constant cast up, so in float64 it is 0.70710676908493042 (`geluC`).
    case gelu
    /// `x/2·(1 + tanh(0.7978845608028654·(x + 0.044715x³)))`: `gelu(x, approximate=True)`
    /// (no Keras name: a fixture names it so). TF casts 0.044715 the same way (`geluCoeff`).
    case geluApproximate
    /// `e^x`.
    case exponential
    /// `x` for x > 0, `0.2·x` else (negative_slope 0.2; TF's `LeakyRelu` op holds it as a
    /// float32 attribute, so in float64 the slope is 0.20000000298023224, `leakySlope`).
    case leakyRelu
    /// `min(max(x, 0), 6)`.
    case relu6
    /// `x·tanh(softplus(x))`.
    case mish
    /// `log σ(x) = −softplus(−x)`.
    case logSigmoid
    /// `x − tanh x`.
    case tanhShrink
    /// 0 for x ≤ −1, `(x + 1)²/4` for −1 < x < 1, `x` for x ≥ 1.
    case sparsePlus
    /// 0 for x ≤ −1, `(x + 1)/2` for −1 < x < 1, 1 for x ≥ 1.
    case sparseSigmoid
    /// `(x + √(x² + 4))/2` (b 4).
    case squareplus

    /// One of ONNX's parameterised activations (`Affine`, `LeakyRelu`, `ThresholdedRelu`,
    /// `ScaledTanh`, `HardSigmoid`, `Elu` with their alpha and beta), which the recurrent
    /// operators name in `activations`. Not a Keras name: not among `allCases`.
    case onnx(ONNXActivation)

    /// Keras' activations, by the names Keras serialises (ONNX's parameterised ones are a family,
    /// not a list).
    public static let allCases: [Activation] = [.tanh, .sigmoid, .relu, .linear, .hardSigmoid, .hardSilu, .hardTanh, .hardShrink, .softShrink, .elu, .selu, .celu, .softplus, .softsign, .silu, .gelu, .geluApproximate, .exponential, .leakyRelu, .relu6, .mish, .logSigmoid, .tanhShrink, .sparsePlus, .sparseSigmoid, .squareplus]

    /// The name Keras serialises (for an ONNX function, its ONNX name with alpha and beta).
    public var rawValue: String {
        switch self {
        case .tanh: return "tanh"
        case .sigmoid: return "sigmoid"
        case .relu: return "relu"
        case .linear: return "linear"
        case .hardSigmoid: return "hard_sigmoid"
        case .hardSilu: return "hard_silu"
        case .hardTanh: return "hard_tanh"
        case .hardShrink: return "hard_shrink"
        case .softShrink: return "soft_shrink"
        case .elu: return "elu"
        case .selu: return "selu"
        case .celu: return "celu"
        case .softplus: return "softplus"
        case .softsign: return "softsign"
        case .silu: return "silu"
        case .gelu: return "gelu"
        case .geluApproximate: return "gelu_approximate"
        case .exponential: return "exponential"
        case .leakyRelu: return "leaky_relu"
        case .relu6: return "relu6"
        case .mish: return "mish"
        case .logSigmoid: return "log_sigmoid"
        case .tanhShrink: return "tanh_shrink"
        case .sparsePlus: return "sparse_plus"
        case .sparseSigmoid: return "sparse_sigmoid"
        case .squareplus: return "squareplus"
        case let .onnx(f): return f.description
        }
    }

    /// The activation of a Keras name (`allCases`' names), else nil.
    public init?(rawValue: String) {
        guard let a = Activation.allCases.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = a
    }

    /// Parses a framework's activation name: Keras 3's (`"swish"` and `"hard_swish"` are its
    /// aliases of `silu` and `hard_silu`), `"linear"` (also `"identity"` and `"None"`, as Keras'
    /// `activation=None`). Keras' activations that are not elementwise (`softmax`,
    /// `log_softmax`, `glu`, `sparsemax`) or need arguments (`threshold`) are refused with the
    /// reason.
    public init(name: String) throws {
        switch name {
        case "linear", "identity", "None", "none": self = .linear
        case "swish": self = .silu
        case "hard_swish": self = .hardSilu
        case "softmax", "log_softmax", "glu", "sparsemax":
            throw RNNError(.unsupported, "activation", "'\(name)' is not elementwise (it mixes a row's units), so no recurrent cell applies it")
        case "threshold":
            throw RNNError(.unsupported, "activation", "'threshold' needs its threshold and default_value; Keras cannot call it by name either")
        default:
            guard let a = Activation(rawValue: name) else {
                throw RNNError(.unknown, "activation", "unknown activation '\(name)' (known: \(Activation.allCases.map(\.rawValue).joined(separator: ", ")), swish, hard_swish)")
            }
            self = a
        }
    }

    /// selu's constants (keras.activations.selu, TF's `Selu` kernel).
    public static let seluScale = 1.0507009873554805, seluAlpha = 1.6732632423543772
    /// TF's constants as TF's float64 graphs see them: float32 values cast up (see the cases).
    public static let geluC = Double(Float(0.7071067811865476)), geluCoeff = Double(Float(0.044715))
    public static let leakySlope = Double(Float(0.2))

    @inlinable
    public func apply<T: RNNFloat>(_ z: T) -> T {
        switch self {
        case .tanh: return stableTanh(z)
        case .sigmoid: return RNNCore.sigmoid(z)
        case .relu: return z < 0 ? 0 : z          // NaN stays NaN, as in numpy, TF and PyTorch
        case .linear: return z
        case .hardSigmoid: return clip(z + 3, 0, 6) / 6
        case .hardSilu: return z * (clip(z + 3, 0, 6) / 6)
        case .hardTanh: return clip(z, -1, 1)
        case .hardShrink: return abs(z) > T(0.5) ? z : 0
        case .softShrink: return z > T(0.5) ? z - T(0.5) : (z < T(-0.5) ? z + T(0.5) : 0)
        case .elu: return z > 0 ? z : T.expMinusOne(z)
        case .selu: return z > 0 ? T(Self.seluScale) * z : T(Self.seluScale) * T(Self.seluAlpha) * T.expMinusOne(z)
        case .celu: return Swift.max(z, 0) + T.expMinusOne(Swift.min(z, 0))
        case .softplus: return RNNCore.softplus(z)
        case .softsign: return z / (1 + abs(z))
        case .silu: return z * RNNCore.sigmoid(z)
        case .gelu: return z / 2 * T.erfc(-z * T(Self.geluC))
        case .geluApproximate: return z / 2 * (1 + T.tanh(T(0.7978845608028654) * (z + T(Self.geluCoeff) * z * z * z)))
        case .exponential: return T.exp(z)
        case .leakyRelu: return z > 0 ? z : T(Self.leakySlope) * z
        case .relu6: return clip(z, 0, 6)
        case .mish: return z * T.tanh(RNNCore.softplus(z))
        case .logSigmoid: return -RNNCore.softplus(-z)
        case .tanhShrink: return z - T.tanh(z)
        case .sparsePlus: return z <= -1 ? 0 : (z < 1 ? (z + 1) * (z + 1) / 4 : z)
        case .sparseSigmoid: return z <= -1 ? 0 : (z >= 1 ? 1 : (z + 1) / 2)
        case .squareplus: return (z + T.sqrt(z * z + 4)) / 2
        case let .onnx(f): return f.apply(z)
        }
    }

    /// Whether `derivative` reads the pre-activation z (false: the output y alone suffices).
    @inlinable
    public var derivativeNeedsInput: Bool {
        switch self {
        case .tanh, .sigmoid, .relu, .linear: return false
        default: return true
        }
    }

    /// `dy/dz` at z, where `y = apply(z)`: from `y` for tanh, sigmoid, relu and linear (z is not
    /// read), from `z` for the others (see `derivativeNeedsInput`).
    @inlinable
    public func derivative<T: RNNFloat>(z: T, y: T) -> T {
        switch self {
        case .tanh: return 1 - y * y
        case .sigmoid: return y * (1 - y)
        case .relu: return y > 0 ? 1 : 0
        case .linear: return 1
        case .hardSigmoid: return z > -3 && z < 3 ? T(1) / 6 : 0            // Relu6Grad: 0 < x + 3 < 6
        case .hardSilu: return clip(z + 3, 0, 6) / 6 + (z > -3 && z < 3 ? z / 6 : 0)
        case .hardTanh: return z >= -1 && z <= 1 ? 1 : 0                      // clip_by_value: inclusive
        case .hardShrink: return abs(z) > T(0.5) ? 1 : 0
        case .softShrink: return abs(z) > T(0.5) ? 1 : 0
        case .elu: return z > 0 ? 1 : T.exp(z)
        case .selu: return z > 0 ? T(Self.seluScale) : T(Self.seluScale) * T(Self.seluAlpha) * T.exp(z)
        case .celu: return z >= 0 ? 1 : T.exp(z)                             // tf.maximum passes ties to x
        case .softplus: return RNNCore.sigmoid(z)
        case .softsign: return 1 / ((1 + abs(z)) * (1 + abs(z)))
        case .silu: let s = RNNCore.sigmoid(z); return s * (1 + z * (1 - s))
        case .gelu:
            let c = T(Self.geluC)
            return T.erfc(-z * c) / 2 + z * c * T.exp(-(z * c) * (z * c)) / T.sqrt(T.pi)
        case .geluApproximate:
            let k = T(0.7978845608028654), a = T(Self.geluCoeff), t = T.tanh(k * (z + a * z * z * z))
            return (1 + t) / 2 + z / 2 * (1 - t * t) * k * (1 + 3 * a * z * z)
        case .exponential: return T.exp(z)
        case .leakyRelu: return z > 0 ? 1 : T(Self.leakySlope)
        case .relu6: return z > 0 && z < 6 ? 1 : 0                           // Relu6Grad: strict
        case .mish:
            let t = T.tanh(RNNCore.softplus(z))
            return t + z * (1 - t * t) * RNNCore.sigmoid(z)
        case .logSigmoid: return RNNCore.sigmoid(-z)
        case .tanhShrink: let t = T.tanh(z); return t * t
        case .sparsePlus: return z <= -1 ? 0 : (z < 1 ? (z + 1) / 2 : 1)
        case .sparseSigmoid: return z <= -1 || z >= 1 ? 0 : T(0.5)
        case .squareplus: return (1 + z / T.sqrt(z * z + 4)) / 2
        case let .onnx(f): return f.derivative(z)
        }
    }

    /// `dy/dz` from the output alone: only for the activations whose `derivativeNeedsInput` is
    /// false (the others trap: a cell that kept no pre-activation must not use them).
    @inlinable
    public func derivative<T: RNNFloat>(fromOutput y: T) -> T {
        precondition(!derivativeNeedsInput, "\(rawValue)'s derivative needs its input")
        return derivative(z: 0, y: y)
    }
}

/// `log(1 + e^z)` without overflow: `max(z, 0) + log1p(e^{−|z|})`.
@inlinable
public func softplus<T: RNNFloat>(_ z: T) -> T { Swift.max(z, 0) + T.log(onePlus: T.exp(-abs(z))) }

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
