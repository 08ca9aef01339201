import Foundation
import RNNBLAS
import RNNCore
import RNNScalar
import RNNCheck
import RNNFixtures
import RNNNumpy
import RNNTestSupport
import Testing

/// What repeats exactly. The scalar reference: every result bit for bit, run after run, whatever
/// OpenBLAS's thread count (it never calls BLAS). The BLAS path: bit for bit run after run at a
/// fixed thread count; across thread counts OpenBLAS may split a GEMM's sums differently, so
/// results are promised to agree to rounding (within 1e-12 of the largest result), not to be
/// identical (measured on 001's [100, 400, 300] float32 stack with OPENBLAS_NUM_THREADS 1 and 2:
/// scalar identical, BLAS within 1.3e-7 of the largest result, float32 rounding). That
/// measurement takes minutes in a debug build). `acrossThreadCounts` checks both statements on
/// a smaller model whose GEMMs OpenBLAS does split, in child processes (the thread count is
/// process-wide, and other tests compare BLAS runs bit for bit).
@Suite("Determinism")
struct DeterminismTests {
    static func results(_ impl: any RNNImplementation.Type) throws -> [String: [Double]] {
        var c = RandomCase(.tfLSTMCell)
        c.units = 24; c.input = 16; c.batch = 8; c.steps = 10; c.layers = 2; c.seed = 314; c.timeMajor = true
        let r = try c.run(impl)
        return Dictionary(uniqueKeysWithValues: r.entries.map { ($0.key, $0.value.values) })
    }

    @Test func repeatedRunsAreIdentical() throws {
        #expect(try Self.results(RNNScalar.Implementation.self) == (try Self.results(RNNScalar.Implementation.self)))
        #expect(try Self.results(RNNBLAS.Implementation.self) == (try Self.results(RNNBLAS.Implementation.self)))
    }

    /// `rnnref run` under OPENBLAS_NUM_THREADS = 1 and 2, on an LSTM whose GEMMs are above
    /// OpenBLAS's threading threshold (M·N·K ≥ 262,144: the input GEMM [B·T, I]·[I, 4H] =
    /// [320, 48]·[48, 192], the per-step [32, 48]·[48, 192]): the scalar results are identical,
    /// the BLAS results agree within 1e-12 of the largest result (float64).
    @Test func acrossThreadCounts() throws {
        var c = RandomCase(.tfLSTMCell)
        c.units = 48; c.input = 48; c.batch = 32; c.steps = 10; c.layers = 1; c.seed = 2718; c.timeMajor = true
        let dir = FileManager.default.temporaryDirectory
        let input = dir.appendingPathComponent("rnnref-threads-\(getpid()).json")
        defer { try? FileManager.default.removeItem(at: input) }
        try Data(try c.fixtureDocument().serialized().utf8).write(to: input)
        func run(_ impl: String, _ threads: Int) throws -> [String: [Double]] {
            let out = dir.appendingPathComponent("rnnref-threads-\(getpid())-\(impl)-\(threads).json")
            defer { try? FileManager.default.removeItem(at: out) }
            let r = try runCLI(["run", input.path, "--out", out.path, "--impl", impl], environment: ["OPENBLAS_NUM_THREADS": "\(threads)"])
            #expect(r.status == 0, "\(r.err)")
            let e = try #require(try Fixture.load(path: out.path).expected())
            return Dictionary(uniqueKeysWithValues: e.entries.map { ($0.key, $0.value.values) })
        }
        #expect(try run("scalar", 1) == (try run("scalar", 2)))
        let (b1, b2) = (try run("blas", 1), try run("blas", 2))
        #expect(b1.keys == b2.keys && !b1.isEmpty)
        let scale = b1.values.flatMap { $0.map(abs) }.max() ?? 0
        for (k, v) in b1 {
            #expect(maxAbsError(v, b2[k]!) <= 1e-12 * scale, "\(k)")
        }
    }
}
