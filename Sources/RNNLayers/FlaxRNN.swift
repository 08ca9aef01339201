import RNNCore

/// `flax.linen.RNN(cell, time_major=False, return_carry=False, reverse=False, keep_order=False)`
/// called as `rnn(inputs, initial_carry=None, seq_lengths=None)` (flax 0.12.8,
/// flax/linen/recurrent.py), which scans the cell over every step:
///
///     if reverse:
///       inputs = flip_sequences(inputs, seq_lengths, ...)        # each row within its length
///     carry = initial_carry (else cell.initialize_carry: zeros)
///     slice_carry = seq_lengths is not None and return_carry
///     def scan_fn(cell, carry, x):
///       carry, y = cell(carry, x)
///       return carry, ((carry, y) if slice_carry else y)
///     ...
///     if slice_carry:
///       carry = _select_last_carry(carries, seq_lengths)         # x[seq_lengths - 1, arange(B)]
///     if reverse and keep_order:
///       outputs = flip_sequences(outputs, seq_lengths, ...)
///
/// So, unlike TensorFlow's, Keras' and PyTorch's layers, `seq_lengths` changes nothing but the
/// carry it returns: the cell runs on every step, padding included, and the outputs past a
/// row's length are the cell's outputs on the padding (not zeros, not the last state). The
/// carry is the one after the row's last step; for a row of length 0 the index −1 wraps
/// around and it is the carry after all T steps. Shapes: inputs [B, T, I] ([T, B, I] when
/// `timeMajor`), outputs likewise with H, the carry in Flax's order (LSTM `(c, h)`).
///
/// Computed as two runs of the cell over the whole (flipped) sequence: one without lengths
/// (the outputs, and the carry without `seq_lengths` or of a length-0 row) and, when a carry is
/// sliced, one with `DynamicRNN`'s lengths, whose final state is exactly the state after each
/// row's last step. The backward pass is the sum of the two runs' backward passes.
public struct FlaxRNN<T: RNNFloat>: Sendable {
    public var config: FlaxCellConfig
    public var run: DynamicRNN<T>
    public var timeMajor: Bool
    public var returnCarry: Bool
    public var reverse: Bool
    public var keepOrder: Bool

    /// `cell` computes `config`'s cell (built from `config.spec`, see `FlaxCellConfig`).
    public init(_ config: FlaxCellConfig, cell: any RecurrentCell<T>, timeMajor: Bool = false, returnCarry: Bool = false,
                reverse: Bool = false, keepOrder: Bool = false) throws {
        guard cell.spec == config.spec else {
            throw RNNError(.invalid, "cell", "expected a cell computing \(config.spec.description), got \(cell.spec.description)")
        }
        self.config = config
        run = try DynamicRNN(cells: [cell], timeMajor: true)
        (self.timeMajor, self.returnCarry, self.reverse, self.keepOrder) = (timeMajor, returnCarry, reverse, keepOrder)
    }

    public struct Forward: Sendable {
        /// [B, T, H] ([T, B, H] when time-major).
        public var outputs: Tensor<T>
        /// The final carry in Flax's order (computed whether or not `returnCarry` returns it).
        public var carry: [Tensor<T>]
        var whole: DynamicRNN<T>.Forward
        var sliced: DynamicRNN<T>.Forward?
        var lengths: [Int]?
    }

    public struct Gradients: Sendable {
        public var dInputs: Tensor<T>
        /// dL/d(initial carry), in Flax's order.
        public var dInitialCarry: [Tensor<T>]
        /// dL/d(the cell's parameters), by the computing cell's names (`config.flaxGradients`
        /// renames them).
        public var dParameters: Parameters<T>
    }

