import RNNCore

/// The BLAS implementation: the same cells, their sums in OpenBLAS.
public enum Implementation: RNNImplementation {
    public static var name: String { "blas" }

    public static func makeCell<T: RNNFloat>(_ spec: CellSpec, inputSize: Int, parameters: Parameters<T>) -> any RecurrentCell<T> {
        switch spec {
        case .numpyRNN: return NumpyRNN(spec, inputSize: inputSize, parameters: parameters)
        case .tfBasicRNN: return BasicRNNCell(spec, inputSize: inputSize, parameters: parameters)
        case .kerasSimpleRNN: return SimpleRNNCell(spec, inputSize: inputSize, parameters: parameters)
        case .kerasMinimalRNN: return MinimalRNNCell(spec, inputSize: inputSize, parameters: parameters)
        case let .lstm(c):
            switch c.flavor {
            case .tfLSTMCell: return LSTMCell(spec, inputSize: inputSize, parameters: parameters)
            case .tfBasicLSTMCell: return BasicLSTMCell(spec, inputSize: inputSize, parameters: parameters)
            case .keras: return KerasLSTMCell(spec, inputSize: inputSize, parameters: parameters)
            case .torch: return TorchLSTM(spec, inputSize: inputSize, parameters: parameters)
            }
        case let .gru(c):
            switch c.flavor {
            case .tf: return GRUCell(spec, inputSize: inputSize, parameters: parameters)
            case .kerasResetAfter, .kerasResetBefore: return KerasGRUCell(spec, inputSize: inputSize, parameters: parameters)
            case .torch: return TorchGRU(spec, inputSize: inputSize, parameters: parameters)
            }
        }
    }

    public static func minCharRNNLoss<T: RNNFloat>(_ parameters: Parameters<T>, inputs: [Int], targets: [Int],
                                                   hprev: Tensor<T>, clipGradients: Bool) -> MinCharRNNLoss<T> {
        MinCharRNN.lossFun(parameters, inputs: inputs, targets: targets, hprev: hprev, clipGradients: clipGradients)
    }

    public static func minCharRNNSample<T: RNNFloat, S: UInt32Stream>(_ parameters: Parameters<T>, h: Tensor<T>, seedIx: Int, n: Int,
                                                                      rng: inout NumpyLegacyRandom<S>) throws -> [Int] {
        try MinCharRNN.sample(parameters, h: h, seedIx: seedIx, n: n, rng: &rng)
    }

    public static func dense<T: RNNFloat>(_ x: Tensor<T>, kernel: Tensor<T>, bias: Tensor<T>?) -> Tensor<T> {
        Dense.forward(x, kernel: kernel, bias: bias)
    }

    public static func denseBackward<T: RNNFloat>(_ x: Tensor<T>, kernel: Tensor<T>, dy: Tensor<T>) -> (dx: Tensor<T>, dKernel: Tensor<T>, dBias: Tensor<T>) {
        Dense.backward(x, kernel: kernel, dy: dy)
    }
}
