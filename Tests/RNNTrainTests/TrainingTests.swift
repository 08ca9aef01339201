import Foundation
import RNNBLAS
import RNNCore
import RNNScalar
import RNNTrain
import RNNCheck
import RNNFixtures
import RNNNumpy
import RNNTestSupport
import Testing

/// The documents' training programs: the min-char-rnn mirror against numpy's own run, and
/// every program's loss falling and repeating exactly under a seed.
@Suite("Training programs")
struct TrainingTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var sonnets: String { (try? String(contentsOf: root.appendingPathComponent("Fixtures/data/sonnets.txt"), encoding: .utf8)) ?? "" }

    /// `Fixtures/programs/min-char-rnn-sonnets-seed7.txt` is what numpy printed running the
    /// document's program (Fixtures/generate/min_char_rnn_program.py). Through iteration 500,
    /// the Swift program prints exactly the same lines: samples and losses. Bit for bit needs
    /// OpenBLAS's same kernels: `test.sh` pins `OPENBLAS_CORETYPE=Haswell` (`openblas-env.sh`).
    @Test func minCharRNNPrintsWhatNumpyPrints() throws {
        let transcript = try String(contentsOf: Self.root.appendingPathComponent("Fixtures/programs/min-char-rnn-sonnets-seed7.txt"), encoding: .utf8)
        let expected = transcript.components(separatedBy: "\n")
        let cut = try #require(expected.firstIndex { $0.hasPrefix("iter 500, loss: ") })
        var p = MinCharRNNProgram(text: Self.sonnets, seed: 7, iterations: 501)
        p.logEvery = 100
        var lines: [String] = []
        // OpenBLAS at its own thread count throughout, as numpy ran it (tests running step workers wait)
        _ = try withDefaultBLASThreads { try p.run(impl: RNNBLAS.Implementation.self, output: ProgramOutput(log: { lines += $0.components(separatedBy: "\n") })) }
        #expect(lines.count == cut + 1)
        for (k, line) in lines.enumerated() where k <= cut {
            #expect(line == expected[k], "line \(k + 1) differs")
        }
    }

    @Test func minCharRNNLossFallsAndRepeats() throws {
        var p = MinCharRNNProgram(text: Self.sonnets, seed: 3, iterations: 120)
        p.hidden = 20
        p.logEvery = 1000
        let quiet = ProgramOutput(log: { _ in })
        let a = try p.run(impl: RNNScalar.Implementation.self, output: quiet)
        let b = try p.run(impl: RNNScalar.Implementation.self, output: quiet)
        #expect(a.smoothLoss == b.smoothLoss)
        #expect(a.parameters == b.parameters)
        #expect(a.smoothLoss.last! < a.smoothLoss.first!)
    }

    static let quiet = ProgramOutput(log: { _ in })

    @Test func sineLossFallsAndRepeats() throws {
        var p = SineProgram(cell: .minimal)
        p.units = 8; p.epochs = 6; p.batch = 128; p.learningRate = 0.01; p.seed = 4
        // pinned: OpenBLAS's thread count may change its sums, and other tests lease it meanwhile
        let a = try withDefaultBLASThreads { try p.run(impl: RNNBLAS.Implementation.self, output: Self.quiet) }
        let b = try withDefaultBLASThreads { try p.run(impl: RNNBLAS.Implementation.self, output: Self.quiet) }
        #expect(a.epochLoss == b.epochLoss && a.forecast == b.forecast)
        #expect(a.epochLoss.last! < a.epochLoss.first! / 2)
        #expect(a.forecast.count == 50 && a.truth.count == 50)
        // scalar and BLAS train to the same weights (to rounding)
        let c = try p.run(impl: RNNScalar.Implementation.self, output: Self.quiet)
        #expect(abs(c.epochLoss.last! - a.epochLoss.last!) <= 1e-9 * max(1, a.epochLoss.last!))
    }

    @Test func sineRegressionLossFallsAndRepeats() throws {
        var p = SineRegressionProgram()
        p.hidden = 8; p.steps = 300; p.seed = 5
        // pinned: OpenBLAS's thread count may change its sums, and other tests lease it meanwhile
        let a = try withDefaultBLASThreads { try p.run(impl: RNNBLAS.Implementation.self, output: Self.quiet) }
        let b = try withDefaultBLASThreads { try p.run(impl: RNNBLAS.Implementation.self, output: Self.quiet) }
        #expect(a.loss == b.loss && a.rmse == b.rmse)
        let head = a.loss.prefix(20).reduce(0, +), tail = a.loss.suffix(20).reduce(0, +)
        #expect(tail < head / 4)
        #expect(a.rmse < 0.5)
    }

    @Test func ptbLanguageModelLossFallsAndRepeats() throws {
        var p = PTBProgram(text: Self.sonnets)
        p.hidden = 16; p.epochs = 3; p.seed = 6
        // pinned: OpenBLAS's thread count may change its sums, and other tests lease it meanwhile
        let a = try withDefaultBLASThreads { try p.run(impl: RNNBLAS.Implementation.self, output: Self.quiet) }
        let b = try withDefaultBLASThreads { try p.run(impl: RNNBLAS.Implementation.self, output: Self.quiet) }
        #expect(a.trainPerplexity == b.trainPerplexity && a.testPerplexity == b.testPerplexity)
        #expect(a.trainPerplexity.last! < a.trainPerplexity.first!)
        #expect(a.trainPerplexity.first! < Double(a.vocabulary) * 1.5)      // starts near uniform
    }

    /// `--save` then `--load`: the weights come back exactly, and training resumes from them.
    @Test func weightsRoundTripThroughNPZ() throws {
        var p = SineRegressionProgram()
        p.hidden = 4; p.steps = 20; p.seed = 9
        let a = try p.run(impl: RNNBLAS.Implementation.self, output: Self.quiet)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rnnref-weights-\(getpid()).npz").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try saveWeights(Array(zip(a.names, a.weights)), to: path)
        let back: [Tensor<Float>] = try loadWeights(Array(zip(a.names, a.weights.map(\.shape))), from: path)
        #expect(back == a.weights)
        p.steps = 0
        let resumed = try p.run(impl: RNNBLAS.Implementation.self, output: Self.quiet, initial: back)
        #expect(resumed.rmse == a.rmse)
        #expect(throws: RNNError.self) { let _: [Tensor<Float>] = try loadWeights([("missing", [1])], from: path) }
    }
}

