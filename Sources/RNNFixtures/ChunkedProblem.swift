import RNNCore
import RNNNumpy

/// Consecutive calls with the state carried over: Keras `stateful=True` over consecutive
/// batches (the three paragraphs of “Recurrent Neural Networks (RNN) with Keras” (003)), and truncated BPTT as
/// min-char-rnn carries `hprev` and TF v1 programs feed the final state back in. Model: any
/// sequence kind with `"x": [chunk names…]` (and Keras' `"stateful": true`); the first chunk
/// starts from `initial_state` (zeros when absent), each next one from the state the previous
/// one ended in, taken as a constant: no gradient flows from one call into the one before,
/// exactly as a state kept in a Keras variable or fed back through a placeholder.
/// `expected.outputs` lists each call's outputs, `final_state` is the state after the last call,
/// `gradients` sum over the calls. `upstream.outputs` lists one cotangent per call;
/// `upstream.final_state` applies to the last call.
public struct ChunkedProblem: Sendable {
    public var base: SequenceProblem
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
        base = try SequenceProblem(g)
        if chunks != nil { base.upstreamOutputs = chunks![0] }
        chunkNames = names
        upstreamChunks = chunks
        for n in names.dropFirst() where base.tensors[n]!.shape.count != 3 || base.tensors[n]!.shape[2] != base.x.shape[2] {
            throw RNNError(.shape, "tensors.\(n)", "every chunk must be [·, ·, \(base.x.shape[2])] like the first")
        }
    }
}
