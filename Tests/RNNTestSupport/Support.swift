// Shared by every test target: where the package and its fixtures are, both implementations,
// and the `rnnref` executable.
import Foundation
import RNNBLAS
import RNNCore
import RNNScalar
import RNNCheck
import RNNFixtures
import RNNNumpy

/// The package root (two folders above this file: Tests/RNNTestSupport/Support.swift).

public let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
public let fixturesDir = packageRoot.appendingPathComponent("Fixtures")

/// Every committed fixture file, by file name.
public let fixtureNames: [String] = {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: fixturesDir.path)) ?? []
    return names.filter { $0.hasSuffix(".json") }.sorted()
}()

public func loadFixture(_ name: String) throws -> Fixture {
    try Fixture.load(path: fixturesDir.appendingPathComponent(name).path)
}

public let implementations: [any RNNImplementation.Type] = [RNNScalar.Implementation.self, RNNBLAS.Implementation.self]

/// The `rnnref` executable next to the test bundle (swift test builds it too).
public var rnnrefBinary: URL {
    URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rnnref")
}

/// Runs `rnnref` with `args` (and `environment` added to this process's); returns (exit status,
/// stdout, stderr).
public func runCLI(_ args: [String], environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = rnnrefBinary
    p.arguments = args
    if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    p.currentDirectoryURL = packageRoot
    let o = Pipe(), e = Pipe()
    p.standardOutput = o
    p.standardError = e
    try p.run()
    let od = o.fileHandleForReading.readDataToEndOfFile()
    let ed = e.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: od, as: UTF8.self), String(decoding: ed, as: UTF8.self))
}

/// A fixture document built in a test, from JSON text.
public func fixture(json: String) throws -> Fixture {
    try Fixture(source: "test.json", json: try JSONValue.parse(Data(json.utf8)))
}

/// SplitMix64 (G. Steele, D. Lea and C. Flood, "Fast splittable pseudorandom number
/// generators", OOPSLA 2014): a small seeded generator for test data.
public struct SplitMix: RandomNumberGenerator {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [lo, hi): 53 random bits.
    public mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * Double(next() >> 11) / Double(1 << 53) }
}
