import RNNCore

/// `keras.layers.Bidirectional(layer, merge_mode, backward_layer)` around a Keras RNN layer
/// (keras/src/layers/rnn/bidirectional.py):
///
///     y = forward_layer(x, initial_state=initial_state[:half], mask=mask)
///     y_rev = backward_layer(x, initial_state=initial_state[half:], mask=mask)   # go_backwards
///     if return_sequences: y_rev = flip(y_rev, axis=1)
///     concat: [y, y_rev];  sum: y + y_rev;  ave: (y + y_rev) / 2;  mul: y * y_rev;  None: (y, y_rev)
///     return_state: (output, *forward_states, *backward_states)
///
/// As in Keras, the two layers run in opposite directions (`goBackwards` differs) and agree on
/// `returnSequences` and `returnState`. When they return sequences, a masked step writes zeros
/// whatever the layers' own `zero_output_for_mask` (Keras' documented rule for the wrapper).
/// Keras' `merge_mode`: how `Bidirectional` combines its two directions (`none`: Keras' `None`,
/// the two outputs returned as a pair).
public enum KerasMergeMode: String, Sendable, CaseIterable { case concat, sum, ave, mul, none }

public struct KerasBidirectional<T: RNNFloat>: Sendable {
    public typealias Merge = KerasMergeMode

    public var forwardLayer: KerasRNN<T>
    public var backwardLayer: KerasRNN<T>
    public var merge: Merge

    /// Errors name `backward_layer`.
    public init(forward: KerasRNN<T>, backward: KerasRNN<T>, merge: Merge = .concat) throws {
        guard forward.goBackwards != backward.goBackwards else {
            throw RNNError(.invalid, "backward_layer", "the forward and backward layers must have different go_backwards values")
        }
        guard forward.returnSequences == backward.returnSequences, forward.returnState == backward.returnState else {
            throw RNNError(.invalid, "backward_layer", "return_sequences and return_state must match the forward layer's")
        }
        guard forward.cell.inputSize == backward.cell.inputSize else {
            throw RNNError(.shape, "backward_layer", "its input size \(backward.cell.inputSize) differs from the forward layer's \(forward.cell.inputSize)")
        }
        if merge != .concat && merge != .none && forward.outputSize != backward.outputSize {
            throw RNNError(.shape, "backward_layer", "merge_mode \(merge.rawValue) needs outputs of the same width")
        }
        (forwardLayer, backwardLayer, self.merge) = (forward, backward, merge)
        if forward.returnSequences {
            forwardLayer.zeroOutputForMask = true
            backwardLayer.zeroOutputForMask = true
        }
    }

    /// The width of the merged output at each step (nil for `merge_mode=None`: two outputs).
    public var outputSize: Int? {
        switch merge {
        case .concat: return forwardLayer.outputSize + backwardLayer.outputSize
        case .none: return nil
        default: return forwardLayer.outputSize
        }
    }

    public var forwardStateCount: Int { forwardLayer.cell.stateSizes.count }

    public struct Forward: Sendable {
        /// One merged output, or `(y, y_rev)` for `merge_mode=None`.
        public var outputs: [Tensor<T>]
        /// The forward layer's final states, then the backward layer's.
        public var finalState: [Tensor<T>]
        public var forward: KerasRNN<T>.Forward
        public var backward: KerasRNN<T>.Forward
        /// y and y_rev (flipped back to the caller's time order when returning sequences).
        var y: Tensor<T>
        var yRev: Tensor<T>
    }

    public struct Gradients: Sendable {
        public var dx: Tensor<T>
        public var dInitialState: [Tensor<T>]
        public var dForwardWeights: Parameters<T>
        public var dBackwardWeights: Parameters<T>
    }

    func flipIfSequences(_ t: Tensor<T>) -> Tensor<T> {
        forwardLayer.returnSequences ? reverseTime(t, timeMajor: false) : t
    }

    /// `initialState`: the forward layer's states, then the backward layer's (nil: zeros).
    public func forward(_ x: Tensor<T>, initialState: [Tensor<T>]? = nil, mask: [[Bool]]? = nil) throws -> Forward {
        let n = forwardStateCount
        if let s = initialState, s.count != n + backwardLayer.cell.stateSizes.count {
            throw RNNError(.shape, "initial_state", "expected \(n + backwardLayer.cell.stateSizes.count) tensors, got \(s.count)")
        }
        // the two layers side by side where the implementation runs them so (`PassRunner`)
        let (ef, eb) = try forwardLayer.cell.passRunner.both(
            { try forwardLayer.forward(x, initialState: initialState.map { Array($0[..<n]) }, mask: mask) },
            { try backwardLayer.forward(x, initialState: initialState.map { Array($0[n...]) }, mask: mask) })
        let y = ef.outputs, yRev = flipIfSequences(eb.outputs)
        var out: [Tensor<T>]
        switch merge {
        case .concat: out = [Tensor.concatenatingLast(y, yRev)]
        case .sum: var s = y; s.add(yRev); out = [s]
        case .ave: var s = y; s.add(yRev); s.data = s.data.map { $0 / 2 }; out = [s]
        case .mul: var s = y; for i in s.data.indices { s.data[i] *= yRev.data[i] }; out = [s]
        case .none: out = [y, yRev]
        }
        return Forward(outputs: out, finalState: ef.finalState + eb.finalState, forward: ef, backward: eb, y: y, yRev: yRev)
    }

    /// The VJP of `forward` for `L = Σ_k outputs[k] ⊙ dOutputs[k] + Σ_k finalState[k] ⊙
    /// dFinalState[k]` (nil: zeros). Errors name `upstream.outputs`, `upstream.final_state`.
    public func backward(_ f: Forward, dOutputs: [Tensor<T>]? = nil, dFinalState: [Tensor<T>]? = nil) throws -> Gradients {
        let (y, yRev) = (f.y, f.yRev)
        var uY = Tensor<T>(zeros: y.shape), uYRev = Tensor<T>(zeros: yRev.shape)
        if let u = dOutputs {
            guard u.count == f.outputs.count else {
                throw RNNError(.shape, "upstream.outputs", "expected \(f.outputs.count) tensors, got \(u.count)")
            }
            for (k, ut) in u.enumerated() { try ut.expectShape(f.outputs[k].shape, "upstream.outputs") }
            switch merge {
            case .concat: (uY, uYRev) = u[0].splittingLast(at: y.shape.last!)
            case .sum: uY = u[0]; uYRev = u[0]
            case .ave: uY = u[0]; uY.data = uY.data.map { $0 / 2 }; uYRev = uY
            case .mul:
                uY = u[0]; uYRev = u[0]
                for i in uY.data.indices { uY.data[i] *= yRev.data[i]; uYRev.data[i] *= y.data[i] }
            case .none: uY = u[0]; uYRev = u[1]
            }
        }
        let n = forwardStateCount
        let fin = try finalStateCotangents(dFinalState, for: f.finalState)
        let (dY, dYRev) = (uY, flipIfSequences(uYRev))
        let (gf, gb) = try forwardLayer.cell.passRunner.both(
            { try forwardLayer.backward(f.forward, dOutputs: dY, dFinalState: Array(fin[..<n])) },
            { try backwardLayer.backward(f.backward, dOutputs: dYRev, dFinalState: Array(fin[n...])) })
        var dx = gf.dx
        dx.add(gb.dx)                                   // x feeds both directions
        return Gradients(dx: dx, dInitialState: gf.dInitialState + gb.dInitialState,
                         dForwardWeights: gf.dWeights, dBackwardWeights: gb.dWeights)
    }
}
