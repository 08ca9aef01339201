/// What a cell is, in its source framework's own vocabulary, independent of precision and of
/// which implementation (scalar or BLAS) computes it. The spec fixes the parameter names and
/// shapes, the output width and the state layout; the implementations only do arithmetic.
public enum CellSpec: Sendable, Equatable, CustomStringConvertible {
    /// The two-step numpy RNN of “TensorFlow RNN入门” (004), generalised to I inputs, H units and
    /// O outputs:
    ///
    ///     before_activation = state·w_cell_state + x·w_cell_input + b_cell      [B, H]
    ///     state'            = tanh(before_activation)                           [B, H]
    ///     output            = state'·w_output + b_output                        [B, O]
    ///
    /// Parameters: `w_cell_state` [H, H], `w_cell_input` [I, H], `b_cell` [H], `w_output`
    /// [H, O], `b_output` [O]. State: `[state]`.
    case numpyRNN(units: Int, outputs: Int)

    /// TensorFlow's `tf.compat.v1.nn.rnn_cell.BasicRNNCell(num_units, activation=tanh)`.
    ///
    /// TF's `BasicRNNCell.call` (tensorflow/python/keras/layers/legacy_rnn/rnn_cell_impl.py):
    ///
    ///     gate_inputs = math_ops.matmul(array_ops.concat([inputs, state], 1), self._kernel)
    ///     gate_inputs = nn_ops.bias_add(gate_inputs, self._bias)
    ///     output = self._activation(gate_inputs)
    ///     return output, output
    ///
    /// Shapes: `kernel` [I + H, H] (rows 0..<I multiply the input, rows I..<I+H the state),
    /// `bias` [H], x [B, I], state [B, H]. Output = new state [B, H]. The arithmetic is
    /// `Elman`'s (`ElmanLayout` places the blocks).
    case tfBasicRNN(numUnits: Int, activation: Activation)

    /// Keras' `keras.layers.SimpleRNNCell(units, activation='tanh', use_bias=True)`.
    ///
    /// Keras' `SimpleRNNCell.call` (keras/src/layers/rnn/simple_rnn.py):
    ///
    ///     h = ops.matmul(sequence, self.kernel)
    ///     if self.bias is not None: h += self.bias
    ///     output = h + ops.matmul(prev_output, self.recurrent_kernel)
    ///     if self.activation is not None: output = self.activation(output)
    ///     return output, new_state
    ///
    /// Shapes: `kernel` [I, H], `recurrent_kernel` [H, H], `bias` [H] when `use_bias`;
    /// x [B, I], state [B, H]. The arithmetic is `Elman`'s.
    case kerasSimpleRNN(units: Int, activation: Activation, useBias: Bool)

    /// The `MinimalRNNCell` of “循环神经网络” (000) (Keras' custom-cell example):
    ///
    ///     def call(self, inputs, states):
    ///         prev_output = states[0]
    ///         h = tf.matmul(inputs, self.kernel)
    ///         output = h + tf.matmul(prev_output, self.recurrent_kernel)
    ///         return output, [output]
    ///
    /// Linear: no bias, no activation. Shapes: `kernel` [I, H], `recurrent_kernel` [H, H].
    /// The arithmetic is `Elman`'s with the identity activation.
    case kerasMinimalRNN(units: Int)

    /// One layer of PyTorch's `torch.nn.RNN(input_size, hidden_size, nonlinearity, bias)`
    /// (torch/nn/modules/rnn.py, the class's documented recurrence):
    ///
    ///     h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)          (or relu)
    ///
    /// Shapes: `weight_ih` [H, I], `weight_hh` [H, H], `bias_ih` [H], `bias_hh` [H] when `bias`;
    /// x [B, I], state [B, H]. The arithmetic is `Elman`'s (the weights stored transposed, two
    /// biases).
    case torchRNN(hiddenSize: Int, nonlinearity: Activation, bias: Bool)

    /// One direction of ONNX's `RNN` operator (opset 22): `Ht = f(clip(Xt·Wᵀ + Ht-1·Rᵀ + Wb + Rb))`,
    /// f any ONNX activation (Tanh by default), `clip` optional. Shapes: `W` [H, I], `R` [H, H],
    /// `Wb`, `Rb` [H] (B's halves). The arithmetic is `Elman`'s.
    case onnxRNN(hiddenSize: Int, activation: Activation, bias: Bool, clip: Double?)

