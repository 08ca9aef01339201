import RNNCore
import RNNNumpy
import RNNFixtures

/// A model a fixture holds, decoded from the fixture (decoding reads JSON and tensors and runs
/// no math), ready to run in either precision through either implementation.
public protocol FixtureModel: Sendable {
    /// The tensors the model is differentiable in, in a fixed order (empty: no gradients).
    var differentiableNames: [String] { get }
    /// Every result the model defines, in precision `T`.
    func results<T: RNNFloat>(_ impl: any RNNImplementation.Type, _: T.Type) throws -> ResultSet
    /// Analytic gradients against finite differences, in float64.
    func gradientCheck(_ impl: any RNNImplementation.Type, maxCoordinates: Int, useGSL: Bool) throws -> [GradCheckEntry]
}

extension FixtureModel {
    public var differentiableNames: [String] { [] }
    public func gradientCheck(_ impl: any RNNImplementation.Type, maxCoordinates: Int, useGSL: Bool) throws -> [GradCheckEntry] { [] }
}

/// A model with one output whose loss is `Σ output ⊙ upstream` (Keras `Sequential`, the
/// encoder–decoder): its results and its gradient check follow from `output` and `gradients`.
public protocol OneOutputModel: FixtureModel {
    var tensors: [String: TensorData] { get }
    var upstream: TensorData? { get }
    /// The model's output in precision `T`.
    func output<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>]) throws -> Tensor<T>
    /// Every gradient by tensor name (nil without an upstream).
    func gradients<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>]) throws -> [String: Tensor<T>]?
}

extension OneOutputModel {
    public func results<T: RNNFloat>(_ impl: any RNNImplementation.Type, _: T.Type) throws -> ResultSet {
        let t = floatTensors(tensors, T.self)
        var r = ResultSet()
        r.add(["outputs"], TensorData(try output(impl, t)))
        if let g = try gradients(impl, t) { for n in differentiableNames where g[n] != nil { r.add(["gradients", n], TensorData(g[n]!)) } }
        return r
    }

    public func gradientCheck(_ impl: any RNNImplementation.Type, maxCoordinates: Int, useGSL: Bool) throws -> [GradCheckEntry] {
        let t = floatTensors(tensors, Double.self)
        guard let g = try gradients(impl, t), let u = upstream else { return [] }
        return try RNNCheck.gradientCheck(differentiableNames, of: t, analytic: g, maxCoordinates: coordinateBudget(tensors, maxCoordinates),
                                          useGSL: useGSL) {
            try output(impl, $0).dot(u.tensor(Double.self))
        }
    }
}

/// The one place that maps a fixture's `kind` to the type that decodes and runs it.
enum FixtureModels {
    typealias Decode = @Sendable (Fixture) throws -> any FixtureModel

    static let registry: [(kind: ModelKind, decode: Decode)] = [
        (.tfDynamicRNN, sequence),
        (.tfBidirectionalDynamicRNN, { try BidirectionalProblem($0) }),
        (.kerasBidirectional, { f in
            f.model["x"]?.arrayValue != nil ? try ChunkedProblem(f) as any FixtureModel : try KerasBidirectionalProblem(f)
        }),
        (.kerasSequential, { try KerasSequentialProblem($0) }),
        (.kerasEncoderDecoder, { try KerasEncoderDecoderProblem($0) }),
        (.numpyRNN, sequence),
        (.kerasSimpleRNN, sequence),
        (.kerasMinimalRNNCell, sequence),
        (.kerasLSTM, sequence),
        (.kerasGRU, sequence),
        (.kerasRNN, { f in KerasNestedProblem.isNested(f) ? try KerasNestedProblem(f) as any FixtureModel : try sequence(f) }),
        (.torchRNN, sequence),
        (.torchLSTM, sequence),
        (.torchGRU, sequence),
        (.onnxLSTM, { try ONNXProblem($0) }),
        (.onnxGRU, { try ONNXProblem($0) }),
        (.onnxRNN, { try ONNXProblem($0) }),
        (.flaxRNN, { try FlaxProblem($0) }),
        (.flaxBidirectional, { try FlaxProblem($0) }),
        (.numpyMinCharRNN, { try MinCharProblem($0) }),
        (.numpyRandom, { try NumpyRandomProblem($0) }),
        (.optimizer, { try OptimizerProblem($0) }),
        (.tfClipByGlobalNorm, { try ClipByGlobalNormProblem($0) }),
        (.tfSequenceLossByExample, { try SequenceLossProblem($0) }),
        (.tfEmbeddingLookup, { try EmbeddingProblem($0) }),
        (.kerasDenseMSE, { try DenseMSEProblem($0) }),
    ]

    /// A sequence kind: one call, or consecutive calls when `x` lists chunks.
    static func sequence(_ f: Fixture) throws -> any FixtureModel {
        f.model["x"]?.arrayValue != nil ? try ChunkedProblem(f) : try SequenceProblem(f)
    }

    static func decode(_ f: Fixture) throws -> any FixtureModel {
        guard let entry = registry.first(where: { $0.kind.rawValue == f.kind }) else {
            throw RNNError(.unknown, "model.kind", "unknown model kind \"\(f.kind)\" (known: \(registry.map(\.kind.rawValue).joined(separator: ", ")))")
        }
        return try entry.decode(f)
    }
}

extension SequenceProblem: FixtureModel {}
extension ChunkedProblem: FixtureModel {}
extension BidirectionalProblem: FixtureModel {}
extension KerasBidirectionalProblem: FixtureModel {}
extension KerasNestedProblem: FixtureModel {}
extension ONNXProblem: FixtureModel {}
extension FlaxProblem: FixtureModel {}
extension KerasSequentialProblem: OneOutputModel {}
extension KerasEncoderDecoderProblem: OneOutputModel {}
extension MinCharProblem: FixtureModel {}
extension NumpyRandomProblem: FixtureModel {}
extension DenseMSEProblem: FixtureModel {}

/// Kinds whose arithmetic is shared (elementwise or plain sums): one computation whatever the
/// implementation.
extension OptimizerProblem: FixtureModel {
    public func results<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: T.Type) throws -> ResultSet { try results(t) }
}

extension SequenceLossProblem: FixtureModel {
    public func results<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: T.Type) throws -> ResultSet { try results(t) }
    public func gradientCheck(_ impl: any RNNImplementation.Type, maxCoordinates: Int, useGSL: Bool) throws -> [GradCheckEntry] {
        try gradientCheck(maxCoordinates: maxCoordinates, useGSL: useGSL)
    }
}

extension EmbeddingProblem: FixtureModel {
    public func results<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: T.Type) throws -> ResultSet { try results(t) }
}

extension ClipByGlobalNormProblem: FixtureModel {
    public func results<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: T.Type) throws -> ResultSet { try results(t) }
}
