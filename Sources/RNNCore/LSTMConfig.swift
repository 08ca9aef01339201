/// The four LSTM gates, by role. Frameworks name and order them differently:
///
/// | role      | TensorFlow v1 | Keras | PyTorch |
/// | --------- | ------------- | ----- | ------- |
/// | input     | `i`           | `i`   | `i`     |
/// | candidate | `j`           | `c`   | `g`     |
/// | forget    | `f`           | `f`   | `f`     |
/// | output    | `o`           | `o`   | `o`     |
///
/// Column blocks of the fused [.., 4H] matrices: TF `i, j, f, o`; Keras and PyTorch `i, f, c|g, o`.
public enum LSTMGate: Int, Sendable, CaseIterable {
    case input, candidate, forget, output
}

/// Which framework an LSTM cell comes from: fixes the weight layout, the parameter names, the
/// gate order and the state order.
public enum LSTMFlavor: String, Sendable, Equatable, CaseIterable {
    /// `tf.compat.v1.nn.rnn_cell.LSTMCell`: fused `kernel` [I + P, 4H], `bias` [4H], optional
    /// `w_f_diag`, `w_i_diag`, `w_o_diag` [H] and `projection/kernel` [H, P]; state `(c, m)`.
    case tfLSTMCell = "tf.LSTMCell"
    /// `tf.compat.v1.nn.rnn_cell.BasicLSTMCell`: `kernel` [I + H, 4H], `bias` [4H]; state `(c, h)`.
    case tfBasicLSTMCell = "tf.BasicLSTMCell"
    /// `keras.layers.LSTMCell`: `kernel` [I, 4H], `recurrent_kernel` [H, 4H], `bias` [4H]; state `[h, c]`.
    case keras = "keras.LSTMCell"
    /// One layer of `torch.nn.LSTM`: `weight_ih` [4H, I], `weight_hh` [4H, P], `bias_ih`,
    /// `bias_hh` [4H], `weight_hr` [P, H] with `proj_size`; state `(h, c)`.
    case torch = "torch.nn.LSTM"

    /// Column order of the gate blocks in the fused [.., 4H] matrices.
    public var gateOrder: [LSTMGate] {
        switch self {
        case .tfLSTMCell, .tfBasicLSTMCell: return [.input, .candidate, .forget, .output]
        case .keras, .torch: return [.input, .forget, .candidate, .output]
        }
    }

    /// Whether the state is `(c, h)` (TF) or `(h, c)` (Keras, PyTorch).
    public var cellStateFirst: Bool { self == .tfLSTMCell || self == .tfBasicLSTMCell }
}

/// Everything that defines one LSTM cell. TF's `LSTMCell(num_units, use_peepholes, cell_clip,
/// num_proj, proj_clip, forget_bias, activation, state_is_tuple)` uses all of it; the other
/// flavors use a subset (validated in `CellSpec.validate`).
public struct LSTMConfig: Sendable, Equatable {
    public var flavor: LSTMFlavor
    /// H.
    public var units: Int
    /// P: `num_proj` (TF) or `proj_size` (PyTorch); nil for none.
    public var projection: Int?
    public var usePeepholes: Bool = false
    /// `cell_clip`: c is clipped to [−cell_clip, cell_clip] before the output activation.
    public var cellClip: Double?
    /// `proj_clip`: the projected output is clipped to [−proj_clip, proj_clip].
    public var projClip: Double?
    /// TF's `forget_bias`, added to the forget gate's pre-activation at every step (a
    /// constant, not a variable). 0 for Keras and PyTorch.
    public var forgetBias: Double = 0
    /// Candidate and cell-output activation (`activation`, tanh by default).
    public var activation: Activation = .tanh
    /// Gate activation (Keras' `recurrent_activation`; σ in TF and PyTorch).
    public var recurrentActivation: Activation = .sigmoid
    /// Keras `use_bias`, PyTorch `bias`.
    public var useBias: Bool = true
    /// TF `state_is_tuple`: false concatenates the state as one tensor `[c, m]`.
    public var stateIsTuple: Bool = true

    public init(flavor: LSTMFlavor, units: Int) {
        self.flavor = flavor
        self.units = units
        if flavor == .tfLSTMCell || flavor == .tfBasicLSTMCell { forgetBias = 1 }
    }

    /// The width of h (or TF's m): P with a projection, else H.
    public var outputWidth: Int { projection ?? units }

    /// Columns of gate `g` in the fused [.., 4H] matrices.
    public func columns(_ g: LSTMGate) -> Range<Int> {
        let k = flavor.gateOrder.firstIndex(of: g)!
        return (k * units)..<((k + 1) * units)
    }

    /// Parameter names and shapes, in the framework's creation order.
    public func parameterShapes(inputSize i: Int) -> [(name: String, shape: [Int])] {
        let h = units, p = outputWidth
        switch flavor {
        case .tfLSTMCell, .tfBasicLSTMCell:
            var out: [(String, [Int])] = [("kernel", [i + p, 4 * h]), ("bias", [4 * h])]
            if usePeepholes { out += [("w_f_diag", [h]), ("w_i_diag", [h]), ("w_o_diag", [h])] }
            if let pr = projection { out.append(("projection/kernel", [h, pr])) }
            return out
        case .keras:
            return [("kernel", [i, 4 * h]), ("recurrent_kernel", [h, 4 * h])] + (useBias ? [("bias", [4 * h])] : [])
        case .torch:
            var out: [(String, [Int])] = [("weight_ih", [4 * h, i]), ("weight_hh", [4 * h, p])]
            if useBias { out += [("bias_ih", [4 * h]), ("bias_hh", [4 * h])] }
            if let pr = projection { out.append(("weight_hr", [pr, h])) }
            return out
        }
    }

    /// Widths of the state tensors in the framework's flattening order.
    public var stateSizes: [Int] {
        if !stateIsTuple { return [units + outputWidth] }
        return flavor.cellStateFirst ? [units, outputWidth] : [outputWidth, units]
    }

    func validate() throws {
        let k = flavor.rawValue
        guard units > 0 else { throw RNNError(.invalid, k, "num_units must be positive, got \(units)") }
        if let p = projection, p <= 0 { throw RNNError(.invalid, k, "the projection size must be positive, got \(p)") }
        if let c = cellClip, !(c > 0) { throw RNNError(.invalid, k, "cell_clip must be positive, got \(c)") }
        if let c = projClip, !(c > 0) { throw RNNError(.invalid, k, "proj_clip must be positive, got \(c)") }
        if projClip != nil && projection == nil { throw RNNError(.invalid, k, "proj_clip needs num_proj") }
        guard forgetBias.isFinite else { throw RNNError(.invalid, k, "forget_bias must be finite") }
        switch flavor {
        case .tfLSTMCell: break
        case .tfBasicLSTMCell, .keras, .torch:
            if usePeepholes || cellClip != nil || projClip != nil {
                throw RNNError(.unsupported, k, "\(k) has no peepholes, cell_clip or proj_clip")
            }
            if flavor != .torch && projection != nil { throw RNNError(.unsupported, k, "\(k) has no projection") }
            if flavor != .tfBasicLSTMCell && forgetBias != 0 {
                throw RNNError(.unsupported, k, "\(k) has no forget_bias constant (Keras' unit_forget_bias only initialises the bias)")
            }
        }
        if flavor != .tfLSTMCell && flavor != .tfBasicLSTMCell && !stateIsTuple {
            throw RNNError(.unsupported, k, "state_is_tuple=False is TensorFlow's")
        }
    }
}
