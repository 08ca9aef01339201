import Foundation
import RNNCore
import RNNScalar
import RNNCheck
import RNNFixtures
import RNNTestSupport
import Testing

/// Models built as typed values (no JSON) and the edges where JSON is written and read again.
@Suite("Typed models")
struct TypedModelTests {
    /// Every kind a fixture may name has exactly one entry in the runner's registry.
    @Test func theRegistryCoversEveryModelKind() {
        #expect(FixtureRunner.kinds.sorted() == ModelKind.allCases.map(\.rawValue).sorted())
        #expect(Set(FixtureRunner.kinds).count == FixtureRunner.kinds.count)
    }

    /// A random model written as a fixture document and decoded again computes exactly what the
    /// typed model computes (every option the random cases set, every sequence kind, both
    /// precisions): the encoder is the decoders' inverse.
    @Test(arguments: [DType.float64, .float32])
    func writingAndReadingAModelChangesNothing(_ dtype: DType) throws {
        for (n, kind) in RandomCase.Kind.allCases.enumerated() where kind != .numpyMinCharRNN {
            var c = RandomCase(kind)
            c.dtype = dtype; c.seed = 400 + n; c.layers = 2; c.withLengths = true; c.timeMajor = n % 2 == 0
            c.peepholes = true; c.cellClip = 0.5; c.numProj = 2; c.projClip = 0.4; c.forgetBias = 0.5
            c.stateIsTuple = n % 3 != 0; c.resetAfter = n % 2 == 1; c.useBias = n % 4 != 1
            if kind != .torchLSTM && kind != .torchGRU { c.activation = .relu }
            let f = try Fixture(source: "round trip", json: try c.fixtureDocument())
            let direct = try c.run(RNNScalar.Implementation.self)
            let read = try FixtureRunner.run(f, impl: RNNScalar.Implementation.self)
            #expect(direct.entries.map(\.key) == read.entries.map(\.key), "\(c)")
            for e in direct.entries {
                let o = try #require(read.entry(e.key))
                #expect(o.value == e.value, "\(c): \(e.key)")
            }
        }
    }

    /// min-char-rnn cases are a program, not a sequence model: they are not written as fixtures.
    @Test func aProgramIsNotWrittenAsAFixture() {
        #expect(throws: RNNError.self) { try RandomCase(.numpyMinCharRNN).fixtureDocument() }
    }
}
