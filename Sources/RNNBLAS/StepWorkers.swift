import Foundation
import RNNCore
import Synchronization

// The threads of a sequence's recurrent loop. Between two steps there is too little work for
// OpenBLAS's own threads to pay (they spin between the small per-step GEMMs while one thread
// does the gate pass), so the schedules own their threads instead, as oneDNN's and LIBXSMM's
// RNN kernels do: one worker per core, each owning a fixed slice of the hidden units (all four,
// or three, gates' columns of them) for the whole sequence. A step is, per worker, one GEMM on
// its slice of the recurrent weights and at once the gate pass for its units while that block
// is hot in its cache; then one barrier, because the next step needs every unit's h. OpenBLAS
// runs single-threaded inside the workers, and as usual (all its threads) outside them.

/// How many workers the recurrent loops use: nil chooses by size (below); tests and
/// `rnnref bench` set it. `RecurrentThreads.$count.withValue(2) { … }`.
public enum RecurrentThreads {
    @TaskLocal public static var count: Int?
    /// Whether a bidirectional layer's directions run side by side (`SideBySide`, the default)
    /// or one after the other, each with its workers as a one-direction layer's (its results
    /// then vary across thread counts as those do). `rnnref bench` compares the two.
    @TaskLocal public static var directionsSideBySide = true
    /// Whether a one-worker pass gives a helper thread its input projection, ahead of the
    /// recurrence (`InputProjection`; the same bits either way): nil when a second thread is free
    /// (`count`, else OpenBLAS's thread count, at least 2), else as set.
    @TaskLocal public static var helper: Bool?

    /// Whether a one-worker pass takes a helper thread (`helper`).
    static var helperWanted: Bool { helper ?? ((count ?? openBLASThreads()) >= 2) }
}

/// The workers of one sequence pass and the slice each owns.
struct StepWorkers: Sendable {
    let count: Int

    /// `units` hidden units, a step's GEMM [batch, width]·[width, gates·units]. One worker per
    /// OpenBLAS thread when a step's GEMM is big enough to split (2²⁰ multiply-adds: B = 64,
    /// H = 128 and up), else one (then OpenBLAS keeps its threads).
    init(batch: Int, units: Int, width: Int, gates: Int) {
        if let forced = RecurrentThreads.count {
            count = max(1, min(forced, units))
        } else {
            let big = batch * width * gates * units >= 1 << 20
            count = big ? max(1, min(openBLASThreads(), units / 16)) : 1
        }
    }

    /// Exactly `count` workers (the backward pass takes its forward's: the tape's layout is theirs).
    init(count: Int) { self.count = count }

    /// Worker `w`'s share of `n` columns: contiguous, cut at multiples of 16 (a vector
    /// register of Float in AVX-512) where n allows.
    func slice(_ w: Int, of n: Int) -> Range<Int> {
        let step = n >= 16 * count ? 16 : 1
        func cut(_ k: Int) -> Int { k == count ? n : (n * k / count) / step * step }
        return cut(w)..<cut(w + 1)
    }

    /// Runs `body(w, barrier)` for every worker w, worker 0 on the calling thread, the rest on
    /// helper threads (`onThreads`), with OpenBLAS single-threaded meanwhile; returns when all
    /// are done.
    func run(_ body: (_ worker: Int, _ barrier: SpinBarrier) -> Void) {
        let barrier = SpinBarrier(count)
        guard count > 1 else { return body(0, barrier) }
        singleThreadedBLAS { onThreads(count) { w in body(w, barrier) } }
    }
}

