/// `tf.reverse_sequence(x, seq_lengths, seq_axis=0, batch_axis=1)` on a time-major [T, B, W]
/// tensor: each row's first `length` steps reversed, the rest left in place (all T steps
/// without lengths). Its own inverse, and linear: the gradient of a reversal is the reversal.
public func reverseSequence<T: RNNFloat>(_ x: Tensor<T>, lengths: [Int]?) -> Tensor<T> {
    let (tCount, batch, w) = (x.shape[0], x.shape[1], x.shape[2])
    var out = x
    for b in 0..<batch {
        let len = lengths?[b] ?? tCount
        for t in 0..<len {
            let src = ((len - 1 - t) * batch + b) * w, dst = (t * batch + b) * w
            for j in 0..<w { out.data[dst + j] = x.data[src + j] }
        }
    }
    return out
}

/// `tf.compat.v1.nn.bidirectional_dynamic_rnn(cell_fw, cell_bw, inputs, sequence_length,
/// initial_state_fw, initial_state_bw, time_major)` (rnn.py):
///
///     output_fw, output_state_fw = dynamic_rnn(cell_fw, inputs, sequence_length, initial_state_fw)
///     inputs_reverse = reverse_sequence(inputs, sequence_length)
///     tmp, output_state_bw = dynamic_rnn(cell_bw, inputs_reverse, sequence_length, initial_state_bw)
///     output_bw = reverse_sequence(tmp, sequence_length)
///     return (output_fw, output_bw), (output_state_fw, output_state_bw)
///
/// Each direction may be a stack (`MultiRNNCell`). The backward direction reverses each row
/// within its own length, exactly as TF does.
public struct BidirectionalDynamicRNN<Scalar: RNNFloat>: Sendable {
    public var forwardRNN: DynamicRNN<Scalar>
    public var backwardRNN: DynamicRNN<Scalar>
    public var timeMajor: Bool

    public init(forward: [any RecurrentCell<Scalar>], backward: [any RecurrentCell<Scalar>], timeMajor: Bool) throws {
        // both run time-major inside; the layout is handled here
        forwardRNN = try DynamicRNN(cells: forward, timeMajor: true)
        backwardRNN = try DynamicRNN(cells: backward, timeMajor: true)
        guard forward[0].inputSize == backward[0].inputSize else {
            throw RNNError(.shape, "cells_bw", "input size \(backward[0].inputSize) differs from the forward cells' \(forward[0].inputSize)")
        }
        self.timeMajor = timeMajor
    }

    public struct Forward: Sendable {
        public var outputsFw: Tensor<Scalar>
        public var outputsBw: Tensor<Scalar>
        public var finalStateFw: [Tensor<Scalar>]
        public var finalStateBw: [Tensor<Scalar>]
        var fw: DynamicRNN<Scalar>.Forward
        var bw: DynamicRNN<Scalar>.Forward
        var lengths: [Int]?
    }

    public struct Gradients: Sendable {
        public var dx: Tensor<Scalar>
        public var dInitialStateFw: [Tensor<Scalar>]
        public var dInitialStateBw: [Tensor<Scalar>]
        public var dParametersFw: [Parameters<Scalar>]
        public var dParametersBw: [Parameters<Scalar>]
    }

    public func forward(_ x: Tensor<Scalar>, initialStateFw: [Tensor<Scalar>]?, initialStateBw: [Tensor<Scalar>]?,
                        sequenceLength: [Int]?) throws -> Forward {
        let (fw, bw) = try directions(x, initialStateFw, initialStateBw, sequenceLength) { rnn, x, s in
            try rnn.forward(x, initialState: s, sequenceLength: sequenceLength)
        }
        let outBw = reverseSequence(bw.outputs, lengths: sequenceLength)
        return Forward(outputsFw: layout(fw.outputs), outputsBw: layout(outBw), finalStateFw: fw.finalState,
                       finalStateBw: bw.finalState, fw: fw, bw: bw, lengths: sequenceLength)
    }

    /// `forward`'s outputs and final states for inference (`DynamicRNN.infer`: nothing kept for
    /// BPTT).
    public func infer(_ x: Tensor<Scalar>, initialStateFw: [Tensor<Scalar>]?, initialStateBw: [Tensor<Scalar>]?,
                      sequenceLength: [Int]?) throws -> (outputsFw: Tensor<Scalar>, outputsBw: Tensor<Scalar>,
                                                         finalStateFw: [Tensor<Scalar>], finalStateBw: [Tensor<Scalar>]) {
        let (fw, bw) = try directions(x, initialStateFw, initialStateBw, sequenceLength) { rnn, x, s in
            try rnn.infer(x, initialState: s, sequenceLength: sequenceLength)
        }
        return (layout(fw.outputs), layout(reverseSequence(bw.outputs, lengths: sequenceLength)), fw.finalState, bw.finalState)
    }

    /// `pass` of the forward RNN over x and of the backward RNN over x reversed within each
    /// length, time-major: side by side where the cells' implementation runs them so
    /// (`PassRunner`).
    private func directions<R: Sendable>(_ x: Tensor<Scalar>, _ initialStateFw: [Tensor<Scalar>]?, _ initialStateBw: [Tensor<Scalar>]?,
                                         _ lengths: [Int]?, _ pass: @Sendable (DynamicRNN<Scalar>, Tensor<Scalar>, [Tensor<Scalar>]?) throws -> R) throws -> (R, R) {
        guard x.rank == 3 else { throw RNNError(.shape, "x", "expected rank 3, got shape \(x.shape)") }
        let xt = layout(x)
        return try forwardRNN.cells[0].passRunner.both(
            { try pass(forwardRNN, xt, initialStateFw) },
            { try pass(backwardRNN, reverseSequence(xt, lengths: lengths), initialStateBw) })
    }

    /// Time-major ↔ the caller's layout (its own inverse).
    private func layout(_ t: Tensor<Scalar>) -> Tensor<Scalar> { timeMajor ? t : t.swappingLeadingAxes() }

    public func backward(_ f: Forward, dOutputsFw: Tensor<Scalar>, dOutputsBw: Tensor<Scalar>,
                         dFinalStateFw: [Tensor<Scalar>], dFinalStateBw: [Tensor<Scalar>]) throws -> Gradients {
        let (dFw, dBw) = (layout(dOutputsFw), reverseSequence(layout(dOutputsBw), lengths: f.lengths))
        let (gf, gb) = try forwardRNN.cells[0].passRunner.both(
            { try forwardRNN.backward(f.fw, dOutputs: dFw, dFinalState: dFinalStateFw) },
            { try backwardRNN.backward(f.bw, dOutputs: dBw, dFinalState: dFinalStateBw) })
        var dx = gf.dx
        dx.add(reverseSequence(gb.dx, lengths: f.lengths))
        return Gradients(dx: layout(dx), dInitialStateFw: gf.dInitialState, dInitialStateBw: gb.dInitialState,
                         dParametersFw: gf.dParameters, dParametersBw: gb.dParameters)
    }
}
