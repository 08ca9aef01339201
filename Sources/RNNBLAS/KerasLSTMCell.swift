import RNNCore

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
public struct KerasLSTMCell<Scalar: RNNFloat>: LSTMCellProtocol {
    public let spec: CellSpec
    public let inputSize: Int
    public let parameters: Parameters<Scalar>
    let lstm: LSTM<Scalar>

    public init(_ spec: CellSpec, inputSize: Int, parameters: Parameters<Scalar>) {
        guard case let .lstm(c) = spec else { preconditionFailure("KerasLSTMCell needs an lstm spec") }
        self.spec = spec
        self.inputSize = inputSize
        self.parameters = parameters
        self.lstm = LSTM(c, inputSize: inputSize, parameters: parameters)
    }
}
