import RNNCore

/// `keras.layers.RNN(NestedCell(unit_1, unit_2, unit_3))` of “Recurrent Neural Networks (RNN)
/// with Keras” (003), section 7: a Keras layer over a cell with nested inputs, states and
/// outputs,
///
///     outputs = rnn(NestedInput(feature1=inp_1, feature2=inp_2))
///
/// x = `[x1 [B, T, I1], x2 [B, T, I2, I3]]`; output `[o1, o23]` ([B, (T,) U1] and
/// [B, (T,) U2, U3]); state `[s1 [B, U1], s2 [B, U2, U3]]`. The layer runs the flat cell in a
/// `KerasRNN` (every Keras flag: return_sequences, return_state, go_backwards, masks) and nests
/// and flattens at its edges (`NestedConfig`).
public struct KerasNestedRNN<T: RNNFloat>: Sendable {
    public var config: NestedConfig
    public var layer: KerasRNN<T>

    /// `layer`'s cell must be the flat `.kerasNested(config)` cell.
    public init(config: NestedConfig, layer: KerasRNN<T>) throws {
        guard layer.cell.spec == .kerasNested(config) else {
            throw RNNError(.invalid, "cell", "the layer's cell is \(layer.cell.spec.kind), not this NestedCell")
        }
        (self.config, self.layer) = (config, layer)
    }

    public struct Forward: Sendable {
        /// `[o1, o23]`.
        public var outputs: [Tensor<T>]
        /// `[s1, s2]`.
        public var finalState: [Tensor<T>]
        public var flat: KerasRNN<T>.Forward
    }

    public struct Gradients: Sendable {
        /// `[dx1, dx2]`.
        public var dx: [Tensor<T>]
        public var dInitialState: [Tensor<T>]
        /// `kernel_1`, `kernel_2_3`.
        public var dWeights: Parameters<T>
    }

    /// Errors name `x[k]`, `initial_state[k]`, `mask`.
    public func forward(_ x: [Tensor<T>], initialState: [Tensor<T>]? = nil, mask: [[Bool]]? = nil) throws -> Forward {
        let flatX = try config.flattenInput(x)
        if let s = initialState {
            guard s.count == 2 else { throw RNNError(.shape, "initial_state", "NestedCell's state is (state1, state2), got \(s.count) tensors") }
            let b = x[0].shape[0]
            try s[0].expectShape([b, config.unit1], "initial_state[0]")
            try s[1].expectShape([b, config.unit2, config.unit3], "initial_state[1]")
        }
        let f = try layer.forward(flatX, initialState: initialState.map(config.flattenState), mask: mask)
        return Forward(outputs: config.nestOutput(f.outputs), finalState: config.nestState(f.finalState), flat: f)
    }

    /// The VJP of `forward` (nil cotangents: zeros). Errors name `upstream.outputs` and
    /// `upstream.final_state[k]`.
    public func backward(_ f: Forward, dOutputs: [Tensor<T>]? = nil, dFinalState: [Tensor<T>]? = nil) throws -> Gradients {
        if let u = dOutputs {
            guard u.count == 2 else { throw RNNError(.shape, "upstream.outputs", "NestedCell has two outputs, got \(u.count) cotangents") }
            for k in 0..<2 { try u[k].expectShape(f.outputs[k].shape, "upstream.outputs[\(k)]") }
        }
        let dFin = try finalStateCotangents(dFinalState, for: f.finalState)
        let g = try layer.backward(f.flat, dOutputs: dOutputs.map(config.flattenOutput), dFinalState: config.flattenState(dFin))
        let (dx1, dx2) = g.dx.splittingLast(at: config.input1)
        let dx2Nested = Tensor(uncheckedShape: Array(dx2.shape.dropLast()) + [config.input2, config.input3], data: dx2.data)
        return Gradients(dx: [dx1, dx2Nested], dInitialState: config.nestState(g.dInitialState), dWeights: g.dWeights)
    }
}
