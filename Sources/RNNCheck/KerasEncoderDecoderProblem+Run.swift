import RNNCore
import RNNNumpy
import RNNLayers
import RNNFixtures

extension KerasEncoderDecoderProblem {
    /// The typed model in precision `T`, computed by `impl`.
    func model<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>]) throws -> KerasEncoderDecoder<T> {
        try KerasEncoderDecoder(encoder: try encoder.layer(impl, t), decoder: try decoder.layer(impl, t))
    }

    public func output<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>]) throws -> Tensor<T> {
        do { return try model(impl, t).forward(encoderInput: t[xEncoder]!, decoderInput: t[xDecoder]!).output } catch let e as RNNError { throw e.within("model") }
    }

    public func gradients<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>]) throws -> [String: Tensor<T>]? {
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

    public var differentiableNames: [String] {
        let w = { (e: KerasLayerEntry) in e.cell.spec.parameterShapes(inputSize: e.cell.inputSize).map { e.cell.weightNames[$0.name]! } }
        return w(encoder) + w(decoder) + [xEncoder, xDecoder]
    }
}
