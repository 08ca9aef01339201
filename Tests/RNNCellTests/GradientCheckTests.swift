import RNNCore
import RNNCheck
import RNNFixtures
import RNNNumpy
import RNNTestSupport
import Testing

@Suite("Analytic gradients against finite differences")
struct GradientCheckTests {
    static var cases: [RandomCase] {
        var out: [RandomCase] = []
        for kind in RandomCase.Kind.allCases {
            for seed in [1, 2] {
                var c = RandomCase(kind)
                c.seed = seed
                c.units = seed == 1 ? 3 : 4
                c.input = seed == 1 ? 2 : 5
                c.batch = seed == 1 ? 2 : 3
                c.steps = seed == 1 ? 4 : 3
                out.append(c)
            }
        }
        var l = RandomCase(.tfBasicRNNCell)
        l.withLengths = true; l.layers = 2; l.batch = 4; l.steps = 5; l.seed = 3
        out.append(l)
        var tm = RandomCase(.tfBasicRNNCell)
        tm.timeMajor = true; tm.withLengths = true; tm.activation = .sigmoid; tm.batch = 3; tm.seed = 4
        out.append(tm)
        var relu = RandomCase(.kerasSimpleRNN)
        relu.activation = .relu; relu.useBias = false; relu.seed = 5
        out.append(relu)
        var one = RandomCase(.tfBasicRNNCell)
        one.units = 1; one.input = 1; one.batch = 1; one.steps = 1; one.seed = 6
        out.append(one)
        // The options of the scalar-vs-BLAS property test: every option bit on, and a hashed
        // word, for each kind that has options; general options (activation, bias, layers,
        // time-major, lengths) from a hash too. ReLU is left out: a central difference may
        // straddle its kink.
        for (n, (kind, bits)) in ScalarVsBLASTests.optionBits.enumerated() {
            for (k, word) in [bits, Int(truncatingIfNeeded: ScalarVsBLASTests.splitmix64(UInt64(n)) >> 32) & bits].enumerated() {
                var c = RandomCase(kind)
                c.seed = 100 + 2 * n + k; c.units = 3; c.input = 2; c.batch = 3; c.steps = 4
                ScalarVsBLASTests.drawGeneralOptions(&c, word: Int(truncatingIfNeeded: ScalarVsBLASTests.splitmix64(UInt64(c.seed)) >> 40))
                if c.activation == .relu { c.activation = .tanh }
                c.dtype = .float64
                ScalarVsBLASTests.drawOptions(&c, word: word)
                out.append(c)
            }
        }
        return out
    }

    /// Central differences in Float64 on the VJP with random cotangents: every parameter, the
    /// input and the initial state, both implementations, relative error ≤ 1e-7; GSL's
    /// gsl_deriv_central agrees to 1e-6.
    @Test(arguments: cases)
    func everyTensorPassesBothOracles(_ c: RandomCase) throws {
        try Self.expectBothOraclesPass(c, everyCoordinate: true)
    }

    /// Every tensor of the case's model, both implementations: central differences within 1e-7,
    /// GSL's gsl_deriv_central within 1e-6 (at most 1000 coordinates per tensor).
    static func expectBothOraclesPass(_ c: RandomCase, everyCoordinate: Bool = false) throws {
        let model = try c.model()
        for impl in implementations {
            let entries = try model.gradientCheck(impl, maxCoordinates: 1000, useGSL: true)
            #expect(!entries.isEmpty)
            for e in entries {
                if everyCoordinate { #expect(e.checked == e.total) }
                #expect(e.fdRelError <= 1e-7, "\(c) [\(impl.name)] \(e.name): central \(e.fdRelError)")
                #expect((e.gslRelError ?? 1) <= 1e-6, "\(c) [\(impl.name)] \(e.name): gsl \(e.gslRelError ?? .nan)")
            }
        }
    }

    /// The checker fails on a wrong gradient: off by 1e-5 in one entry is caught by both oracles.
    @Test func aWrongGradientIsCaught() throws {
        let x = try Tensor<Double>(shape: [3], data: [0.3, -0.7, 1.1])
        let loss: ([String: Tensor<Double>]) throws -> Double = { t in
            t["x"]!.data.reduce(0) { $0 + Double.sin($1) * $1 }
        }
        var g = Tensor<Double>(zeros: [3])
        for i in 0..<3 { let v = x.data[i]; g.data[i] = Double.sin(v) + v * Double.cos(v) }
        let good = try gradientCheck(variables: [("x", x)], analytic: ["x": g], maxCoordinates: 10, useGSL: true, loss: loss)
        #expect(good[0].fdRelError < 1e-9 && good[0].gslRelError! < 1e-9)
        g.data[1] += 1e-5
        let bad = try gradientCheck(variables: [("x", x)], analytic: ["x": g], maxCoordinates: 10, useGSL: true, loss: loss)
        #expect(bad[0].fdRelError > 1e-7)
        #expect(bad[0].gslRelError! > 1e-6)
    }

    /// Every fixture's own model and weights, gradient-checked (coordinate-sampled for the
    /// larger ones).
    @Test(arguments: fixtureNames.filter { !$0.hasPrefix("numpy-random") && !$0.hasSuffix("-full.json") })
    func fixtureModelsPassTheGradientCheck(_ name: String) throws {
        let f = try loadFixture(name)
        for impl in implementations {
            for e in try FixtureRunner.gradientCheck(f, impl: impl, maxCoordinates: name.contains("lossfun") ? 8 : 30) {
                #expect(e.fdRelError <= 1e-7, "\(name) [\(impl.name)] \(e.name): \(e.fdRelError)")
            }
        }
    }
}