/// The input projection of a sequence's steps (X·W_x, written into the rows of the gates'
/// buffer that the recurrence then adds to), which `schedule`s compute a chunk of steps at a time
/// just before the steps read it: at `before(t, …)` of each chunk's first step, by every worker
/// (then a barrier where the workers split rows, not columns). At one worker with a second thread
/// free (small steps: B = 1 to a few rows), a helper thread computes it instead, a piece of
/// `piece` steps ahead of the recurrence, and `before(t, …)` waits until step t's rows are
/// written: at B = 1 the projection is half of a pass's products, and the loop no longer does it.
/// The helper calls the same kernel on the same rows (ours, which sums each element in the order
/// of k whatever the rows around it), so the results are the same bits either way (tested).
final class InputProjection: Sendable {
    let steps: Int, chunk: Int, kept: Int
    /// Steps per piece on the helper, 0 when the workers compute the projection themselves.
    let piece: Int
    let barrierAfter: Bool
    private let project: @Sendable (_ steps: Range<Int>, _ worker: Int) -> Void
    /// Steps whose rows the helper has written, and steps the recurrence is done with (the rows
    /// of step s overwrite those of step s − kept when the buffer keeps fewer than all steps).
    private let written = Atomic<Int>(0), consumed = Atomic<Int>(0)

    /// `project(steps, w)`: worker w's part of the projection of `steps` (all of it at one
    /// worker), into rows that `kept` steps share round robin (`StepRows`). `barrierAfter`: the
    /// workers split the rows, so each needs the others' before its step.
    init(_ workers: StepWorkers, batch: Int, steps: Int, chunk: Int, kept: Int, barrierAfter: Bool,
         project: @escaping @Sendable (_ steps: Range<Int>, _ worker: Int) -> Void) {
        self.steps = steps; self.chunk = chunk; self.kept = kept; self.barrierAfter = barrierAfter; self.project = project
        let piece = max(1, (12 + batch - 1) / batch)          // ≥ 12 rows: two full tiles of our kernel
        self.piece = workers.count == 1 && RecurrentThreads.helperWanted && steps > piece ? piece : 0
    }

    /// Before step t: its rows are written.
    func before(_ t: Int, worker: Int, _ barrier: SpinBarrier) {
        if piece > 0 {
            spin(while: { written.load(ordering: .acquiring) <= t })
        } else if t % chunk == 0 {
            project(t ..< min(t + chunk, steps), worker)
            if barrierAfter { barrier.wait() }
        }
    }

    /// After step t: its rows may be overwritten.
    func after(_ t: Int) {
        if piece > 0 && kept < steps { consumed.store(t + 1, ordering: .releasing) }
    }

    /// The helper's loop: pieces in order, none across a chunk's end (so none wraps round the
    /// rows), each once the steps it overwrites are consumed.
    fileprivate func produce() {
        var t = 0
        while t < steps {
            let end = min(t + piece, (t / chunk + 1) * chunk, steps)
            if kept < steps { spin(while: { consumed.load(ordering: .acquiring) < end - kept }) }
            project(t ..< end, 0)
            written.store(end, ordering: .releasing)
            t = end
        }
    }
}

extension StepWorkers {
    /// `run(body)`, with `inputs` on a helper thread beside the one worker when it says so.
    /// OpenBLAS keeps its thread count: the helper runs our kernel only.
    func run(_ inputs: InputProjection, _ body: (_ worker: Int, _ barrier: SpinBarrier) -> Void) {
        guard inputs.piece > 0 else { return run(body) }
        let barrier = SpinBarrier(1)
        onThreads(2) { w in if w == 0 { body(0, barrier) } else { inputs.produce() } }
    }
}

/// Spins while `condition` holds (a step is a fraction of a millisecond, far shorter than a
/// sleep), yielding the core after a while in case it is oversubscribed.
@inline(__always)
func spin(while condition: () -> Bool) {
    var spins = 0
    while condition() {
        spins += 1
        if spins > 1 << 15 { sched_yield() }
    }
}

/// RNNBLAS's `PassRunner`: a bidirectional layer's two directions side by side, one on the
/// calling thread and one on a thread of its own, when the passes may use two or more threads
/// (`RecurrentThreads.count`, else OpenBLAS's thread count), else one after the other. Either
/// way each direction is a one-worker pass (`StepWorkers` of count 1: no barrier at all) with
/// OpenBLAS single-threaded. The directions share nothing, so side by side saves every per-step
/// barrier of both and OpenBLAS's thread wake-ups, and each core keeps its direction's weights
/// in its own cache (measured in `Benchmarks/`: a bidirectional LSTM at B = 1 in 1.1 ms against
/// 1.6 ms one after the other, one direction alone 0.96 ms). And because each direction computes
/// the numbers of a one-worker, one-OpenBLAS-thread pass either way, a bidirectional layer's
/// results are the same bits on any thread count (`SideBySideTests`).
public struct SideBySide: PassRunner {
    public init() {}

