import Foundation
import RNNBLAS
import RNNCore
import RNNScalar
import RNNVerify
import Testing

/// What repeats exactly. The scalar reference: every result bit for bit, run after run, whatever
/// OpenBLAS's thread count (it never calls BLAS). The BLAS path: bit for bit run after run at a
/// fixed thread count; across thread counts OpenBLAS may split a GEMM's sums differently, so
/// results are promised to agree to rounding (within 1e-12 of the largest result), not to be
/// identical (measured on 001's [100, 400, 300] float32 stack with OPENBLAS_NUM_THREADS 1 and 2:
/// scalar identical, BLAS within 1.3e-7 of the largest result, float32 rounding). That
/// measurement takes minutes in a debug build, so only repetition is tested here.
@Suite("Determinism")
struct DeterminismTests {
    static func results(_ impl: any RNNImplementation.Type) throws -> [String: [Double]] {
        var c = RandomCase(kind: "tf.LSTMCell")
        c.units = 24; c.input = 16; c.batch = 8; c.steps = 10; c.layers = 2; c.seed = 314; c.timeMajor = true
        let r = try FixtureRunner.run(try c.fixture(), impl: impl)
        return Dictionary(uniqueKeysWithValues: r.entries.map { ($0.key, $0.value.values) })
    }

    @Test func repeatedRunsAreIdentical() throws {
        #expect(try Self.results(RNNScalar.Implementation.self) == (try Self.results(RNNScalar.Implementation.self)))
        #expect(try Self.results(RNNBLAS.Implementation.self) == (try Self.results(RNNBLAS.Implementation.self)))
    }
}
