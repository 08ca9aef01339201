import Foundation
import RNNBLAS
import RNNCore
import RNNScalar
import RNNTrain
import RNNVerify
import Testing

/// The documents' training programs: the min-char-rnn mirror against numpy's own run, and
/// every program's loss falling and repeating exactly under a seed.
@Suite("Training programs")
struct TrainingTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var sonnets: String { (try? String(contentsOf: root.appendingPathComponent("Fixtures/data/sonnets.txt"), encoding: .utf8)) ?? "" }

    /// `Fixtures/programs/min-char-rnn-sonnets-seed7.txt` is what numpy printed running the
    /// document's program (Fixtures/generate/min_char_rnn_program.py). Through iteration 500,
    /// the Swift program prints exactly the same lines: samples and losses.
    @Test func minCharRNNPrintsWhatNumpyPrints() throws {
        let transcript = try String(contentsOf: Self.root.appendingPathComponent("Fixtures/programs/min-char-rnn-sonnets-seed7.txt"), encoding: .utf8)
        let expected = transcript.components(separatedBy: "\n")
        let cut = try #require(expected.firstIndex { $0.hasPrefix("iter 500, loss: ") })
        var p = MinCharRNNProgram(text: Self.sonnets, seed: 7, iterations: 501)
        p.logEvery = 100
        var lines: [String] = []
        _ = try p.run(impl: RNNBLAS.Implementation.self, output: ProgramOutput(log: { lines += $0.components(separatedBy: "\n") }))
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
}
