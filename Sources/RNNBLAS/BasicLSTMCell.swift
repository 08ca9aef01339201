import RNNCore

/// TensorFlow's `tf.compat.v1.nn.rnn_cell.BasicLSTMCell(num_units, forget_bias=1.0,
/// state_is_tuple=True, activation=tanh)`, as quoted in 001_3c2564362773d149.txt:
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
public struct BasicLSTMCell<Scalar: RNNFloat>: LSTMCellProtocol {
    public let spec: CellSpec
    public let inputSize: Int
    public let parameters: Parameters<Scalar>
    let lstm: LSTM<Scalar>

    public init(_ spec: CellSpec, inputSize: Int, parameters: Parameters<Scalar>) {
        guard case let .lstm(c) = spec else { preconditionFailure("BasicLSTMCell needs an lstm spec") }
        self.spec = spec
        self.inputSize = inputSize
        self.parameters = parameters
        self.lstm = LSTM(c, inputSize: inputSize, parameters: parameters)
    }
}