    public func both<A: Sendable, B: Sendable>(_ a: @Sendable () throws -> A, _ b: @Sendable () throws -> B) throws -> (A, B) {
        guard RecurrentThreads.directionsSideBySide else { return try OneAfterTheOther().both(a, b) }
        let threads = RecurrentThreads.count ?? openBLASThreads()
        guard threads >= 2 else {
            return try singleThreadedBLAS { try RecurrentThreads.$count.withValue(1) { try OneAfterTheOther().both(a, b) } }
        }
        // b runs on a helper thread, a on this one
        let results = BothResults<A, B>()
        singleThreadedBLAS {
            onThreads(2) { w in
                RecurrentThreads.$count.withValue(1) {
                    if w == 0 { results.a = Result { try a() } } else { results.b = Result { try b() } }
                }
            }
        }
        return (try results.a!.get(), try results.b!.get())
    }
}

/// The two passes' results, each written by its thread before `onThreads` returns.
private final class BothResults<A, B>: @unchecked Sendable {
    var a: Result<A, Error>?
    var b: Result<B, Error>?
}

// The families' runner (RNNScalar's are one after the other).
extension Implementation.Elman { public static var passRunner: any PassRunner { SideBySide() } }
extension Implementation.NumpyRNN { public static var passRunner: any PassRunner { SideBySide() } }
extension Implementation.LSTM { public static var passRunner: any PassRunner { SideBySide() } }
extension Implementation.GRU { public static var passRunner: any PassRunner { SideBySide() } }
extension Implementation.CIFG { public static var passRunner: any PassRunner { SideBySide() } }
extension Implementation.Nested { public static var passRunner: any PassRunner { SideBySide() } }

// The tape's gate columns are slice-major: worker w's units of every gate side by side
// (columns g·u0 ..< g·u1 of a [·, g·H] buffer, gate by gate within), so that each worker's
// GEMMs write one contiguous block of columns. The weights are reordered the same way once per
// cell and worker count (kept with the cell, `keptSliceMajor`); the workers write the weight
// gradients straight into the framework's layout (`WeightBlock.accumulateGradient`).
extension StepWorkers {
    /// `sliceMajor(p, parts, k:, units:)` made at the cell's first pass with this many workers and
    /// kept with the cell as `piece` (`CellWeights.prepared`), as the packed slices are: a pass
    /// then reads it instead of gathering the weights again.
    func keptSliceMajor<L: CellLayout, T: RNNFloat>(_ w: CellWeights<L, T>, _ piece: PreparedKey.Piece,
                                                    _ parts: [(block: WeightBlock, n: Int, offset: Int)], k: Int, units: Int) -> [T] {
        w.prepared.value(PreparedKey(piece, workers: count)) { KeptArray(sliceMajor(w.parameters, parts, k: k, units: units)) }.values
    }

    /// `parts` (gate blocks of logical [k, n] weights, from column `offset`) reordered
    /// slice-major: [k, parts.count·units].
    func sliceMajor<T: RNNFloat>(_ p: Parameters<T>, _ parts: [(block: WeightBlock, n: Int, offset: Int)], k: Int, units: Int) -> [T] {
        let g = parts.count, ld = g * units
        if count == 1 { return packColumns(p, parts, k: k, cols: 0..<units) }    // one slice: the blocks side by side
        var out = [T](repeating: 0, count: k * ld)
        for w in 0..<count {
            let u = slice(w, of: units), width = g * u.count
            let packed = packColumns(p, parts, k: k, cols: u)
            for i in 0..<k { for j in 0..<width { out[i * ld + g * u.lowerBound + j] = packed[i * width + j] } }
        }
        return out
    }

