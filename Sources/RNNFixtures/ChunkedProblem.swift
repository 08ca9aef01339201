import RNNCore
import RNNNumpy

/// Consecutive calls with the state carried over: Keras `stateful=True` over consecutive
/// batches (the three paragraphs of “Recurrent Neural Networks (RNN) with Keras” (003)), and truncated BPTT as
/// min-char-rnn carries `hprev` and TF v1 programs feed the final state back in. Model: any
/// sequence kind, or `keras.Bidirectional` (both layers stateful: each direction carries its
/// own state), with `"x": [chunk names…]` (and Keras' `"stateful": true`); the first chunk
/// starts from `initial_state` (zeros when absent), each next one from the state the previous
/// one ended in, taken as a constant: no gradient flows from one call into the one before,
/// exactly as a state kept in a Keras variable or fed back through a placeholder.
/// `expected.outputs` lists each call's outputs, `final_state` is the state after the last call,
/// `gradients` sum over the calls. `upstream.outputs` lists one cotangent per call;
/// `upstream.final_state` applies to the last call.
public struct ChunkedProblem: Sendable {
    /// The model one call runs.
    public enum Call: Sendable {
        case sequence(SequenceProblem)
        /// A stateful `keras.Bidirectional` (one merged output per call).
        case bidirectional(KerasBidirectionalProblem)
    }

    public var call: Call
    public var chunkNames: [String]
    public var upstreamChunks: [TensorData]?

    public init(_ f: Fixture) throws {
        guard let list = f.model["x"]?.arrayValue else { throw RNNError(.malformed, "model.x", "expected a list of chunk names") }
        let names = try list.enumerated().map { k, v -> String in
            guard let s = v.stringValue else { throw RNNError(.malformed, "model.x[\(k)]", "must be a tensor name") }
            _ = try f.tensor(s, key: "model.x[\(k)]")
            return s
        }
        guard !names.isEmpty else { throw RNNError(.invalid, "model.x", "needs at least one chunk") }
        var g = f
        g.model["x"] = .string(names[0])
        g.model["stateful"] = nil
        var up = g.model["upstream"]?.objectValue
        var chunks: [TensorData]?
        if let o = up?["outputs"] {
            guard let us = o.arrayValue?.compactMap(\.stringValue), us.count == names.count else {
                throw RNNError(.malformed, "model.upstream.outputs", "list one cotangent per call (\(names.count))")
            }
            chunks = try us.map { try f.tensor($0, key: "model.upstream.outputs") }
            up?["outputs"] = nil
            g.model["upstream"] = .object(up!)
        }
        let stateful = try boolKey(f.model, "stateful", path: "model", default: false)
        if f.kind.hasPrefix("keras.") && !stateful {
            throw RNNError(.invalid, "model.stateful", "a list of Keras calls carries state only with stateful=True")
        }
        if f.kind == "keras.Bidirectional" {
            var b = try KerasBidirectionalProblem(g)
            guard b.merge != .none else {
                throw RNNError(.unsupported, "model.merge_mode", "a stateful Bidirectional call here returns one merged output; merge_mode None has two")
            }
            guard b.mask == nil else { throw RNNError(.unsupported, "model.mask", "a list of calls takes no single mask") }
            if chunks != nil { b.upstreamOutputs = [chunks![0]] }
            call = .bidirectional(b)
        } else {
            var p = try SequenceProblem(g)
            if chunks != nil { p.upstreamOutputs = chunks![0] }
            call = .sequence(p)
        }
        chunkNames = names
        upstreamChunks = chunks
        let (tensors, width) = call.inputs
        for n in names.dropFirst() where tensors[n]!.shape.count != 3 || tensors[n]!.shape[2] != width {
            throw RNNError(.shape, "tensors.\(n)", "every chunk must be [·, ·, \(width)] like the first")
        }
    }
}

extension ChunkedProblem.Call {
    /// Every tensor by name, and the first chunk's feature width.
    var inputs: ([String: TensorData], Int) {
        switch self {
        case let .sequence(p): return (p.tensors, p.x.shape[2])
        case let .bidirectional(b): return (b.tensors, b.tensors[b.xName]!.shape[2])
        }
    }
}
