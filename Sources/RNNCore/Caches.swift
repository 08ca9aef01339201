/// What one LSTM step keeps for its backward pass, every tensor [B, H] except `mUnclipped`
/// [B, P]. The gates are stored after their activations.
public struct LSTMStepCache<Scalar: RNNFloat>: Sendable {
    /// i = σ(z_i [+ w_i⊙c_prev]), f = σ(z_f + forget_bias [+ w_f⊙c_prev]), g = act(z_j),
    /// o = σ(z_o [+ w_o⊙c]) (TF's j is the candidate: Keras' c, PyTorch's g).
    public var i, f, g, o: Tensor<Scalar>
    /// What the activations were applied to [B, 4H], in the flavor's column order:
    /// z_i [+ w_i⊙c_prev], z_j, z_f + forget_bias [+ w_f⊙c_prev], z_o [+ w_o⊙c] (for an
    /// activation whose derivative needs its input).
    public var pre: Tensor<Scalar>
    /// c before `cell_clip`, and after it.
    public var cUnclipped, c: Tensor<Scalar>
    /// act(c), and mh = o⊙act(c), the output before the projection.
    public var actC, mh: Tensor<Scalar>
    /// m = mh·W_proj before `proj_clip` (mh itself without a projection).
    public var mUnclipped: Tensor<Scalar>
    /// With ONNX's `clip`: the gates' inputs before it [B, 4H] (`pre` holds them after it).
    public var preUnclipped: Tensor<Scalar>?

    public init(i: Tensor<Scalar>, f: Tensor<Scalar>, g: Tensor<Scalar>, o: Tensor<Scalar>, pre: Tensor<Scalar>, cUnclipped: Tensor<Scalar>,
                c: Tensor<Scalar>, actC: Tensor<Scalar>, mh: Tensor<Scalar>, mUnclipped: Tensor<Scalar>, preUnclipped: Tensor<Scalar>? = nil) {
        (self.i, self.f, self.g, self.o, self.pre) = (i, f, g, o, pre)
        (self.cUnclipped, self.c, self.actC, self.mh, self.mUnclipped) = (cUnclipped, c, actC, mh, mUnclipped)
        self.preUnclipped = preUnclipped
    }
}

/// What one GRU step keeps for its backward pass, every tensor [B, H].
public struct GRUStepCache<Scalar: RNNFloat>: Sendable {
    /// The reset and update gates and the candidate, after their activations.
    public var r, u, c: Tensor<Scalar>
    /// `h·U_c + b_hc` when the reset acts after the matmul, `r⊙h` when it acts before.
    public var hcOrRh: Tensor<Scalar>
    /// What the activations were applied to [B, 3H]: r's, u's and c's pre-activations, in that
    /// order (for an activation whose derivative needs its input).
    public var pre: Tensor<Scalar>
    /// With ONNX's `clip`: the activations' inputs before it [B, 3H] (`pre` holds them after it).
    public var preUnclipped: Tensor<Scalar>?

    public init(r: Tensor<Scalar>, u: Tensor<Scalar>, c: Tensor<Scalar>, hcOrRh: Tensor<Scalar>, pre: Tensor<Scalar>,
                preUnclipped: Tensor<Scalar>? = nil) {
        (self.r, self.u, self.c, self.hcOrRh, self.pre, self.preUnclipped) = (r, u, c, hcOrRh, pre, preUnclipped)
    }
}

/// A step's saved activations, typed by cell family.
public enum StepCache<Scalar: RNNFloat>: Sendable {
    /// A tanh RNN: its pre-activation z [B, H] (its backward needs the new state, which the step
    /// returns anyway, and z for an activation whose derivative needs its input).
    case elman(z: Tensor<Scalar>)
    /// The two-step numpy RNN: `before_activation` [B, H].
    case numpyRNN(beforeActivation: Tensor<Scalar>)
    case lstm(LSTMStepCache<Scalar>)
    case gru(GRUStepCache<Scalar>)
    case cifg(CIFGStepCache<Scalar>)
    /// 003's NestedCell: linear, its backward needs only x, which the caller keeps.
    case nested

    // One accessor per family, alike on purpose: each names its family in its trap message.

    /// The LSTM cache; a step of another family here is a programming error, not bad input.
    public var lstm: LSTMStepCache<Scalar> {
        guard case let .lstm(c) = self else { preconditionFailure("not an LSTM step: \(self)") }
        return c
    }

    public var elmanZ: Tensor<Scalar> {
        guard case let .elman(z) = self else { preconditionFailure("not a tanh-RNN step: \(self)") }
        return z
    }

    public var gru: GRUStepCache<Scalar> {
        guard case let .gru(c) = self else { preconditionFailure("not a GRU step: \(self)") }
        return c
    }

    public var cifg: CIFGStepCache<Scalar> {
        guard case let .cifg(c) = self else { preconditionFailure("not a coupled-gate LSTM step: \(self)") }
        return c
    }

