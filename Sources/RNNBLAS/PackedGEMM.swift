import CPackedGEMM
import RNNCore

/// A matrix B [k, n] packed once for `packedGemm` (CPackedGEMM's panels of 32 float or 16
/// double columns): the recurrent weights of a step loop, which a BLAS would pack again on
/// every one of the T steps. Each step worker packs its own slice, on its own core.
final class PackedMatrix<T: RNNFloat>: @unchecked Sendable {
    let k: Int, n: Int
    let pointer: UnsafeMutablePointer<T>

    /// Packs B whose element (kk, j) is `b[kk·rowStride + j·columnStride]`: (ldb, 1) for B as
    /// stored, (1, ldb) for Bᵀ of a stored [n, k] matrix.
    init(k: Int, n: Int, _ b: UnsafePointer<T>, rowStride: Int, columnStride: Int) {
        (self.k, self.n) = (k, n)
        let raw = UnsafeRawPointer(b)
        if T.self == Float.self {
            let size = max(1, rnnref_packed_size_f32(k, n))
            let p = UnsafeMutablePointer<Float>.allocate(capacity: size)
            rnnref_pack_f32(k, n, raw.assumingMemoryBound(to: Float.self), rowStride, columnStride, p)
            pointer = UnsafeMutableRawPointer(p).assumingMemoryBound(to: T.self)
        } else if T.self == Double.self {
            let size = max(1, rnnref_packed_size_f64(k, n))
            let p = UnsafeMutablePointer<Double>.allocate(capacity: size)
            rnnref_pack_f64(k, n, raw.assumingMemoryBound(to: Double.self), rowStride, columnStride, p)
            pointer = UnsafeMutableRawPointer(p).assumingMemoryBound(to: T.self)
        } else {
            preconditionFailure("BLAS supports Float and Double only")
        }
    }

    /// Packs the B [k, n] whose element (kk, j) is `element(kk, j)` (blocks of several weights).
    convenience init(k: Int, n: Int, element: (Int, Int) -> T) {
        let dense = UnsafeMutablePointer<T>.allocate(capacity: max(1, k * n))
        defer { dense.deallocate() }
        for kk in 0..<k { for j in 0..<n { dense[kk * n + j] = element(kk, j) } }
        self.init(k: k, n: n, dense, rowStride: n, columnStride: 1)
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
