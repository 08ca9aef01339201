import COpenBLAS
import Foundation
import RNNCore

// Thin, typed entry points into OpenBLAS's CBLAS, dispatching to the s- or d- routine by the
// element type. Matrices are row-major blocks inside flat arrays: a block starts at `offset`
// and its rows are `ld` elements apart, so a slice of TF's fused kernel [I + H, H] is just
// `offset: I * H, ld: H`.

@inline(__always)
private func transpose(_ t: Bool) -> CBLAS_TRANSPOSE { t ? CblasTrans : CblasNoTrans }

/// `C = alpha·op(A)·op(B) + beta·C`, op(A) [m, k], op(B) [k, n], C [m, n] (cblas_?gemm), on
/// pointers: what the step workers call, each on its own slice of C.
func gemm<T: RNNFloat>(_ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int, alpha: T = 1,
                       _ a: UnsafePointer<T>, lda: Int, _ b: UnsafePointer<T>, ldb: Int,
                       beta: T, _ c: UnsafeMutablePointer<T>, ldc: Int) {
    if m == 0 || n == 0 { return }
    if k == 0 {
        for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } }
        return
    }
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b), rc = UnsafeMutableRawPointer(c)
    // T is Double (or Float) in its branch, so Double(alpha) is alpha itself: no rounding, no cast.
    if T.self == Double.self {
        countedBLASCall { cblas_dgemm(CblasRowMajor, transpose(transA), transpose(transB), blasint(m), blasint(n), blasint(k), Double(alpha),
                    ra.assumingMemoryBound(to: Double.self), blasint(lda), rb.assumingMemoryBound(to: Double.self), blasint(ldb),
                    Double(beta), rc.assumingMemoryBound(to: Double.self), blasint(ldc)) }
    } else if T.self == Float.self {
        countedBLASCall { cblas_sgemm(CblasRowMajor, transpose(transA), transpose(transB), blasint(m), blasint(n), blasint(k), Float(alpha),
                    ra.assumingMemoryBound(to: Float.self), blasint(lda), rb.assumingMemoryBound(to: Float.self), blasint(ldb),
                    Float(beta), rc.assumingMemoryBound(to: Float.self), blasint(ldc)) }
    } else {
        preconditionFailure("BLAS supports Float and Double only")
    }
}

/// `body` with the array's base address (a one-element stand-in for an empty array, which no
/// GEMM with a zero dimension reads).
@inline(__always)
func withBase<T: RNNFloat, R>(_ a: [T], _ body: (UnsafePointer<T>) -> R) -> R {
    if a.isEmpty { return [T(0)].withUnsafeBufferPointer { body($0.baseAddress!) } }
    return a.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// `body` with the base addresses of read-only arrays, shared with the step workers.
func withBases<T: RNNFloat, R>(_ arrays: [[T]], _ body: ([Shared<T>]) -> R) -> R {
    func go(_ k: Int, _ acc: [Shared<T>]) -> R {
        k == arrays.count ? body(acc) : withBase(arrays[k]) { go(k + 1, acc + [Shared(UnsafeMutablePointer(mutating: $0))]) }
    }
    return go(0, [])
}

/// `body` with the base addresses of the tensors' data, shared with the step workers, each of
/// which writes elements of its own (a one-element stand-in for an empty tensor). Each array is
/// moved out of its tensor while `body` runs, so that it is unique and not copied.
func withMutableBases<T: RNNFloat, R>(_ tensors: inout [Tensor<T>], _ body: ([Shared<T>]) -> R) -> R {
    func go(_ k: Int, _ acc: [Shared<T>]) -> R {
        if k == tensors.count { return body(acc) }
        var data = tensors[k].data
        if data.isEmpty {
            var one: [T] = [0]
            return one.withUnsafeMutableBufferPointer { go(k + 1, acc + [Shared($0.baseAddress!)]) }
        }
        tensors[k].data = []
        defer { tensors[k].data = data }
        return data.withUnsafeMutableBufferPointer { go(k + 1, acc + [Shared($0.baseAddress!)]) }
    }
    return go(0, [])
}

/// `C = alpha·op(A)·op(B) + beta·C` on blocks of flat arrays (from the offsets).
func gemm<T: RNNFloat>(_ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int, alpha: T = 1,
                       _ a: [T], _ aOffset: Int = 0, lda: Int,
                       _ b: [T], _ bOffset: Int = 0, ldb: Int,
                       beta: T, _ c: inout [T], _ cOffset: Int = 0, ldc: Int) {
    if m == 0 || n == 0 { return }
    c.withUnsafeMutableBufferPointer { pc in
        if k == 0 {
            gemm(transA, transB, m: m, n: n, k: 0, alpha: alpha, pc.baseAddress! + cOffset, lda: lda, pc.baseAddress!, ldb: ldb,
                 beta: beta, pc.baseAddress! + cOffset, ldc: ldc)
            return
        }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                gemm(transA, transB, m: m, n: n, k: k, alpha: alpha, pa.baseAddress! + aOffset, lda: lda, pb.baseAddress! + bOffset, ldb: ldb,
                     beta: beta, pc.baseAddress! + cOffset, ldc: ldc)
            }
        }
    }
}

