import RNNCore

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
public struct TorchLSTM<Scalar: RNNFloat>: LSTMCellProtocol {
    public let spec: CellSpec
    public let inputSize: Int
    public let parameters: Parameters<Scalar>
    let lstm: LSTM<Scalar>

    public init(_ spec: CellSpec, inputSize: Int, parameters: Parameters<Scalar>) {
        guard case let .lstm(c) = spec else { preconditionFailure("TorchLSTM needs an lstm spec") }
        self.spec = spec
        self.inputSize = inputSize
        self.parameters = parameters
        self.lstm = LSTM(c, inputSize: inputSize, parameters: parameters)
    }
}