    /// `parts` cut into the workers' slices, slice-major: for each worker's units, every part's
    /// columns of them (the order of the tape's gate columns), for `packedTransposed`.
    func slicePieces(_ parts: [(block: WeightBlock, n: Int, offset: Int)], units: Int) -> [(block: WeightBlock, n: Int, columns: Range<Int>)] {
        (0..<count).flatMap { w in
            let u = slice(w, of: units)
            return parts.map { (block: $0.block, n: $0.n, columns: ($0.offset + u.lowerBound)..<($0.offset + u.upperBound)) }
        }
    }

    /// A vector of gate blocks (gate g's units from `offsets[g]`) reordered slice-major.
    func sliceMajor<T: RNNFloat>(_ v: [T], offsets: [Int], units: Int) -> [T] {
        var out = v
        for w in 0..<count {
            let u = slice(w, of: units)
            for (g, off) in offsets.enumerated() { for j in 0..<u.count { out[offsets.count * u.lowerBound + g * u.count + j] = v[off + u.lowerBound + j] } }
        }
        return out
    }

    /// The inverse: a slice-major vector back in gate blocks at `offsets`.
    func gateMajor<T: RNNFloat>(_ v: UnsafePointer<T>, count n: Int, offsets: [Int], units: Int) -> [T] {
        var out = [T](repeating: 0, count: n)
        for w in 0..<count {
            let u = slice(w, of: units)
            for (g, off) in offsets.enumerated() { for j in 0..<u.count { out[off + u.lowerBound + j] = v[offsets.count * u.lowerBound + g * u.count + j] } }
        }
        return out
    }
}

/// What RNNBLAS keeps with a cell's weights (`CellWeights.prepared`): which piece, made for how
/// many workers, and which worker's (0 for a piece that is the same for every worker).
struct PreparedKey: Hashable, Sendable {
    enum Piece: Hashable, Sendable {
        /// A worker's columns of W_h, packed (`packedColumns`): the forward's per-step GEMM.
        case elmanWh, lstmWh
        /// The GRU's recurrent columns (all three gates when the reset acts after the product, else
        /// r and u) and, reset before, U_c's, each a worker's, packed.
        case gruRecurrent, gruCandidate
        /// W_hᵀ's columns for a worker's columns of dh, packed: the backward's per-step GEMM
        /// (the GRU's [U_r; U_u]ᵀ and U_cᵀ apart).
        case elmanWhT, lstmWhT, gruResetUpdateT, gruCandidateT
        /// W_x packed whole, for the one-worker forward's input projection.
        case lstmWx, gruWx
        /// W_x slice-major (`sliceMajor`), for OpenBLAS's input projection and dX GEMMs.
        case lstmWxSliceMajor, gruWxSliceMajor
    }
    var piece: Piece
    var workers: Int
    var worker: Int
    init(_ piece: Piece, workers: Int, worker: Int = 0) {
        (self.piece, self.workers, self.worker) = (piece, workers, worker)
    }
}

/// An array kept in `PreparedWeights` (which keeps objects).
final class KeptArray<T: Sendable>: Sendable {
    let values: [T]
    init(_ values: [T]) { self.values = values }
}

/// A barrier for a fixed number of threads that spins (`spin(while:)`).
final class SpinBarrier: Sendable {
    private let count: Int
    private let arrived = Atomic<Int>(0)
    private let generation = Atomic<Int>(0)

    init(_ count: Int) { self.count = count }

    func wait() {
        let g = generation.load(ordering: .acquiring)
        if arrived.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue == count {
            arrived.store(0, ordering: .relaxed)
            generation.store(g &+ 1, ordering: .releasing)
            return
        }
        spin(while: { generation.load(ordering: .acquiring) == g })
    }
}

