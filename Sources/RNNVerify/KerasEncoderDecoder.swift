import RNNCore
import RNNLayers

/// A `keras.EncoderDecoder` fixture: RNNLayers' `KerasEncoderDecoder` (the Keras RNN guide's
/// encoder whose final states are the decoder's `initial_state`). Model: `{"kind":
/// "keras.EncoderDecoder", "encoder": {keras layer with return_state}, "decoder": {keras layer
/// of the same state shape}, "x_encoder": name, "x_decoder": name, "upstream": {"outputs":
/// name}}` (the embeddings and the Dense head are left to the caller). `expected.outputs` is the
/// decoder's output; `gradients` reach the encoder through the states.
public struct KerasEncoderDecoderProblem: Sendable {
    var encoder: KerasLayerEntry
    var decoder: KerasLayerEntry
    var xEncoder: String
    var xDecoder: String
    var upstream: TensorData?
    var tensors: [String: TensorData]

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

    /// The typed model in precision `T`, computed by `impl`.
    func model<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>]) throws -> KerasEncoderDecoder<T> {
        try KerasEncoderDecoder(encoder: try encoder.layer(impl, t), decoder: try decoder.layer(impl, t))
    }

    func forward<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>]) throws -> Tensor<T> {
        do { return try model(impl, t).forward(encoderInput: t[xEncoder]!, decoderInput: t[xDecoder]!).output } catch let e as RNNError { throw e.within("model") }
    }

    func gradients<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>]) throws -> [String: Tensor<T>]? {
        guard let u = upstream else { return nil }
        let m = try model(impl, t)
        let g: KerasEncoderDecoder<T>.Gradients
        do {
            g = try m.backward(try m.forward(encoderInput: t[xEncoder]!, decoderInput: t[xDecoder]!), dOutput: u.tensor(T.self))
        } catch let e as RNNError { throw e.within("model") }
        var by: [String: Tensor<T>] = [xEncoder: g.dxEncoder, xDecoder: g.dxDecoder]
        for (e, d) in [(encoder, g.dEncoderWeights), (decoder, g.dDecoderWeights)] {
            for (v, tensor) in zip(d.names, d.tensors) { by[e.cell.weightNames[v]!] = tensor }
        }
        return by
    }

    var differentiableNames: [String] {
        let w = { (e: KerasLayerEntry) in e.cell.spec.parameterShapes(inputSize: e.cell.inputSize).map { e.cell.weightNames[$0.name]! } }
        return w(encoder) + w(decoder) + [xEncoder, xDecoder]
    }

    func results<T: RNNFloat>(_ impl: any RNNImplementation.Type, _: T.Type) throws -> ResultSet {
        let t = tensors.filter { !$0.value.isInteger }.mapValues { $0.tensor(T.self) }
        var r = ResultSet()
        r.add(["outputs"], TensorData(try forward(impl, t)))
        if let g = try gradients(impl, t) { for n in differentiableNames where g[n] != nil { r.add(["gradients", n], TensorData(g[n]!)) } }
        return r
    }

    func gradientCheck(_ impl: any RNNImplementation.Type, maxCoordinates: Int, useGSL: Bool) throws -> [GradCheckEntry] {
        let t = tensors.filter { !$0.value.isInteger }.mapValues { $0.tensor(Double.self) }
        guard let g = try gradients(impl, t), let u = upstream else { return [] }
        return try RNNVerify.gradientCheck(variables: differentiableNames.map { ($0, t[$0]!) }, analytic: g,
                                           maxCoordinates: maxCoordinates, useGSL: useGSL) { perturbed in
            var all = t
            for (k, v) in perturbed { all[k] = v }
            return try forward(impl, all).dot(u.tensor(Double.self))
        }
    }
}
