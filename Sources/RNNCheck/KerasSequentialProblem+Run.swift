import RNNCore
import RNNNumpy
import RNNLayers
import RNNFixtures

extension KerasSequentialProblem {
    /// The typed model in precision `T`, computed by `impl`.
    func model<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>]) throws -> KerasSequential<T> {
        try KerasSequential(try layers.map { l -> KerasSequential<T>.Layer in
            switch l {
            case let .rnn(e): return .rnn(try e.layer(impl, t))
            case let .bidirectional(b): return .bidirectional(try b.layer(impl, t))
            }
        })
    }

    public func output<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>]) throws -> Tensor<T> {
        try model(impl, t).forward(t[xName]!).output
    }

    public func gradients<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>]) throws -> [String: Tensor<T>]? {
        guard let u = upstream else { return nil }
        let model = try model(impl, t)
        let g = try model.backward(try model.forward(t[xName]!), dOutput: u.tensor(T.self))
        var by: [String: Tensor<T>] = [xName: g.dx]
        for (l, lg) in zip(layers, g.layers) {
            switch (l, lg) {
            case let (.rnn(e), .rnn(d)):
                for (v, tensor) in zip(d.dWeights.names, d.dWeights.tensors) { by[e.cell.weightNames[v]!] = tensor }
            case let (.bidirectional(b), .bidirectional(d)):
                for (n, tensor) in b.gradientsByName(d) where n != b.xName { by[n] = tensor }
            default:
                preconditionFailure("the model's layers and their gradients are in the same order")
            }
        }
        return by
    }

    public var differentiableNames: [String] {
        layers.flatMap { l -> [String] in
            switch l {
            case let .rnn(e): return e.cell.spec.parameterShapes(inputSize: e.cell.inputSize).map { e.cell.weightNames[$0.name]! }
            case let .bidirectional(b): return b.weightNames
            }
        } + [xName]
    }
}
