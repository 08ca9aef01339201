import RNNCore

/// Token ids [B, T], row-major: the input of a model that starts with an `Embedding`.
public struct TokenIds: Sendable, Equatable {
    public var batch: Int
    public var steps: Int
    public var ids: [Int]

    /// Errors name `x`.
    public init(batch: Int, steps: Int, ids: [Int]) throws {
        guard batch > 0, steps > 0, ids.count == batch * steps else {
            throw RNNError(.shape, "x", "token ids must be [B, T] with B, T > 0: \(ids.count) ids for [\(batch), \(steps)]")
        }
        (self.batch, self.steps, self.ids) = (batch, steps, ids)
    }
}

/// `keras.layers.Embedding(input_dim, output_dim, mask_zero)`: ids [B, T] → the rows of
/// `embeddings` [V, E] (V = input_dim, E = output_dim), [B, T, E]. With `mask_zero` the layer's
/// mask, `ids != 0` (Embedding.compute_mask), goes to the layers above; id 0 still looks up
/// row 0. The gradient of `embeddings` sums the upstream rows of repeated ids (TF hands it over
/// as `IndexedSlices`; densified it is this).
public struct KerasEmbedding<T: RNNFloat>: Sendable {
    public var embeddings: Tensor<T>
    public var maskZero: Bool

    /// Errors name `embeddings`.
    public init(embeddings: Tensor<T>, maskZero: Bool = false) throws {
        guard embeddings.rank == 2, embeddings.shape[0] > 0, embeddings.shape[1] > 0 else {
            throw RNNError(.shape, "embeddings", "expected [input_dim, output_dim], got \(embeddings.shape)")
        }
        (self.embeddings, self.maskZero) = (embeddings, maskZero)
    }

    public var inputDim: Int { embeddings.shape[0] }
    public var outputDim: Int { embeddings.shape[1] }

    /// [B, T, E] and the mask it passes on ([B][T], true: the step runs; nil without mask_zero).
    /// Errors name `x`.
    public func forward(_ x: TokenIds) throws -> (output: Tensor<T>, mask: [[Bool]]?) {
        let rows: Tensor<T>
        do { rows = try Embedding.lookup(embeddings, x.ids) } catch let e as RNNError { throw RNNError(e.kind, "x", e.reason) }
        let mask = maskZero ? (0..<x.batch).map { b in (0..<x.steps).map { t in x.ids[b * x.steps + t] != 0 } } : nil
        return (try rows.reshaped([x.batch, x.steps, outputDim]), mask)
    }

    /// dL/d(embeddings) [V, E] from dL/d(output) [B, T, E].
    public func backward(_ x: TokenIds, dOutput: Tensor<T>) throws -> Tensor<T> {
        try dOutput.expectShape([x.batch, x.steps, outputDim], "dOutput")
        var d = Tensor<T>(zeros: embeddings.shape)
        Embedding.accumulate(try dOutput.reshaped([x.ids.count, outputDim]), ids: x.ids, into: &d)
        return d
    }
}

/// `keras.layers.Dense(units, activation, use_bias)`: `y = activation(x·kernel + bias)` over the
/// last axis, x [..., I] (a [B, T, I] sequence is B·T rows), kernel [I, O], bias [O], y [..., O].
/// The product is `impl`'s (twinned); the activation is `DenseActivation`. A mask passes through
/// unchanged (Keras' `supports_masking`).
public struct KerasDense<T: RNNFloat>: Sendable {
    public var impl: any RNNImplementation.Type
    public var kernel: Tensor<T>
    public var bias: Tensor<T>?
    public var activation: DenseActivation

    /// Errors name `kernel` or `bias`.
    public init(_ impl: any RNNImplementation.Type, kernel: Tensor<T>, bias: Tensor<T>?, activation: DenseActivation = .elementwise(.linear)) throws {
        guard kernel.rank == 2, kernel.shape[0] > 0, kernel.shape[1] > 0 else {
            throw RNNError(.shape, "kernel", "expected [input size, units], got \(kernel.shape)")
        }
        if let bias { try bias.expectShape([kernel.shape[1]], "bias") }
        (self.impl, self.kernel, self.bias, self.activation) = (impl, kernel, bias, activation)
    }

