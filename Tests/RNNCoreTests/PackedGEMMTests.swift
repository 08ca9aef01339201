import Foundation
@testable import RNNBLAS
import RNNCore
import RNNTestSupport
import Testing

/// CPackedGEMM's `C += A·B` with B packed once, against the sum written out in the test (in
/// Double, each product exact for float inputs), for every micro-kernel this CPU runs, on shapes
/// that cut every tile (rows 12, 4, 1 at a time), panel (32 or 16 columns) and k block (128)
/// somewhere, with strided A and C and B packed both as stored and transposed.
@Suite("Packed GEMM")
struct PackedGEMMTests {
    struct Shape: CustomStringConvertible, Sendable {
        let m: Int, n: Int, k: Int
        var description: String { "\(m)×\(k)·\(k)×\(n)" }
    }

    static let shapes: [Shape] = [
        Shape(m: 1, n: 1, k: 1), Shape(m: 1, n: 512, k: 128), Shape(m: 3, n: 33, k: 5), Shape(m: 4, n: 32, k: 128),
        Shape(m: 5, n: 17, k: 129), Shape(m: 12, n: 64, k: 256), Shape(m: 13, n: 31, k: 37), Shape(m: 17, n: 65, k: 300),
        Shape(m: 49, n: 16, k: 127), Shape(m: 64, n: 96, k: 257), Shape(m: 100, n: 7, k: 3), Shape(m: 7, n: 100, k: 130),
    ]

    /// C0 + A·B, the k products summed in Double.
    static func expected<T: RNNFloat>(_ s: Shape, a: [T], lda: Int, b: [T], ldb: Int, transposed: Bool, c: [T], ldc: Int) -> [Double] {
        var out = [Double](repeating: 0, count: s.m * s.n)
        for i in 0..<s.m {
            for j in 0..<s.n {
                var sum = Double(c[i * ldc + j])
                for kk in 0..<s.k { sum += Double(a[i * lda + kk]) * Double(transposed ? b[j * ldb + kk] : b[kk * ldb + j]) }
                out[i * s.n + j] = sum
            }
        }
        return out
    }

    /// Runs one case; returns max |ours − expected| / ((k + 1)² ε), and infinity if C's padding
    /// (the columns past n of each row) changed. Not accumulating, C starts as NaN: it must not
    /// be read.
    static func check<T: RNNFloat>(_: T.Type, _ s: Shape, kernel: PackedKernel, transposed: Bool, accumulate: Bool, seed: UInt64) -> Double {
        var rng = SplitMix(seed: seed)
        let (lda, ldc) = (s.k + 3, s.n + 5)
        let ldb = transposed ? s.k + 2 : s.n + 2
        let a = (0..<(s.m * lda)).map { _ in T(rng.uniform(-1, 1)) }
        let b = (0..<((transposed ? s.n : s.k) * ldb)).map { _ in T(rng.uniform(-1, 1)) }
        let c0 = (0..<(s.m * ldc)).map { k in accumulate || k % ldc >= s.n ? T(rng.uniform(-1, 1)) : T.nan }
        var c = c0
        let packed = b.withUnsafeBufferPointer {
            PackedMatrix(k: s.k, n: s.n, $0.baseAddress!, rowStride: transposed ? 1 : ldb, columnStride: transposed ? ldb : 1)
        }
        a.withUnsafeBufferPointer { pa in
            c.withUnsafeMutableBufferPointer { pc in
                packedGemm(m: s.m, pa.baseAddress!, lda: lda, packed, accumulate: accumulate, pc.baseAddress!, ldc: ldc, kernel: kernel)
            }
        }
        let want = expected(s, a: a, lda: lda, b: b, ldb: ldb, transposed: transposed, c: accumulate ? c0 : c0.map { $0.isNaN ? 0 : $0 }, ldc: ldc)
        var worst = 0.0
        for i in 0..<s.m {
            for j in 0..<s.n {
                let e = abs(Double(c[i * ldc + j]) - want[i * s.n + j])
                worst = e.isNaN ? .infinity : max(worst, e)
            }
            for j in s.n..<ldc where c[i * ldc + j] != c0[i * ldc + j] { return .infinity }
        }
        let eps = T.self == Float.self ? Double(Float.ulpOfOne) : Double.ulpOfOne
        return worst / (Double(s.k + 1) * eps * Double(s.k + 1))
    }

    @Test(arguments: PackedKernel.available)
    func agreesWithTheSumWrittenOut(_ kernel: PackedKernel) {
        for (n, s) in Self.shapes.enumerated() {
            for transposed in [false, true] {
                for accumulate in [true, false] {
                    let f = Self.check(Float.self, s, kernel: kernel, transposed: transposed, accumulate: accumulate, seed: UInt64(100 + n))
                    let d = Self.check(Double.self, s, kernel: kernel, transposed: transposed, accumulate: accumulate, seed: UInt64(200 + n))
                    #expect(f <= 1, "float \(s) transposed: \(transposed), accumulate: \(accumulate), \(kernel): \(f)")
                    #expect(d <= 1, "double \(s) transposed: \(transposed), accumulate: \(accumulate), \(kernel): \(d)")
                }
            }
        }
    }