    /// Errors name `inputs`, `initial_carry` or `seq_lengths`.
    public func forward(_ inputs: Tensor<T>, initialCarry: [Tensor<T>]? = nil, seqLengths: [Int]? = nil) throws -> Forward {
        guard inputs.rank == 3 else { throw RNNError(.shape, "inputs", "expected rank 3 ([B, T, I] or time-major [T, B, I]), got \(inputs.shape)") }
        let xt = timeMajor ? inputs : inputs.swappingLeadingAxes()
        let (steps, batch) = (xt.shape[0], xt.shape[1])
        if let l = seqLengths {
            guard l.count == batch else { throw RNNError(.shape, "seq_lengths", "expected \(batch) lengths, got \(l.count)") }
            if let bad = l.firstIndex(where: { $0 < 0 || $0 > steps }) {
                throw RNNError(.invalid, "seq_lengths", "seq_lengths[\(bad)] = \(l[bad]) is outside 0…\(steps)")
            }
        }
        var state: [Tensor<T>]?
        if let c = initialCarry {
            guard c.count == config.carryCount else { throw RNNError(.shape, "initial_carry", "expected \(config.carryCount) carry tensors, got \(c.count)") }
            for (k, t) in c.enumerated() { try t.expectShape([batch, config.features], "initial_carry[\(k)]") }
            state = (0..<c.count).map { c[config.stateIndex(ofCarry: $0)] }
        }
        let x = reverse ? flaxFlipSequences(xt, lengths: seqLengths) : xt
        let whole = try run.forward(x, initialState: state)
        var sliced: DynamicRNN<T>.Forward?
        var final = whole.finalState
        if returnCarry, let l = seqLengths {
            let s = try run.forward(x, initialState: state, sequenceLength: l)
            for k in final.indices { for b in 0..<batch where l[b] > 0 { copyRow(b, from: s.finalState[k], into: &final[k]) } }
            sliced = s
        }
        var y = whole.outputs
        if reverse && keepOrder { y = flaxFlipSequences(y, lengths: seqLengths) }
        return Forward(outputs: timeMajor ? y : y.swappingLeadingAxes(), carry: (0..<final.count).map { final[config.stateIndex(ofCarry: $0)] },
                       whole: whole, sliced: sliced, lengths: seqLengths)
    }

    /// The VJP of `forward` for `L = Σ outputs ⊙ dOutputs + Σ_k carry[k] ⊙ dCarry[k]` (either may
    /// be nil; the carry counts only when `returnCarry`, as Flax returns it only then).
    public func backward(_ f: Forward, dOutputs: Tensor<T>?, dCarry: [Tensor<T>]?) throws -> Gradients {
        var dy = dOutputs ?? Tensor(zeros: f.outputs.shape)
        try dy.expectShape(f.outputs.shape, "upstream outputs")
        if !timeMajor { dy = dy.swappingLeadingAxes() }
        if reverse && keepOrder { dy = flaxFlipSequences(dy, lengths: f.lengths) }
        let batch = dy.shape[1]
        let zero = f.whole.finalState.map { Tensor<T>(zeros: $0.shape) }
        var dWhole = zero, dSliced = zero
        if returnCarry, let dc = dCarry {
            guard dc.count == config.carryCount else { throw RNNError(.shape, "upstream final_state", "expected \(config.carryCount) tensors, got \(dc.count)") }
            for k in dc.indices {
                let s = config.stateIndex(ofCarry: k)
                try dc[k].expectShape(f.carry[k].shape, "upstream final_state[\(k)]")
                for b in 0..<batch {
                    // the carry of a row came from the sliced run if it has one and the row is not empty
                    if f.sliced != nil, let l = f.lengths, l[b] > 0 { copyRow(b, from: dc[k], into: &dSliced[s]) } else { copyRow(b, from: dc[k], into: &dWhole[s]) }
                }
            }
        }
        var g = try run.backward(f.whole, dOutputs: dy, dFinalState: dWhole)
        if let s = f.sliced {
            let gs = try run.backward(s, dOutputs: Tensor(zeros: dy.shape), dFinalState: dSliced)
            g.dx.add(gs.dx)
            for k in g.dInitialState.indices { g.dInitialState[k].add(gs.dInitialState[k]) }
            g.dParameters[0].add(gs.dParameters[0])
        }
        let dx = reverse ? flaxFlipSequences(g.dx, lengths: f.lengths) : g.dx
        return Gradients(dInputs: timeMajor ? dx : dx.swappingLeadingAxes(),
                         dInitialCarry: (0..<config.carryCount).map { g.dInitialState[config.stateIndex(ofCarry: $0)] },
                         dParameters: g.dParameters[0])
    }
}

/// `flax.linen.Bidirectional(forward_rnn, backward_rnn, merge_fn=concatenate, time_major=False,
/// return_carry=False)`:
///
///     carry_forward, outputs_forward = self.forward_rnn(inputs, initial_carry=initial_carry_forward,
///         seq_lengths=seq_lengths, return_carry=True, time_major=time_major, reverse=False)
///     carry_backward, outputs_backward = self.backward_rnn(inputs, initial_carry=initial_carry_backward,
///         seq_lengths=seq_lengths, return_carry=True, time_major=time_major, reverse=True, keep_order=True)
///     carry = (carry_forward, carry_backward)
///     outputs = jax.tree_util.tree_map(self.merge_fn, outputs_forward, outputs_backward)
///
/// The two RNNs' own `reverse`, `keep_order`, `time_major` and `return_carry` are overridden as
/// above. Outputs [B, T, 2H] (forward's H first); the carry is the forward carry's tensors, then
/// the backward carry's (`initial_carry` likewise).
public struct FlaxBidirectional<T: RNNFloat>: Sendable {
    public var forwardRNN: FlaxRNN<T>
    public var backwardRNN: FlaxRNN<T>
    public var timeMajor: Bool
    public var returnCarry: Bool

