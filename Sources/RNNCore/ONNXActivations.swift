import RealModule

/// ONNX's parameterised activations for the recurrent operators (LSTM, GRU, RNN), as the
/// operator specification defines them and onnxruntime computes them
/// (onnxruntime/core/providers/cpu/rnn/rnn_activation_functors.h):
///
///     Affine(x)          = alpha·x + beta
///     LeakyRelu(x)       = x if x >= 0 else alpha·x
///     ThresholdedRelu(x) = x if x > alpha else 0          (the spec writes x >= alpha; ORT uses >)
///     ScaledTanh(x)      = alpha·tanh(beta·x)
///     HardSigmoid(x)     = min(max(alpha·x + beta, 0), 1)  (not Keras 3's hard_sigmoid)
///     Elu(x)             = x if x >= 0 else alpha·(e^x − 1)
///
/// The operators' other names (`Relu`, `Tanh`, `Sigmoid`, `Softsign`, `Softplus`) are the Keras
/// activations of the same formula. alpha and beta are ONNX `FLOATS` attributes, so they are
/// float32 values (in float64 too). Derivatives at a kink take the side the forward's test
/// passes (`x >= 0` gives LeakyRelu and Elu slope 1 at 0; ThresholdedRelu slope 0 at alpha);
/// HardSigmoid's slope is alpha strictly inside (0, 1), as Keras' is strictly inside its clip.
public struct ONNXActivation: Sendable, Hashable, CustomStringConvertible {
    public enum Function: String, Sendable, CaseIterable {
        case affine = "Affine"
        case leakyRelu = "LeakyRelu"
        case thresholdedRelu = "ThresholdedRelu"
        case scaledTanh = "ScaledTanh"
        case hardSigmoid = "HardSigmoid"
        case elu = "Elu"

        /// Every one of these takes an alpha (the parameterless ones are plain `Activation`s).
        public var takesAlpha: Bool { true }
        /// Affine, ScaledTanh and HardSigmoid also take a beta.
        public var takesBeta: Bool { self == .affine || self == .scaledTanh || self == .hardSigmoid }
    }

    public var function: Function
    public var alpha: Double
    public var beta: Double

    /// alpha and beta are rounded to float32, as an ONNX attribute stores them.
    public init(_ function: Function, alpha: Double, beta: Double = 0) {
        self.function = function
        self.alpha = Double(Float(alpha))
        self.beta = Double(Float(beta))
    }

    public var description: String {
        switch function {
        case .affine, .scaledTanh, .hardSigmoid: return "\(function.rawValue)(alpha: \(Float(alpha)), beta: \(Float(beta)))"
        case .leakyRelu, .thresholdedRelu, .elu: return "\(function.rawValue)(alpha: \(Float(alpha)))"
        }
    }

    @inlinable
    public func apply<T: RNNFloat>(_ x: T) -> T {
        let a = T(alpha), b = T(beta)
        switch function {
        case .affine: return a * x + b
        case .leakyRelu: return x >= 0 ? x : a * x
        case .thresholdedRelu: return x > a ? x : 0
        case .scaledTanh: return a * T.tanh(b * x)
        case .hardSigmoid: return Swift.min(1, Swift.max(0, a * x + b))
        case .elu: return x >= 0 ? x : a * T.expMinusOne(x)
        }
    }

    /// d/dx at x (see the kinks above).
    @inlinable
    public func derivative<T: RNNFloat>(_ x: T) -> T {
        let a = T(alpha), b = T(beta)
        switch function {
        case .affine: return a
        case .leakyRelu: return x >= 0 ? 1 : a
        case .thresholdedRelu: return x > a ? 1 : 0
        case .scaledTanh: let t = T.tanh(b * x); return a * b * (1 - t * t)
        case .hardSigmoid: let y = a * x + b; return y > 0 && y < 1 ? a : 0
        case .elu: return x >= 0 ? 1 : a * T.exp(x)
        }
    }
}

/// The `activations`, `activation_alpha` and `activation_beta` attributes of an ONNX recurrent
/// operator read into one activation per slot, as onnxruntime reads them (rnn_helpers.cc,
/// `NormalizeActivationArgumentAndGetAlphaBetaCount`): names are case-insensitive; the alpha
/// and beta lists are consumed in order, each value only by a function that takes that
/// parameter (Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, Elu take alpha;
/// Affine, ScaledTanh, HardSigmoid take beta); a function whose value has run out gets its
/// default: LeakyRelu 0.01, HardSigmoid 0.2 and 0.5, Elu 1.0, every other 0 (so an `Affine`
/// with no values computes 0). Values left over are ignored. The specification leaves all of
/// this open.
///
/// One reading is refused: a list that is given but runs out before the last function that
/// takes its parameter. onnxruntime fills the rest with defaults; the specification does not
/// say, and such a list is far more often a mistake than a choice, so it is an error naming
/// the list (give a value for every such function, or no list for every default).
public enum ONNXActivations {
    /// onnxruntime's defaults for a missing alpha and beta.
    public static func defaults(_ f: ONNXActivation.Function) -> (alpha: Double, beta: Double) {
        switch f {
        case .leakyRelu: return (0.01, 0)
        case .hardSigmoid: return (0.2, 0.5)
        case .elu: return (1, 0)
        case .affine, .thresholdedRelu, .scaledTanh: return (0, 0)
        }
    }

    /// The activation of one ONNX name (any case), consuming alpha and beta from the lists.
    /// Errors name `activations[k]`.
    public static func parse(_ names: [String], alpha: [Double], beta: [Double]) throws -> [Activation] {
        var (ai, bi) = (0, 0)
        var (alphaTakers, betaTakers) = ([String](), [String]())
        let acts: [Activation] = try names.enumerated().map { k, name in
            switch name.lowercased() {
            case "relu": return .relu
            case "tanh": return .tanh
            case "sigmoid": return .sigmoid
            case "softsign": return .softsign
            case "softplus": return .softplus
            default:
                guard let f = ONNXActivation.Function.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else {
                    throw RNNError(.unknown, "activations[\(k)]", "unknown activation \"\(name)\" (ONNX's: Relu, Tanh, Sigmoid, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign, Softplus)")
                }
                var (a, b) = defaults(f)
                if f.takesAlpha {
                    alphaTakers.append(name)
                    if ai < alpha.count { a = alpha[ai]; ai += 1 }
                }
                if f.takesBeta {
                    betaTakers.append(name)
                    if bi < beta.count { b = beta[bi]; bi += 1 }
                }
                return .onnx(ONNXActivation(f, alpha: a, beta: b))
            }
        }
        for (key, list, takers) in [("activation_alpha", alpha, alphaTakers), ("activation_beta", beta, betaTakers)]
        where !list.isEmpty && list.count < takers.count {
            throw RNNError(.invalid, key, "\(list.count) value\(list.count == 1 ? "" : "s") for \(takers.count) functions that take one (\(takers.joined(separator: ", "))): the specification does not say what the rest get (onnxruntime gives them their defaults); give one value per function, or no list for the defaults")
        }
        return acts
    }
}

/// ONNX's `direction` attribute of the recurrent operators.
public enum ONNXDirection: String, Sendable, CaseIterable {
    case forward, reverse, bidirectional
}