    /// What the step workers rely on: a column's result does not depend on which other columns
    /// are computed with it (a worker's slice gives the same bits as the whole).
    @Test(arguments: PackedKernel.available)
    func columnsDoNotDependOnTheSplit(_ kernel: PackedKernel) {
        let (m, n, k) = (29, 70, 300)
        var rng = SplitMix(seed: 7)
        let a = (0..<(m * k)).map { _ in Float(rng.uniform(-1, 1)) }
        let b = (0..<(k * n)).map { _ in Float(rng.uniform(-1, 1)) }
        func run(_ cols: Range<Int>) -> [Float] {
            var c = [Float](repeating: 0, count: m * n)
            let packed = b.withUnsafeBufferPointer { PackedMatrix(k: k, n: cols.count, $0.baseAddress! + cols.lowerBound, rowStride: n, columnStride: 1) }
            a.withUnsafeBufferPointer { pa in
                c.withUnsafeMutableBufferPointer { pc in
                    packedGemm(m: m, pa.baseAddress!, lda: k, packed, accumulate: true, pc.baseAddress! + cols.lowerBound, ldc: n, kernel: kernel)
                }
            }
            return c
        }
        let whole = run(0..<n), left = run(0..<23), right = run(23..<n)
        for i in 0..<m {
            for j in 0..<n { #expect(whole[i * n + j] == (j < 23 ? left : right)[i * n + j], "row \(i) column \(j)") }
        }
    }

    /// Blocks placed side by side (`place`, as the schedules pack several gates' weights, one
    /// stored, one transposed, at widths that cut panels), or one above the other, make the same
    /// packed B, padding included, as the assembled matrix packed in one go.
    @Test func blocksPlacedSideBySide() {
        let (k, n1, n2) = (37, 20, 27), n = n1 + n2
        var rng = SplitMix(seed: 11)
        let left = (0..<(k * (n1 + 3))).map { _ in Float(rng.uniform(-1, 1)) }       // [k, n1] stored, rows n1 + 3 apart
        let right = (0..<(n2 * (k + 1))).map { _ in Float(rng.uniform(-1, 1)) }      // [k, n2] stored transposed, [n2, k + 1]
        var dense = [Float](repeating: 0, count: k * n)
        for kk in 0..<k {
            for j in 0..<n1 { dense[kk * n + j] = left[kk * (n1 + 3) + j] }
            for j in 0..<n2 { dense[kk * n + n1 + j] = right[j * (k + 1) + kk] }
        }
        let whole = dense.withUnsafeBufferPointer { PackedMatrix(k: k, n: n, $0.baseAddress!, rowStride: n, columnStride: 1) }
        let placed = PackedMatrix<Float>(k: k, n: n)
        left.withUnsafeBufferPointer { placed.place($0.baseAddress!, rowStride: n1 + 3, columnStride: 1, cols: n1, column: 0) }
        right.withUnsafeBufferPointer { placed.place($0.baseAddress!, rowStride: 1, columnStride: k + 1, cols: n2, column: n1) }
        let size = (n + 31) / 32 * 32 * k
        #expect((0..<size).allSatisfy { whole.pointer[$0] == placed.pointer[$0] })
        #expect((0..<size).contains { placed.pointer[$0] != 0 })
        // one above the other: the dense matrix's first 15 rows, then the rest, placed at row 15
        let stacked = PackedMatrix<Float>(k: k, n: n)
        dense.withUnsafeBufferPointer {
            stacked.place($0.baseAddress!, rowStride: n, columnStride: 1, rows: 15, cols: n, column: 0)
            stacked.place($0.baseAddress! + 15 * n, rowStride: n, columnStride: 1, rows: k - 15, cols: n, at: 15, column: 0)
        }
        #expect((0..<size).allSatisfy { whole.pointer[$0] == stacked.pointer[$0] })
    }

    /// k = 0 or m = 0 adds nothing; k = 0 without accumulating sets C to 0.
    @Test func emptyProducts() {
        var c: [Double] = [1, 2, 3, 4]
        let b = [Double](repeating: 5, count: 4)
        let empty = b.withUnsafeBufferPointer { PackedMatrix(k: 0, n: 2, $0.baseAddress!, rowStride: 2, columnStride: 1) }
        let one = b.withUnsafeBufferPointer { PackedMatrix(k: 1, n: 2, $0.baseAddress!, rowStride: 2, columnStride: 1) }
        b.withUnsafeBufferPointer { pa in
            c.withUnsafeMutableBufferPointer { pc in
                packedGemm(m: 2, pa.baseAddress!, lda: 1, empty, accumulate: true, pc.baseAddress!, ldc: 2)
                packedGemm(m: 0, pa.baseAddress!, lda: 1, one, accumulate: false, pc.baseAddress!, ldc: 2)
            }
        }
        #expect(c == [1, 2, 3, 4])
        b.withUnsafeBufferPointer { pa in
            c.withUnsafeMutableBufferPointer { pc in packedGemm(m: 1, pa.baseAddress!, lda: 1, empty, accumulate: false, pc.baseAddress! + 2, ldc: 2) }
        }
        #expect(c == [1, 2, 0, 0])
    }

    /// The widest kernel is the one in use, and this machine's CPU has AVX2 at least (x86-64).
    @Test func theWidestKernelIsUsed() {
        #expect(PackedKernel.inUse == PackedKernel.available.last)
        #if arch(x86_64)
        #expect(PackedKernel.available.contains(.avx2))
        #endif
    }
}

