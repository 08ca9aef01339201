/// One of the two implementations of every cell: `RNNScalar.Implementation` (the plain-loop
/// reference) or `RNNBLAS.Implementation` (OpenBLAS). Fixture runners, the CLI and the tests
/// take an implementation as a value of this protocol's metatype.
public protocol RNNImplementation: Sendable {
    /// `scalar` or `blas`.
    static var name: String { get }

    /// Builds the cell for `spec` from parameters already validated against the spec
    /// (use `buildCell` to validate and build in one call).
    static func makeCell<T: RNNFloat>(_ spec: CellSpec, inputSize: Int, parameters: Parameters<T>) -> any RecurrentCell<T>

    /// min-char-rnn's `lossFun` (inputs validated by the caller; see `MinCharRNNSpec`).
    static func minCharRNNLoss<T: RNNFloat>(_ parameters: Parameters<T>, inputs: [Int], targets: [Int],
                                            hprev: Tensor<T>, clipGradients: Bool) -> MinCharRNNLoss<T>

    /// min-char-rnn's `sample(h, seed_ix, n)`, drawing with numpy's legacy `choice`.
    static func minCharRNNSample<T: RNNFloat, S: UInt32Stream>(_ parameters: Parameters<T>, h: Tensor<T>, seedIx: Int, n: Int,
                                                               rng: inout NumpyLegacyRandom<S>) throws -> [Int]

    /// A fully connected layer `x·K + b` (`keras.layers.Dense`, no activation): x [N, I], K [I, O].
    static func dense<T: RNNFloat>(_ x: Tensor<T>, kernel: Tensor<T>, bias: Tensor<T>?) -> Tensor<T>

    /// Its vector-Jacobian product: (dx, dK, db) from dy [N, O].
    static func denseBackward<T: RNNFloat>(_ x: Tensor<T>, kernel: Tensor<T>, dy: Tensor<T>) -> (dx: Tensor<T>, dKernel: Tensor<T>, dBias: Tensor<T>)
}

extension RNNImplementation {
    /// Validates `given` against `spec` (names, shapes, finiteness) and builds the cell.
    public static func buildCell<T: RNNFloat>(_ spec: CellSpec, inputSize: Int, given: [String: Tensor<T>]) throws -> any RecurrentCell<T> {
        let p = try Parameters(spec: spec, inputSize: inputSize, given: given)
        return makeCell(spec, inputSize: inputSize, parameters: p)
    }
}