/// OpenBLAS's thread count is one process-wide setting, and changing it while another thread is
/// inside an OpenBLAS call is not safe: the call may have split its work for the old count. So
/// every call through this module counts itself in flight (`countedBLASCall`), and the count is
/// changed only under the lock with no call in flight: when the first `singleThreadedBLAS`
/// caller enters (to 1) and the last one leaves (back). `pinned` sections
/// (`withDefaultBLASThreads`) keep it at the default meanwhile.
private struct BLASThreadState {
    var leases = 0, saved = 0, inFlight = 0, pinned = 0
}

private let blasThreads = Mutex(BLASThreadState())

/// Waits until `ready` holds, then runs `act`, both under the lock (yielding, then sleeping, in
/// between: the wait can last as long as another thread's pinned section).
private func whenReady(_ ready: (BLASThreadState) -> Bool, _ act: (inout BLASThreadState) -> Void) {
    var tries = 0
    while true {
        let done = blasThreads.withLock { s -> Bool in
            guard ready(s) else { return false }
            act(&s)
            return true
        }
        if done { return }
        tries += 1
        if tries < 200 { sched_yield() } else { usleep(200) }
    }
}

/// One OpenBLAS call, counted in flight (the thread count cannot change under it).
@inline(__always)
func countedBLASCall(_ call: () -> Void) {
    blasThreads.withLock { $0.inFlight += 1 }
    call()
    blasThreads.withLock { $0.inFlight -= 1 }
}

/// Runs `body` with OpenBLAS single-threaded (a process-wide setting: the first caller in saves
/// the thread count and sets 1, the last one out restores it, each when no call is in flight);
/// inside this task's `withDefaultBLASThreads`, at the count the pin keeps.
func singleThreadedBLAS<R>(_ body: () throws -> R) rethrows -> R {
    if BLASPin.here { return try body() }           // pinned by this task: the count stays
    whenReady({ $0.pinned == 0 && ($0.leases > 0 || $0.inFlight == 0) }) { s in
        if s.leases == 0 {
            s.saved = openBLASThreads()
            setOpenBLASThreads(1)
        }
        s.leases += 1
    }
    defer {
        whenReady({ $0.leases > 1 || $0.inFlight == 0 }) { s in
            s.leases -= 1
            if s.leases == 0 { setOpenBLASThreads(s.saved) }
        }
    }
    return try body()
}

/// Runs `body` with OpenBLAS at its own thread count throughout: no step workers' section may
/// set it to 1 meanwhile (they wait). For results that must be bit for bit another program's
/// (numpy's min-char-rnn transcript), since OpenBLAS's sums depend on its thread count.
public func withDefaultBLASThreads<R>(_ body: () throws -> R) rethrows -> R {
    whenReady({ $0.leases == 0 }) { $0.pinned += 1 }
    defer { blasThreads.withLock { $0.pinned -= 1 } }
    return try BLASPin.$here.withValue(true) { try body() }
}

/// Whether this task is inside `withDefaultBLASThreads`, where a `singleThreadedBLAS` lease would
/// wait for the pin to end, for ever: there the workers' and directions' sections take none, and
/// their OpenBLAS calls run at its own thread count, as the pin promises (concurrent calls at
/// one count are safe with the system library: the test runner makes them all the time).
enum BLASPin {
    @TaskLocal static var here = false
}

/// Where step t's rows start in a buffer that keeps `kept` steps of `width` numbers each, the
/// oldest overwritten first: all T steps for a tape, one chunk or one or two steps for inference.
struct StepRows: Sendable {
    let kept: Int, width: Int
    func callAsFunction(_ t: Int) -> Int { (t % kept) * width }
}

/// A pointer the workers share, each reading everything and writing only its own slice.
struct Shared<T>: @unchecked Sendable {
    let p: UnsafeMutablePointer<T>
    init(_ p: UnsafeMutablePointer<T>) { self.p = p }
    init(_ b: TapeBuffer<T>) where T: RNNFloat { p = b.pointer }
    subscript(i: Int) -> T {
        get { p[i] }
        nonmutating set { p[i] = newValue }
    }
    static func + (s: Shared, k: Int) -> UnsafeMutablePointer<T> { s.p + k }
}

