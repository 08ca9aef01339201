/// `tf.compat.v1.nn.dynamic_rnn(cell, x, sequence_length, initial_state, time_major)` where
/// `cell` is one cell or a `MultiRNNCell(cells)` stack.
///
/// Shapes: `x` [T, B, I] when `timeMajor`, else [B, T, I]; outputs likewise with the last
/// layer's output width. The state is flattened in TF's `tf.nest.flatten` order: layer by
/// layer, each cell's state tensors in its own order.
///
/// A stack runs layer by layer over the whole sequence. That equals MultiRNNCell's
/// step-by-step schedule under `sequence_length` too: past a row's length every layer copies
/// its state through and only the (zeroed) top output is visible, so nothing a lower layer
/// emits there reaches a result.
public struct DynamicRNN<Scalar: RNNFloat>: Sendable {
    public var cells: [any RecurrentCell<Scalar>]
    public var timeMajor: Bool

    public init(cells: [any RecurrentCell<Scalar>], timeMajor: Bool) throws {
        guard !cells.isEmpty else { throw RNNError(.invalid, "cells", "a dynamic_rnn needs at least one cell") }
        for k in 1..<cells.count where cells[k].inputSize != cells[k - 1].outputSize {
            throw RNNError(.shape, "cells[\(k)]",
                           "input size \(cells[k].inputSize) does not match the output size \(cells[k - 1].outputSize) of the layer below")
        }
        self.cells = cells
        self.timeMajor = timeMajor
    }

    /// Widths of the flattened state tensors, layer by layer.
    public var stateSizes: [Int] { cells.flatMap { $0.stateSizes } }

    public struct Forward: Sendable {
        /// [T, B, O] or [B, T, O], as `timeMajor`.
        public var outputs: Tensor<Scalar>
        public var finalState: [Tensor<Scalar>]
        public var layers: [SequenceForward<Scalar>]
    }

    public struct Gradients: Sendable {
        public var dx: Tensor<Scalar>
        public var dInitialState: [Tensor<Scalar>]
        public var dParameters: [Parameters<Scalar>]
    }

    /// Checks `x`, the initial state (nil: zeros) and `sequence_length` against the cells;
    /// returns (T, B).
    public func validate(x: Tensor<Scalar>, initialState: [Tensor<Scalar>]?, sequenceLength: [Int]?) throws -> (Int, Int) {
        let (tCount, batch) = try validateSequenceInput(x, timeMajor: timeMajor, inputSize: cells[0].inputSize)
        if let s = initialState {
            let sizes = stateSizes
            guard s.count == sizes.count else {
                throw RNNError(.shape, "initial_state", "expected \(sizes.count) state tensors, got \(s.count)")
            }
            for (k, t) in s.enumerated() {
                try t.expectShape([batch, sizes[k]], "initial_state[\(k)]")
                if let bad = t.firstNonFinite() {
                    throw RNNError(.invalid, "initial_state[\(k)]", "non-finite value \(bad.value) at index \(multiIndex(bad.index, shape: t.shape))")
                }
            }
        }
        if let l = sequenceLength {
            guard l.count == batch else {
                throw RNNError(.shape, "sequence_length", "expected \(batch) lengths (one per batch row), got \(l.count)")
            }
            if let bad = l.firstIndex(where: { $0 < 0 || $0 > tCount }) {
                throw RNNError(.invalid, "sequence_length", "length \(l[bad]) at row \(bad) is outside 0...\(tCount)")
            }
        }
        return (tCount, batch)
    }

    /// `mask`: a Keras mask [T][B] (time-major steps); the run then takes the stepwise
    /// schedule (see `StepMask`).
    public func forward(_ x: Tensor<Scalar>, initialState: [Tensor<Scalar>]? = nil,
                        sequenceLength: [Int]? = nil, mask: StepMask? = nil) throws -> Forward {
        try run(x, initialState: initialState, sequenceLength: sequenceLength, mask: mask, infer: false)
    }

    /// `forward`'s outputs and final state for inference: what the cells keep for BPTT is not
    /// kept (PyTorch's forward under `torch.no_grad()`), so its result has no layers and cannot
    /// go to `backward`.
    public func infer(_ x: Tensor<Scalar>, initialState: [Tensor<Scalar>]? = nil,
                      sequenceLength: [Int]? = nil, mask: StepMask? = nil) throws -> (outputs: Tensor<Scalar>, finalState: [Tensor<Scalar>]) {
        let f = try run(x, initialState: initialState, sequenceLength: sequenceLength, mask: mask, infer: true)
        return (f.outputs, f.finalState)
    }

