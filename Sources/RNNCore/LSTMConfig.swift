/// The four LSTM gates, by role. Frameworks name and order them differently:
///
/// | role      | TensorFlow v1 | Keras | PyTorch | ONNX |
/// | --------- | ------------- | ----- | ------- | ---- |
/// | input     | `i`           | `i`   | `i`     | `i`  |
/// | candidate | `j`           | `c`   | `g`     | `c`  |
/// | forget    | `f`           | `f`   | `f`     | `f`  |
/// | output    | `o`           | `o`   | `o`     | `o`  |
///
/// Column blocks of the fused [.., 4H] matrices: TF `i, j, f, o`; Keras and PyTorch `i, f, c|g, o`;
/// ONNX `i, o, f, c` (and its peepholes `P` [3H] `i, o, f`).
public enum LSTMGate: Int, Sendable, CaseIterable {
    case input, candidate, forget, output
}

/// Which framework an LSTM cell comes from: fixes the weight layout, the parameter names, the
/// gate order and the state order.
public enum LSTMFlavor: String, Sendable, Equatable, CaseIterable {
    /// TensorFlow's `tf.compat.v1.nn.rnn_cell.LSTMCell(num_units, use_peepholes=False,
    /// cell_clip=None, num_proj=None, proj_clip=None, forget_bias=1.0, state_is_tuple=True,
    /// activation=tanh)`, as quoted in “循环神经网络” (000):
    ///
    ///     (c_prev, m_prev) = state
    ///     lstm_matrix = math_ops.matmul(array_ops.concat([inputs, m_prev], 1), self._kernel)
    ///     lstm_matrix = nn_ops.bias_add(lstm_matrix, self._bias)
    ///     i, j, f, o = array_ops.split(value=lstm_matrix, num_or_size_splits=4, axis=1)
    ///     if self._use_peepholes:
    ///       c = (sigmoid(f + self._forget_bias + self._w_f_diag * c_prev) * c_prev +
    ///            sigmoid(i + self._w_i_diag * c_prev) * self._activation(j))
    ///     else:
    ///       c = (sigmoid(f + self._forget_bias) * c_prev + sigmoid(i) * self._activation(j))
    ///     if self._cell_clip is not None:
    ///       c = clip_ops.clip_by_value(c, -self._cell_clip, self._cell_clip)
    ///     if self._use_peepholes:
    ///       m = sigmoid(o + self._w_o_diag * c) * self._activation(c)
    ///     else:
    ///       m = sigmoid(o) * self._activation(c)
    ///     if self._num_proj is not None:
    ///       m = math_ops.matmul(m, self._proj_kernel)
    ///       if self._proj_clip is not None:
    ///         m = clip_ops.clip_by_value(m, -self._proj_clip, self._proj_clip)
    ///     new_state = (LSTMStateTuple(c, m) if self._state_is_tuple else array_ops.concat([c, m], 1))
    ///     return m, new_state
    ///
    /// Variables: `kernel` [I + P, 4H], `bias` [4H], `w_f_diag`, `w_i_diag`, `w_o_diag` [H],
    /// `projection/kernel` [H, P]. State `(c [B, H], m [B, P])`. The arithmetic is `LSTM`'s
    /// (`LSTMLayout` places the blocks).
    case tfLSTMCell = "tf.LSTMCell"
    /// TensorFlow's `tf.compat.v1.nn.rnn_cell.BasicLSTMCell(num_units, forget_bias=1.0,
    /// state_is_tuple=True, activation=tanh)`, as quoted in “从NN到CNN到RNN” (001):
    ///
    ///     c, h = state
    ///     gate_inputs = math_ops.matmul(array_ops.concat([inputs, h], 1), self._kernel)
    ///     gate_inputs = nn_ops.bias_add(gate_inputs, self._bias)
    ///     i, j, f, o = array_ops.split(value=gate_inputs, num_or_size_splits=4, axis=one)
    ///     new_c = add(multiply(c, sigmoid(add(f, forget_bias_tensor))),
    ///                 multiply(sigmoid(i), self._activation(j)))
    ///     new_h = multiply(self._activation(new_c), sigmoid(o))
    ///     new_state = LSTMStateTuple(new_c, new_h)
    ///     return new_h, new_state
    ///
    /// `LSTMCell` without peepholes, clipping or projection. Variables: `kernel` [I + H, 4H],
    /// `bias` [4H]. State `(c, h)`.
    case tfBasicLSTMCell = "tf.BasicLSTMCell"
    /// Keras' `keras.layers.LSTMCell(units, activation='tanh', recurrent_activation='sigmoid',
    /// use_bias=True)` (keras/src/layers/rnn/lstm.py):
    ///
    ///     h_tm1 = states[0]; c_tm1 = states[1]
    ///     z = ops.matmul(inputs, self.kernel)
    ///     z += ops.matmul(h_tm1, self.recurrent_kernel)
    ///     if self.use_bias: z += self.bias
    ///     z = ops.split(z, 4, axis=1)
    ///     i = self.recurrent_activation(z0); f = self.recurrent_activation(z1)
    ///     c = f * c_tm1 + i * self.activation(z2)
    ///     o = self.recurrent_activation(z3)
    ///     h = o * self.activation(c)
    ///     return h, [h, c]
    ///
    /// Gate order `i, f, c, o`; `kernel` [I, 4H], `recurrent_kernel` [H, 4H], `bias` [4H]; state
    /// `[h, c]`. `unit_forget_bias` only initialises the bias (ones in the f block): it is not part
    /// of the computation. The arithmetic is `LSTM`'s.
    case keras = "keras.LSTMCell"
    /// One layer of PyTorch's `torch.nn.LSTM(input_size, hidden_size, bias=True, proj_size=0)`
    /// (the equations of its documentation):
    ///
    ///     i = σ(W_ii x + b_ii + W_hi h + b_hi)
    ///     f = σ(W_if x + b_if + W_hf h + b_hf)
    ///     g = tanh(W_ig x + b_ig + W_hg h + b_hg)
    ///     o = σ(W_io x + b_io + W_ho h + b_ho)
    ///     c' = f ⊙ c + i ⊙ g
    ///     h' = o ⊙ tanh(c')              with proj_size:  h' = W_hr (o ⊙ tanh(c'))
    ///
    /// Gate order `i, f, g, o`; `weight_ih` [4H, I], `weight_hh` [4H, P], `bias_ih`, `bias_hh`
    /// [4H], `weight_hr` [P, H]; state `(h [B, P], c [B, H])`. `num_layers` stacks these cells.
    /// The arithmetic is `LSTM`'s.
    case torch = "torch.nn.LSTM"
    /// One direction of ONNX's `LSTM` operator (opset 22; onnx/defs/rnn/defs.cc), Default:
    /// f=Sigmoid, g=Tanh, h=Tanh:
    ///
    ///     it = f(Xt·Wiᵀ + Ht-1·Riᵀ + Pi⊙Ct-1 + Wbi + Rbi)
    ///     ft = f(Xt·Wfᵀ + Ht-1·Rfᵀ + Pf⊙Ct-1 + Wbf + Rbf)
    ///     ct = g(Xt·Wcᵀ + Ht-1·Rcᵀ + Wbc + Rbc)
    ///     Ct = ft⊙Ct-1 + it⊙ct
    ///     ot = f(Xt·Woᵀ + Ht-1·Roᵀ + Po⊙Ct + Wbo + Rbo)
    ///     Ht = ot⊙h(Ct)
    ///
    /// with `clip` bounding every gate's input (after the bias and peephole terms, as
    /// onnxruntime's `clip_with_bias` does; never the cell state) and `input_forget` replacing
    /// ft by 1 − it (onnxruntime's `pf[i] = 1.0f - pi[i]`). Gate order `i, o, f, c`; parameters of
    /// one direction: `W` [4H, I], `R` [4H, H], `Wb`, `Rb` [4H] (B's two halves), `P_i`, `P_o`,
    /// `P_f` [H] (P's thirds). State `(h, c)`. The arithmetic is `LSTM`'s.
    case onnx = "onnx.LSTM"

