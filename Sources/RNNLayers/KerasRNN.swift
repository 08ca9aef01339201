import RNNCore

/// A Keras recurrent layer: `keras.layers.SimpleRNN`, `LSTM`, `GRU` or `RNN(cell)`, batch-major,
/// with Keras' layer flags (keras/src/layers/rnn/rnn.py, `RNN.call` and `backend.rnn`):
///
///     if go_backwards: inputs = flip(inputs, axis=1)       (and the mask with them)
///     for t: output_t, states = cell(inputs[:, t], states)
///            masked rows keep their states; their output repeats the previous output, or is 0
///            with zero_output_for_mask
///     output = outputs if return_sequences else last_output
///     return [output] + states if return_state else output
///
/// Shapes: x [B, T, I]; outputs [B, T, O] with `returnSequences` (in the order the steps ran:
/// reversed with `goBackwards`, as Keras returns them), else [B, O]; the state as the cell's
/// (`[h]`, or `[h, c]` for an LSTM). A mask is Keras' [B][T] booleans (true: the step runs).
public struct KerasRNN<T: RNNFloat>: Sendable {
    public var cell: any RecurrentCell<T>
    public var returnSequences: Bool
    public var returnState: Bool
    public var goBackwards: Bool
    /// Keras' `zero_output_for_mask`: a masked step outputs zeros instead of the previous output.
    public var zeroOutputForMask: Bool

    public init(cell: any RecurrentCell<T>, returnSequences: Bool = false, returnState: Bool = false,
                goBackwards: Bool = false, zeroOutputForMask: Bool = false) {
        self.cell = cell
        self.returnSequences = returnSequences
        self.returnState = returnState
        self.goBackwards = goBackwards
        self.zeroOutputForMask = zeroOutputForMask
    }

    /// A layer whose cell `spec` (a Keras cell: `.kerasSimpleRNN`, `.lstm` of flavor `.keras`,
    /// `.gru` of a Keras flavor, `.kerasMinimalRNN`) takes the Keras variable names in
    /// `weights` (`kernel`, `recurrent_kernel`, `bias`), computed by `impl`.
    public init(_ impl: any RNNImplementation.Type, _ spec: CellSpec, inputSize: Int, weights: [String: Tensor<T>],
                returnSequences: Bool = false, returnState: Bool = false, goBackwards: Bool = false,
                zeroOutputForMask: Bool = false) throws {
        self.init(cell: try impl.buildCell(spec, inputSize: inputSize, given: weights), returnSequences: returnSequences,
                  returnState: returnState, goBackwards: goBackwards, zeroOutputForMask: zeroOutputForMask)
    }

    /// The width of the output at each step.
    public var outputSize: Int { cell.outputSize }

    public struct Forward: Sendable {
        /// What the layer returns as its output ([B, T, O] or [B, O]).
        public var outputs: Tensor<T>
        /// The final state (returned with `returnState`).
        public var finalState: [Tensor<T>]
        /// The run itself (every step's output, [B, T, O] in the order the steps ran).
        public var run: DynamicRNN<T>.Forward
        var network: DynamicRNN<T>
    }

    public struct Gradients: Sendable {
        /// [B, T, I], in the caller's time order.
        public var dx: Tensor<T>
        public var dInitialState: [Tensor<T>]
        /// The cell's weight gradients, under its variable names.
        public var dWeights: Parameters<T>
    }

    /// Errors name `x`, `mask`, `initial_state[k]`.
    public func forward(_ x: Tensor<T>, initialState: [Tensor<T>]? = nil, mask: [[Bool]]? = nil) throws -> Forward {
        let net = try DynamicRNN(cells: [cell], timeMajor: false)
        guard x.rank == 3 else { throw RNNError(.shape, "x", "expected rank 3 ([B, T, I]), got shape \(x.shape)") }
        let (batch, steps) = (x.shape[0], x.shape[1])
        var stepMask: StepMask?
        if let mask {
            guard mask.count == batch, mask.allSatisfy({ $0.count == steps }) else {
                throw RNNError(.shape, "mask", "a Keras mask is [B, T] = [\(batch), \(steps)]")
            }
            // time-major steps; go_backwards reads the mask backwards too (Keras reverses it)
            let live = (0..<steps).map { t in (0..<batch).map { b in mask[b][goBackwards ? steps - 1 - t : t] } }
            stepMask = StepMask(live: live, zeroOutput: zeroOutputForMask)
        }
        let run = try net.forward(goBackwards ? reverseTime(x, timeMajor: false) : x, initialState: initialState, mask: stepMask)
        var outputs = run.outputs
        if !returnSequences {
            // Keras returns the last step's output, [B, O].
            let width = run.outputs.shape[2]
            var last = Tensor<T>(zeros: [batch, width])
            for b in 0..<batch { for j in 0..<width { last[b, j] = run.outputs[b, steps - 1, j] } }
            outputs = last
        }
        return Forward(outputs: outputs, finalState: run.finalState, run: run, network: net)
    }

    /// The VJP of `forward` for `L = Σ outputs ⊙ dOutputs + Σ_k finalState[k] ⊙ dFinalState[k]`
    /// (nil: zeros). Errors name `upstream.outputs`, `upstream.final_state[k]`.
    public func backward(_ f: Forward, dOutputs: Tensor<T>? = nil, dFinalState: [Tensor<T>]? = nil) throws -> Gradients {
        let (steps, width) = (f.run.outputs.shape[1], f.run.outputs.shape[2])
        var dOut = Tensor<T>(zeros: f.run.outputs.shape)
        if let u = dOutputs {
            try u.expectShape(f.outputs.shape, "upstream.outputs")
            if returnSequences {
                dOut = u
            } else {
                for b in 0..<f.outputs.shape[0] { for j in 0..<width { dOut[b, steps - 1, j] = u[b, j] } }
            }
        }
        let dFin = try finalStateCotangents(dFinalState, for: f.finalState)
        let g = try f.network.backward(f.run, dOutputs: dOut, dFinalState: dFin)
        return Gradients(dx: goBackwards ? reverseTime(g.dx, timeMajor: false) : g.dx, dInitialState: g.dInitialState,
                         dWeights: g.dParameters[0])
    }
}

/// The whole sequence reversed in time (Keras `go_backwards`, `ops.flip(y, axis=1)`).
public func reverseTime<T: RNNFloat>(_ x: Tensor<T>, timeMajor: Bool) -> Tensor<T> {
    timeMajor ? reverseSequence(x, lengths: nil) : reverseSequence(x.swappingLeadingAxes(), lengths: nil).swappingLeadingAxes()
}

/// The final-state cotangents a backward pass uses: `given`, checked against the shapes of
/// `finalState`, or zeros. Errors name `upstream.final_state`.
public func finalStateCotangents<T: RNNFloat>(_ given: [Tensor<T>]?, for finalState: [Tensor<T>]) throws -> [Tensor<T>] {
    guard let u = given else { return finalState.map { Tensor(zeros: $0.shape) } }
    guard u.count == finalState.count else {
        throw RNNError(.shape, "upstream.final_state", "expected \(finalState.count) tensors, got \(u.count)")
    }
    for k in u.indices { try u[k].expectShape(finalState[k].shape, "upstream.final_state[\(k)]") }
    return u
}