    public var inputSize: Int { kernel.shape[0] }
    public var units: Int { kernel.shape[1] }

    public struct Forward: Sendable {
        public var x: Tensor<T>
        /// The pre-activation x·kernel + bias and the output, both [..., O].
        public var z: Tensor<T>
        public var output: Tensor<T>
    }

    public struct Gradients: Sendable {
        public var dx: Tensor<T>
        public var dKernel: Tensor<T>
        /// nil with `use_bias=False`.
        public var dBias: Tensor<T>?
    }

    /// Errors name `x`.
    public func forward(_ x: Tensor<T>) throws -> Forward {
        guard x.rank >= 2, x.shape.last == inputSize else {
            throw RNNError(.shape, "x", "Dense expects [..., \(inputSize)], got \(x.shape)")
        }
        let rows = x.count / inputSize
        let z = try impl.dense(try x.reshaped([rows, inputSize]), kernel: kernel, bias: bias).reshaped(Array(x.shape.dropLast()) + [units])
        return Forward(x: x, z: z, output: activation.apply(z))
    }

    /// dz = activation's VJP of dy; dx = dz·kernelᵀ, dkernel = xᵀ·dz, dbias = Σ_rows dz.
    public func backward(_ f: Forward, dOutput: Tensor<T>) throws -> Gradients {
        try dOutput.expectShape(f.output.shape, "dOutput")
        let rows = f.x.count / inputSize
        let dz = activation.backward(z: f.z, y: f.output, dy: dOutput)
        let g = impl.denseBackward(try f.x.reshaped([rows, inputSize]), kernel: kernel, dy: try dz.reshaped([rows, units]))
        return Gradients(dx: try g.dx.reshaped(f.x.shape), dKernel: g.dKernel, dBias: bias == nil ? nil : g.dBias)
    }
}

/// `keras.layers.BatchNormalization(epsilon, momentum, center, scale)` over the last axis, called
/// with `training` (see RNNCore's `BatchNormalization` for the arithmetic, quoted from Keras).
/// In training mode the batch statistics normalise and the moving statistics are updated (the
/// forward pass returns the updated values; this value type keeps the old ones); with a mask
/// from the layers below ([B, T, C] inputs) only the unmasked steps enter the statistics.
public struct KerasBatchNormalization<T: RNNFloat>: Sendable {
    public var gamma: Tensor<T>?
    public var beta: Tensor<T>?
    public var movingMean: Tensor<T>
    public var movingVariance: Tensor<T>
    public var epsilon: Double
    public var momentum: Double
    public var training: Bool

    /// Errors name the weight (`gamma`, `beta`, `moving_variance`) or `epsilon`.
    public init(gamma: Tensor<T>?, beta: Tensor<T>?, movingMean: Tensor<T>, movingVariance: Tensor<T>,
                epsilon: Double = 1e-3, momentum: Double = 0.99, training: Bool = false) throws {
        guard movingMean.rank == 1, movingMean.count > 0 else { throw RNNError(.shape, "moving_mean", "expected [C], got \(movingMean.shape)") }
        let c = movingMean.count
        try movingVariance.expectShape([c], "moving_variance")
        if let gamma { try gamma.expectShape([c], "gamma") }
        if let beta { try beta.expectShape([c], "beta") }
        guard epsilon > 0, epsilon.isFinite else { throw RNNError(.invalid, "epsilon", "must be positive, got \(epsilon)") }
        guard momentum.isFinite else { throw RNNError(.invalid, "momentum", "must be finite, got \(momentum)") }
        if !training, let bad = movingVariance.data.firstIndex(where: { $0 + T(epsilon) <= 0 }) {
            throw RNNError(.invalid, "moving_variance", "moving_variance[\(bad)] + epsilon = \(movingVariance.data[bad] + T(epsilon)) is not positive: no square root")
        }
        (self.gamma, self.beta, self.movingMean, self.movingVariance) = (gamma, beta, movingMean, movingVariance)
        (self.epsilon, self.momentum, self.training) = (epsilon, momentum, training)
    }