    /// An LSTM of any flavor: TF `LSTMCell` (every option) and `BasicLSTMCell`, Keras
    /// `LSTMCell`, one layer of PyTorch `nn.LSTM`. See `LSTMConfig`.
    case lstm(LSTMConfig)

    /// TF 1.x's `tf.contrib.rnn.CoupledInputForgetGateLSTMCell`: an LSTM whose input gate is
    /// `1 − f`. See `CIFGConfig`.
    case cifgLSTM(CIFGConfig)

    /// 003's `NestedCell` (nested inputs and states), run flat. See `NestedConfig`.
    case kerasNested(NestedConfig)

    /// A GRU of any flavor: TF v1 `GRUCell`, Keras `GRUCell` with `reset_after` either way,
    /// one layer of PyTorch `nn.GRU`. See `GRUConfig`.
    case gru(GRUConfig)

    /// The framework's name of the cell, for messages and descriptions (the Keras names are the
    /// cells', `keras.LSTMCell`; the kinds a fixture names are RNNFixtures' `ModelKind` and
    /// `TFCellKind`, and only decoders read those).
    public var kind: String {
        switch self {
        case .numpyRNN: return "numpy.rnn"
        case .tfBasicRNN: return "tf.BasicRNNCell"
        case .kerasSimpleRNN: return "keras.SimpleRNNCell"
        case .kerasMinimalRNN: return "keras.MinimalRNNCell"
        case .torchRNN: return "torch.nn.RNN"
        case .onnxRNN: return "onnx.RNN"
        case let .lstm(c): return c.flavor.rawValue
        case let .gru(c): return c.flavor.rawValue
        case .cifgLSTM: return CIFGConfig.kind
        case .kerasNested: return NestedConfig.kind
        }
    }

    public var description: String {
        switch self {
        case let .numpyRNN(h, o): return "numpy.rnn(units: \(h), outputs: \(o))"
        case let .tfBasicRNN(h, a): return "tf.BasicRNNCell(num_units: \(h), activation: \(a.rawValue))"
        case let .kerasSimpleRNN(h, a, b): return "keras.SimpleRNNCell(units: \(h), activation: \(a.rawValue), use_bias: \(b))"
        case let .kerasMinimalRNN(h): return "keras.MinimalRNNCell(units: \(h))"
        case let .torchRNN(h, a, b): return "torch.nn.RNN(hidden_size: \(h), nonlinearity: \(a.rawValue)\(b ? "" : ", bias: false"))"
        case let .onnxRNN(h, a, b, c):
            return "onnx.RNN(hidden_size: \(h), activation: \(a.rawValue)\(b ? "" : ", no B")\(c.map { ", clip: \($0)" } ?? ""))"
        case let .lstm(c):
            var parts = ["units: \(c.units)"]
            if let p = c.projection { parts.append("proj: \(p)") }
            if c.usePeepholes { parts.append("peepholes") }
            if let x = c.cellClip { parts.append("cell_clip: \(x)") }
            if let x = c.projClip { parts.append("proj_clip: \(x)") }
            if c.forgetBias != 0 { parts.append("forget_bias: \(c.forgetBias)") }
            if c.activation != .tanh { parts.append("activation: \(c.activation.rawValue)") }
            if !c.stateIsTuple { parts.append("state_is_tuple: false") }
            return "\(c.flavor.rawValue)(\(parts.joined(separator: ", ")))"
        case let .kerasNested(c):
            return "NestedCell(unit_1: \(c.unit1), unit_2: \(c.unit2), unit_3: \(c.unit3); inputs \(c.input1), [\(c.input2), \(c.input3)])"
        case let .cifgLSTM(c):
            var parts = ["num_units: \(c.units)"]
            if let p = c.projection { parts.append("num_proj: \(p)") }
            if c.usePeepholes { parts.append("use_peepholes") }
            if let x = c.projClip { parts.append("proj_clip: \(x)") }
            parts.append("forget_bias: \(c.forgetBias)")
            if c.activation != .tanh { parts.append("activation: \(c.activation.rawValue)") }
            if !c.stateIsTuple { parts.append("state_is_tuple: false") }
            if c.layerNorm { parts.append("layer_norm") }
            return "\(CIFGConfig.kind)(\(parts.joined(separator: ", ")))"
        case let .gru(c):
            return "\(c.flavor.rawValue)(units: \(c.units)\(c.useBias ? "" : ", no bias")\(c.activation == .tanh ? "" : ", activation: " + c.activation.rawValue))"
        }
    }

