import RNNCore
import RNNNumpy
import RNNLayers
import RNNFixtures

extension KerasSequentialProblem {
    /// The typed model in precision `T`, computed by `impl`.
    func model<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>]) throws -> KerasSequential<T> {
        try KerasSequential(try layers.enumerated().map { k, l -> KerasSequential<T>.Layer in
            do {
                switch l {
                case let .rnn(e, zeroOutputForMask): return .rnn(try e.layer(impl, t, zeroOutputForMask: zeroOutputForMask))
                case let .bidirectional(b): return .bidirectional(try b.layer(impl, t))
                case let .embedding(e): return .embedding(try KerasEmbedding(embeddings: t[e.embeddingsName]!, maskZero: e.maskZero))
                case let .dense(d):
                    return .dense(try KerasDense(impl, kernel: t[d.kernelName]!, bias: d.biasName.map { t[$0]! }, activation: d.activation))
                case let .batchNormalization(b):
                    return .batchNormalization(try KerasBatchNormalization(
                        gamma: b.gammaName.map { t[$0]! }, beta: b.betaName.map { t[$0]! }, movingMean: t[b.movingMeanName]!,
                        movingVariance: t[b.movingVarianceName]!, epsilon: b.epsilon, momentum: b.momentum, training: b.training))
                }
            } catch let e as RNNError {
                // the heads name their weights by Keras' variable names
                switch l {
                case .embedding, .dense, .batchNormalization: throw RNNError(e.kind, "model.layers[\(k)].weights.\(e.location)", e.reason)
                case .rnn, .bidirectional: throw e.within("model.layers[\(k)]")
                }
            }
        })
    }

    func input<T: RNNFloat>(_ t: [String: Tensor<T>]) -> KerasSequential<T>.Input {
        tokens.map { .tokens($0) } ?? .values(t[xName]!)
    }

    func run<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>]) throws -> KerasSequential<T>.Forward {
        do { return try model(impl, t).forward(input(t)) } catch let e as RNNError {
            throw e.location.hasPrefix("layers") ? RNNError(e.kind, "model.\(e.location)", e.reason) : e
        }
    }

    public func output<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>]) throws -> Tensor<T> {
        try run(impl, t).output
    }

    public func gradients<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>]) throws -> [String: Tensor<T>]? {
        guard let u = upstream else { return nil }
        let model = try model(impl, t)
        let g = try model.backward(try run(impl, t), dOutput: u.tensor(T.self))
        var by: [String: Tensor<T>] = [:]
        if let dx = g.dx { by[xName] = dx }
        for (l, lg) in zip(layers, g.layers) {
            switch (l, lg) {
            case let (.rnn(e, _), .rnn(d)):
                for (v, tensor) in zip(d.dWeights.names, d.dWeights.tensors) { by[e.cell.weightNames[v]!] = tensor }
            case let (.bidirectional(b), .bidirectional(d)):
                for (n, tensor) in b.gradientsByName(d) where n != b.xName { by[n] = tensor }
            case let (.embedding(e), .embedding(d)):
                by[e.embeddingsName] = d
            case let (.dense(e), .dense(d)):
                by[e.kernelName] = d.dKernel
                if let b = e.biasName, let db = d.dBias { by[b] = db }
            case let (.batchNormalization(e), .batchNormalization(d)):
                if let n = e.gammaName, let dg = d.dGamma { by[n] = dg }
                if let n = e.betaName, let db = d.dBeta { by[n] = db }
                by[e.movingMeanName] = d.dMovingMean
                by[e.movingVarianceName] = d.dMovingVariance
            default:
                preconditionFailure("the model's layers and their gradients are in the same order")
            }
        }
        return by
    }

    /// The moving statistics each training-mode BatchNormalization leaves, by tensor name.
    func updates<T: RNNFloat>(_ f: KerasSequential<T>.Forward) -> [(name: String, value: Tensor<T>)] {
        zip(layers, f.layers).flatMap { l, run -> [(name: String, value: Tensor<T>)] in
            guard case let (.batchNormalization(e), .batchNormalization(r)) = (l, run), e.training else { return [] }
            return [(e.movingMeanName, r.updatedMovingMean), (e.movingVarianceName, r.updatedMovingVariance)]
        }
    }

    /// `outputs`, `gradients` and, for training-mode BatchNormalization, `updates`.
    public func results<T: RNNFloat>(_ impl: any RNNImplementation.Type, _: T.Type) throws -> ResultSet {
        let t = floatTensors(tensors, T.self)
        let f = try run(impl, t)
        var r = ResultSet()
        r.add(["outputs"], TensorData(f.output))
        if let g = try gradients(impl, t) { for n in differentiableNames where g[n] != nil { r.add(["gradients", n], TensorData(g[n]!)) } }
        for (n, v) in updates(f) { r.add(["updates", n], TensorData(v)) }
        return r
    }

    public var differentiableNames: [String] {
        layers.flatMap { l -> [String] in
            switch l {
            case let .rnn(e, _): return e.cell.spec.parameterShapes(inputSize: e.cell.inputSize).map { e.cell.weightNames[$0.name]! }
            case let .bidirectional(b): return b.weightNames
            case let .embedding(e): return [e.embeddingsName]
            case let .dense(d): return [d.kernelName] + (d.biasName.map { [$0] } ?? [])
            case let .batchNormalization(b): return b.weightNames
            }
        } + (tokens == nil ? [xName] : [])
    }
}
