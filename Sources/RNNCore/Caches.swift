import Synchronization

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
/// Freed with its last reference, into `KeptBuffers` for the next buffer of its size.
public final class TapeBuffer<Scalar: RNNFloat>: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Scalar>
    private let shelf: KeptBuffers

    public init(count: Int, shelf: KeptBuffers = .shared) {
        self.count = count
        self.shelf = shelf
        let n = Swift.max(1, count)
        pointer = shelf.allocate(n * MemoryLayout<Scalar>.stride).bindMemory(to: Scalar.self, capacity: n)
        pointer.initialize(repeating: 0, count: n)
    }

    deinit { shelf.give(UnsafeMutableRawPointer(pointer), Swift.max(1, count) * MemoryLayout<Scalar>.stride) }

    public subscript(i: Int) -> Scalar { pointer[i] }
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

/// The memory of freed `TapeBuffer`s (the sequence schedules' tapes and scratch buffers), kept
/// for the next buffers of the same size, as oneDNN keeps its scratchpad between calls: a loop
/// of passes of one shape then reuses its buffers instead of taking fresh pages from the system
/// on every call. At B = 1 those page faults and unmappings were a third of a training pass
/// (an LSTM at (1, 100, 128, 128), float32: 1.74 → 1.24 ms, `Benchmarks/`). A reused buffer is
/// zero-filled again, as a fresh one. `shared` keeps at most `limit` bytes (64 MB unless set; 0
/// keeps none); `release()` hands them back to the system. Buffers under 16 KB go straight back to
/// malloc, which reuses small blocks by itself.
public final class KeptBuffers: Sendable {
    /// The shelf every `TapeBuffer` uses.
    public static let shared = KeptBuffers(limit: 64 << 20)
    static let alignment = 64
    static let smallest = 16 << 10
    /// The limit, the kept bytes, and the kept buffers' addresses by size in bytes.
    private let shelves: Mutex<(limit: Int, bytes: Int, free: [Int: [UInt]])>

    public init(limit: Int) { shelves = Mutex((max(0, limit), 0, [:])) }

    deinit { release() }

    /// The most bytes kept at once.
    public var limit: Int {
        get { shelves.withLock { $0.limit } }
        set {
            shelves.withLock { $0.limit = max(0, newValue) }
            if keptBytes > limit { release() }
        }
    }

    /// The bytes kept now.
    public var keptBytes: Int { shelves.withLock { $0.bytes } }

    /// Frees every kept buffer; returns the bytes freed.
    @discardableResult
    public func release() -> Int {
        let (bytes, all) = shelves.withLock { s in
            defer { (s.bytes, s.free) = (0, [:]) }
            return (s.bytes, s.free.values.flatMap { $0 })
        }
        for a in all { UnsafeMutableRawPointer(bitPattern: a)?.deallocate() }
        return bytes
    }

    /// A kept buffer of exactly `bytes`, if there is one (as it was left: not zero-filled).
    func take(_ bytes: Int) -> UnsafeMutableRawPointer? {
        guard bytes >= Self.smallest else { return nil }
        let address: UInt? = shelves.withLock { s in
            guard let a = s.free[bytes]?.popLast() else { return nil }
            s.bytes -= bytes
            return a
        }
        return address.flatMap { UnsafeMutableRawPointer(bitPattern: $0) }
    }

    /// A buffer of `bytes`: a kept one, or a fresh one (`alignment`-aligned).
    func allocate(_ bytes: Int) -> UnsafeMutableRawPointer {
        take(bytes) ?? UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: Self.alignment)
    }

    /// Keeps a freed buffer of `bytes` (from `allocate`) if the limit allows, else frees it.
    func give(_ p: UnsafeMutableRawPointer, _ bytes: Int) {
        let address = UInt(bitPattern: p)
        let kept = bytes >= Self.smallest && shelves.withLock { s in
            guard s.bytes + bytes <= s.limit else { return false }
            s.free[bytes, default: []].append(address)
            s.bytes += bytes
            return true
        }
        if !kept { p.deallocate() }
    }
}
