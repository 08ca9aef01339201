import RNNCore
import RNNNumpy
import RNNLayers

/// A `keras.Bidirectional` fixture: RNNLayers' `KerasBidirectional` (Keras' `call` quoted there)
/// with weights, inputs and cotangents from the fixture. The backward layer is given as Keras
/// builds it from `layer`: the same flags, its own weights, and `go_backwards` flipped here.
///
/// Model: `{"kind": "keras.Bidirectional", "merge_mode": …, "layer": {keras layer with its
/// weights}, "backward_layer": {the same kind with its own weights}, "x", "initial_state"
/// (forward states, then backward), "upstream": {"outputs": name (or [fw, bw] for None),
/// "final_state": [...]}}`.
public struct KerasBidirectionalProblem: Sendable {
    public typealias Merge = KerasMergeMode
    public var merge: Merge
    public var forwardLayer: KerasLayerEntry
    public var backwardLayer: KerasLayerEntry
    public var xName: String
    public var initialStateNames: [String]?
    public var upstreamOutputs: [TensorData]?
    public var upstreamFinal: [TensorData]?
    public var tensors: [String: TensorData]
    /// A Keras mask [B][T] (Bidirectional passes it to both layers; when they return sequences
    /// it zeroes the masked outputs, whatever the layers' `zero_output_for_mask`).
    public var mask: [[Bool]]?

    public init(_ f: Fixture) throws {
        let m = f.model
        try rejectUnknownKeys(m, known: ["kind", "merge_mode", "layer", "backward_layer", "x", "initial_state", "upstream", "mask"], path: "model", kind: f.kind)
        guard let (xn, xd) = try f.namedTensor(m, "x", path: "model") else { throw RNNError(.missing, "model.x", "missing input tensor name") }
        guard xd.rank == 3 else { throw RNNError(.shape, "tensors.\(xn)", "x must have rank 3, got shape \(xd.shape)") }
        try self.init(f, m, path: "model", xName: xn, inputSize: xd.shape[2])
        if let (mn, md) = try f.namedTensor(m, "mask", path: "model") {
            let (batch, steps) = (xd.shape[0], xd.shape[1])
            guard md.isInteger, md.shape == [batch, steps] else {
                throw RNNError(.shape, "tensors.\(mn)", "a Keras mask is an integer (0/1) tensor [B, T] = [\(batch), \(steps)], got \(md.shape)")
            }
            mask = (0..<batch).map { b in (0..<steps).map { md.ints[b * steps + $0] != 0 } }
        }
    }

    /// Decodes `m` (at `path`) whose input, named `xName`, has `inputSize` features (in a
    /// Sequential, the layer below's output).
    public init(_ f: Fixture, _ m: [String: JSONValue], path: String, xName: String, inputSize: Int) throws {
        self.xName = xName
        switch m["merge_mode"] {
        case nil: merge = .concat
        case .null?: merge = .none
        case let v?:
            guard let s = v.stringValue, let mm = Merge(rawValue: s), mm != .none else {
                throw RNNError(.unknown, "\(path).merge_mode", "unknown merge_mode \(v.serialized()) (concat, sum, ave, mul, null)")
            }
            merge = mm
        }
        guard let layer = m["layer"]?.objectValue else { throw RNNError(.missing, "\(path).layer", "missing the wrapped Keras layer") }
        guard let back = m["backward_layer"]?.objectValue else { throw RNNError(.missing, "\(path).backward_layer", "missing the backward layer (its weights)") }
        guard let kind = layer["kind"]?.stringValue, ["keras.SimpleRNN", "keras.LSTM", "keras.GRU", "keras.MinimalRNNCell"].contains(kind) else {
            throw RNNError(.unsupported, "\(path).layer.kind", "Bidirectional wraps keras.SimpleRNN, keras.LSTM, keras.GRU or keras.MinimalRNNCell")
        }
        guard back["kind"]?.stringValue == kind else {
            throw RNNError(.invalid, "\(path).backward_layer.kind", "the backward layer must be a \(kind) like the forward one")
        }
        tensors = f.tensors
        forwardLayer = try decodeKerasLayer(layer, kind: kind, inputSize: inputSize, path: "\(path).layer")
        backwardLayer = try decodeKerasLayer(back, kind: kind, inputSize: inputSize, path: "\(path).backward_layer")
        backwardLayer.goBackwards.toggle()
        guard forwardLayer.returnSequences == backwardLayer.returnSequences, forwardLayer.returnState == backwardLayer.returnState else {
            throw RNNError(.invalid, "\(path).backward_layer", "return_sequences and return_state must match the forward layer's")
        }
        for (e, key) in [(forwardLayer, "layer"), (backwardLayer, "backward_layer")] {
            for (v, t) in e.cell.weightNames { _ = try f.tensor(t, key: "\(path).\(key).weights.\(v)") }
        }
        if let s = try f.namedTensors(m, "initial_state", path: path) {
            let want = forwardLayer.cell.spec.stateSizes.count + backwardLayer.cell.spec.stateSizes.count
            guard s.count == want else { throw RNNError(.shape, "\(path).initial_state", "expected \(want) tensors (forward states, then backward), got \(s.count)") }
            initialStateNames = s.map(\.name)
        }
        if let u = m["upstream"]?.objectValue {
            if let o = u["outputs"] {
                if merge == .none {
                    guard let names = o.arrayValue?.compactMap(\.stringValue), names.count == 2 else {
                        throw RNNError(.malformed, "\(path).upstream.outputs", "merge_mode None returns two outputs: list two tensor names")
                    }
                    upstreamOutputs = try names.map { try f.tensor($0, key: "\(path).upstream.outputs") }
                } else {
                    guard let n = o.stringValue else { throw RNNError(.malformed, "\(path).upstream.outputs", "must be a tensor name") }
                    upstreamOutputs = [try f.tensor(n, key: "\(path).upstream.outputs")]
                }
            }
            upstreamFinal = try f.namedTensors(u, "final_state", path: "\(path).upstream")?.map(\.data)
        }
    }
}