/// `y = alpha·op(A)·x + beta·y`, A [m, n] row-major (cblas_?gemv).
func gemv<T: RNNFloat>(_ transA: Bool, m: Int, n: Int, alpha: T = 1, _ a: [T], _ aOffset: Int = 0, lda: Int,
                       _ x: [T], _ xOffset: Int = 0, beta: T, _ y: inout [T], _ yOffset: Int = 0) {
    if m == 0 || n == 0 {
        let ylen = transA ? n : m
        for i in 0..<ylen { y[yOffset + i] *= beta }
        return
    }
    a.withUnsafeBufferPointer { pa in
        x.withUnsafeBufferPointer { px in
            y.withUnsafeMutableBufferPointer { py in
                let ra = UnsafeRawPointer(pa.baseAddress!), rx = UnsafeRawPointer(px.baseAddress!)
                let ry = UnsafeMutableRawPointer(py.baseAddress!)
                if T.self == Double.self {
                    countedBLASCall { cblas_dgemv(CblasRowMajor, transpose(transA), blasint(m), blasint(n), Double(alpha),
                                ra.assumingMemoryBound(to: Double.self) + aOffset, blasint(lda),
                                rx.assumingMemoryBound(to: Double.self) + xOffset, 1,
                                Double(beta), ry.assumingMemoryBound(to: Double.self) + yOffset, 1) }
                } else if T.self == Float.self {
                    countedBLASCall { cblas_sgemv(CblasRowMajor, transpose(transA), blasint(m), blasint(n), Float(alpha),
                                ra.assumingMemoryBound(to: Float.self) + aOffset, blasint(lda),
                                rx.assumingMemoryBound(to: Float.self) + xOffset, 1,
                                Float(beta), ry.assumingMemoryBound(to: Float.self) + yOffset, 1) }
                } else {
                    preconditionFailure("BLAS supports Float and Double only")
                }
            }
        }
    }
}

/// `A += alpha·x·yᵀ`, A [m, n] row-major (cblas_?ger).
func ger<T: RNNFloat>(m: Int, n: Int, alpha: T = 1, _ x: [T], _ y: [T], _ a: inout [T], _ aOffset: Int = 0, lda: Int) {
    if m == 0 || n == 0 { return }
    x.withUnsafeBufferPointer { px in
        y.withUnsafeBufferPointer { py in
            a.withUnsafeMutableBufferPointer { pa in
                let rx = UnsafeRawPointer(px.baseAddress!), ry = UnsafeRawPointer(py.baseAddress!)
                let ra = UnsafeMutableRawPointer(pa.baseAddress!)
                if T.self == Double.self {
                    countedBLASCall { cblas_dger(CblasRowMajor, blasint(m), blasint(n), Double(alpha),
                               rx.assumingMemoryBound(to: Double.self), 1, ry.assumingMemoryBound(to: Double.self), 1,
                               ra.assumingMemoryBound(to: Double.self) + aOffset, blasint(lda)) }
                } else if T.self == Float.self {
                    countedBLASCall { cblas_sger(CblasRowMajor, blasint(m), blasint(n), Float(alpha),
                               rx.assumingMemoryBound(to: Float.self), 1, ry.assumingMemoryBound(to: Float.self), 1,
                               ra.assumingMemoryBound(to: Float.self) + aOffset, blasint(lda)) }
                } else {
                    preconditionFailure("BLAS supports Float and Double only")
                }
            }
        }
    }
}

/// `y += x` over a run of n elements (BLAS's axpy with alpha 1): a bias gradient's share of
/// one row.
@inline(__always)
func addRun<T: RNNFloat>(_ x: UnsafePointer<T>, into y: UnsafeMutablePointer<T>, _ n: Int) {
    for k in 0..<n { y[k] += x[k] }
}

/// Adds the column sums of `m` [rows, cols] into `into[offset ..< offset + cols]` (a bias
/// gradient: Σ_b dz[b, :]).
func addColumnSums<T: RNNFloat>(_ m: [T], rows: Int, cols: Int, into v: inout [T], _ offset: Int = 0) {
    for r in 0..<rows {
        for j in 0..<cols { v[offset + j] += m[r * cols + j] }
    }
}

/// OpenBLAS's own identification string (`openblas_get_config()`).
public func openBLASConfig() -> String { String(cString: openblas_get_config()) }

/// The number of threads OpenBLAS uses.
public func openBLASThreads() -> Int { Int(openblas_get_num_threads()) }

/// Sets OpenBLAS's thread count.
public func setOpenBLASThreads(_ n: Int) { openblas_set_num_threads(Int32(n)) }