    /// Column order of the gate blocks in the fused [.., 4H] matrices.
    public var gateOrder: [LSTMGate] {
        switch self {
        case .tfLSTMCell, .tfBasicLSTMCell: return [.input, .candidate, .forget, .output]
        case .keras, .torch: return [.input, .forget, .candidate, .output]
        case .onnx: return [.input, .output, .forget, .candidate]
        }
    }

    /// Each gate's name in the framework's own vocabulary (TF `i, j, f, o`; Keras `i, f, c, o`;
    /// PyTorch `i, f, g, o`; ONNX `i, o, f, c`, each listed here in its column order).
    public func letter(_ g: LSTMGate) -> String {
        switch (self, g) {
        case (_, .input): return "i"
        case (_, .forget): return "f"
        case (_, .output): return "o"
        case (.tfLSTMCell, .candidate), (.tfBasicLSTMCell, .candidate): return "j"
        case (.torch, .candidate): return "g"
        case (.keras, .candidate), (.onnx, .candidate): return "c"
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
    /// ONNX `clip`: every gate's input is clipped to [−clip, clip] (not the cell state).
    public var gateClip: Double?
    /// ONNX's third activation `h`, of the cell state in `Ht = ot⊙h(Ct)` (nil: `activation`).
    public var outputActivation: Activation?
    /// ONNX `input_forget`: the forget gate is `1 − i` (its own block is computed by no one).
    public var inputForget: Bool = false

    /// The activation of the cell state in the output.
    public var cellOutputActivation: Activation { outputActivation ?? activation }

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

    /// The first column of each gate's block in the fused [.., 4H] matrices, named as TF
    /// names the gates (i input, j candidate, f forget, o output) whatever the flavor's order.
    public var gateOffsets: (i: Int, j: Int, f: Int, o: Int) {
        (columns(.input).lowerBound, columns(.candidate).lowerBound, columns(.forget).lowerBound, columns(.output).lowerBound)
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
        case .onnx:
            var out: [(String, [Int])] = [("W", [4 * h, i]), ("R", [4 * h, h])]
            if useBias { out += [("Wb", [4 * h]), ("Rb", [4 * h])] }
            if usePeepholes { out += [("P_i", [h]), ("P_o", [h]), ("P_f", [h])] }
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
        if let c = gateClip, !(c > 0) { throw RNNError(.invalid, k, "clip must be positive, got \(c)") }
        if flavor != .onnx && (gateClip != nil || outputActivation != nil || inputForget) {
            throw RNNError(.unsupported, k, "clip, a third activation and input_forget are ONNX's")
        }
        if projClip != nil && projection == nil { throw RNNError(.invalid, k, "proj_clip needs num_proj") }
        guard forgetBias.isFinite else { throw RNNError(.invalid, k, "forget_bias must be finite") }
        switch flavor {
        case .tfLSTMCell: break
        case .onnx:
            if cellClip != nil || projClip != nil || projection != nil || forgetBias != 0 {
                throw RNNError(.unsupported, k, "ONNX's LSTM has no cell_clip, projection or forget_bias constant")
            }
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
