/// One of the two implementations of every cell: `RNNScalar.Implementation` (the plain-loop
/// reference) or `RNNBLAS.Implementation` (OpenBLAS). Each provides the arithmetic of every
/// family under the same names, as nested types (`Implementation.Elman`, `.NumpyRNN`, `.LSTM`,
/// `.GRU`, `.CIFG`, `.Nested`, `.Dense`, `.MinCharRNN`); the dispatch from a spec to a cell is here, once. Fixture
/// runners, the CLI and the tests take an implementation as a value of this protocol's metatype.
public protocol RNNImplementation: Sendable {
    /// `scalar` or `blas`.
    static var name: String { get }

    associatedtype Elman: ElmanArithmetic
    associatedtype NumpyRNN: NumpyRNNArithmetic
    associatedtype LSTM: LSTMArithmetic
    associatedtype GRU: GRUArithmetic
    associatedtype CIFG: CIFGArithmetic
    associatedtype Nested: NestedArithmetic
    associatedtype Dense: DenseArithmetic
    associatedtype MinCharRNN: MinCharRNNArithmetic
}

extension RNNImplementation {
    /// Builds the cell for `spec` from parameters already validated against the spec
    /// (use `buildCell` to validate and build in one call).
    public static func makeCell<T: RNNFloat>(_ spec: CellSpec, inputSize: Int, parameters: Parameters<T>) -> any RecurrentCell<T> {
        switch spec {
        case .numpyRNN: return FamilyCell<NumpyRNN, T>(spec, inputSize: inputSize, parameters: parameters)
        case .tfBasicRNN, .kerasSimpleRNN, .kerasMinimalRNN, .torchRNN, .onnxRNN: return FamilyCell<Elman, T>(spec, inputSize: inputSize, parameters: parameters)
        case let .lstm(c): return FamilyCell<LSTM, T>(c, inputSize: inputSize, parameters: parameters)
        case let .gru(c): return FamilyCell<GRU, T>(c, inputSize: inputSize, parameters: parameters)
        case let .cifgLSTM(c): return FamilyCell<CIFG, T>(c, inputSize: inputSize, parameters: parameters)
        case let .kerasNested(c): return FamilyCell<Nested, T>(c, inputSize: inputSize, parameters: parameters)
        }
    }

    /// Validates `given` against `spec` (names, shapes, finiteness) and builds the cell.
    public static func buildCell<T: RNNFloat>(_ spec: CellSpec, inputSize: Int, given: [String: Tensor<T>]) throws -> any RecurrentCell<T> {
        let p = try Parameters(spec: spec, inputSize: inputSize, given: given)
        return makeCell(spec, inputSize: inputSize, parameters: p)
    }

    /// min-char-rnn's `lossFun` (inputs validated by the caller; see `MinCharRNNSpec`).
    public static func minCharRNNLoss<T: RNNFloat>(_ parameters: Parameters<T>, inputs: [Int], targets: [Int],
                                                   hprev: Tensor<T>, clipGradients: Bool) -> MinCharRNNLoss<T> {
        MinCharRNN.lossFun(parameters, inputs: inputs, targets: targets, hprev: hprev, clipGradients: clipGradients)
    }

    /// min-char-rnn's `sample(h, seed_ix, n)`, drawing with numpy's legacy `choice`.
    public static func minCharRNNSample<T: RNNFloat, S: UInt32Stream>(_ parameters: Parameters<T>, h: Tensor<T>, seedIx: Int, n: Int,
                                                                      rng: inout NumpyLegacyRandom<S>) throws -> [Int] {
        try MinCharRNN.sample(parameters, h: h, seedIx: seedIx, n: n, rng: &rng)
    }

    /// A fully connected layer `x·K + b` (`keras.layers.Dense`, no activation): x [N, I], K [I, O].
    public static func dense<T: RNNFloat>(_ x: Tensor<T>, kernel: Tensor<T>, bias: Tensor<T>?) -> Tensor<T> {
        Dense.forward(x, kernel: kernel, bias: bias)
    }

    /// Its vector-Jacobian product: (dx, dK, db) from dy [N, O].
    public static func denseBackward<T: RNNFloat>(_ x: Tensor<T>, kernel: Tensor<T>, dy: Tensor<T>) -> (dx: Tensor<T>, dKernel: Tensor<T>, dBias: Tensor<T>) {
        Dense.backward(x, kernel: kernel, dy: dy)
    }
}
