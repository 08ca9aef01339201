import RNNCore

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
/// Shapes: `kernel` [I, H], `recurrent_kernel` [H, H], `bias` [H]; x [B, I], state [B, H].
public struct SimpleRNNCell<Scalar: RNNFloat>: ElmanCell {
    public let spec: CellSpec
    public let inputSize: Int
    public let parameters: Parameters<Scalar>
    let elman: Elman<Scalar>

    /// `parameters` must be validated against `spec` (see `RNNImplementation.buildCell`).
    public init(_ spec: CellSpec, inputSize: Int, parameters: Parameters<Scalar>) {
        guard case let .kerasSimpleRNN(h, act, useBias) = spec else { preconditionFailure("SimpleRNNCell needs a kerasSimpleRNN spec") }
        self.spec = spec
        self.inputSize = inputSize
        self.parameters = parameters
        self.elman = Elman(inputSize: inputSize, units: h, activation: act,
                           wx: WeightBlock(index: 0, row: 0), wh: WeightBlock(index: 1, row: 0), bias: useBias ? 2 : nil)
    }
}
