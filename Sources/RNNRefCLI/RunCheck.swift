import ArgumentParser
import Foundation
import RNNCore
import RNNCheck
import RNNFixtures
import RNNNumpy

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compute a fixture and write it back with `expected` holding rnnref's results.")

    @Argument(help: "The fixture (its `expected` may be absent).")
    var fixture: String

    @Option(help: "Where to write the result (the same document, expected replaced).")
    var out: String

    @Option(help: "scalar or blas.")
    var impl: ImplChoice = .blas

    @Flag(help: "Let NaN and infinities in the fixture's tensors through instead of refusing them (they propagate).")
    var allowNonfinite = false

    func run() throws {
        try NonFinite.$allowed.withValue(allowNonfinite) { try runChecked() }
    }

    func runChecked() throws {
        try failing {
            guard impl != .both else { throw RNNError(.invalid, "--impl", "run takes one implementation: scalar or blas") }
            let f = try Fixture.load(path: fixture)
            let i = impl.implementations[0]
            let r = try FixtureRunner.run(f, impl: i)
            let doc = f.withExpected(r, provenanceNote: "rnnref run --impl \(i.name)")
            do {
                try Data((doc.serialized() + "\n").utf8).write(to: URL(fileURLWithPath: out))
            } catch {
                throw RNNError(.io, out, "cannot write the result (\(error.localizedDescription))")
            }
            print("wrote \(out): \(r.entries.count) tensors from \(i.name)")
        }
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare fixtures' expected results with rnnref's, per tensor; non-zero exit on any mismatch.")

    @Argument(help: "Fixture files.")
    var fixtures: [String]

    @Option(help: "scalar, blas or both.")
    var impl: ImplChoice = .both

    @Flag(help: "Let NaN and infinities through instead of refusing them; NaN then matches NaN (numpy's equal_nan).")
    var allowNonfinite = false

    @Flag(help: "For float32 fixtures: per tensor, is the framework's distance from the float64 function within float32's rounding spread (rounding) or beyond it (a different function, and where it parts)?")
    var explain = false

    func run() throws {
        try NonFinite.$allowed.withValue(allowNonfinite) { try runChecked() }
    }

    func runChecked() throws {
        if explain { return try runExplain() }
        var failures = 0, passes = 0
        try failing {
            guard !fixtures.isEmpty else { throw RNNError(.missing, "FIXTURE", "give at least one fixture file") }
            for path in fixtures {
                let f = try Fixture.load(path: path)
                for i in impl.implementations {
                    let computed = try FixtureRunner.run(f, impl: i)
                    let report = try FixtureRunner.compare(f, computed: computed, implementation: i.name)
                    print("\(f.name) [\(i.name)] \(report.passed ? "pass" : "FAIL")")
                    for c in report.comparisons {
                        print("  \(pad(c.key, 58)) max abs \(pad(format(c.maxAbsError), 9)) rel \(pad(format(c.relError), 9)) \(c.passed ? "ok" : "MISMATCH \(c.note ?? "")")")
                    }
                    if report.passed { passes += 1 } else { failures += 1 }
                }
            }
        }
        print("\(passes) passed, \(failures) failed")
        if failures > 0 { throw ExitCode(1) }
    }
}

extension Check {
    /// `--explain`: the float32 error budget of each fixture (`ErrorBudget`); exits 1 when any
    /// tensor is a different function.
    func runExplain() throws {
        var different = 0
        try failing {
            guard !fixtures.isEmpty else { throw RNNError(.missing, "FIXTURE", "give at least one fixture file") }
            for path in fixtures {
                let f = try Fixture.load(path: path)
                let tensors = try ErrorBudget.explain(f)
                let bad = tensors.filter { !$0.rounding }
                print("\(f.name): \(bad.isEmpty ? "rounding" : "A DIFFERENT FUNCTION") (budget: \(Int(ErrorBudget.spreadFactor))× our float32 spread from float64, at least \(Int(ErrorBudget.floorUlps)) float32 eps; distances over max(1, |x|))")
                for t in tensors {
                    let verdict = t.rounding ? "rounding" : "different: first at \(t.firstPart.map { "\($0.index) (\(format($0.framework)) vs float64 \(format($0.float64)))" } ?? "?")"
                    print("  \(pad(t.key, 52)) framework \(pad(format(t.frameworkDistance), 9)) ours \(pad(format(max(t.scalarDistance, t.blasDistance)), 9)) budget \(pad(format(t.budget), 9)) \(verdict)")
                }
                different += bad.isEmpty ? 0 : 1
            }
        }
        print("\(fixtures.count - different) rounding, \(different) a different function")
        if different > 0 { throw ExitCode(1) }
    }
}
