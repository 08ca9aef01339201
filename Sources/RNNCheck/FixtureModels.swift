import RNNCore
import RNNNumpy
import RNNFixtures

/// A model a fixture holds, decoded from the fixture (decoding reads JSON and tensors and runs
/// no math), ready to run in either precision through either implementation.
protocol FixtureModel: Sendable {
    /// The tensors the model is differentiable in, in a fixed order (empty: no gradients).
    var differentiableNames: [String] { get }
    /// Every result the model defines, in precision `T`.
    func results<T: RNNFloat>(_ impl: any RNNImplementation.Type, _: T.Type) throws -> ResultSet
    /// Analytic gradients against finite differences, in float64.
    func gradientCheck(_ impl: any RNNImplementation.Type, maxCoordinates: Int, useGSL: Bool) throws -> [GradCheckEntry]
}

extension FixtureModel {
    var differentiableNames: [String] { [] }
    func gradientCheck(_ impl: any RNNImplementation.Type, maxCoordinates: Int, useGSL: Bool) throws -> [GradCheckEntry] { [] }
}

/// The one place that maps a fixture's `kind` to the type that decodes and runs it.
enum FixtureModels {
    typealias Decode = @Sendable (Fixture) throws -> any FixtureModel

    static let registry: [(kind: String, decode: Decode)] = [
        ("tf.nn.dynamic_rnn", sequence),
        ("tf.nn.bidirectional_dynamic_rnn", { try BidirectionalProblem($0) }),
        ("keras.Bidirectional", { try KerasBidirectionalProblem($0) }),
        ("keras.Sequential", { try KerasSequentialProblem($0) }),
        ("keras.EncoderDecoder", { try KerasEncoderDecoderProblem($0) }),
        ("numpy.rnn", sequence),
        ("keras.SimpleRNN", sequence),
        ("keras.MinimalRNNCell", sequence),
        ("keras.LSTM", sequence),
        ("keras.GRU", sequence),
        ("torch.nn.LSTM", sequence),
        ("torch.nn.GRU", sequence),
        ("numpy.min_char_rnn", { try MinCharProblem($0) }),
        ("numpy.random", { try NumpyRandomProblem($0) }),
        ("optimizer", { try OptimizerProblem($0) }),
        ("tf.clip_by_global_norm", { try ClipByGlobalNormProblem($0) }),
        ("tf.legacy_seq2seq.sequence_loss_by_example", { try SequenceLossProblem($0) }),
        ("tf.nn.embedding_lookup", { try EmbeddingProblem($0) }),
        ("keras.Dense+MeanSquaredError", { try DenseMSEProblem($0) }),
    ]

    /// A sequence kind: one call, or consecutive calls when `x` lists chunks.
    static func sequence(_ f: Fixture) throws -> any FixtureModel {
        f.model["x"]?.arrayValue != nil ? try ChunkedProblem(f) : try SequenceProblem(f)
    }

    static func decode(_ f: Fixture) throws -> any FixtureModel {
        guard let entry = registry.first(where: { $0.kind == f.kind }) else {
            throw RNNError(.unknown, "model.kind", "unknown model kind \"\(f.kind)\" (known: \(registry.map(\.kind).joined(separator: ", ")))")
        }
        return try entry.decode(f)
    }
}

extension SequenceProblem: FixtureModel {}
extension ChunkedProblem: FixtureModel {}
extension BidirectionalProblem: FixtureModel {}
extension KerasBidirectionalProblem: FixtureModel {}
extension KerasSequentialProblem: FixtureModel {}
extension KerasEncoderDecoderProblem: FixtureModel {}
extension MinCharProblem: FixtureModel {}
extension NumpyRandomProblem: FixtureModel {}
extension DenseMSEProblem: FixtureModel {}

/// Kinds whose arithmetic is shared (elementwise or plain sums): one computation whatever the
/// implementation.
extension OptimizerProblem: FixtureModel {
    func results<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: T.Type) throws -> ResultSet { try results(t) }
}

extension SequenceLossProblem: FixtureModel {
    func results<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: T.Type) throws -> ResultSet { try results(t) }
    func gradientCheck(_ impl: any RNNImplementation.Type, maxCoordinates: Int, useGSL: Bool) throws -> [GradCheckEntry] {
        try gradientCheck(maxCoordinates: maxCoordinates, useGSL: useGSL)
    }
}

extension EmbeddingProblem: FixtureModel {
    func results<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: T.Type) throws -> ResultSet { try results(t) }
}

extension ClipByGlobalNormProblem: FixtureModel {
    func results<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: T.Type) throws -> ResultSet { try results(t) }
}
