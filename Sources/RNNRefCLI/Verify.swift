import ArgumentParser
import Foundation
import RNNCore
import RNNCheck
import RNNFixtures
import RNNNumpy

/// Limits on gradient checks; the float64 central-difference check must reach 1e-7.
public enum GradCheckLimits {
    public static let finiteDifference = 1e-7
    /// GSL's adaptive estimate is a second opinion, with its own error estimate; it must agree
    /// to 1e-6.
    public static let gsl = 1e-6
}

/// One row of `rnnref verify`.
public struct VerifyRow: Sendable {
    public var fixture: String
    public var implementation: String
    public var tensors: Int
    public var maxAbsError: Double
    public var maxRelError: Double
    public var gradCheck: Double?
    public var gslCheck: Double?
    public var passed: Bool
    public var problem: String?
}

/// Runs one fixture through one implementation: compare, then gradient-check.
public func verifyFixture(_ f: Fixture, impl: any RNNImplementation.Type, maxCoordinates: Int, useGSL: Bool) -> VerifyRow {
    var row = VerifyRow(fixture: f.name, implementation: impl.name, tensors: 0, maxAbsError: 0, maxRelError: 0,
                        gradCheck: nil, gslCheck: nil, passed: false, problem: nil)
    do {
        let computed = try FixtureRunner.run(f, impl: impl)
        let report = try FixtureRunner.compare(f, computed: computed, implementation: impl.name)
        row.tensors = report.comparisons.count
        row.maxAbsError = report.maxAbsError
        row.maxRelError = report.maxRelError
        row.passed = report.passed
        if let bad = report.comparisons.first(where: { !$0.passed }) {
            row.problem = "\(bad.key): \(bad.note ?? "mismatch")"
        }
        let g = try FixtureRunner.gradientCheck(f, impl: impl, maxCoordinates: maxCoordinates, useGSL: useGSL)
        if !g.isEmpty {
            let worst = g.map(\.fdRelError).max()!
            row.gradCheck = worst
            if !(worst <= GradCheckLimits.finiteDifference) {
                row.passed = false
                let e = g.first { $0.fdRelError == worst }!
                row.problem = row.problem ?? "gradient check of \(e.name): rel error \(format(worst)) > \(format(GradCheckLimits.finiteDifference))"
            }
            if useGSL {
                let gw = g.compactMap(\.gslRelError).max()!
                row.gslCheck = gw
                if !(gw <= GradCheckLimits.gsl) {
                    row.passed = false
                    row.problem = row.problem ?? "GSL gradient check: rel error \(format(gw)) > \(format(GradCheckLimits.gsl))"
                }
            }
        }
    } catch let e as RNNError {
        row.passed = false
        row.problem = e.description
    } catch {
        row.passed = false
        row.problem = "\(error)"
    }
    return row
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The main job: every fixture through both implementations plus a gradient check, as a table.")

    @Option(help: "The fixtures directory (default: ./Fixtures or the package's).")
    var fixtures: String?

    @Option(help: "Which implementation(s): scalar, blas or both.")
    var impl: ImplChoice = .both

    @Option(help: "Gradient check: at most this many coordinates per tensor.")
    var maxCoordinates: Int = 40

    @Flag(help: "Also check gradients with GSL's gsl_deriv_central (a second oracle).")
    var gsl = false

    @Option(help: "Only fixtures whose name contains this text.")
    var filter: String?

    func run() throws {
        let rows: [VerifyRow] = try failing {
            let dir = try fixturesDirectory(fixtures)
            var files = try fixtureFiles(in: dir)
            if let filter { files = files.filter { ($0 as NSString).lastPathComponent.contains(filter) } }
            guard !files.isEmpty else { throw RNNError(.missing, dir, "no fixtures to verify") }
            var rows: [VerifyRow] = []
            for path in files {
                let f: Fixture
                do { f = try Fixture.load(path: path) } catch let e as RNNError {
                    rows.append(VerifyRow(fixture: (path as NSString).lastPathComponent, implementation: "-", tensors: 0,
                                          maxAbsError: 0, maxRelError: 0, gradCheck: nil, gslCheck: nil, passed: false, problem: e.description))
                    continue
                }
                for i in impl.implementations {
                    let r = verifyFixture(f, impl: i, maxCoordinates: maxCoordinates, useGSL: gsl)
                    rows.append(r)
                    printRow(r, header: rows.count == 1)
                }
            }
            return rows
        }
        let failed = rows.filter { !$0.passed }
        print("")
        print("\(rows.count - failed.count) passed, \(failed.count) failed")
        for r in failed { print("FAILED \(r.fixture) [\(r.implementation)]: \(r.problem ?? "mismatch")") }
        if !failed.isEmpty { throw ExitCode(1) }
    }

    func printRow(_ r: VerifyRow, header: Bool) {
        if header {
            print("\(pad("fixture", 40)) \(pad("impl", 6)) \(pad("tensors", 7)) \(pad("max abs err", 11)) \(pad("max rel err", 11)) \(pad("gradcheck", 9))\(gsl ? " " + pad("gsl", 9) : "") result")
            print(String(repeating: "-", count: gsl ? 112 : 102))
        }
        let g = r.gradCheck.map(format) ?? "-"
        let s = r.gslCheck.map(format) ?? "-"
        print("\(pad(r.fixture, 40)) \(pad(r.implementation, 6)) \(pad(String(r.tensors), 7)) \(pad(format(r.maxAbsError), 11)) \(pad(format(r.maxRelError), 11)) \(pad(g, 9))\(gsl ? " " + pad(s, 9) : "") \(r.passed ? "pass" : "FAIL")")
    }
}
