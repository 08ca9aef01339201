import RNNBLAS
import RNNCore
import RNNFixtures
import RNNScalar

/// The float32 error budget of `rnnref check --explain`: is a framework's float32 result the
/// float64 function rounded, or another function?
///
/// For a float32 fixture the model is computed three times on the fixture's own inputs (float32
/// values, exact in float64): in float64 by the scalar reference (the function itself, to ~1e-16),
/// and in float32 by the scalar and the BLAS implementations (two honest float32 roundings of
/// it, in different orders). Per tensor, with every distance a max-abs difference over the
/// tensor's scale s = max(1, max|float64 result|):
///
///     d_framework = max|framework − float64| / s
///     d_ours      = max over our two float32 results of max|ours − float64| / s
///     budget      = max(`spreadFactor` · d_ours, `floorUlps` · 2⁻²³)
///
/// the tensor is *rounding* when d_framework ≤ budget, else *a different function*, and the
/// first element (in row-major order) past the budget is where it parts. The budget is our own
/// two float32 results' spread from the float64 function, widened `spreadFactor` times for
/// another library's other summation orders and approximations (onnxruntime's polynomial
/// sigmoid and tanh, XLA's fused kernels), with a floor of `floorUlps` float32 epsilons for
/// tensors our two implementations compute almost exactly.
public enum ErrorBudget {
    public static let spreadFactor = 16.0
    public static let floorUlps = 64.0

    public struct Tensor: Sendable {
        public var key: String
        public var shape: [Int]
        public var frameworkDistance: Double
        public var scalarDistance: Double
        public var blasDistance: Double
        public var budget: Double
        public var rounding: Bool { frameworkDistance <= budget }
        /// Where the framework first leaves the budget: the element's index, the framework's
        /// value and the float64 function's.
        public var firstPart: (index: [Int], framework: Double, float64: Double)?
    }

    /// `f` with its expected numbers replaced by those rnnref computes (scalar, in `f`'s dtype)
    /// for `wrong`, a doctored copy of `f`'s document: a wrong function posing as the
    /// framework's, to show what `explain` says of one.
    public static func posing(_ f: Fixture, as wrong: [String: JSONValue], note: String) throws -> Fixture {
        let numbers = try FixtureRunner.run(try Fixture(source: "wrong", json: .object(wrong)), impl: RNNScalar.Implementation.self)
        return try Fixture(source: f.source, json: f.withExpected(numbers, provenanceNote: note))
    }

    /// Every expected tensor of a float32 fixture, explained. Throws for a float64 fixture or one
    /// without expected results.
    public static func explain(_ f: Fixture) throws -> [Tensor] {
        guard f.dtype == .float32 else { throw RNNError(.invalid, "\(f.source): dtype", "--explain is for float32 fixtures (this one is \(f.dtype.rawValue))") }
        guard let expected = try f.expected() else { throw RNNError(.missing, "\(f.source): expected", "the fixture has no expected results to explain") }
        let model = try FixtureRunner.model(f)
        let exact = try FixtureRunner.run(model, dtype: .float64, impl: RNNScalar.Implementation.self)
        let scalar = try FixtureRunner.run(model, dtype: .float32, impl: RNNScalar.Implementation.self)
        let blas = try FixtureRunner.run(model, dtype: .float32, impl: RNNBLAS.Implementation.self)
        return try expected.entries.map { e in
            guard let x = exact.entry(e.key)?.value, let s = scalar.entry(e.key)?.value, let b = blas.entry(e.key)?.value,
                  x.values.count == e.value.values.count else {
                throw RNNError(.missing, "\(f.source): expected.\(e.key)", "rnnref does not compute this tensor for the model")
            }
            let scale = max(1, x.values.map(abs).max() ?? 0)
            func distance(_ a: [Double]) -> Double { zip(a, x.values).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0 }
            let (dF, dS, dB) = (distance(e.value.values), distance(s.values), distance(b.values))
            let budget = max(spreadFactor * max(dS, dB), floorUlps * 0x1p-23)
            var t = Tensor(key: e.key, shape: e.value.shape, frameworkDistance: dF, scalarDistance: dS, blasDistance: dB, budget: budget)
            if let k = e.value.values.indices.first(where: { !(abs(e.value.values[$0] - x.values[$0]) / scale <= budget) }) {
                t.firstPart = (multiIndex(k, shape: e.value.shape), e.value.values[k], x.values[k])
            }
            return t
        }
    }
}
