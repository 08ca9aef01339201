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
        // a NaN or an infinity computed where a number is expected never passes
        for bad in [Double.nan, .infinity, -.infinity] {
            for k in expected.indices {
                var actual = expected
                actual[k] = bad
                #expect(firstNotClose(actual, expected, tol) == k, "\(bad) at \(k)")
            }
        }
    }

    /// The float32 bound in numbers from the README's table, not from `Tolerance`: one part in
    /// a thousand (and 1e-4 near zero) fails, one part in a hundred thousand passes.
    @Test func float32CatchesOnePerMille() {
        let tol = Tolerance.default(for: .float32)
        for e in [1.0, -0.37, 12.5, 1e-4] {
            #expect(firstNotClose([e * 1.001 + 1e-4], [e], tol) == 0, "\(e)")
            #expect(firstNotClose([e * 1.00001], [e], tol) == nil, "\(e)")
        }
    }

    /// The comparison a fixture check runs, on real fixtures: moving one element of any
    /// expected tensor (outputs, states, each gradient; the first and the last element) 10× its
    /// bound away from what we compute fails that tensor, 0.1× passes, in float32 and float64,
    /// under the default, a per-fixture and an inline (per-entry) tolerance.
    @Test(arguments: ["tf-basicrnn-f32-lengths.json", "keras-lstm-f32.json", "tf-lstm-peep-clip-projclip-fb1-f64-lengths.json",
                      "torch-gru-2layer-f64.json", "numpy-004-two-step-rnn.json"])
    func tenTimesTheToleranceFailsATenthPasses(_ name: String) throws {
        let f = try loadFixture(name)
        let computed = try FixtureRunner.run(f, impl: implementations[1])
        let expected = try #require(try f.expected())
        #expect(try FixtureRunner.compare(f, computed: computed, implementation: "blas").passed)
        var kinds: Set<String> = []
        for (k, e) in expected.entries.enumerated() where !e.value.isInteger {
            let c = try #require(computed.entry(e.key))
            let tol = c.tolerance ?? f.tolerance
            kinds.insert(c.tolerance != nil ? "inline" : f.document["tolerance"] != nil ? "fixture" : "default")
            for i in Set([0, e.value.values.count - 1]) {
                for (factor, passes) in [(10.0, false), (0.1, true), (-10.0, false), (-0.1, true)] {
                    var moved = expected
                    let v = c.value.values[i]
                    moved.entries[k].value.values[i] = v + factor * (tol.atol + tol.rtol * abs(v))
                    var g = f
                    g.document["expected"] = moved.json
                    let report = try FixtureRunner.compare(g, computed: computed, implementation: "blas")
                    let row = try #require(report.comparisons.first { $0.key == e.key })
                    #expect(row.passed == passes, "\(name) \(e.key)[\(i)] moved by \(factor)× the bound")
                    #expect(report.passed == passes)
                }
            }
        }
        #expect(!kinds.isEmpty)
        if name.hasPrefix("numpy-004") { #expect(kinds == ["inline", "fixture"]) }
    }
}
