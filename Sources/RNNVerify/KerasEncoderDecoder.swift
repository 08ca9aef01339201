import RNNCore

/// 003_39150d02b307b59d.txt's encoder/decoder: the encoder layer's final states become the
/// decoder layer's `initial_state`,
///
///     output, state_h, state_c = layers.LSTM(64, return_state=True, name="encoder")(encoder_embedded)
///     decoder_output = layers.LSTM(64, name="decoder")(decoder_embedded, initial_state=[state_h, state_c])
///
/// Model: `{"kind": "keras.EncoderDecoder", "encoder": {keras layer with return_state},
/// "decoder": {keras layer of the same state shape}, "x_encoder": name, "x_decoder": name,
/// "upstream": {"outputs": name}}` (the embeddings and the Dense head are left to the caller).
/// `expected.outputs` is the decoder's output; `gradients` reach the encoder through the states.
public struct KerasEncoderDecoderProblem: Sendable {
    var encoder: SequenceProblem
    var decoder: SequenceProblem
    var upstream: TensorData?
    var tensors: [String: TensorData]

    public init(_ f: Fixture) throws {
        let m = f.model
        try rejectUnknownKeys(m, known: ["kind", "encoder", "decoder", "x_encoder", "x_decoder", "upstream"], path: "model", kind: f.kind)
        guard let (xe, _) = try f.namedTensor(m, "x_encoder", path: "model") else { throw RNNError(.missing, "model.x_encoder", "missing tensor name") }
        guard let (xd, _) = try f.namedTensor(m, "x_decoder", path: "model") else { throw RNNError(.missing, "model.x_decoder", "missing tensor name") }
        tensors = f.tensors
        func layer(_ key: String, x: String, states: [String]?) throws -> SequenceProblem {
            guard var o = m[key]?.objectValue else { throw RNNError(.missing, "model.\(key)", "missing layer") }
            o["x"] = .string(x)
            o["upstream"] = nil
            if let states { o["initial_state"] = .array(states.map { .string($0) }) }
            var g = f
            g.model = o
            g.kind = o["kind"]?.stringValue ?? ""
            do { return try SequenceProblem(g) } catch let e as RNNError { throw RNNError(e.kind, e.location.replacingOccurrences(of: "model", with: "model.\(key)"), e.reason) }
        }
        encoder = try layer("encoder", x: xe, states: nil)
        let n = encoder.cells[0].spec.stateSizes.count
        let batch = encoder.x.shape[0]
        // placeholders for the encoder's states, so the decoder can be validated against them
        let names = (0..<n).map { "__encoder_state/\($0)" }
        var g = f
        for (k, w) in encoder.cells[0].spec.stateSizes.enumerated() { g.tensors[names[k]] = TensorData(shape: [batch, w], values: [Double](repeating: 0, count: batch * w)) }
        tensors = g.tensors
        decoder = try { () throws -> SequenceProblem in
            guard var o = m["decoder"]?.objectValue else { throw RNNError(.missing, "model.decoder", "missing layer") }
            o["x"] = .string(xd)
            o["upstream"] = nil
            o["initial_state"] = .array(names.map { .string($0) })
            var h = g
            h.model = o
            h.kind = o["kind"]?.stringValue ?? ""
            do { return try SequenceProblem(h) } catch let e as RNNError { throw RNNError(e.kind, e.location.replacingOccurrences(of: "model", with: "model.decoder"), e.reason) }
        }()
        guard decoder.cells[0].spec.stateSizes == encoder.cells[0].spec.stateSizes else {
            throw RNNError(.shape, "model.decoder", "its state \(decoder.cells[0].spec.stateSizes) does not match the encoder's \(encoder.cells[0].spec.stateSizes)")
        }
        if let u = m["upstream"]?.objectValue, let on = u["outputs"]?.stringValue { upstream = try f.tensor(on, key: "model.upstream.outputs") }
    }

    /// The decoder's output, the tensors with the encoder's states filled in, and the shape of
    /// the encoder's (unused) output.
    func forward<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t0: [String: Tensor<T>]) throws -> (Tensor<T>, [String: Tensor<T>], [Int]) {
        var t = t0
        let e = try encoder.evaluate(impl, t, gradients: false)
        for (k, s) in e.forward.finalState.enumerated() { t["__encoder_state/\(k)"] = s }
        return (try decoder.evaluate(impl, t, gradients: false).outputs, t, e.outputs.shape)
    }

    func gradients<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t0: [String: Tensor<T>]) throws -> [String: Tensor<T>]? {
        guard let u = upstream else { return nil }
        let (_, t, encOutShape) = try forward(impl, t0)
        var dec = decoder
        dec.upstreamOutputs = u
        guard let gd = try dec.evaluate(impl, t, gradients: true).gradients else { return nil }
        var enc = encoder
        enc.upstreamOutputs = TensorData(Tensor<T>(zeros: encOutShape))          // the encoder's output is not used
        enc.upstreamFinal = gd.dInitialState.map { TensorData($0) }               // …its states are
        guard let ge = try enc.evaluate(impl, t, gradients: true).gradients else { return nil }
        // the decoder's initial-state gradients went into the encoder; they are not outputs
        var by = dec.gradientsByName(gd).filter { !$0.key.hasPrefix("__encoder_state/") }
        for (n, v) in enc.gradientsByName(ge) { by[n] = v }
        return by
    }

    var differentiableNames: [String] {
        let w = { (p: SequenceProblem) in p.differentiableNames.filter { $0 != p.xName && !(p.initialStateNames ?? []).contains($0) } }
        return w(encoder) + w(decoder) + [encoder.xName, decoder.xName]
    }

    func results<T: RNNFloat>(_ impl: any RNNImplementation.Type, _: T.Type) throws -> ResultSet {
        let t = tensors.filter { !$0.value.isInteger }.mapValues { $0.tensor(T.self) }
        var r = ResultSet()
        r.add(["outputs"], TensorData(try forward(impl, t).0))
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
            return try forward(impl, all).0.dot(u.tensor(Double.self))
        }
    }
}
