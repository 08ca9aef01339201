import RNNCore
import RNNNumpy
import RNNLayers

/// A `keras.Sequential` fixture: RNNLayers' `KerasSequential`. Model: `{"kind":
/// "keras.Sequential", "layers": [layer objects without x], "x": name, "upstream": {"outputs":
/// name}}`, the layers Keras recurrent layers (also `keras.RNN` of a Keras cell),
/// `keras.Bidirectional`, `keras.Embedding` (first; `x` is then int64 token ids [B, T]),
/// `keras.Dense` and `keras.BatchNormalization`; `expected.outputs` is the last layer's output,
/// `gradients` every weight's (and x's when it is not token ids), `updates` the moving
/// statistics a training-mode BatchNormalization leaves. Each layer's input size is the one
/// below's output size, from the specs: decoding runs no math.
public struct KerasSequentialProblem: Sendable {
    public enum Layer: Sendable {
        case rnn(KerasLayerEntry, zeroOutputForMask: Bool)
        case bidirectional(KerasBidirectionalProblem)
        case embedding(KerasEmbeddingEntry)
        case dense(KerasDenseEntry)
        case batchNormalization(KerasBatchNormalizationEntry)
    }

    /// What a layer object's `kind` names.
    enum LayerRole {
        case recurrent(ModelKind)
        case head(KerasHeadKind)
    }

    public var layers: [Layer]
    public var xName: String
    /// The token ids when the first layer is an Embedding (x is then not differentiable).
    public var tokens: TokenIds?
    public var upstream: TensorData?
    public var tensors: [String: TensorData]

    public init(_ f: Fixture) throws {
        let m = f.model
        try rejectUnknownKeys(m, known: ["kind", "layers", "x", "upstream"], path: "model", kind: f.kind)
        guard let ls = m["layers"]?.arrayValue, !ls.isEmpty else { throw RNNError(.missing, "model.layers", "needs a non-empty list of layers") }
        guard let (xn, xd) = try f.namedTensor(m, "x", path: "model") else { throw RNNError(.missing, "model.x", "missing input tensor name") }
        xName = xn
        tensors = f.tensors
        if let u = m["upstream"]?.objectValue, let n = u["outputs"]?.stringValue { upstream = try f.tensor(n, key: "model.upstream.outputs") }
        var built: [Layer] = []
        var inputSize: Int
        var sequence = true
        let startsWithEmbedding = ls[0].objectValue?["kind"]?.stringValue == KerasHeadKind.embedding.rawValue
        if startsWithEmbedding {
            guard xd.isInteger, xd.rank == 2 else {
                throw RNNError(.shape, "tensors.\(xn)", "the first layer is an Embedding: x must be int64 token ids [B, T], got \(xd.isInteger ? "int64" : "float") \(xd.shape)")
            }
            do { tokens = try TokenIds(batch: xd.shape[0], steps: xd.shape[1], ids: xd.ints) } catch let e as RNNError {
                throw RNNError(e.kind, "tensors.\(xn)", e.reason)
            }
            inputSize = 0
        } else {
            guard !xd.isInteger, xd.rank == 3 else {
                throw RNNError(.shape, "tensors.\(xn)", "x must be a float tensor [B, T, I] (token ids need an Embedding first), got shape \(xd.shape)")
            }
            inputSize = xd.shape[2]
        }
        for (k, l) in ls.enumerated() {
            let path = "model.layers[\(k)]"
            guard let lo = l.objectValue, let kind = lo["kind"]?.stringValue else { throw RNNError(.malformed, path, "a layer needs a kind") }
            let role: LayerRole
            if let m = ModelKind(rawValue: kind), ([.kerasBidirectional, .kerasRNN] + ModelKind.kerasLayers).contains(m) {
                role = .recurrent(m)
            } else if let h = KerasHeadKind(rawValue: kind) {
                role = .head(h)
            } else {
                throw RNNError(.unsupported, "\(path).kind", "keras.Sequential takes Keras RNN layers, Bidirectional, Embedding, Dense and BatchNormalization, not \(kind)")
            }
            if k > 0, case .recurrent = role, !sequence {
                throw RNNError(.invalid, "model.layers[\(k - 1)]", "feeds a recurrent layer, so it must return sequences")
            }
            switch role {
            case .recurrent(.kerasBidirectional):
                try rejectUnknownKeys(lo, known: ["kind", "merge_mode", "layer", "backward_layer"], path: path, kind: kind)
                let b = try KerasBidirectionalProblem(f, lo, path: path, xName: xn, inputSize: inputSize)
                guard b.merge != .none else { throw RNNError(.unsupported, "\(path).merge_mode", "a Sequential layer has one output: merge_mode None has two") }
                let (fw, bw) = (b.forwardLayer.cell.spec.outputSize, b.backwardLayer.cell.spec.outputSize)
                inputSize = b.merge == .concat ? fw + bw : fw
                sequence = b.forwardLayer.returnSequences
                built.append(.bidirectional(b))
            case let .recurrent(m):
                if m == .kerasRNN, lo["cell"]?.objectValue?["kind"]?.stringValue == NestedConfig.kind {
                    throw RNNError(.unsupported, "\(path).cell.kind", "a NestedCell reads nested inputs: its keras.RNN is a model of its own, not a Sequential layer")
                }
                let (object, cellLayer) = m == .kerasRNN ? try kerasRNNAsLayer(lo, path: path) : (lo, kind)
                let e = try decodeKerasLayer(object, kind: cellLayer, inputSize: inputSize, path: path, alsoKnown: ["zero_output_for_mask"])
                for (v, t) in e.cell.weightNames { _ = try f.tensor(t, key: "\(path).weights.\(v)") }
                inputSize = e.cell.spec.outputSize
                sequence = e.returnSequences
                built.append(.rnn(e, zeroOutputForMask: try boolKey(lo, "zero_output_for_mask", path: path, default: false)))
            case .head(.embedding):
                guard k == 0 else { throw RNNError(.invalid, "\(path).kind", "an Embedding reads token ids, so it must be the first layer") }
                let e = try KerasEmbeddingEntry(f, lo, path: path)
                if let bad = tokens!.ids.firstIndex(where: { $0 < 0 || $0 >= e.inputDim }) {
                    throw RNNError(.invalid, "tensors.\(xn)", "token id \(tokens!.ids[bad]) at \(multiIndex(bad, shape: xd.shape)) is outside 0..<\(e.inputDim) (input_dim)")
                }
                inputSize = e.outputDim
                built.append(.embedding(e))
            case .head(.dense):
                let d = try KerasDenseEntry(f, lo, path: path, inputSize: inputSize)
                inputSize = d.units
                built.append(.dense(d))
            case .head(.batchNormalization):
                built.append(.batchNormalization(try KerasBatchNormalizationEntry(f, lo, path: path, inputSize: inputSize)))
            }
        }
        layers = built
    }
}

