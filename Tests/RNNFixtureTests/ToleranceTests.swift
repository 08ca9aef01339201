import Foundation
import RNNCore
import RNNCheck
import RNNFixtures
import RNNTestSupport
import Testing

/// The tolerances are part of the contract: pinned to the table in Fixtures/README.md, never
/// loosened by a committed fixture, and the comparison fails just past them.
@Suite("Tolerances are pinned")
struct ToleranceTests {
    /// The defaults are the README's table ("Comparison and tolerances"), read from the README.
    @Test func theDefaultsAreTheDocumentedOnes() throws {
        let readme = try String(contentsOf: fixturesDir.appendingPathComponent("README.md"), encoding: .utf8)
        for dtype in DType.allCases {
            let row = try #require(readme.split(separator: "\n").first { $0.hasPrefix("| \(dtype.rawValue) |") })
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            let documented = Tolerance(atol: try #require(Double(cells[1])), rtol: try #require(Double(cells[2])))
            #expect(Tolerance.default(for: dtype) == documented, "\(dtype.rawValue)")
        }
    }

    /// A committed fixture may tighten its tolerance, never loosen it.
    @Test func noFixtureLoosensItsTolerance() throws {
        for name in fixtureNames {
            let f = try loadFixture(name)
            let d = Tolerance.default(for: f.dtype)
            #expect(f.tolerance.atol <= d.atol && f.tolerance.rtol <= d.rtol, "\(name): \(f.tolerance)")
        }
    }

    /// Just inside the bound passes, just past it fails, and a 10% error fails in either dtype.
    @Test(arguments: [DType.float32, .float64])
    func theComparisonFailsPastTheBound(_ dtype: DType) {
        let tol = Tolerance.default(for: dtype)
        let expected = [0.0, 1.0, -3.0, 250.0]
        let bound = expected.map { tol.atol + tol.rtol * abs($0) }
        #expect(firstNotClose(zip(expected, bound).map { $0 + 0.9 * $1 }, expected, tol) == nil)
        for k in expected.indices {
            var actual = expected
            actual[k] += 1.1 * bound[k]
            #expect(firstNotClose(actual, expected, tol) == k)
        }
        #expect(firstNotClose(expected.map { $0 * 1.1 + 0.1 }, expected, tol) == 0)
    }
}
