import RNNCore

/// `keras.Sequential([layer, layer, …])`, each layer's output the next one's input, as in the
/// Keras RNN guide's models:
///
///     Embedding(1000, 64) → LSTM(128) → Dense(10, activation='softmax')
///     Embedding(1000, 64) → GRU(256, return_sequences=True) → SimpleRNN(128) → Dense(10, 'softmax')
///     LSTM(64) → BatchNormalization() → Dense(10, activation='softmax')            (MNIST)
///     Bidirectional(LSTM(64, return_sequences=True)) → Bidirectional(LSTM(32)) → Dense(10, …)
///
/// Layers: Keras recurrent layers, `Bidirectional` wrappers, `Embedding` (first only: it reads
/// token ids [B, T]), `Dense` and `BatchNormalization`. A layer that feeds a recurrent layer must
/// return sequences, and a `Bidirectional` must merge its directions into one output. Keras'
/// masks flow as Keras passes them: an `Embedding` with `mask_zero` makes one ([B][T], from
/// `ids != 0`), recurrent layers read it and pass it on only when they return sequences
/// (`RNN.compute_mask`), `Dense` and `BatchNormalization` pass it on (the latter's training-mode
/// statistics skip masked steps).
public struct KerasSequential<T: RNNFloat>: Sendable {
    public enum Layer: Sendable {
        case rnn(KerasRNN<T>)
        case bidirectional(KerasBidirectional<T>)
        case embedding(KerasEmbedding<T>)
        case dense(KerasDense<T>)
        case batchNormalization(KerasBatchNormalization<T>)

        /// The input width it needs (the last axis).
        public var inputSize: Int {
            switch self {
            case let .rnn(l): return l.cell.inputSize
            case let .bidirectional(l): return l.forwardLayer.cell.inputSize
            case let .embedding(l): return l.inputDim
            case let .dense(l): return l.inputSize
            case let .batchNormalization(l): return l.channels
            }
        }

        /// The output width at each step (nil: two unmerged outputs).
        public var outputSize: Int? {
            switch self {
            case let .rnn(l): return l.outputSize
            case let .bidirectional(l): return l.outputSize
            case let .embedding(l): return l.outputDim
            case let .dense(l): return l.units
            case let .batchNormalization(l): return l.channels
            }
        }

        var isRecurrent: Bool {
            switch self {
            case .rnn, .bidirectional: return true
            case .embedding, .dense, .batchNormalization: return false
            }
        }

        /// Whether the output is a sequence [B, T, ·], given whether the input is.
        func outputIsSequence(input: Bool) -> Bool {
            switch self {
            case let .rnn(l): return l.returnSequences
            case let .bidirectional(l): return l.forwardLayer.returnSequences
            case .embedding: return true
            case .dense, .batchNormalization: return input
            }
        }
    }

    public var layers: [Layer]

    /// Errors name `layers[k]`.
    public init(_ layers: [Layer]) throws {
        guard !layers.isEmpty else { throw RNNError(.invalid, "layers", "needs at least one layer") }
        var sequence = true
        for (k, l) in layers.enumerated() {
            guard l.outputSize != nil else { throw RNNError(.unsupported, "layers[\(k)]", "a Sequential layer has one output: merge_mode None has two") }
            if case .embedding = l, k > 0 {
                throw RNNError(.invalid, "layers[\(k)]", "an Embedding reads token ids, so it must be the first layer")
            }
            if k > 0 {
                guard sequence || !l.isRecurrent else {
                    throw RNNError(.invalid, "layers[\(k - 1)]", "feeds a recurrent layer, so it must return sequences")
                }
                guard l.inputSize == layers[k - 1].outputSize else {
                    throw RNNError(.shape, "layers[\(k)]", "input size \(l.inputSize) does not match the output size \(layers[k - 1].outputSize!) of the layer below")
                }
            }
            sequence = l.outputIsSequence(input: sequence)
        }
        self.layers = layers
    }

    /// The model's input: values [B, T, I], or token ids [B, T] when the first layer is an
    /// `Embedding`.
    public enum Input: Sendable {
        case values(Tensor<T>)
        case tokens(TokenIds)
    }

    public enum LayerForward: Sendable {
        case rnn(KerasRNN<T>.Forward)
        case bidirectional(KerasBidirectional<T>.Forward)
        case embedding(TokenIds)
        case dense(KerasDense<T>.Forward)
        case batchNormalization(KerasBatchNormalization<T>.Forward)
    }

    public enum LayerGradients: Sendable {
        case rnn(KerasRNN<T>.Gradients)
        case bidirectional(KerasBidirectional<T>.Gradients)
        /// dL/d(embeddings).
        case embedding(Tensor<T>)
        case dense(KerasDense<T>.Gradients)
        case batchNormalization(KerasBatchNormalization<T>.Gradients)
    }

    public struct Forward: Sendable {
        /// The last layer's output.
        public var output: Tensor<T>
        public var layers: [LayerForward]
    }

    public struct Gradients: Sendable {
        /// dL/dx; nil for token ids.
        public var dx: Tensor<T>?
        /// Per layer (each layer's `dx` is the cotangent of the layer below's output).
        public var layers: [LayerGradients]
    }

    public func forward(_ x: Tensor<T>) throws -> Forward { try forward(.values(x)) }

