import ArgumentParser
import Foundation
import RNNBLAS
import RNNCore
import RNNScalar
import RNNCheck
import RNNFixtures
import RNNNumpy

/// `rnnref`: run, check and verify recurrent cells against framework fixtures.
public struct RNNRef: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "rnnref",
        abstract: "Recurrent cells with verified math: run fixtures, check them, gradient-check every cell.",
        subcommands: [Verify.self, Run.self, Check.self, MakeFixture.self, GradCheck.self, Convert.self, GRUDrift.self, AtlasCommand.self, Bench.self, Train.self, NotebooksCommand.self]
    )
    public init() {}
}

/// Which implementation(s) a command uses.
public enum ImplChoice: String, ExpressibleByArgument, CaseIterable, Sendable {
    case scalar, blas, both

    var implementations: [any RNNImplementation.Type] {
        switch self {
        case .scalar: return [RNNScalar.Implementation.self]
        case .blas: return [RNNBLAS.Implementation.self]
        case .both: return [RNNScalar.Implementation.self, RNNBLAS.Implementation.self]
        }
    }
}

/// Prints `rnnref: error: …` on one line and exits non-zero, for the library's errors.
func failing<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let e as RNNError {
        FileHandle.standardError.write(Data("rnnref: error: \(e.description)\n".utf8))
        throw ExitCode(2)
    }
}

/// The `Fixtures/` folder: the one given, else `./Fixtures`, else the one beside the package
/// this binary was built from.
func fixturesDirectory(_ given: String?) throws -> String {
    let fm = FileManager.default
    if let given {
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: given, isDirectory: &isDir), isDir.boolValue else {
            throw RNNError(.io, given, "no such fixtures directory")
        }
        return given
    }
    if fm.fileExists(atPath: "Fixtures/README.md") { return "Fixtures" }
    let fromSource = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures").path
    if fm.fileExists(atPath: fromSource) { return fromSource }
    throw RNNError(.io, "Fixtures", "cannot find the Fixtures directory (pass --fixtures DIR)")
}

/// Every `*.json` fixture directly in `dir`, sorted by name.
func fixtureFiles(in dir: String) throws -> [String] {
    let names: [String]
    do { names = try FileManager.default.contentsOfDirectory(atPath: dir) } catch {
        throw RNNError(.io, dir, "cannot list the directory")
    }
    return names.filter { $0.hasSuffix(".json") }.sorted().map { (dir as NSString).appendingPathComponent($0) }
}

func format(_ x: Double) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return "inf" }
    if x == 0 { return "0" }
    return String(format: "%.2e", x)
}

func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