/// `keras.Embedding`: `input_dim`, `output_dim`, `mask_zero`; `weights.embeddings` [input_dim, output_dim].
public struct KerasEmbeddingEntry: Sendable {
    public var embeddingsName: String
    public var inputDim: Int
    public var outputDim: Int
    public var maskZero: Bool

    init(_ f: Fixture, _ o: [String: JSONValue], path: String) throws {
        try rejectUnknownKeys(o, known: ["kind", "input_dim", "output_dim", "mask_zero", "weights"], path: path, kind: KerasHeadKind.embedding.rawValue)
        inputDim = try intKey(o, "input_dim", path: path)
        outputDim = try intKey(o, "output_dim", path: path)
        maskZero = try boolKey(o, "mask_zero", path: path, default: false)
        let names = try headWeightNames(o, required: ["embeddings"], optional: [], path: path, kind: KerasHeadKind.embedding.rawValue)
        embeddingsName = names["embeddings"]!
        try expectHeadShape(f, embeddingsName, [inputDim, outputDim], key: "\(path).weights.embeddings")
    }
}

/// `keras.Dense`: `units`, `activation` (default linear; `softmax`, `log_softmax` or any
/// elementwise activation), `use_bias`; `weights.kernel` [I, units], `weights.bias` [units].
public struct KerasDenseEntry: Sendable {
    public var kernelName: String
    public var biasName: String?
    public var units: Int
    public var activation: DenseActivation

    init(_ f: Fixture, _ o: [String: JSONValue], path: String, inputSize: Int) throws {
        try rejectUnknownKeys(o, known: ["kind", "units", "activation", "use_bias", "weights"], path: path, kind: KerasHeadKind.dense.rawValue)
        units = try intKey(o, "units", path: path)
        guard units > 0 else { throw RNNError(.invalid, "\(path).units", "must be positive, got \(units)") }
        switch o["activation"] {
        case nil, .null?: activation = .elementwise(.linear)
        case let v?:
            guard let s = v.stringValue else { throw RNNError(.malformed, "\(path).activation", "must be an activation name") }
            do { activation = try DenseActivation(name: s) } catch let e as RNNError { throw RNNError(e.kind, "\(path).activation", e.reason) }
        }
        let useBias = try boolKey(o, "use_bias", path: path, default: true)
        let names = try headWeightNames(o, required: useBias ? ["kernel", "bias"] : ["kernel"], optional: [], path: path, kind: KerasHeadKind.dense.rawValue)
        kernelName = names["kernel"]!
        biasName = names["bias"]
        try expectHeadShape(f, kernelName, [inputSize, units], key: "\(path).weights.kernel")
        if let b = biasName { try expectHeadShape(f, b, [units], key: "\(path).weights.bias") }
    }
}

