import RNNCore

/// The `MinimalRNNCell` of 000_6e6c8b8a67ebd97a.txt (Keras' custom-cell example):
///
///     def call(self, inputs, states):
///         prev_output = states[0]
///         h = tf.matmul(inputs, self.kernel)
///         output = h + tf.matmul(prev_output, self.recurrent_kernel)
///         return output, [output]
///
/// Linear: no bias, no activation. Shapes: `kernel` [I, H], `recurrent_kernel` [H, H].
public struct MinimalRNNCell<Scalar: RNNFloat>: ElmanCell {
    public let spec: CellSpec
    public let inputSize: Int
    public let parameters: Parameters<Scalar>
    let elman: Elman<Scalar>

    /// `parameters` must be validated against `spec` (see `RNNImplementation.buildCell`).
    public init(_ spec: CellSpec, inputSize: Int, parameters: Parameters<Scalar>) {
        guard case let .kerasMinimalRNN(h) = spec else { preconditionFailure("MinimalRNNCell needs a kerasMinimalRNN spec") }
        self.spec = spec
        self.inputSize = inputSize
        self.parameters = parameters
        self.elman = Elman(inputSize: inputSize, units: h, activation: .linear,
                           wx: WeightBlock(index: 0, row: 0), wh: WeightBlock(index: 1, row: 0), bias: nil)
    }
}
