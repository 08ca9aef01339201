/// The three GRU gates by role, and their names:
///
/// | role      | TensorFlow v1 `GRUCell` | Keras `GRUCell` | PyTorch `nn.GRU` | ONNX `GRU` |
/// | --------- | ----------------------- | --------------- | ---------------- | ---------- |
/// | reset     | `r`                     | `r`             | `r`              | `r`        |
/// | update    | `u`                     | `z`             | `z`              | `z`        |
/// | candidate | `c`                     | `hh` (`h`)      | `n`              | `h`        |
///
/// Column (PyTorch, ONNX: row) blocks of the fused matrices: TF `gates/kernel` `r, u` and a
/// separate `candidate/kernel`; Keras `z, r, h`; PyTorch `r, z, n`; ONNX `z, r, h`.
public enum GRUGate: Int, Sendable, CaseIterable {
    case reset, update, candidate
}

/// Which framework a GRU comes from. The frameworks differ in where the reset gate acts:
/// TF v1 and Keras `reset_after=False` reset the state *before* the recurrent matmul,
/// `act(x·W + (r⊙h)·U + b)`; Keras `reset_after=True` and PyTorch reset *after* it,
/// `act(x·W + b_x + r⊙(h·U + b_h))`. The update is `h' = u⊙h + (1 − u)⊙c` everywhere.
public enum GRUFlavor: String, Sendable, Equatable, CaseIterable {
    /// TensorFlow's `tf.compat.v1.nn.rnn_cell.GRUCell(num_units, activation=tanh)`: reset before
    /// the candidate's matmul; `gates/bias` initialised to 1.0 by TF (a plain variable here). See
    /// `GRU` for TF's `call` line by line. Variables: `gates/kernel` [I + H, 2H] (`r, u`),
    /// `gates/bias` [2H], `candidate/kernel` [I + H, H], `candidate/bias` [H]. State `h`.
    case tf = "tf.GRUCell"
    /// Keras' `keras.layers.GRUCell(units, activation='tanh', recurrent_activation='sigmoid',
    /// use_bias=True, reset_after=True)` (keras/src/layers/rnn/gru.py):
    ///
    ///     x_z = inputs·kernel[:, :H] + input_bias[:H]        (likewise x_r, x_h)
    ///     recurrent_z = h_tm1·recurrent_kernel[:, :H] (+ recurrent_bias[:H] if reset_after)
    ///     z = recurrent_activation(x_z + recurrent_z);  r = recurrent_activation(x_r + recurrent_r)
    ///     if reset_after: recurrent_h = r * (h_tm1·recurrent_kernel[:, 2H:] + recurrent_bias[2H:])
    ///     else:           recurrent_h = (r * h_tm1)·recurrent_kernel[:, 2H:]
    ///     hh = activation(x_h + recurrent_h)
    ///     h = z * h_tm1 + (1 - z) * hh
    ///
    /// Gate order `z, r, h`; `bias` is [2, 3H] (input row, recurrent row) with `reset_after`, else
    /// [3H]. The arithmetic is `GRU`'s.
    case kerasResetAfter = "keras.GRUCell(reset_after=True)"
    /// `keras.layers.GRUCell(reset_after=False)`: as `kerasResetAfter` with `bias` [3H] and the
    /// reset before the candidate's matmul.
    case kerasResetBefore = "keras.GRUCell(reset_after=False)"
    /// One layer of PyTorch's `torch.nn.GRU(input_size, hidden_size, bias=True)` (its documented
    /// equations):
    ///
    ///     r = σ(W_ir x + b_ir + W_hr h + b_hr)
    ///     z = σ(W_iz x + b_iz + W_hz h + b_hz)
    ///     n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
    ///     h' = (1 − z) ⊙ n + z ⊙ h
    ///
    /// Gate order `r, z, n`; `weight_ih` [3H, I], `weight_hh` [3H, H], `bias_ih`, `bias_hh` [3H].
    /// `num_layers` stacks these cells. The arithmetic is `GRU`'s (reset after).
    case torch = "torch.nn.GRU"
    /// One direction of ONNX's `GRU` operator (opset 22), `linear_before_reset=0` (its default),
    /// Default: f=Sigmoid, g=Tanh:
    ///
    ///     zt = f(Xt·Wzᵀ + Ht-1·Rzᵀ + Wbz + Rbz)
    ///     rt = f(Xt·Wrᵀ + Ht-1·Rrᵀ + Wbr + Rbr)
    ///     ht = g(Xt·Whᵀ + (rt⊙Ht-1)·Rhᵀ + Rbh + Wbh)          reset before the matmul, Rbh outside it
    ///     Ht = (1 − zt)⊙ht + zt⊙Ht-1
    ///
    /// with `clip` bounding each activation's input. Gate order `z, r, h`; parameters of one
    /// direction: `W` [3H, I], `R` [3H, H], `Wb`, `Rb` [3H] (B's halves). The arithmetic is `GRU`'s.
    case onnx = "onnx.GRU"
    /// ONNX's `GRU` with `linear_before_reset=1`: `ht = g(Xt·Whᵀ + Wbh + rt⊙(Ht-1·Rhᵀ + Rbh))`,
    /// PyTorch's reset (gate order still `z, r, h`).
    case onnxLinearBeforeReset = "onnx.GRU(linear_before_reset=1)"

