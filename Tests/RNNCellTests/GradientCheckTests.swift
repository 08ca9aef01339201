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
            for (k, word) in [bits, ScalarVsBLASTests.optionWord(n) & bits].enumerated() {
                var c = RandomCase(kind)
                c.seed = 100 + 2 * n + k; c.units = 3; c.input = 2; c.batch = 3; c.steps = 4
                ScalarVsBLASTests.drawGeneralOptions(&c, word: ScalarVsBLASTests.optionWord(c.seed) >> 8)
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

    /// The oracles themselves: on a cubic, whose third derivative is the only error term of a
    /// central difference (h² f‴/6) and none of the five-point stencils', both are exact to
    /// 1e-10 (a forward difference is off by h·f″/2, about 1e-5, and fails).
    @Test func bothOraclesAreExactOnACubic() throws {
        let x = try Tensor<Double>(shape: [5], data: [0.5, -1.3, 2.0, 0.9, -0.2])
        let c = [1.0, -2.0, 0.5, 3.0, 1.5]
        let loss: ([String: Tensor<Double>]) throws -> Double = { t in
            var sum = 0.0
            for (i, v) in t["x"]!.data.enumerated() { sum += c[i] * v * v * v + v * v }
            return sum
        }
        var g = Tensor<Double>(zeros: [5])
        for i in 0..<5 { g.data[i] = 3 * c[i] * x.data[i] * x.data[i] + 2 * x.data[i] }
        let e = try gradientCheck(variables: [("x", x)], analytic: ["x": g], maxCoordinates: 10, useGSL: true, loss: loss)
        #expect(e.count == 1 && e[0].checked == 5)
        #expect(e[0].fdRelError <= 1e-10, "central: \(e[0].fdRelError)")
        #expect(try #require(e[0].gslRelError) <= 1e-10, "gsl: \(e[0].gslRelError ?? .nan)")
    }

    /// The metric is the documented formula, max|a − b| / max(1e-8, max|a| + max|b|), on
    /// numbers worked by hand.
    @Test func relativeErrorIsTheDocumentedFormula() {
        #expect(abs(relativeError([1, 2, 3], [1, 2, 3.3]) - 0.3 / 6.3) < 1e-15)
        #expect(relativeError([1, -2], [-1, 2]) == 1)
        #expect(abs(relativeError([0, 0], [0, 1e-9]) - 0.1) < 1e-15)
        #expect(relativeError([0.5, -4], [0.5, -4]) == 0)
        #expect(abs(relativeError([-3, 1], [3, 1]) - 1) < 1e-15)
    }

    /// The sampled coordinates of a large tensor include its first and last element, are
    /// distinct and increasing, and number min(count, limit).
    @Test func sampledCoordinatesIncludeTheEnds() {
        for (count, limit) in [(1, 40), (7, 40), (40, 40), (41, 40), (1000, 30), (12_345, 8), (3, 2)] {
            let c = checkedCoordinates(count: count, limit: limit)
            #expect(c.first == 0 && c.last == count - 1, "\(count), \(limit)")
            #expect(c.count == min(count, limit), "\(count), \(limit)")
            #expect(zip(c, c.dropFirst()).allSatisfy { $0 < $1 })
        }
    }

    /// 003's whole models at random (`RandomSequential`): every weight of the Embedding, the
    /// recurrent layers, BatchNormalization (batch statistics and masked moments included) and
    /// the Dense head, and x, against central differences in both implementations.
    @Test(arguments: 0..<16)
    func sequentialModelsWithHeads(_ seed: Int) throws {
        let m = try RandomSequential(seed: seed)
        for impl in implementations {
            let g = try m.run(impl).gradients
            #expect(Set(g.keys) == Set(m.weights.keys), "\(m)")
            let entries = try gradientCheck(variables: m.weights.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, analytic: g,
                                            maxCoordinates: 40, useGSL: seed % 2 == 0) { try m.loss(impl, $0) }
            #expect(entries.count == m.weights.count)
            for e in entries { #expect(e.fdRelError <= 1e-7, "\(m) [\(impl.name)] \(e.name): \(e.fdRelError)") }
        }
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
