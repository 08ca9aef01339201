import RNNCore
import RNNNumpy
import RNNLayers

/// A `keras.EncoderDecoder` fixture: RNNLayers' `KerasEncoderDecoder` (the Keras RNN guide's
/// encoder whose final states are the decoder's `initial_state`). Model: `{"kind":
/// "keras.EncoderDecoder", "encoder": {keras layer with return_state}, "decoder": {keras layer
/// of the same state shape}, "x_encoder": name, "x_decoder": name, "upstream": {"outputs":
/// name}}` (the embeddings and the Dense head are left to the caller). `expected.outputs` is the
/// decoder's output; `gradients` reach the encoder through the states.
public struct KerasEncoderDecoderProblem: Sendable {
    public var encoder: KerasLayerEntry
    public var decoder: KerasLayerEntry
    public var xEncoder: String
    public var xDecoder: String
    public var upstream: TensorData?
    public var tensors: [String: TensorData]

    public init(_ f: Fixture) throws {
        let m = f.model
        try rejectUnknownKeys(m, known: ["kind", "encoder", "decoder", "x_encoder", "x_decoder", "upstream"], path: "model", kind: f.kind)
        func input(_ key: String) throws -> (String, TensorData) {
            guard let (n, d) = try f.namedTensor(m, key, path: "model") else { throw RNNError(.missing, "model.\(key)", "missing tensor name") }
            guard d.rank == 3 else { throw RNNError(.shape, "tensors.\(n)", "\(key) must have rank 3, got shape \(d.shape)") }
            return (n, d)
        }
        let (xe, xeData) = try input("x_encoder"), (xd, xdData) = try input("x_decoder")
        guard xeData.shape[0] == xdData.shape[0] else {
            throw RNNError(.shape, "tensors.\(xd)", "the decoder's batch \(xdData.shape[0]) differs from the encoder's \(xeData.shape[0])")
        }
        func layer(_ key: String, inputSize: Int) throws -> KerasLayerEntry {
            guard let o = m[key]?.objectValue else { throw RNNError(.missing, "model.\(key)", "missing layer") }
            let e = try decodeKerasLayer(o, kind: o["kind"]?.stringValue ?? "", inputSize: inputSize, path: "model.\(key)")
            for (v, t) in e.cell.weightNames { _ = try f.tensor(t, key: "model.\(key).weights.\(v)") }
            return e
        }
        encoder = try layer("encoder", inputSize: xeData.shape[2])
        decoder = try layer("decoder", inputSize: xdData.shape[2])
        guard decoder.cell.spec.stateSizes == encoder.cell.spec.stateSizes else {
            throw RNNError(.shape, "model.decoder", "its state \(decoder.cell.spec.stateSizes) does not match the encoder's \(encoder.cell.spec.stateSizes)")
        }
        (xEncoder, xDecoder, tensors) = (xe, xd, f.tensors)
        if let u = m["upstream"]?.objectValue, let on = u["outputs"]?.stringValue { upstream = try f.tensor(on, key: "model.upstream.outputs") }
    }
}
