import RNNCore
import RNNNumpy
import RNNLayers

/// A `keras.Sequential` fixture: RNNLayers' `KerasSequential` of Keras RNN layers and
/// `Bidirectional` wrappers, as in the Keras RNN guide's `Bidirectional(LSTM(64,
/// return_sequences=True))` followed by `Bidirectional(LSTM(32))`. Model: `{"kind":
/// "keras.Sequential", "layers": [layer objects without x], "x": name, "upstream": {"outputs":
/// name}}`; `expected.outputs` is the last layer's output, `gradients` every weight's and x's.
/// Each layer's input size is the one below's output size, from the specs: decoding runs no math.
public struct KerasSequentialProblem: Sendable {
    public enum Layer: Sendable {
        case rnn(KerasLayerEntry)
        case bidirectional(KerasBidirectionalProblem)
    }

    public var layers: [Layer]
    public var xName: String
    public var upstream: TensorData?
    public var tensors: [String: TensorData]

    public init(_ f: Fixture) throws {
        let m = f.model
        try rejectUnknownKeys(m, known: ["kind", "layers", "x", "upstream"], path: "model", kind: f.kind)
        guard let ls = m["layers"]?.arrayValue, !ls.isEmpty else { throw RNNError(.missing, "model.layers", "needs a non-empty list of layers") }
        guard let (xn, xd) = try f.namedTensor(m, "x", path: "model") else { throw RNNError(.missing, "model.x", "missing input tensor name") }
        guard xd.rank == 3 else { throw RNNError(.shape, "tensors.\(xn)", "x must have rank 3, got shape \(xd.shape)") }
        xName = xn
        tensors = f.tensors
        if let u = m["upstream"]?.objectValue, let n = u["outputs"]?.stringValue { upstream = try f.tensor(n, key: "model.upstream.outputs") }
        var built: [Layer] = []
        var inputSize = xd.shape[2]
        for (k, l) in ls.enumerated() {
            let path = "model.layers[\(k)]"
            guard let lo = l.objectValue, let kind = lo["kind"]?.stringValue else { throw RNNError(.malformed, path, "a layer needs a kind") }
            if k > 0 {
                let below: Bool
                switch built[k - 1] {
                case let .rnn(e): below = e.returnSequences
                case let .bidirectional(b): below = b.forwardLayer.returnSequences
                }
                guard below else { throw RNNError(.invalid, "model.layers[\(k - 1)]", "feeds another recurrent layer, so it must return sequences") }
            }
            switch kind {
            case "keras.Bidirectional":
                try rejectUnknownKeys(lo, known: ["kind", "merge_mode", "layer", "backward_layer"], path: path, kind: kind)
                let b = try KerasBidirectionalProblem(f, lo, path: path, xName: xn, inputSize: inputSize)
                guard b.merge != .none else { throw RNNError(.unsupported, "\(path).merge_mode", "a Sequential layer has one output: merge_mode None has two") }
                let (fw, bw) = (b.forwardLayer.cell.spec.outputSize, b.backwardLayer.cell.spec.outputSize)
                inputSize = b.merge == .concat ? fw + bw : fw
                built.append(.bidirectional(b))
            case "keras.SimpleRNN", "keras.LSTM", "keras.GRU", "keras.MinimalRNNCell":
                let e = try decodeKerasLayer(lo, kind: kind, inputSize: inputSize, path: path)
                for (v, t) in e.cell.weightNames { _ = try f.tensor(t, key: "\(path).weights.\(v)") }
                inputSize = e.cell.spec.outputSize
                built.append(.rnn(e))
            default:
                throw RNNError(.unsupported, "\(path).kind", "keras.Sequential takes Keras RNN layers and Bidirectional, not \(kind)")
            }
        }
        layers = built
    }
}
