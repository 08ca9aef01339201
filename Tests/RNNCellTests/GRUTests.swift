import Foundation
import RNNCore
import RNNScalar
import RNNCheck
import RNNFixtures
import RNNNumpy
import RNNTestSupport
import Testing

@Suite("GRU family")
struct GRUTests {
    static var gradientCases: [RandomCase] {
        var out: [RandomCase] = []
        var tf = RandomCase(.tfGRUCell)
        tf.layers = 2; tf.withLengths = true; tf.batch = 4; tf.seed = 200
        out.append(tf)
        var tfRelu = RandomCase(.tfGRUCell)
        tfRelu.activation = .relu; tfRelu.timeMajor = true; tfRelu.seed = 201
        out.append(tfRelu)
        for after in [true, false] {
            for bias in [true, false] {
                var k = RandomCase(.kerasGRU)
                k.resetAfter = after; k.useBias = bias; k.seed = 202 + (after ? 0 : 2) + (bias ? 0 : 1)
                k.units = 4; k.input = 3; k.steps = 5
                out.append(k)
            }
        }
        var torch = RandomCase(.torchGRU)
        torch.layers = 2; torch.units = 4; torch.seed = 206
        out.append(torch)
        var torchNoBias = RandomCase(.torchGRU)
        torchNoBias.useBias = false; torchNoBias.timeMajor = false; torchNoBias.seed = 207
        out.append(torchNoBias)
        var one = RandomCase(.kerasGRU)
        one.units = 1; one.input = 1; one.batch = 1; one.steps = 1; one.seed = 208
        out.append(one)
        return out
    }

    @Test(arguments: gradientCases)
    func gradientsPassBothOracles(_ c: RandomCase) throws {
        try GradientCheckTests.expectBothOraclesPass(c)
    }

    @Test(arguments: [DType.float64, .float32])
    func scalarAndBLASAgree(_ dtype: DType) throws {
        for var c in Self.gradientCases {
            c.dtype = dtype
            try ScalarVsBLASTests.compare(c)
        }
    }

    /// Each exact conversion, run on both sides: the converted model reproduces the source
    /// framework's outputs and final state.
    @Test(arguments: [
        ("keras-gru-resetafter-f64.json", "torch.nn.GRU"),
        ("keras-gru-resetafter-f32.json", "torch.nn.GRU"),
        ("torch-gru-nobias-f64.json", "keras.GRU"),
        ("tf-gru-f64.json", "keras.GRU"),
        ("keras-gru-resetbefore-f64.json", "tf.GRUCell"),
        ("keras-gru-nobias-resetbefore-f64.json", "tf.GRUCell"),
        ("tf-gru-2layer-f64-lengths.json", "tf.GRUCell"),
    ])
    func conversionReproducesTheSourceFramework(_ name: String, _ target: String) throws {
        let src = try loadFixture(name)
        let converted = try Fixture(source: "converted.json", json: try FixtureConversion.convert(src, to: target))
        let keys = Set(try #require(try converted.expected()).entries.map(\.key))
        #expect(keys.contains("outputs") && keys.contains("final_state/0"))
        for impl in implementations {
            let report = try FixtureRunner.compare(converted, computed: try FixtureRunner.run(converted, impl: impl), implementation: impl.name)
            for c in report.comparisons { #expect(c.passed, "\(name) → \(target) [\(impl.name)] \(c.key): \(c.note ?? "")") }
        }
    }

    /// Keras reset_after=True → PyTorch → Keras gives back the weights exactly.
    @Test func kerasToTorchAndBack() throws {
        let src = try loadFixture("keras-gru-resetafter-f64.json")
        let torch = try Fixture(source: "t.json", json: try FixtureConversion.convert(src, to: "torch.nn.GRU"))
        let back = try Fixture(source: "k.json", json: try FixtureConversion.convert(torch, to: "keras.GRU"))
        let p = try SequenceProblem(src)
        for (v, n) in p.cells[0].weightNames {
            #expect(back.tensors["gru/gru_cell/\(v)"]?.values == src.tensors[n]!.values, "\(v)")
        }
    }

    @Test(arguments: [
        ("keras-gru-resetafter-f64.json", "tf.GRUCell"),
        ("tf-gru-f64.json", "torch.nn.GRU"),
        ("torch-gru-2layer-f64.json", "keras.GRU"),
        ("keras-gru-resetbefore-f64.json", "torch.nn.GRU"),
        ("tf-gru-f32-lengths.json", "keras.GRU"),
        ("keras-lstm-f64.json", "torch.nn.GRU"),
    ])
    func inexactConversionsFailClearly(_ name: String, _ target: String) throws {
        let src = try loadFixture(name)
        do {
            _ = try FixtureConversion.convert(src, to: target)
            Issue.record("\(name) → \(target) should fail")
        } catch let e as RNNError {
            #expect(e.description.hasPrefix(src.source))
            #expect(!e.description.contains("\n"))
        }
    }

    /// The two variants part on the same weights (measurably), and coincide when the
    /// candidate's recurrent kernel is zero, the one term where they differ.
    @Test func resetAfterAndBeforeDrift() throws {
        let drift = try GRUVariantDrift.measure(units: 6, input: 3, batch: 8, steps: 10, seed: 1)
        #expect(drift.count == 10)
        #expect(drift.allSatisfy { $0.maxAbs > 1e-3 && $0.maxAbs.isFinite })
        let none = try GRUVariantDrift.measure(units: 6, input: 3, batch: 8, steps: 10, seed: 1, zeroCandidateRecurrence: true)
        #expect(none.allSatisfy { $0.maxAbs == 0 })
    }
}