    /// H: the number of units.
    public var units: Int {
        switch self {
        case let .numpyRNN(h, _), let .tfBasicRNN(h, _), let .kerasSimpleRNN(h, _, _), let .kerasMinimalRNN(h),
             let .torchRNN(h, _, _), let .onnxRNN(h, _, _, _): return h
        case let .lstm(c): return c.units
        case let .gru(c): return c.units
        case let .cifgLSTM(c): return c.units
        case let .kerasNested(c): return c.flatOutput
        }
    }

    /// Width of the cell's output at each step.
    public var outputSize: Int {
        switch self {
        case let .numpyRNN(_, o): return o
        case let .lstm(c): return c.outputWidth
        case let .cifgLSTM(c): return c.outputWidth
        case let .kerasNested(c): return c.flatOutput
        default: return units
        }
    }

    /// Widths of the state tensors, in the framework's flattening order (TF's
    /// `tf.nest.flatten`: `(c, h)` for an LSTM state tuple; Keras and PyTorch `(h, c)`).
    public var stateSizes: [Int] {
        if case let .lstm(c) = self { return c.stateSizes }
        if case let .cifgLSTM(c) = self { return c.stateSizes }
        if case let .kerasNested(c) = self { return [c.unit1, c.unit2 * c.unit3] }
        return [units]
    }

    /// Parameter names (the framework's own variable names, below the cell's scope) and shapes,
    /// in the order the framework creates them.
    public func parameterShapes(inputSize i: Int) -> [(name: String, shape: [Int])] {
        switch self {
        case let .numpyRNN(h, o):
            return [("w_cell_state", [h, h]), ("w_cell_input", [i, h]), ("b_cell", [h]),
                    ("w_output", [h, o]), ("b_output", [o])]
        case let .tfBasicRNN(h, _):
            return [("kernel", [i + h, h]), ("bias", [h])]
        case let .kerasSimpleRNN(h, _, useBias):
            return [("kernel", [i, h]), ("recurrent_kernel", [h, h])] + (useBias ? [("bias", [h])] : [])
        case let .kerasMinimalRNN(h):
            return [("kernel", [i, h]), ("recurrent_kernel", [h, h])]
        case let .torchRNN(h, _, bias):
            return [("weight_ih", [h, i]), ("weight_hh", [h, h])] + (bias ? [("bias_ih", [h]), ("bias_hh", [h])] : [])
        case let .onnxRNN(h, _, bias, _):
            return [("W", [h, i]), ("R", [h, h])] + (bias ? [("Wb", [h]), ("Rb", [h])] : [])
        case let .lstm(c):
            return c.parameterShapes(inputSize: i)
        case let .gru(c):
            return c.parameterShapes(inputSize: i)
        case let .cifgLSTM(c):
            return c.parameterShapes(inputSize: i)
        case let .kerasNested(c):
            return c.parameterShapes()
        }
    }

    /// Checks the sizes themselves (positive units and outputs).
    public func validate(inputSize: Int) throws {
        if case let .lstm(c) = self { try c.validate() }
        if case let .gru(c) = self { try c.validate() }
        if case let .cifgLSTM(c) = self { try c.validate() }
        if case let .kerasNested(c) = self { try c.validate(inputSize: inputSize) }
        if case let .torchRNN(_, a, _) = self, a != .tanh && a != .relu {
            throw RNNError(.invalid, kind, "nonlinearity must be 'tanh' or 'relu' (PyTorch's two), got '\(a.rawValue)'")
        }
        if case let .onnxRNN(_, _, _, c?) = self, !(c > 0) { throw RNNError(.invalid, kind, "clip must be positive, got \(c)") }
        guard units > 0 else { throw RNNError(.invalid, kind, "units must be positive, got \(units)") }
        guard outputSize > 0 else { throw RNNError(.invalid, kind, "outputs must be positive, got \(outputSize)") }
        guard inputSize > 0 else { throw RNNError(.invalid, kind, "input size must be positive, got \(inputSize)") }
    }
}
