import Foundation
import FuzzDriver
import RNNCore
import RNNScalar
import RNNCheck
import RNNFixtures

/// Fixture JSON: parse, validate, and when it is a valid fixture run it through the scalar
/// implementation and compare (small models only: the fuzzer's inputs are at most a few KB).
/// Any RNNError is an accepted outcome; a trap, a hang or unbounded memory is a finding.
func fuzzJSON(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start else { return 0 }
    let data = Data(bytes: start, count: count)
    do {
        let f = try Fixture(source: "/nonexistent/fuzz.json", json: try JSONValue.parse(data))
        let r = try FixtureRunner.run(f, impl: RNNScalar.Implementation.self)
        _ = try FixtureRunner.compare(f, computed: r, implementation: "scalar")
    } catch {}
    return 0
}

runFuzzer(fuzzJSON)
