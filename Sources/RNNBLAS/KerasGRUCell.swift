import RNNCore

/// Keras' `keras.layers.GRUCell(units, activation='tanh', recurrent_activation='sigmoid',
/// use_bias=True, reset_after=True)` (keras/src/layers/rnn/gru.py):
///
///     x_z = inputs·kernel[:, :H] + input_bias[:H]        (likewise x_r, x_h)
///     recurrent_z = h_tm1·recurrent_kernel[:, :H] (+ recurrent_bias[:H] if reset_after)
///     z = recurrent_activation(x_z + recurrent_z);  r = recurrent_activation(x_r + recurrent_r)
///     if reset_after: recurrent_h = r * (h_tm1·recurrent_kernel[:, 2H:] + recurrent_bias[2H:])
///     else:           recurrent_h = (r * h_tm1)·recurrent_kernel[:, 2H:]
///     hh = activation(x_h + recurrent_h)
///     h = z * h_tm1 + (1 - z) * hh
///
/// Gate order `z, r, h`; `bias` is [2, 3H] (input row, recurrent row) with `reset_after`, else
/// [3H]. The arithmetic is `GRU`'s.
public struct KerasGRUCell<Scalar: RNNFloat>: GRUCellProtocol {
    public let spec: CellSpec
    public let inputSize: Int
    public let parameters: Parameters<Scalar>
    let gru: GRU<Scalar>

    public init(_ spec: CellSpec, inputSize: Int, parameters: Parameters<Scalar>) {
        guard case let .gru(c) = spec else { preconditionFailure("KerasGRUCell needs a gru spec") }
        self.spec = spec
        self.inputSize = inputSize
        self.parameters = parameters
        self.gru = GRU(c, inputSize: inputSize, parameters: parameters)
    }
}
