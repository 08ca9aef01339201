import RNNCore

/// TensorFlow's `tf.compat.v1.nn.rnn_cell.GRUCell(num_units, activation=tanh)`: reset before
/// the candidate's matmul; `gates/bias` initialised to 1.0 by TF (a plain variable here). See
/// `GRU` for TF's `call` line by line. Variables: `gates/kernel` [I + H, 2H] (`r, u`),
/// `gates/bias` [2H], `candidate/kernel` [I + H, H], `candidate/bias` [H]. State `h`.
public struct GRUCell<Scalar: RNNFloat>: GRUCellProtocol {
    public let spec: CellSpec
    public let inputSize: Int
    public let parameters: Parameters<Scalar>
    let gru: GRU<Scalar>

    public init(_ spec: CellSpec, inputSize: Int, parameters: Parameters<Scalar>) {
        guard case let .gru(c) = spec else { preconditionFailure("GRUCell needs a gru spec") }
        self.spec = spec
        self.inputSize = inputSize
        self.parameters = parameters
        self.gru = GRU(c, inputSize: inputSize, parameters: parameters)
    }
}