    public var resetAfter: Bool { self == .kerasResetAfter || self == .torch || self == .onnxLinearBeforeReset }

    /// ONNX's operator, either reset.
    public var isONNX: Bool { self == .onnx || self == .onnxLinearBeforeReset }

    /// Block order of the fused matrices (TF: of `gates/kernel`, then the candidate kernel).
    public var gateOrder: [GRUGate] {
        switch self {
        case .tf: return [.reset, .update, .candidate]
        case .kerasResetAfter, .kerasResetBefore: return [.update, .reset, .candidate]
        case .torch: return [.reset, .update, .candidate]
        case .onnx, .onnxLinearBeforeReset: return [.update, .reset, .candidate]
        }
    }
}

public struct GRUConfig: Sendable, Equatable {
    public var flavor: GRUFlavor
    /// H.
    public var units: Int
    /// Candidate activation (tanh by default).
    public var activation: Activation = .tanh
    /// Gate activation (σ; Keras' `recurrent_activation`).
    public var recurrentActivation: Activation = .sigmoid
    /// Keras `use_bias`, PyTorch `bias` (TF always has biases); ONNX: B given.
    public var useBias: Bool = true
    /// ONNX `clip`: each activation's input is clipped to [−clip, clip].
    public var gateClip: Double?

    public init(flavor: GRUFlavor, units: Int) {
        self.flavor = flavor
        self.units = units
    }

    /// Block `g`'s offset (in units of H) in the fused matrices.
    public func block(_ g: GRUGate) -> Int { flavor.gateOrder.firstIndex(of: g)! }

    public func parameterShapes(inputSize i: Int) -> [(name: String, shape: [Int])] {
        let h = units
        switch flavor {
        case .tf:
            return [("gates/kernel", [i + h, 2 * h]), ("gates/bias", [2 * h]),
                    ("candidate/kernel", [i + h, h]), ("candidate/bias", [h])]
        case .kerasResetAfter, .kerasResetBefore:
            let b: [(String, [Int])] = useBias ? [("bias", flavor == .kerasResetAfter ? [2, 3 * h] : [3 * h])] : []
            return [("kernel", [i, 3 * h]), ("recurrent_kernel", [h, 3 * h])] + b
        case .torch:
            return [("weight_ih", [3 * h, i]), ("weight_hh", [3 * h, h])] + (useBias ? [("bias_ih", [3 * h]), ("bias_hh", [3 * h])] : [])
        case .onnx, .onnxLinearBeforeReset:
            return [("W", [3 * h, i]), ("R", [3 * h, h])] + (useBias ? [("Wb", [3 * h]), ("Rb", [3 * h])] : [])
        }
    }

    func validate() throws {
        guard units > 0 else { throw RNNError(.invalid, flavor.rawValue, "units must be positive, got \(units)") }
        if flavor == .tf && !useBias { throw RNNError(.unsupported, flavor.rawValue, "TF's GRUCell always has biases") }
        if let c = gateClip, !(c > 0) { throw RNNError(.invalid, flavor.rawValue, "clip must be positive, got \(c)") }
        if gateClip != nil && !flavor.isONNX { throw RNNError(.unsupported, flavor.rawValue, "clip is ONNX's") }
        if flavor == .torch && (activation != .tanh || recurrentActivation != .sigmoid) {
            throw RNNError(.unsupported, flavor.rawValue, "torch.nn.GRU uses tanh and the sigmoid")
        }
    }
}