    private func run(_ x: Tensor<Scalar>, initialState: [Tensor<Scalar>]?, sequenceLength: [Int]?, mask: StepMask?,
                     infer: Bool) throws -> Forward {
        let (tCount, batch) = try validate(x: x, initialState: initialState, sequenceLength: sequenceLength)
        if let mask {
            guard mask.live.count == tCount, mask.live.allSatisfy({ $0.count == batch }) else {
                throw RNNError(.shape, "mask", "expected a [\(batch), \(tCount)] mask")
            }
        }
        var flatState = initialState ?? cells.flatMap { $0.zeroState(batch: batch) }
        var input = timeMajor ? x : x.swappingLeadingAxes()
        var layers: [SequenceForward<Scalar>] = []
        var offset = 0
        var finalState: [Tensor<Scalar>] = []
        for cell in cells {
            let n = cell.stateSizes.count
            let s0 = Array(flatState[offset ..< offset + n])
            let f = infer && mask == nil
                ? cell.inferSequence(input, initialState: s0, sequenceLength: sequenceLength)
                : cell.forwardSequence(input, initialState: s0, sequenceLength: sequenceLength, mask: mask)
            if !infer { layers.append(f) }
            finalState += f.finalState
            input = f.outputs
            offset += n
        }
        flatState = finalState
        return Forward(outputs: timeMajor ? input : input.swappingLeadingAxes(), finalState: flatState, layers: layers)
    }

    /// BPTT for `L = Σ outputs ⊙ dOutputs + Σ_k finalState[k] ⊙ dFinalState[k]`.
    public func backward(_ fwd: Forward, dOutputs: Tensor<Scalar>, dFinalState: [Tensor<Scalar>]) throws -> Gradients {
        try dOutputs.expectShape(fwd.outputs.shape, "upstream outputs")
        guard dFinalState.count == fwd.finalState.count else {
            throw RNNError(.shape, "upstream final_state", "expected \(fwd.finalState.count) tensors, got \(dFinalState.count)")
        }
        for k in dFinalState.indices { try dFinalState[k].expectShape(fwd.finalState[k].shape, "upstream final_state[\(k)]") }
        var dOut = timeMajor ? dOutputs : dOutputs.swappingLeadingAxes()
        var offsets: [Int] = []
        var o = 0
        for c in cells { offsets.append(o); o += c.stateSizes.count }
        var dInit = [Tensor<Scalar>](repeating: Tensor(zeros: [0]), count: o)
        var dParams = [Parameters<Scalar>](repeating: Parameters(names: [], tensors: []), count: cells.count)
        for k in stride(from: cells.count - 1, through: 0, by: -1) {
            let n = cells[k].stateSizes.count
            let dFin = Array(dFinalState[offsets[k] ..< offsets[k] + n])
            let g = cells[k].backwardSequence(fwd.layers[k], dOutputs: dOut, dFinalState: dFin)
            for j in 0..<n { dInit[offsets[k] + j] = g.dInitialState[j] }
            dParams[k] = g.dParameters
            dOut = g.dx
        }
        return Gradients(dx: timeMajor ? dOut : dOut.swappingLeadingAxes(), dInitialState: dInit, dParameters: dParams)
    }

    /// Inference over a sequence of any length in memory independent of its length: the steps
    /// run in chunks of `chunk` (each chunk one `infer`), the state carried
    /// from chunk to chunk. `input(range)` gives the time-major inputs [range.count, B, I] of
    /// those steps; `output(range, outputs)` receives their outputs [range.count, B, O]. Returns
    /// the final state. The same numbers as one `forward` over all steps (a test checks it), no
    /// recursion, and memory of O(chunk·B·(I + H)) whatever `steps` is.
    public func stream(steps: Int, chunk: Int, initialState: [Tensor<Scalar>]? = nil,
                       input: (Range<Int>) throws -> Tensor<Scalar>,
                       output: (Range<Int>, Tensor<Scalar>) throws -> Void) throws -> [Tensor<Scalar>] {
        guard steps >= 0 else { throw RNNError(.invalid, "steps", "must be non-negative, got \(steps)") }
        guard chunk > 0 else { throw RNNError(.invalid, "chunk", "must be positive, got \(chunk)") }
        guard timeMajor else { throw RNNError(.unsupported, "stream", "streams time-major inputs; build the DynamicRNN with timeMajor: true") }
        var state = initialState
        var t0 = 0
        while t0 < steps {
            let r = t0 ..< min(steps, t0 + chunk)
            let x = try input(r)
            guard x.rank == 3, x.shape[0] == r.count else {
                throw RNNError(.shape, "stream input", "steps \(r) need a [\(r.count), B, I] tensor, got \(x.shape)")
            }
            let f = try infer(x, initialState: state)
            try output(r, f.outputs)
            state = f.finalState
            t0 = r.upperBound
        }
        return state ?? []
    }
}


/// Checks a sequence input: rank 3 ([T, B, I] when `timeMajor`, else [B, T, I]), `inputSize`
/// features, every value finite. Returns (T, B). Errors name `x`.
public func validateSequenceInput<T: RNNFloat>(_ x: Tensor<T>, timeMajor: Bool, inputSize: Int) throws -> (steps: Int, batch: Int) {
    guard x.rank == 3 else {
        throw RNNError(.shape, "x", "expected rank 3 (\(timeMajor ? "[T, B, I]" : "[B, T, I]")), got shape \(x.shape)")
    }
    guard x.shape[2] == inputSize else {
        throw RNNError(.shape, "x", "last dimension must be the input size \(inputSize), got shape \(x.shape)")
    }
    if let bad = x.firstNonFinite() {
        throw RNNError(.invalid, "x", "non-finite value \(bad.value) at index \(multiIndex(bad.index, shape: x.shape))")
    }
    return timeMajor ? (x.shape[0], x.shape[1]) : (x.shape[1], x.shape[0])
}
