/// A Keras mask: `live[t][b]` says whether row b runs at step t. At a masked step the state is
/// carried through and the output repeats the previous step's output (zeros before the first),
/// or is zero with `zeroOutput` (Keras' `zero_output_for_mask`): `tf.where(mask, new, old)`
/// in Keras' `rnn` loop.
public struct StepMask: Sendable, Equatable {
    public var live: [[Bool]]
    public var zeroOutput: Bool
    public init(live: [[Bool]], zeroOutput: Bool) {
        self.live = live
        self.zeroOutput = zeroOutput
    }
}

/// What a forward pass over a sequence keeps for its backward pass.
public struct SequenceForward<Scalar: RNNFloat>: Sendable {
    /// Outputs, time-major [T, B, O]; zero past each row's `sequence_length`.
    public var outputs: Tensor<Scalar>
    /// The state after the last step (per row: after step `sequence_length − 1`).
    public var finalState: [Tensor<Scalar>]
    /// The inputs of each step, [B, I].
    public var inputs: [Tensor<Scalar>]
    /// The state each step started from (`statesBefore[0]` is the initial state).
    public var statesBefore: [[Tensor<Scalar>]]
    /// Each step's results (unmasked: what the cell computed for every row).
    public var steps: [CellStep<Scalar>]
    /// The per-row lengths, or nil when every row runs all T steps.
    public var sequenceLength: [Int]?
    /// What a sequence-level implementation keeps instead of `inputs`/`statesBefore`/`steps`
    /// (which it leaves empty): its own contiguous buffers.
    public var tape: SequenceTape<Scalar>?
    /// A Keras mask, when the run had one (always the stepwise schedule).
    public var mask: StepMask?

    public init(outputs: Tensor<Scalar>, finalState: [Tensor<Scalar>], inputs: [Tensor<Scalar>],
                statesBefore: [[Tensor<Scalar>]], steps: [CellStep<Scalar>], sequenceLength: [Int]?,
                tape: SequenceTape<Scalar>? = nil) {
        self.outputs = outputs
        self.finalState = finalState
        self.inputs = inputs
        self.statesBefore = statesBefore
        self.steps = steps
        self.sequenceLength = sequenceLength
        self.tape = tape
    }
}

/// Gradients of a sequence: input [T, B, I], initial state, parameters.
public struct SequenceGradients<Scalar: RNNFloat>: Sendable {
    public var dx: Tensor<Scalar>
    public var dInitialState: [Tensor<Scalar>]
    public var dParameters: Parameters<Scalar>
    public init(dx: Tensor<Scalar>, dInitialState: [Tensor<Scalar>], dParameters: Parameters<Scalar>) {
        self.dx = dx
        self.dInitialState = dInitialState
        self.dParameters = dParameters
    }
}

/// Row `b` of step `t` is live when `t < sequence_length[b]` (always, without lengths).
@inlinable
func isLive(_ lengths: [Int]?, t: Int, b: Int) -> Bool {
    guard let lengths else { return true }
    return t < lengths[b]
}

@inlinable
func isLive(_ lengths: [Int]?, _ mask: StepMask?, t: Int, b: Int) -> Bool {
    if let mask { return mask.live[t][b] }
    return isLive(lengths, t: t, b: b)
}

/// Copies the rows of `src` for which `keep(b)` holds into `dst` (both [B, W]).
func copyRows<T: RNNFloat>(_ src: Tensor<T>, into dst: inout Tensor<T>, where keep: (Int) -> Bool) {
    let w = src.shape[1]
    for b in 0..<src.shape[0] where keep(b) {
        for j in 0..<w { dst.data[b * w + j] = src.data[b * w + j] }
    }
}