/// The update rules beyond the fixtures: Adam's ε sits on √v of the uncorrected v (ε̂), which
/// with a large ε is measurably not Algorithm 1's `m̂/(√v̂ + ε)`; and TF's float32
/// hyperparameters are what make a float64 run match TF's to the last bit (the fixtures).
@Suite("Optimizers")
struct OptimizerTests {
    @Test func adamEpsilonIsEpsilonHat() throws {
        let g = Tensor<Double>(uncheckedShape: [1], data: [0.3])
        var p = [Tensor<Double>(uncheckedShape: [1], data: [1.0])]
        var opt = Optimizer<Double>(.kerasAdam(learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 0.1))
        try opt.apply([g], to: &p)
        // Algorithm 1 of Kingma & Ba: m̂ = g, v̂ = g², step = lr·m̂/(√v̂ + ε)
        let lr = Double(Float(0.1))
        let paper = 1.0 - lr * 0.3 / (0.3 + 0.1)
        let epsHat = 1.0 - lr * (0.3 * 0.1) * ((1 - Double(Float(0.999))).squareRoot() / (1 - Double(Float(0.9)))) / ((0.09 * (1 - 0.999)).squareRoot() + 0.1)
        #expect(abs(p[0].data[0] - epsHat) < 1e-15)
        #expect(abs(p[0].data[0] - paper) > 1e-3)
    }

    @Test func clipByGlobalNormScalesOnlyAboveTheNorm() {
        var t = [Tensor<Double>(uncheckedShape: [2], data: [3, 4])]
        let n = clipByGlobalNorm(&t, clipNorm: 10)
        #expect(n == 5 && t[0].data == [3, 4])
        let m = clipByGlobalNorm(&t, clipNorm: 1)
        #expect(m == 5 && abs(t[0].data[0] - 0.6) < 1e-15 && abs(t[0].data[1] - 0.8) < 1e-15)
        var bad = [Tensor<Double>(uncheckedShape: [1], data: [.infinity])]
        clipByGlobalNorm(&bad, clipNorm: 1)
        #expect(bad[0].data[0].isNaN)
    }
}