    /// numpy's `before_activation` [B, H].
    public var beforeActivation: Tensor<Scalar> {
        guard case let .numpyRNN(z) = self else { preconditionFailure("not a numpy RNN step: \(self)") }
        return z
    }
}

/// What a sequence-level schedule (RNNBLAS's) keeps for BPTT instead of per-step caches: flat,
/// time-major buffers allocated once per call. Classes, so that a forward result is copied by
/// reference.
public enum SequenceTape<Scalar: RNNFloat>: Sendable {
    case elman(ElmanTape<Scalar>)
    case lstm(LSTMTape<Scalar>)
    case gru(GRUTape<Scalar>)

    // One accessor per family, alike on purpose (see `StepCache`).
    public var elman: ElmanTape<Scalar> {
        guard case let .elman(t) = self else { preconditionFailure("not an Elman tape") }
        return t
    }

    public var lstm: LSTMTape<Scalar> {
        guard case let .lstm(t) = self else { preconditionFailure("not an LSTM tape") }
        return t
    }

    public var gru: GRUTape<Scalar> {
        guard case let .gru(t) = self else { preconditionFailure("not a GRU tape") }
        return t
    }
}

/// A tanh RNN's tape: h is `h0` [B, H] and then the outputs [T·B, H] (the layer's own output
/// array: 0 past a row's length, where BPTT needs no h because dz is 0); `x` [T·B, I].
public final class ElmanTape<Scalar: RNNFloat>: Sendable {
    public let h0: [Scalar]
    public let outputs: [Scalar]
    public let x: [Scalar]
    public init(h0: [Scalar], outputs: [Scalar], x: [Scalar]) { self.h0 = h0; self.outputs = outputs; self.x = x }
}

/// A flat, zero-filled buffer that a sequence schedule's worker threads write, each its own
/// slice (so it is shared by pointer, not copied on write), and that a tape keeps for BPTT.
/// Freed with its last reference.
public final class TapeBuffer<Scalar: RNNFloat>: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Scalar>

    public init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: Swift.max(1, count))
        pointer.initialize(repeating: 0, count: Swift.max(1, count))
    }

    deinit { pointer.deallocate() }

    public subscript(i: Int) -> Scalar { pointer[i] }
    /// A copy as an array.
    public var array: [Scalar] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}

/// An LSTM's tape (time-major, flat): `gates` [T, B, 4H] holds i, j, f, o after the
/// activations, slice-major for the `workers` that wrote it (RNNBLAS's `StepWorkers`); `c` [T+1, B, H] holds the state entering each step (index 0: the initial
/// state); h is `h0` [B, P] and then the outputs [T, B, P] (the layer's own output array, not
/// a copy: 0 past a row's length, where BPTT needs no h because dz is 0); `cRaw` (c before
/// `cell_clip`), `mh` (o⊙act(c), with a projection) [T, B, H]; `mRaw` [T, B, P]; `x`
/// [T, B, I]. act(c) is recomputed in the backward pass.
public final class LSTMTape<Scalar: RNNFloat>: Sendable {
    public let workers: Int
    public let gates: TapeBuffer<Scalar>
    public let c: TapeBuffer<Scalar>
    public let h0: [Scalar]
    public let outputs: [Scalar]
    public let cRaw: TapeBuffer<Scalar>
    public let mh: TapeBuffer<Scalar>
    public let mRaw: TapeBuffer<Scalar>
    public let x: [Scalar]
    public init(workers: Int, gates: TapeBuffer<Scalar>, c: TapeBuffer<Scalar>, h0: [Scalar], outputs: [Scalar], cRaw: TapeBuffer<Scalar>,
                mh: TapeBuffer<Scalar>, mRaw: TapeBuffer<Scalar>, x: [Scalar]) {
        self.workers = workers; self.gates = gates; self.c = c; self.h0 = h0; self.outputs = outputs; self.cRaw = cRaw; self.mh = mh; self.mRaw = mRaw; self.x = x
    }
}

/// A GRU's tape (time-major, flat): `gates` [T·B, 3H] holds r, u, c after the activations,
/// slice-major for the `workers` that wrote it (RNNBLAS's `StepWorkers`); h
/// is `h0` [B, H] and then the outputs [T·B, H] (the layer's own output array: 0 past a row's
/// length, where BPTT needs no h because dz is 0); `hc` [T·B, H] is `h·U_c + b_hc` (reset
/// after) or `r⊙h` (reset before), as `GRUStepCache.hcOrRh`.
public final class GRUTape<Scalar: RNNFloat>: Sendable {
    public let workers: Int
    public let gates: TapeBuffer<Scalar>
    public let h0: [Scalar]
    public let outputs: [Scalar]
    public let hc: TapeBuffer<Scalar>
    public let x: [Scalar]
    public init(workers: Int, gates: TapeBuffer<Scalar>, h0: [Scalar], outputs: [Scalar], hc: TapeBuffer<Scalar>, x: [Scalar]) {
        self.workers = workers; self.gates = gates; self.h0 = h0; self.outputs = outputs; self.hc = hc; self.x = x
    }
}