    /// Errors name `x` or `layers[k]` and the key within.
    public func forward(_ input: Input) throws -> Forward {
        var values: Tensor<T>
        var mask: [[Bool]]?
        var runs: [LayerForward] = []
        var start = 0
        switch (input, layers[0]) {
        case let (.tokens(ids), .embedding(e)):
            do { (values, mask) = try e.forward(ids) } catch let err as RNNError { throw err.within("layers[0]") }
            runs.append(.embedding(ids))
            start = 1
        case (.tokens, _):
            throw RNNError(.invalid, "x", "token ids need an Embedding as the first layer")
        case (.values, .embedding):
            throw RNNError(.invalid, "x", "the first layer is an Embedding: the input must be token ids")
        case let (.values(x), _):
            values = x
        }
        for k in start..<layers.count {
            do {
                switch layers[k] {
                case let .rnn(l):
                    let f = try l.forward(values, mask: mask)
                    runs.append(.rnn(f))
                    values = f.outputs
                    if !l.returnSequences { mask = nil }
                case let .bidirectional(l):
                    let f = try l.forward(values, mask: mask)
                    runs.append(.bidirectional(f))
                    values = f.outputs[0]
                    if !l.forwardLayer.returnSequences { mask = nil }
                case let .dense(l):
                    let f = try l.forward(values)
                    runs.append(.dense(f))
                    values = f.output
                case let .batchNormalization(l):
                    let f = try l.forward(values, mask: values.rank == 3 ? mask : nil)
                    runs.append(.batchNormalization(f))
                    values = f.output
                case .embedding:
                    throw RNNError(.invalid, "kind", "an Embedding reads token ids, so it must be the first layer")
                }
            } catch let e as RNNError { throw e.within("layers[\(k)]") }
        }
        return Forward(output: values, layers: runs)
    }

    /// The VJP of `forward` for `L = Σ output ⊙ dOutput`.
    public func backward(_ f: Forward, dOutput: Tensor<T>) throws -> Gradients {
        var d: Tensor<T>? = dOutput
        var grads: [LayerGradients] = []
        for k in stride(from: layers.count - 1, through: 0, by: -1) {
            guard let dk = d else { break }
            do {
                switch (layers[k], f.layers[k]) {
                case let (.rnn(l), .rnn(run)):
                    let g = try l.backward(run, dOutputs: dk)
                    grads.append(.rnn(g))
                    d = g.dx
                case let (.bidirectional(l), .bidirectional(run)):
                    let g = try l.backward(run, dOutputs: [dk])
                    grads.append(.bidirectional(g))
                    d = g.dx
                case let (.embedding(l), .embedding(ids)):
                    grads.append(.embedding(try l.backward(ids, dOutput: dk)))
                    d = nil
                case let (.dense(l), .dense(run)):
                    let g = try l.backward(run, dOutput: dk)
                    grads.append(.dense(g))
                    d = g.dx
                case let (.batchNormalization(l), .batchNormalization(run)):
                    let g = try l.backward(run, dOutput: dk)
                    grads.append(.batchNormalization(g))
                    d = g.dx
                default:
                    throw RNNError(.invalid, "", "this forward pass was not run by this model")
                }
            } catch let e as RNNError { throw e.within("layers[\(k)]") }
        }
        return Gradients(dx: d, layers: grads.reversed())
    }
}

/// The Keras RNN guide's encoder/decoder: the encoder layer's final states become the decoder
/// layer's `initial_state`,
///
///     output, state_h, state_c = layers.LSTM(64, return_state=True, name="encoder")(encoder_embedded)
///     decoder_output = layers.LSTM(64, name="decoder")(decoder_embedded, initial_state=[state_h, state_c])
///
/// (the embeddings and the Dense head are left to the caller).
public struct KerasEncoderDecoder<T: RNNFloat>: Sendable {
    public var encoder: KerasRNN<T>
    public var decoder: KerasRNN<T>

    /// Errors name `decoder`.
    public init(encoder: KerasRNN<T>, decoder: KerasRNN<T>) throws {
        guard decoder.cell.stateSizes == encoder.cell.stateSizes else {
            throw RNNError(.shape, "decoder", "its state \(decoder.cell.stateSizes) does not match the encoder's \(encoder.cell.stateSizes)")
        }
        (self.encoder, self.decoder) = (encoder, decoder)
    }

    public struct Forward: Sendable {
        /// The decoder's output.
        public var output: Tensor<T>
        public var encoder: KerasRNN<T>.Forward
        public var decoder: KerasRNN<T>.Forward
    }

    public struct Gradients: Sendable {
        public var dxEncoder: Tensor<T>
        public var dxDecoder: Tensor<T>
        public var dEncoderWeights: Parameters<T>
        public var dDecoderWeights: Parameters<T>
    }

    /// Errors name `encoder` or `decoder` and the key within.
    public func forward(encoderInput: Tensor<T>, decoderInput: Tensor<T>) throws -> Forward {
        let e: KerasRNN<T>.Forward
        do { e = try encoder.forward(encoderInput) } catch let err as RNNError { throw err.within("encoder") }
        do {
            let d = try decoder.forward(decoderInput, initialState: e.finalState)
            return Forward(output: d.outputs, encoder: e, decoder: d)
        } catch let err as RNNError { throw err.within("decoder") }
    }

    /// The VJP of `forward` for `L = Σ output ⊙ dOutput`: the decoder's initial-state
    /// cotangents flow into the encoder's final state (its output is not used).
    public func backward(_ f: Forward, dOutput: Tensor<T>) throws -> Gradients {
        let gd = try decoder.backward(f.decoder, dOutputs: dOutput)
        let ge = try encoder.backward(f.encoder, dOutputs: nil, dFinalState: gd.dInitialState)
        return Gradients(dxEncoder: ge.dx, dxDecoder: gd.dx, dEncoderWeights: ge.dWeights, dDecoderWeights: gd.dWeights)
    }
}