    public init(forward: FlaxRNN<T>, backward: FlaxRNN<T>, timeMajor: Bool = false, returnCarry: Bool = false) {
        (forwardRNN, backwardRNN) = (forward, backward)
        (forwardRNN.reverse, forwardRNN.keepOrder) = (false, false)
        (backwardRNN.reverse, backwardRNN.keepOrder) = (true, true)
        (forwardRNN.timeMajor, backwardRNN.timeMajor) = (timeMajor, timeMajor)
        (forwardRNN.returnCarry, backwardRNN.returnCarry) = (true, true)
        (self.timeMajor, self.returnCarry) = (timeMajor, returnCarry)
    }

    public struct Forward: Sendable {
        public var outputs: Tensor<T>
        public var carry: [Tensor<T>]
        var forward: FlaxRNN<T>.Forward
        var backward: FlaxRNN<T>.Forward
    }

    public struct Gradients: Sendable {
        public var dInputs: Tensor<T>
        public var dInitialCarry: [Tensor<T>]
        /// The forward RNN's, then the backward RNN's.
        public var dParameters: [Parameters<T>]
    }

    var forwardCarries: Int { forwardRNN.config.carryCount }

    /// How the two RNNs run: their cells' implementation's way (`PassRunner`).
    var passRunner: any PassRunner { forwardRNN.run.cells[0].passRunner }

    public func forward(_ inputs: Tensor<T>, initialCarry: [Tensor<T>]? = nil, seqLengths: [Int]? = nil) throws -> Forward {
        let n = forwardCarries
        if let c = initialCarry, c.count != n + backwardRNN.config.carryCount {
            throw RNNError(.shape, "initial_carry", "expected \(n + backwardRNN.config.carryCount) tensors (the forward carry's, then the backward's), got \(c.count)")
        }
        // the two RNNs side by side where the implementation runs them so (`PassRunner`)
        let (f, b) = try passRunner.both(
            { try forwardRNN.forward(inputs, initialCarry: initialCarry.map { Array($0[..<n]) }, seqLengths: seqLengths) },
            { try backwardRNN.forward(inputs, initialCarry: initialCarry.map { Array($0[n...]) }, seqLengths: seqLengths) })
        return Forward(outputs: Tensor.concatenatingLast(f.outputs, b.outputs), carry: f.carry + b.carry, forward: f, backward: b)
    }

    public func backward(_ f: Forward, dOutputs: Tensor<T>?, dCarry: [Tensor<T>]?) throws -> Gradients {
        let n = forwardCarries
        var parts: (Tensor<T>?, Tensor<T>?) = (nil, nil)
        if let d = dOutputs {
            try d.expectShape(f.outputs.shape, "upstream outputs")
            let (a, b) = d.splittingLast(at: forwardRNN.config.features)
            parts = (a, b)
        }
        if let dc = dCarry, dc.count != f.carry.count {
            throw RNNError(.shape, "upstream final_state", "expected \(f.carry.count) tensors, got \(dc.count)")
        }
        let carries = returnCarry ? dCarry : nil
        let (dFw, dBw) = parts
        let (gf, gb) = try passRunner.both(
            { try forwardRNN.backward(f.forward, dOutputs: dFw, dCarry: carries.map { Array($0[..<n]) }) },
            { try backwardRNN.backward(f.backward, dOutputs: dBw, dCarry: carries.map { Array($0[n...]) }) })
        var dx = gf.dInputs
        dx.add(gb.dInputs)
        return Gradients(dInputs: dx, dInitialCarry: gf.dInitialCarry + gb.dInitialCarry, dParameters: [gf.dParameters, gb.dParameters])
    }
}

/// Row b of [B, W] `source` into row b of `target`.
func copyRow<T: RNNFloat>(_ b: Int, from source: Tensor<T>, into target: inout Tensor<T>) {
    let w = source.shape[1]
    for j in 0..<w { target.data[b * w + j] = source.data[b * w + j] }
}