/// The matrix products of one recurrent layer's pass and nothing else: the hardware reference
/// for `rnnref bench`. With `gates` gate blocks (LSTM 4, GRU 3, tanh RNN 1), G = gates·H:
/// forward is one GEMM [T·B, I]·[I, G] and T GEMMs [B, H]·[H, G]; train adds T GEMMs
/// [B, G]·[G, H]ᵀ (the recurrent gradient), dW_x = Xᵀ·dZ, dW_h = Hᵀ·dZ and dX = dZ·W_xᵀ over
/// all T·B rows: the GEMMs our LSTM schedule runs (flop for flop what `bench` counts).
public struct GEMMSchedule<T: RNNFloat>: Sendable {
    let (b, t, i, h, g): (Int, Int, Int, Int, Int)
    let train: Bool
    var x: [T], wx: [T], wh: [T], z: [T], hs: [T], dh: [T], dwx: [T], dwh: [T], dx: [T]

    public init(gates: Int, batch: Int, steps: Int, input: Int, hidden: Int, train: Bool) {
        (b, t, i, h, g) = (batch, steps, input, hidden, gates * hidden)
        self.train = train
        let fill = { (n: Int) in [T](repeating: T(0.01), count: n) }
        x = fill(t * b * i); wx = fill(i * g); wh = fill(h * g); z = fill(t * b * g); hs = fill((t + 1) * b * h)
        dh = fill(b * h); dwx = fill(i * g); dwh = fill(h * g); dx = fill(t * b * i)
    }

    public mutating func run() {
        let rows = t * b
        gemm(false, false, m: rows, n: g, k: i, x, lda: i, wx, ldb: g, beta: 0, &z, ldc: g)
        for s in 0..<t {
            gemm(false, false, m: b, n: g, k: h, hs, s * b * h, lda: h, wh, ldb: g, beta: 1, &z, s * b * g, ldc: g)
        }
        guard train else { return }
        for s in stride(from: t - 1, through: 0, by: -1) {
            gemm(false, true, m: b, n: h, k: g, z, s * b * g, lda: g, wh, ldb: g, beta: 0, &dh, ldc: h)
        }
        gemm(true, false, m: i, n: g, k: rows, x, lda: i, z, ldb: g, beta: 1, &dwx, ldc: g)
        gemm(true, false, m: h, n: g, k: rows, hs, lda: h, z, ldb: g, beta: 1, &dwh, ldc: g)
        gemm(false, true, m: rows, n: i, k: g, z, lda: g, wx, ldb: g, beta: 0, &dx, ldc: i)
    }
}

/// The machine's practical peak in GFLOP/s for `T` with OpenBLAS's current threads: the best of
/// five OpenBLAS GEMMs of 1024³ after a warm-up (what `rnnref bench` states shares of).
public func gemmPeakGFLOPS<T: RNNFloat>(_: T.Type) -> Double {
    let n = 1024
    let a = [T](repeating: T(0.01), count: n * n), b = a
    var c = [T](repeating: 0, count: n * n)
    var best = Double.infinity
    for k in 0..<6 {
        let start = DispatchTime.now().uptimeNanoseconds
        gemm(false, false, m: n, n: n, k: n, a, lda: n, b, ldb: n, beta: 0, &c, ldc: n)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if k > 0 { best = min(best, seconds) }
    }
    return 2 * Double(n * n * n) / best / 1e9
}

/// The chunks of a backward pass over `steps` steps, last first: steps t0 ..< end, t0 a
/// multiple of `chunk`.
func backwardChunks(steps: Int, chunk: Int) -> [(t0: Int, end: Int)] {
    guard steps > 0 else { return [] }
    return stride(from: ((steps - 1) / chunk) * chunk, through: 0, by: -chunk).map { ($0, min(steps, $0 + chunk)) }
}

/// h after each row's last step, [B, width]: its output row at that step, or h_0 for a row of
/// length 0 (the schedules keep h as the outputs, 0 past a row's length, so the final state is
/// read back rather than carried).
func finalState<T: RNNFloat>(h0: [T], outputs: [T], lengths: [Int]?, steps: Int, batch: Int, width: Int) -> [T] {
    var h = [T](repeating: 0, count: batch * width)
    for b in 0..<batch {
        let last = (lengths?[b] ?? steps) - 1       // the row's last step, or −1: the initial state
        for j in 0..<width { h[b * width + j] = last < 0 ? h0[b * width + j] : outputs[(last * batch + b) * width + j] }
    }
    return h
}

/// Steps per chunk of a sequence backward pass: about 256 rows (T_c·B), enough for the weight
/// gradient GEMMs to run at full speed while dz needs only one chunk of memory, not T steps
/// (measured 2026-12-06: 256 and 2048 rows take the same time at every benchmark shape; 256
/// needs an eighth of the memory).
public func backwardChunkSteps(batch: Int, steps: Int) -> Int { max(1, min(steps, 256 / max(1, batch))) }
