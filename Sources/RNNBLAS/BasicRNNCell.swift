import RNNCore

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
/// `bias` [H], x [B, I], state [B, H]. Output = new state [B, H].
public struct BasicRNNCell<Scalar: RNNFloat>: ElmanCell {
    public let spec: CellSpec
    public let inputSize: Int
    public let parameters: Parameters<Scalar>
    let elman: Elman<Scalar>

    /// `parameters` must be validated against `spec` (see `RNNImplementation.buildCell`).
    public init(_ spec: CellSpec, inputSize: Int, parameters: Parameters<Scalar>) {
        guard case let .tfBasicRNN(h, act) = spec else { preconditionFailure("BasicRNNCell needs a tfBasicRNN spec") }
        self.spec = spec
        self.inputSize = inputSize
        self.parameters = parameters
        // concat([inputs, state]) · kernel  ==  inputs·kernel[0..<I] + state·kernel[I..<I+H]
        self.elman = Elman(inputSize: inputSize, units: h, activation: act,
                           wx: WeightBlock(index: 0, row: 0), wh: WeightBlock(index: 0, row: inputSize), bias: 1)
    }
}
