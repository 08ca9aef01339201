import CPackedGEMM
import RNNCore

/// A matrix B [k, n] packed once for `packedGemm` (CPackedGEMM's panels of 64 float or 32
/// double columns): the recurrent weights of a step loop, which a BLAS would pack again on
/// every one of the T steps. Each step worker packs its own slice, on its own core.
final class PackedMatrix<T: RNNFloat>: @unchecked Sendable {
    let k: Int, n: Int
    let pointer: UnsafeMutablePointer<T>

    /// A packed B [k, n] for `place` to fill block by block: every element must be placed; only
    /// the last panel's padding (its columns past n) is zeroed here.
    init(k: Int, n: Int) {
        (self.k, self.n) = (k, n)
        let nr: Int
        if T.self == Float.self { nr = rnnref_packed_nr_f32() }
        else if T.self == Double.self { nr = rnnref_packed_nr_f64() }
        else { preconditionFailure("BLAS supports Float and Double only") }
        let panels = (n + nr - 1) / nr
        pointer = .allocate(capacity: max(1, panels * k * nr))
        if n % nr != 0 {
            let last = pointer + (panels - 1) * k * nr
            for kk in 0..<k { (last + kk * nr + n % nr).initialize(repeating: 0, count: nr - n % nr) }
        }
    }

    /// Packs B whose element (kk, j) is `b[kk·rowStride + j·columnStride]`: (ldb, 1) for B as
    /// stored, (1, ldb) for Bᵀ of a stored [n, k] matrix.
    convenience init(k: Int, n: Int, _ b: UnsafePointer<T>, rowStride: Int, columnStride: Int) {
        self.init(k: k, n: n)
        place(b, rowStride: rowStride, columnStride: columnStride, cols: n, column: 0)
    }

    /// Packs the block [rows, cols] whose element (kk, j) is `b[kk·rowStride + j·columnStride]`
    /// as rows `row ..< row + rows` (all k rows by default), columns `column ..< column + cols` of
    /// this B: several weights' blocks side by side (or one above the other), each read where it
    /// is stored (no dense copy first).
    func place(_ b: UnsafePointer<T>, rowStride: Int, columnStride: Int, rows: Int? = nil, cols: Int, at row: Int = 0, column: Int) {
        let rows = rows ?? k
        precondition(row >= 0 && row + rows <= k && column >= 0 && column + cols <= n,
                     "rows \(row) ..< \(row + rows), columns \(column) ..< \(column + cols) of a packed B [\(k), \(n)]")
        let raw = UnsafeRawPointer(b), out = UnsafeMutableRawPointer(pointer)
        if T.self == Float.self {
            rnnref_pack_into_f32(k, row, rows, column, cols, raw.assumingMemoryBound(to: Float.self), rowStride, columnStride,
                                 out.assumingMemoryBound(to: Float.self))
        } else {
            rnnref_pack_into_f64(k, row, rows, column, cols, raw.assumingMemoryBound(to: Double.self), rowStride, columnStride,
                                 out.assumingMemoryBound(to: Double.self))
        }
    }

    deinit { pointer.deallocate() }
}

/// `C = A·B + beta·C` with beta 1 or 0 (`accumulate`), A [m, k] (rows `lda` apart), B packed,
/// C [m, n] (rows `ldc` apart; not read if not accumulating). Each element
/// of C gets its k products added in the order of k (fused where the CPU has FMA), whatever the
/// shape: a worker's columns come out the same however the columns are split. `kernel`: one
/// micro-kernel (tests); nil, the widest the CPU has.
func packedGemm<T: RNNFloat>(m: Int, _ a: UnsafePointer<T>, lda: Int, _ b: PackedMatrix<T>, accumulate: Bool,
                             _ c: UnsafeMutablePointer<T>, ldc: Int, kernel: PackedKernel? = nil) {
    let add: Int32 = accumulate ? 1 : 0
    let use = Int32(kernel?.rawValue ?? Int(rnnref_packed_kernel()))
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b.pointer), rc = UnsafeMutableRawPointer(c)
    if T.self == Float.self {
        rnnref_packed_gemm_with_f32(use, m, b.n, b.k, ra.assumingMemoryBound(to: Float.self), lda, rb.assumingMemoryBound(to: Float.self),
                                    rc.assumingMemoryBound(to: Float.self), ldc, add)
    } else if T.self == Double.self {
        rnnref_packed_gemm_with_f64(use, m, b.n, b.k, ra.assumingMemoryBound(to: Double.self), lda, rb.assumingMemoryBound(to: Double.self),
                                    rc.assumingMemoryBound(to: Double.self), ldc, add)
    } else {
        preconditionFailure("BLAS supports Float and Double only")
    }
}

/// CPackedGEMM's micro-kernels.
public enum PackedKernel: Int, CaseIterable, Sendable {
    case baseline = 1, avx2 = 2, avx512 = 4

    /// The kernels this CPU can run.
    public static var available: [PackedKernel] {
        let bits = Int(rnnref_packed_kernels_available())
        return allCases.filter { bits & $0.rawValue != 0 }
    }

    /// The one the sequence schedules use: the widest available.
    public static var inUse: PackedKernel { PackedKernel(rawValue: Int(rnnref_packed_kernel())) ?? .baseline }
}
