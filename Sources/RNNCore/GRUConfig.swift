/// The three GRU gates by role, and their names:
///
/// | role      | TensorFlow v1 `GRUCell` | Keras `GRUCell` | PyTorch `nn.GRU` |
/// | --------- | ----------------------- | --------------- | ---------------- |
/// | reset     | `r`                     | `r`             | `r`              |
/// | update    | `u`                     | `z`             | `z`              |
/// | candidate | `c`                     | `hh` (`h`)      | `n`              |
///
/// Column (PyTorch: row) blocks of the fused matrices: TF `gates/kernel` `r, u` and a separate
/// `candidate/kernel`; Keras `z, r, h`; PyTorch `r, z, n`.
public enum GRUGate: Int, Sendable, CaseIterable {
    case reset, update, candidate
}

/// Which framework a GRU comes from. The frameworks differ in where the reset gate acts:
/// TF v1 and Keras `reset_after=False` reset the state *before* the recurrent matmul,
/// `act(x·W + (r⊙h)·U + b)`; Keras `reset_after=True` and PyTorch reset *after* it,
/// `act(x·W + b_x + r⊙(h·U + b_h))`. The update is `h' = u⊙h + (1 − u)⊙c` everywhere.
public enum GRUFlavor: String, Sendable, Equatable, CaseIterable {
    /// `tf.compat.v1.nn.rnn_cell.GRUCell`: `gates/kernel` [I + H, 2H], `gates/bias` [2H],
    /// `candidate/kernel` [I + H, H], `candidate/bias` [H].
    case tf = "tf.GRUCell"
    /// `keras.layers.GRUCell(reset_after=True)`: `kernel` [I, 3H], `recurrent_kernel` [H, 3H],
    /// `bias` [2, 3H] (row 0 input, row 1 recurrent).
    case kerasResetAfter = "keras.GRUCell(reset_after=True)"
    /// `keras.layers.GRUCell(reset_after=False)`: as above with `bias` [3H].
    case kerasResetBefore = "keras.GRUCell(reset_after=False)"
    /// One layer of `torch.nn.GRU`: `weight_ih` [3H, I], `weight_hh` [3H, H], `bias_ih`, `bias_hh` [3H].
    case torch = "torch.nn.GRU"

    public var resetAfter: Bool { self == .kerasResetAfter || self == .torch }

    /// Block order of the fused matrices (TF: of `gates/kernel`, then the candidate kernel).
    public var gateOrder: [GRUGate] {
        switch self {
        case .tf: return [.reset, .update, .candidate]
        case .kerasResetAfter, .kerasResetBefore: return [.update, .reset, .candidate]
        case .torch: return [.reset, .update, .candidate]
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
    /// Keras `use_bias`, PyTorch `bias` (TF always has biases).
    public var useBias: Bool = true

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
        }
    }

    func validate() throws {
        guard units > 0 else { throw RNNError(.invalid, flavor.rawValue, "units must be positive, got \(units)") }
        if flavor == .tf && !useBias { throw RNNError(.unsupported, flavor.rawValue, "TF's GRUCell always has biases") }
        if flavor == .torch && (activation != .tanh || recurrentActivation != .sigmoid) {
            throw RNNError(.unsupported, flavor.rawValue, "torch.nn.GRU uses tanh and the sigmoid")
        }
    }
}
