import RNNCore

/// One layer of PyTorch's `torch.nn.GRU(input_size, hidden_size, bias=True)` (its documented
/// equations):
///
///     r = σ(W_ir x + b_ir + W_hr h + b_hr)
///     z = σ(W_iz x + b_iz + W_hz h + b_hz)
///     n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
///     h' = (1 − z) ⊙ n + z ⊙ h
///
/// Gate order `r, z, n`; `weight_ih` [3H, I], `weight_hh` [3H, H], `bias_ih`, `bias_hh` [3H].
/// `num_layers` stacks these cells. The arithmetic is `GRU`'s (reset after).
public struct TorchGRU<Scalar: RNNFloat>: GRUCellProtocol {
    public let spec: CellSpec
    public let inputSize: Int
    public let parameters: Parameters<Scalar>
    let gru: GRU<Scalar>

    public init(_ spec: CellSpec, inputSize: Int, parameters: Parameters<Scalar>) {
        guard case let .gru(c) = spec else { preconditionFailure("TorchGRU needs a gru spec") }
        self.spec = spec
        self.inputSize = inputSize
        self.parameters = parameters
        self.gru = GRU(c, inputSize: inputSize, parameters: parameters)
    }
}