    public var channels: Int { movingMean.count }

    public struct Forward: Sendable {
        public var x: Tensor<T>
        public var output: Tensor<T>
        /// The statistics that normalised x (the batch's in training mode).
        public var mean: [T]
        public var variance: [T]
        public var statistics: BatchNormalization.Statistics<T>
        /// The moving statistics after the call (unchanged in inference mode).
        public var updatedMovingMean: Tensor<T>
        public var updatedMovingVariance: Tensor<T>
    }

    public struct Gradients: Sendable {
        public var dx: Tensor<T>
        public var dGamma: Tensor<T>?
        public var dBeta: Tensor<T>?
        /// Zero in training mode (the output does not read them).
        public var dMovingMean: Tensor<T>
        public var dMovingVariance: Tensor<T>
    }

    /// x [..., C]; `mask` [B][T] for x [B, T, C]. Errors name `x` or `mask`.
    public func forward(_ x: Tensor<T>, mask: [[Bool]]? = nil) throws -> Forward {
        guard x.rank >= 2, x.shape.last == channels else {
            throw RNNError(.shape, "x", "BatchNormalization expects [..., \(channels)], got \(x.shape)")
        }
        guard training else {
            let y = BatchNormalization.normalize(x, mean: movingMean.data, variance: movingVariance.data, gamma: gamma?.data,
                                                 beta: beta?.data, epsilon: epsilon)
            return Forward(x: x, output: y, mean: movingMean.data, variance: movingVariance.data, statistics: .moving,
                           updatedMovingMean: movingMean, updatedMovingVariance: movingVariance)
        }
        var weights: [T]?
        if let mask {
            guard x.rank == 3, mask.count == x.shape[0], mask.allSatisfy({ $0.count == x.shape[1] }) else {
                throw RNNError(.shape, "mask", "a mask is [B, T] for an input [B, T, C], got \(mask.count) rows for \(x.shape)")
            }
            weights = mask.flatMap { $0.map { $0 ? T(1) : T(0) } }
        }
        let (mean, variance) = BatchNormalization.moments(x, rowWeights: weights)
        let y = BatchNormalization.normalize(x, mean: mean, variance: variance, gamma: gamma?.data, beta: beta?.data, epsilon: epsilon)
        return Forward(x: x, output: y, mean: mean, variance: variance, statistics: .batch(rowWeights: weights),
                       updatedMovingMean: Tensor(uncheckedShape: [channels], data: BatchNormalization.movingAverage(movingMean.data, mean, momentum: momentum)),
                       updatedMovingVariance: Tensor(uncheckedShape: [channels], data: BatchNormalization.movingAverage(movingVariance.data, variance, momentum: momentum)))
    }

    public func backward(_ f: Forward, dOutput: Tensor<T>) throws -> Gradients {
        try dOutput.expectShape(f.output.shape, "dOutput")
        let g = BatchNormalization.backward(f.x, mean: f.mean, variance: f.variance, gamma: gamma?.data, epsilon: epsilon,
                                            dy: dOutput, statistics: f.statistics)
        let c = [channels]
        let moving: Bool
        if case .moving = f.statistics { moving = true } else { moving = false }
        return Gradients(dx: g.dx,
                         dGamma: gamma == nil ? nil : Tensor(uncheckedShape: c, data: g.dGamma),
                         dBeta: beta == nil ? nil : Tensor(uncheckedShape: c, data: g.dBeta),
                         dMovingMean: moving ? Tensor(uncheckedShape: c, data: g.dMean) : Tensor(zeros: c),
                         dMovingVariance: moving ? Tensor(uncheckedShape: c, data: g.dVariance) : Tensor(zeros: c))
    }
}