/// `keras.BatchNormalization`: `epsilon` (0.001), `momentum` (0.99), `center`, `scale` (true),
/// `axis` (-1 only), and the call's `training` (false); `weights.gamma`, `weights.beta`,
/// `weights.moving_mean`, `weights.moving_variance`, each [C].
public struct KerasBatchNormalizationEntry: Sendable {
    public var gammaName: String?
    public var betaName: String?
    public var movingMeanName: String
    public var movingVarianceName: String
    public var epsilon: Double
    public var momentum: Double
    public var training: Bool

    init(_ f: Fixture, _ o: [String: JSONValue], path: String, inputSize: Int) throws {
        let kind = KerasHeadKind.batchNormalization.rawValue
        try rejectUnknownKeys(o, known: ["kind", "epsilon", "momentum", "center", "scale", "axis", "training", "weights",
                                         "synchronized", "renorm"], path: path, kind: kind)
        if let a = o["axis"], a != .null {
            let axis = try intKey(o, "axis", path: path)
            guard axis == -1 else { throw RNNError(.unsupported, "\(path).axis", "only axis -1 (the features) is supported, got \(axis)") }
        }
        if try boolKey(o, "renorm", path: path, default: false) {
            throw RNNError(.unsupported, "\(path).renorm", "batch renormalization is not supported in this version")
        }
        _ = try boolKey(o, "synchronized", path: path, default: false)   // one replica: the same statistics
        epsilon = try optionalNumber(o, "epsilon", path: path) ?? 1e-3
        momentum = try optionalNumber(o, "momentum", path: path) ?? 0.99
        guard epsilon > 0 else { throw RNNError(.invalid, "\(path).epsilon", "must be positive, got \(epsilon)") }
        training = try boolKey(o, "training", path: path, default: false)
        let center = try boolKey(o, "center", path: path, default: true), scale = try boolKey(o, "scale", path: path, default: true)
        let names = try headWeightNames(o, required: ["moving_mean", "moving_variance"] + (scale ? ["gamma"] : []) + (center ? ["beta"] : []),
                                        optional: [], path: path, kind: kind)
        (gammaName, betaName) = (names["gamma"], names["beta"])
        (movingMeanName, movingVarianceName) = (names["moving_mean"]!, names["moving_variance"]!)
        for (v, n) in names { try expectHeadShape(f, n, [inputSize], key: "\(path).weights.\(v)") }
    }

    /// Every weight's tensor name, gamma and beta first (as Keras lists them).
    public var weightNames: [String] { [gammaName, betaName].compactMap { $0 } + [movingMeanName, movingVarianceName] }
}

/// The `weights` object of a head layer: exactly the `required` variables (and any `optional`).
private func headWeightNames(_ o: [String: JSONValue], required: [String], optional: [String], path: String, kind: String) throws -> [String: String] {
    guard let w = o["weights"]?.objectValue else { throw RNNError(.missing, "\(path).weights", "missing weights object") }
    var names: [String: String] = [:]
    for (k, v) in w {
        guard required.contains(k) || optional.contains(k) else {
            throw RNNError(.unknown, "\(path).weights.\(k)", "\(kind) here has no variable '\(k)' (its variables: \(required.joined(separator: ", ")))")
        }
        guard let s = v.stringValue else { throw RNNError(.malformed, "\(path).weights.\(k)", "must be a tensor name") }
        names[k] = s
    }
    for k in required where names[k] == nil { throw RNNError(.missing, "\(path).weights.\(k)", "missing variable of \(kind)") }
    return names
}

private func expectHeadShape(_ f: Fixture, _ name: String, _ shape: [Int], key: String) throws {
    let t = try f.tensor(name, key: key)
    guard !t.isInteger, t.shape == shape else {
        throw RNNError(.shape, "tensors.\(name)", "expected a float tensor of shape \(shape) (\(key)), got \(t.isInteger ? "int64 " : "")\(t.shape)")
    }
}
