import Foundation
import RNNBLAS
import RNNCore
import RNNScalar
import RNNCheck
import RNNFixtures
import RNNNumpy
import RNNTestSupport
import Testing

@Suite("LSTM family")
struct LSTMTests {
    static var gradientCases: [RandomCase] {
        var out: [RandomCase] = []
        var seed = 100
        for peep in [false, true] {
            for clip in [nil, 0.6] as [Double?] {
                for proj in [nil, 2] as [Int?] {
                    var c = RandomCase(.tfLSTMCell)
                    c.peepholes = peep; c.cellClip = clip; c.numProj = proj; c.projClip = proj == nil ? nil : 0.35
                    c.forgetBias = seed % 2 == 0 ? 1 : 0
                    c.units = 3; c.input = 2; c.batch = 3; c.steps = 4; c.seed = seed
                    c.withLengths = seed % 3 == 0; c.timeMajor = seed % 2 == 1; c.layers = seed % 4 == 0 ? 2 : 1
                    out.append(c)
                    seed += 1
                }
            }
        }
        var concat = RandomCase(.tfLSTMCell)
        concat.stateIsTuple = false; concat.numProj = 2; concat.peepholes = true; concat.layers = 2; concat.seed = 120
        out.append(concat)
        var basic = RandomCase(.tfBasicLSTMCell)
        basic.layers = 2; basic.withLengths = true; basic.batch = 4; basic.forgetBias = 0.5; basic.seed = 121
        out.append(basic)
        var keras = RandomCase(.kerasLSTM)
        keras.seed = 122
        out.append(keras)
        var kerasNoBias = RandomCase(.kerasLSTM)
        kerasNoBias.useBias = false; kerasNoBias.seed = 123
        out.append(kerasNoBias)
        var torch = RandomCase(.torchLSTM)
        torch.layers = 2; torch.numProj = 2; torch.units = 4; torch.seed = 124
        out.append(torch)
        var torchBF = RandomCase(.torchLSTM)
        torchBF.timeMajor = false; torchBF.useBias = false; torchBF.seed = 125
        out.append(torchBF)
        var one = RandomCase(.tfLSTMCell)
        one.units = 1; one.input = 1; one.batch = 1; one.steps = 1; one.numProj = 1; one.seed = 126
        out.append(one)
        return out
    }

    /// Every LSTM option (and their mixes), every tensor, both implementations, both oracles.
    @Test(arguments: gradientCases)
    func gradientsPassBothOracles(_ c: RandomCase) throws {
        try GradientCheckTests.expectBothOraclesPass(c)
    }

