import RNNCore
import RNNLayers
import RNNNumpy

/// A random `keras.Sequential` with 003's heads, built as typed values from numpy's
/// `RandomState(seed)`: token ids through an `Embedding` (with `mask_zero` on some draws, padding
/// included) or values first, one or two recurrent layers (Keras LSTM, GRU either reset,
/// SimpleRNN, a Bidirectional LSTM in a random merge mode), the last returning sequences or not,
/// an optional `BatchNormalization` (either mode, `center`/`scale` drawn) and a `Dense` head with
/// a smooth activation (softmax, log_softmax, tanh, gelu, linear). What the scalar-vs-BLAS and
/// gradient-check tests draw.
public struct RandomSequential: CustomStringConvertible {
    public var seed: Int
    public var weights: [String: Tensor<Double>] = [:]
    public var tokens: TokenIds?
    public var upstream: Tensor<Double>
    public var description: String
    /// Builds the model from `weights` (the tests perturb them).
    public let build: (any RNNImplementation.Type, [String: Tensor<Double>]) throws -> KerasSequential<Double>

    public init(seed: Int) throws {
        self.seed = seed
        var rng = try numpyRandomState(seed: seed)
        func draw(_ n: Int) -> Int { Int(rng.source.nextUInt32() % UInt32(n)) }
        var weights: [String: Tensor<Double>] = [:]
        func put(_ name: String, _ shape: [Int], _ lo: Double = -0.6, _ hi: Double = 0.6) {
            weights[name] = Tensor(uncheckedShape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.uniform(lo, hi) })
        }
        let (b, t) = (2 + draw(3), 1 + draw(4))
        let embed = seed % 2 == 0, maskZero = seed % 4 == 0
        var width = 1 + draw(3)
        var parts: [String] = []
        typealias Make = (any RNNImplementation.Type, [String: Tensor<Double>]) throws -> KerasSequential<Double>.Layer
        var makers: [Make] = []
        if embed {
            let (v, e) = (6, width)
            put("embeddings", [v, e])
            var ids = (0..<(b * t)).map { _ in 1 + draw(v - 1) }
            if maskZero { ids[t - 1] = 0; if b > 1 { ids[t] = 0 } }    // padding at row 0's end and row 1's start
            tokens = try TokenIds(batch: b, steps: t, ids: ids)
            makers.append { _, w in .embedding(try KerasEmbedding(embeddings: w["embeddings"]!, maskZero: maskZero)) }
            parts.append("Embedding(\(v), \(e), mask_zero=\(maskZero))")
        } else {
            put("x", [b, t, width], -1, 1)
        }
        let recurrent = 1 + draw(2)
        let lastSequences = draw(2) == 0
        for k in 0..<recurrent {
            let units = 1 + draw(3), sequences = k < recurrent - 1 || lastSequences
            let choice = draw(5)
            let spec: CellSpec
            switch choice {
            case 0, 4: spec = .lstm(LSTMConfig(flavor: .keras, units: units))
            case 1: spec = .gru(GRUConfig(flavor: .kerasResetAfter, units: units))
            case 2: spec = .gru(GRUConfig(flavor: .kerasResetBefore, units: units))
            default: spec = .kerasSimpleRNN(units: units, activation: .tanh, useBias: true)
            }
            let directions = choice == 4 ? 2 : 1
            let merge = [KerasMergeMode.concat, .sum, .ave, .mul][draw(4)]
            let inputWidth = width
            for d in 0..<directions {
                for (v, shape) in spec.parameterShapes(inputSize: inputWidth) { put("rnn\(k)/\(d)/\(v)", shape) }
            }
            makers.append { impl, w in
                func layer(_ d: Int) throws -> KerasRNN<Double> {
                    let given = Dictionary(uniqueKeysWithValues: spec.parameterShapes(inputSize: inputWidth).map { ($0.name, w["rnn\(k)/\(d)/\($0.name)"]!) })
                    return KerasRNN(cell: try impl.buildCell(spec, inputSize: inputWidth, given: given), returnSequences: sequences, goBackwards: d == 1)
                }
                if directions == 2 { return .bidirectional(try KerasBidirectional(forward: layer(0), backward: layer(1), merge: merge)) }
                return .rnn(try layer(0))
            }
            parts.append("\(directions == 2 ? "Bidirectional[\(merge.rawValue)](" : "")\(spec.kind)(\(units), return_sequences=\(sequences))\(directions == 2 ? ")" : "")")
            width = directions == 2 && merge == .concat ? 2 * units : units
        }
        if draw(3) != 0 {
            let (training, center, scale) = (draw(3) != 0, draw(3) != 0, draw(3) != 0)
            let c = width
            if scale { put("gamma", [c]) }
            if center { put("beta", [c]) }
            put("moving_mean", [c])
            put("moving_variance", [c], 0.5, 1.5)
            makers.append { _, w in
                .batchNormalization(try KerasBatchNormalization(gamma: w["gamma"], beta: w["beta"], movingMean: w["moving_mean"]!,
                                                                movingVariance: w["moving_variance"]!, epsilon: 0.01, momentum: 0.9, training: training))
            }
            parts.append("BatchNormalization(training=\(training), center=\(center), scale=\(scale))")
        }
        let units = 1 + draw(3)
        let activation = [DenseActivation.softmax, .logSoftmax, .elementwise(.tanh), .elementwise(.gelu), .elementwise(.linear)][draw(5)]
        let useBias = draw(3) != 0
        put("kernel", [width, units])
        if useBias { put("bias", [units]) }
        makers.append { impl, w in .dense(try KerasDense(impl, kernel: w["kernel"]!, bias: w["bias"], activation: activation)) }
        parts.append("Dense(\(units), \(activation), use_bias=\(useBias))")
        upstream = Tensor(uncheckedShape: lastSequences ? [b, t, units] : [b, units], data: (0..<(b * units * (lastSequences ? t : 1))).map { _ in rng.uniform(-1, 1) })
        self.weights = weights
        description = "seed \(seed) B=\(b) T=\(t): " + parts.joined(separator: " → ")
        let layerMakers = makers
        build = { impl, w in try KerasSequential(try layerMakers.map { try $0(impl, w) }) }
    }

    public func input(_ w: [String: Tensor<Double>]) -> KerasSequential<Double>.Input {
        tokens.map { .tokens($0) } ?? .values(w["x"]!)
    }

    /// Outputs, moving-statistics updates and every gradient (by weight name, x included), as
    /// `impl` computes them at `weights`.
    public func run(_ impl: any RNNImplementation.Type) throws -> (results: [String: Tensor<Double>], gradients: [String: Tensor<Double>]) {
        let model = try build(impl, weights)
        let f = try model.forward(input(weights))
        let g = try model.backward(f, dOutput: upstream)
        var results = ["outputs": f.output]
        var grads: [String: Tensor<Double>] = [:]
        if let dx = g.dx { grads["x"] = dx }
        var k = 0
        for (layer, lg) in zip(f.layers, g.layers) {
            switch (layer, lg) {
            case let (.batchNormalization(bn), .batchNormalization(d)):
                results["moving_mean'"] = bn.updatedMovingMean
                results["moving_variance'"] = bn.updatedMovingVariance
                (grads["gamma"], grads["beta"]) = (d.dGamma, d.dBeta)
                (grads["moving_mean"], grads["moving_variance"]) = (d.dMovingMean, d.dMovingVariance)
            case let (.embedding, .embedding(d)): grads["embeddings"] = d
            case let (.dense, .dense(d)): (grads["kernel"], grads["bias"]) = (d.dKernel, d.dBias)
            case let (.rnn, .rnn(d)):
                for (v, tensor) in zip(d.dWeights.names, d.dWeights.tensors) { grads["rnn\(k)/0/\(v)"] = tensor }
                k += 1
            case let (.bidirectional, .bidirectional(d)):
                for (v, tensor) in zip(d.dForwardWeights.names, d.dForwardWeights.tensors) { grads["rnn\(k)/0/\(v)"] = tensor }
                for (v, tensor) in zip(d.dBackwardWeights.names, d.dBackwardWeights.tensors) { grads["rnn\(k)/1/\(v)"] = tensor }
                k += 1
            default: break
            }
        }
        return (results, grads)
    }

    /// `L = Σ output ⊙ upstream` at `w`.
    public func loss(_ impl: any RNNImplementation.Type, _ w: [String: Tensor<Double>]) throws -> Double {
        try build(impl, w).forward(input(w)).output.dot(upstream)
    }
}