/// `tf.nn.dynamic_rnn`'s time loop for one cell, as TensorFlow's `_rnn_step` defines it with a
/// `sequence_length`: for a row whose sequence has ended, the output is zero and the state is
/// copied through unchanged (`_copy_some_through`).
public func stepwiseForwardSequence<C: RecurrentCell>(
    _ cell: C, _ x: Tensor<C.Scalar>, initialState: [Tensor<C.Scalar>], sequenceLength: [Int]?, mask: StepMask? = nil
) -> SequenceForward<C.Scalar> {
    let (tCount, batch) = (x.shape[0], x.shape[1])
    let outWidth = cell.outputSize
    var outputs = Tensor<C.Scalar>(zeros: [tCount, batch, outWidth])
    var state = initialState
    var inputs: [Tensor<C.Scalar>] = []
    var statesBefore: [[Tensor<C.Scalar>]] = []
    var steps: [CellStep<C.Scalar>] = []
    inputs.reserveCapacity(tCount)
    statesBefore.reserveCapacity(tCount)
    steps.reserveCapacity(tCount)
    for t in 0..<tCount {
        let xt = x.slice(t)
        let s = cell.step(xt, state: state)
        inputs.append(xt)
        statesBefore.append(state)
        steps.append(s)
        for b in 0..<batch {
            if isLive(sequenceLength, mask, t: t, b: b) {
                for j in 0..<outWidth { outputs.data[(t * batch + b) * outWidth + j] = s.output.data[b * outWidth + j] }
            } else if let mask, !mask.zeroOutput, t > 0 {
                // Keras: a masked step repeats the previous output
                for j in 0..<outWidth { outputs.data[(t * batch + b) * outWidth + j] = outputs.data[((t - 1) * batch + b) * outWidth + j] }
            }
        }
        if sequenceLength == nil && mask == nil {
            state = s.state
        } else {
            for k in state.indices {
                copyRows(s.state[k], into: &state[k]) { b in isLive(sequenceLength, mask, t: t, b: b) }
            }
        }
    }
    var f = SequenceForward(outputs: outputs, finalState: state, inputs: inputs,
                            statesBefore: statesBefore, steps: steps, sequenceLength: sequenceLength)
    f.mask = mask
    return f
}

/// BPTT through `stepwiseForwardSequence`. Rows past their length pass the state cotangent
/// straight through to the previous step and give the cell zero cotangents (so they add
/// nothing to the parameter and input gradients).
public func stepwiseBackwardSequence<C: RecurrentCell>(
    _ cell: C, _ fwd: SequenceForward<C.Scalar>, dOutputs: Tensor<C.Scalar>, dFinalState: [Tensor<C.Scalar>]
) -> SequenceGradients<C.Scalar> {
    let tCount = fwd.steps.count
    let batch = dOutputs.shape[1]
    let outWidth = cell.outputSize
    let inWidth = cell.inputSize
    var grads = Parameters<C.Scalar>(zerosLike: cell.parameters)
    var dx = Tensor<C.Scalar>(zeros: [tCount, batch, inWidth])
    var dState = dFinalState
    let lengths = fwd.sequenceLength, mask = fwd.mask
    // with a held-output mask, a masked step's output cotangent flows to the previous output
    var dHeld = [C.Scalar](repeating: 0, count: batch * outWidth)
    let holds = mask.map { !$0.zeroOutput } ?? false
    for t in stride(from: tCount - 1, through: 0, by: -1) {
        var dOut = dOutputs.slice(t)
        if holds { for i in dHeld.indices { dOut.data[i] += dHeld[i]; dHeld[i] = 0 } }
        var dStateCell = dState
        if lengths != nil || mask != nil {
            for b in 0..<batch where !isLive(lengths, mask, t: t, b: b) {
                for j in 0..<outWidth {
                    if holds { dHeld[b * outWidth + j] = dOut.data[b * outWidth + j] }
                    dOut.data[b * outWidth + j] = 0
                }
                for k in dStateCell.indices {
                    let w = dStateCell[k].shape[1]
                    for j in 0..<w { dStateCell[k].data[b * w + j] = 0 }
                }
            }
        }
        let g = cell.stepBackward(fwd.steps[t], x: fwd.inputs[t], state: fwd.statesBefore[t],
                                  dOutput: dOut, dState: dStateCell, grads: &grads)
        for i in 0..<(batch * inWidth) { dx.data[t * batch * inWidth + i] = g.dx.data[i] }
        if lengths == nil && mask == nil {
            dState = g.dState
        } else {
            var next = g.dState
            for k in next.indices {
                copyRows(dState[k], into: &next[k]) { b in !isLive(lengths, mask, t: t, b: b) }
            }
            dState = next
        }
    }
    return SequenceGradients(dx: dx, dInitialState: dState, dParameters: grads)
}
