import RNNCore

/// TensorFlow's `tf.compat.v1.nn.rnn_cell.LSTMCell(num_units, use_peepholes=False,
/// cell_clip=None, num_proj=None, proj_clip=None, forget_bias=1.0, state_is_tuple=True,
/// activation=tanh)`, as quoted in 000_6e6c8b8a67ebd97a.txt:
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
/// `projection/kernel` [H, P]. State `(c [B, H], m [B, P])`. The arithmetic is `LSTM`'s.
public struct LSTMCell<Scalar: RNNFloat>: LSTMCellProtocol {
    public let spec: CellSpec
    public let inputSize: Int
    public let parameters: Parameters<Scalar>
    let lstm: LSTM<Scalar>

    /// `parameters` must be validated against `spec` (see `RNNImplementation.buildCell`).
    public init(_ spec: CellSpec, inputSize: Int, parameters: Parameters<Scalar>) {
        guard case let .lstm(c) = spec else { preconditionFailure("LSTMCell needs an lstm spec") }
        self.spec = spec
        self.inputSize = inputSize
        self.parameters = parameters
        self.lstm = LSTM(c, inputSize: inputSize, parameters: parameters)
    }
}