    /// One TF LSTMCell step, built directly.
    func oneStep(impl: any RNNImplementation.Type, cellClip: Double?, projClip: Double?) throws
        -> (DynamicRNN<Double>.Forward, DynamicRNN<Double>.Gradients, LSTMConfig) {
        var cfg = LSTMConfig(flavor: .tfLSTMCell, units: 3)
        cfg.cellClip = cellClip
        cfg.projection = 2
        cfg.projClip = projClip
        var rng = try numpyRandomState(seed: 5)
        func t(_ shape: [Int], _ s: Double) -> Tensor<Double> {
            Tensor(uncheckedShape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.uniform(-s, s) })
        }
        var kernel = t([2 + 2, 12], 0.5)
        // large candidate and input-gate weights: |c| is far beyond a small clip for every entry
        for r in 0..<4 { for j in 0..<6 { kernel[r, j] = 3 } }
        let params: [String: Tensor<Double>] = ["kernel": kernel, "bias": Tensor(shape: [12], repeating: 2), "projection/kernel": t([3, 2], 2)]
        let cell = try impl.buildCell(.lstm(cfg), inputSize: 2, given: params)
        let net = try DynamicRNN(cells: [cell], timeMajor: true)
        let x = Tensor<Double>(uncheckedShape: [1, 2, 2], data: [0.9, 0.8, 0.7, 0.95])
        let s0 = [Tensor<Double>(zeros: [2, 3]), Tensor<Double>(uncheckedShape: [2, 2], data: [0.5, 0.4, 0.3, 0.6])]
        let fwd = try net.forward(x, initialState: s0)
        let g = try net.backward(fwd, dOutputs: Tensor(shape: [1, 2, 2], repeating: 1),
                                 dFinalState: [Tensor(zeros: [2, 3]), Tensor(shape: [2, 2], repeating: 0.5)])
        return (fwd, g, cfg)
    }

    /// Beyond `cell_clip`, c is a constant: no gradient reaches i, j (the candidate) or f, nor
    /// c_prev; only the output gate still learns.
    @Test func noGradientThroughAClippedCell() throws {
        for impl in implementations {
            let (_, g, cfg) = try oneStep(impl: impl, cellClip: 0.05, projClip: nil)
            // the scalar implementation keeps per-step caches: c before clipping
            let c = try oneStep(impl: RNNScalar.Implementation.self, cellClip: 0.05, projClip: nil).0.layers[0].steps[0].cache.lstm.cUnclipped
            #expect(c.data.allSatisfy { abs($0) > 0.05 }, "the test needs every c beyond the clip")
            let dk = g.dParameters[0]["kernel"], db = g.dParameters[0]["bias"]
            for gate in [LSTMGate.input, .candidate, .forget] {
                for j in cfg.columns(gate) {
                    #expect(db.data[j] == 0)
                    for r in 0..<4 { #expect(dk[r, j] == 0) }
                }
            }
            #expect(g.dInitialState[0].data.allSatisfy { $0 == 0 }, "dc_prev must be zero")
            #expect(cfg.columns(.output).contains { db.data[$0] != 0 }, "the output gate still gets a gradient")
        }
    }

    /// Beyond `proj_clip`, the output is a constant: with cotangents only on m, every gradient
    /// is zero.
    @Test func noGradientThroughAClippedProjection() throws {
        for impl in implementations {
            let (_, g, _) = try oneStep(impl: impl, cellClip: nil, projClip: 0.01)
            let mRaw = try oneStep(impl: RNNScalar.Implementation.self, cellClip: nil, projClip: 0.01).0.layers[0].steps[0].cache.lstm.mUnclipped
            #expect(mRaw.data.allSatisfy { abs($0) > 0.01 }, "the test needs every projected output beyond the clip")
            for t in g.dParameters[0].tensors { #expect(t.data.allSatisfy { $0 == 0 }) }
            #expect(g.dx.data.allSatisfy { $0 == 0 })
            #expect(g.dInitialState.allSatisfy { $0.data.allSatisfy { $0 == 0 } })
        }
    }

    /// TF's forget_bias is added at every step: it equals a bias of +forget_bias on the f block.
    @Test func forgetBiasIsAConstantOnTheForgetGate() throws {
        var c = RandomCase(.tfLSTMCell)
        c.forgetBias = 1.0; c.seed = 9
        let p1 = try #require(try c.model() as? SequenceProblem)
        // same model with forget_bias 0 and +1 folded into the bias's f block (columns 2H..<3H)
        var p2 = p1
        guard case var .lstm(cfg) = p2.cells[0].spec else { Issue.record("layout"); return }
        cfg.forgetBias = 0
        p2.cells[0].spec = .lstm(cfg)
        let biasName = try #require(p2.cells[0].weightNames["bias"])
        var bias = try #require(p2.tensors[biasName])
        for j in (2 * c.units)..<(3 * c.units) { bias.values[j] += 1 }
        p2.tensors[biasName] = bias
        for impl in implementations {
            let a = try FixtureRunner.run(p1, dtype: .float64, impl: impl), b = try FixtureRunner.run(p2, dtype: .float64, impl: impl)
            for e in a.entries {
                let o = try #require(b.entry(e.key))
                #expect(maxAbsError(e.value.values, o.value.values) <= 1e-14, "\(e.key)")
            }
        }
    }

    /// Conversions between layouts, each proven by running both sides on the same input: the
    /// converted model reproduces the source framework's outputs and final state.
    @Test(arguments: [
        ("torch-lstm-2layer-proj-f64.json", "tf.LSTMCell"),
        ("torch-lstm-2layer-proj-f32-batchfirst.json", "tf.LSTMCell"),
        ("torch-lstm-nobias-f64.json", "keras.LSTM"),
        ("keras-lstm-f64.json", "torch.nn.LSTM"),
        ("keras-lstm-f64.json", "tf.LSTMCell"),
        ("keras-lstm-f64.json", "tf.BasicLSTMCell"),
        ("tf-lstm-proj-fb1-f32.json", "torch.nn.LSTM"),
        ("tf-lstm-noproj-fb0-f32.json", "keras.LSTM"),
        ("tf-001-multirnncell-lstm5x2.json", "torch.nn.LSTM"),
        ("tf-basiclstm-f64-lengths.json", "tf.LSTMCell"),
    ])
    func conversionReproducesTheSourceFramework(_ name: String, _ target: String) throws {
        let src = try loadFixture(name)
        let converted = try Fixture(source: "converted.json", json: try FixtureConversion.convert(src, to: target))
        let keys = Set(try #require(try converted.expected()).entries.map(\.key))
        #expect(keys.contains("outputs"))
        #expect(keys.contains { $0.hasPrefix("final_state") } || name.hasPrefix("tf-001"))
        for impl in implementations {
            let r = try FixtureRunner.run(converted, impl: impl)
            let report = try FixtureRunner.compare(converted, computed: r, implementation: impl.name)
            for c in report.comparisons { #expect(c.passed, "\(name) → \(target) [\(impl.name)] \(c.key): \(c.note ?? "")") }
        }
    }

    /// A PyTorch nn.LSTM(proj_size) converted to TF and back: the weights come back exactly
    /// (up to PyTorch's two biases, summed into bias_ih) and the outputs are PyTorch's.
    @Test func torchToTFAndBack() throws {
        let src = try loadFixture("torch-lstm-2layer-proj-f64.json")
        let tf = try Fixture(source: "tf.json", json: try FixtureConversion.convert(src, to: "tf.LSTMCell"))
        let back = try Fixture(source: "back.json", json: try FixtureConversion.convert(tf, to: "torch.nn.LSTM"))
        for k in 0..<2 {
            for w in ["weight_ih", "weight_hh", "weight_hr"] {
                #expect(back.tensors["\(w)_l\(k)"]!.values == src.tensors["\(w)_l\(k)"]!.values, "\(w)_l\(k)")
            }
            let sum = zip(src.tensors["bias_ih_l\(k)"]!.values, src.tensors["bias_hh_l\(k)"]!.values).map { $0 + $1 }
            #expect(maxAbsError(back.tensors["bias_ih_l\(k)"]!.values, sum) == 0)
        }
        for impl in implementations {
            let report = try FixtureRunner.compare(back, computed: try FixtureRunner.run(back, impl: impl), implementation: impl.name)
            #expect(report.passed)
            #expect(report.comparisons.count == 3)   // outputs, h_n, c_n
        }
    }

    @Test(arguments: [
        ("tf-lstm-peep-noproj-fb1-f32.json", "torch.nn.LSTM", "peepholes"),
        ("tf-lstm-clip-noproj-fb1-f32.json", "keras.LSTM", "cell_clip"),
        ("tf-lstm-projclip-fb1-f32.json", "torch.nn.LSTM", "proj_clip"),
        ("torch-lstm-2layer-proj-f64.json", "keras.LSTM", "one cell"),
        ("tf-lstm-proj-fb1-f32.json", "keras.LSTM", "projects its output"),
        ("tf-lstm-proj-fb1-f64-lengths.json", "torch.nn.LSTM", "sequence_length"),
        ("tf-basicrnn-f64-stacked.json", "torch.nn.LSTM", "only LSTM cells"),
        ("keras-lstm-f64.json", "tf.GRUCell", "only GRU cells"),
        ("keras-lstm-f64.json", "tf.SRUCell", "unknown target"),
    ])
    func inexactConversionsFailClearly(_ name: String, _ target: String, _ reason: String) throws {
        let src = try loadFixture(name)
        do {
            _ = try FixtureConversion.convert(src, to: target)
            Issue.record("\(name) → \(target) should fail")
        } catch let e as RNNError {
            #expect(e.description.contains(reason), "\(e.description)")
            #expect(e.description.hasPrefix(src.source))
        }
    }

    /// The two implementations agree on every LSTM option, Double to 1e-12 and Float to 1e-5
    /// of the largest result.
    @Test(arguments: [DType.float64, .float32])
    func scalarAndBLASAgreeOnEveryOption(_ dtype: DType) throws {
        for var c in Self.gradientCases {
            c.dtype = dtype
            try ScalarVsBLASTests.compare(c)
        }
    }
}
