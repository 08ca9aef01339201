import RNNCore

/// `keras.Sequential([layer, layer, …])` of recurrent layers and `Bidirectional` wrappers, each
/// layer's output the next one's input, as in the Keras RNN guide's
/// `Bidirectional(LSTM(64, return_sequences=True))` followed by `Bidirectional(LSTM(32))`.
/// Every layer but the last must return sequences (the next one needs [B, T, ·]) and merge
/// its directions into one output.
public struct KerasSequential<T: RNNFloat>: Sendable {
    public enum Layer: Sendable {
        case rnn(KerasRNN<T>)
        case bidirectional(KerasBidirectional<T>)

        public var inputSize: Int {
            switch self {
            case let .rnn(l): return l.cell.inputSize
            case let .bidirectional(l): return l.forwardLayer.cell.inputSize
            }
        }

        /// The output width at each step (nil: two unmerged outputs).
        public var outputSize: Int? {
            switch self {
            case let .rnn(l): return l.outputSize
            case let .bidirectional(l): return l.outputSize
            }
        }

        var returnSequences: Bool {
            switch self {
            case let .rnn(l): return l.returnSequences
            case let .bidirectional(l): return l.forwardLayer.returnSequences
            }
        }
    }

    public var layers: [Layer]

    /// Errors name `layers[k]`.
    public init(_ layers: [Layer]) throws {
        guard !layers.isEmpty else { throw RNNError(.invalid, "layers", "needs at least one layer") }
        for (k, l) in layers.enumerated() {
            guard l.outputSize != nil else { throw RNNError(.unsupported, "layers[\(k)]", "a Sequential layer has one output: merge_mode None has two") }
            if k > 0 {
                guard layers[k - 1].returnSequences else {
                    throw RNNError(.invalid, "layers[\(k - 1)]", "feeds another recurrent layer, so it must return sequences")
                }
                guard l.inputSize == layers[k - 1].outputSize else {
                    throw RNNError(.shape, "layers[\(k)]", "input size \(l.inputSize) does not match the output size \(layers[k - 1].outputSize!) of the layer below")
                }
            }
        }
        self.layers = layers
    }

    public enum LayerForward: Sendable {
        case rnn(KerasRNN<T>.Forward)
        case bidirectional(KerasBidirectional<T>.Forward)
    }

    public enum LayerGradients: Sendable {
        case rnn(KerasRNN<T>.Gradients)
        case bidirectional(KerasBidirectional<T>.Gradients)
    }

    public struct Forward: Sendable {
        /// The last layer's output.
        public var output: Tensor<T>
        public var layers: [LayerForward]
    }

    public struct Gradients: Sendable {
        public var dx: Tensor<T>
        /// Per layer (each layer's `dx` is the cotangent of the layer below's output).
        public var layers: [LayerGradients]
    }

    public func forward(_ x: Tensor<T>) throws -> Forward {
        var input = x
        var runs: [LayerForward] = []
        for (k, layer) in layers.enumerated() {
            do {
                switch layer {
                case let .rnn(l):
                    let f = try l.forward(input)
                    runs.append(.rnn(f))
                    input = f.outputs
                case let .bidirectional(l):
                    let f = try l.forward(input)
                    runs.append(.bidirectional(f))
                    input = f.outputs[0]
                }
            } catch let e as RNNError { throw e.within("layers[\(k)]") }
        }
        return Forward(output: input, layers: runs)
    }

    /// The VJP of `forward` for `L = Σ output ⊙ dOutput`.
    public func backward(_ f: Forward, dOutput: Tensor<T>) throws -> Gradients {
        var d = dOutput
        var grads: [LayerGradients] = []
        for k in stride(from: layers.count - 1, through: 0, by: -1) {
            switch (layers[k], f.layers[k]) {
            case let (.rnn(l), .rnn(run)):
                let g = try l.backward(run, dOutputs: d)
                grads.append(.rnn(g))
                d = g.dx
            case let (.bidirectional(l), .bidirectional(run)):
                let g = try l.backward(run, dOutputs: [d])
                grads.append(.bidirectional(g))
                d = g.dx
            default:
                throw RNNError(.invalid, "layers[\(k)]", "this forward pass was not run by this model")
            }
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
