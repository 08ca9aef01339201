import Foundation
import RNNCore
import RNNScalar
import RNNCheck
import RNNFixtures
import RNNNumpy
import RNNTrain
import RNNFigures

/// Notebook 10's outputs: short runs of the documents' training programs. They use the scalar
/// implementation, whose arithmetic is plain Swift and so identical on every x86-64 machine
/// (OpenBLAS picks its kernels per CPU, and a few hundred training steps amplify the last-bit
/// differences of its float32 sums into visible digits).
extension TrainingNotebooks {
    static let quiet = ProgramOutput(log: { _ in })

    /// Each run feeds a table and a figure: computed once per process.
    final class Memo<Value: Sendable>: @unchecked Sendable {
        let lock = NSLock()
        var value: Value?
        func get(_ make: () throws -> Value) rethrows -> Value {
            lock.lock()
            defer { lock.unlock() }
            if let value { return value }
            let v = try make()
            value = v
            return v
        }
    }
    static let sineMemo = Memo<SineProgram.Result>(), regressionMemo = Memo<SineRegressionProgram.Result>()

    /// 000's sine task at a notebook's size: MinimalRNNCell(8), batch 128, Adam(0.01), 15 epochs, seed 4.
    static func sineRun() throws -> SineProgram.Result {
        try sineMemo.get {
            var p = SineProgram(cell: .minimal)
            p.units = 8; p.epochs = 15; p.batch = 128; p.learningRate = 0.01; p.seed = 4
            return try p.run(impl: RNNScalar.Implementation.self, output: quiet)
        }
    }

    static func sineTable() throws -> String {
        let r = try sineRun()
        var s = "| epoch | mean training loss (MSE) |\n| --- | --- |\n"
        for e in [1, 2, 3, 5, 10, 15] { s += "| \(e) | \(String(format: "%.3e", r.epochLoss[e - 1])) |\n" }
        let rmse = (zip(r.forecast, r.truth).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(r.truth.count)).squareRoot()
        let rmse10 = (zip(r.forecast.prefix(10), r.truth.prefix(10)).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / 10).squareRoot()
        s += "\nRolling forecast against sin(x): RMSE \(String(format: "%.2e", rmse10)) over the first 10 steps, \(String(format: "%.2e", rmse)) over all 50."
        return s
    }

    /// 004's sine regression at a notebook's size: two BasicLSTMCell(8), Adagrad(0.1), batch 32, 300 steps, seed 5.
    static func regressionRun() throws -> SineRegressionProgram.Result {
        try regressionMemo.get {
            var p = SineRegressionProgram()
            p.hidden = 8; p.steps = 300; p.seed = 5
            return try p.run(impl: RNNScalar.Implementation.self, output: quiet)
        }
    }

    static func regressionTable() throws -> String {
        let r = try regressionRun()
        var s = "| training steps | mean loss over those steps |\n| --- | --- |\n"
        for lo in stride(from: 0, to: r.loss.count, by: 50) {
            let block = r.loss[lo..<min(lo + 50, r.loss.count)]
            s += "| \(lo + 1)–\(lo + block.count) | \(String(format: "%.6f", block.reduce(0, +) / Double(block.count))) |\n"
        }
        s += "\nThe document's last line, from this run: `Mean Square Error is: \(String(format: "%f", r.rmse))` (the document prints the root of the mean squared error under that name)."
        return s
    }

    static func regressionFigure() throws -> String {
        let r = try regressionRun()
        let n = min(200, r.truth.count)
        return LineChart(title: "004's sine regression (two BasicLSTMCell(8), 300 steps): test predictions", x: Axis("test point"), y: Axis("value"), series: [
            Series("sin(x)", (0..<n).map { (Double($0), r.truth[$0]) }),
            Series("prediction", (0..<n).map { (Double($0), r.predictions[$0]) }),
        ]).svg
    }

    /// 004's PTB model on the eight sonnets: two BasicLSTMCell(16), dropout 0.5, SGD(1.0), clip 5, 3 epochs, seed 6.
    static func ptbTable(_ root: URL) throws -> String {
        var p = PTBProgram(text: try text(root))
        p.hidden = 16; p.epochs = 3; p.seed = 6
        let r = try p.run(impl: RNNScalar.Implementation.self, output: quiet)
        var s = "| epoch | training perplexity | validation perplexity |\n| --- | --- | --- |\n"
        for e in 0..<r.trainPerplexity.count {
            s += "| \(e + 1) | \(String(format: "%.3f", r.trainPerplexity[e])) | \(String(format: "%.3f", r.validPerplexity[e])) |\n"
        }
        s += "\nVocabulary \(r.vocabulary) words (a uniform guess has perplexity \(r.vocabulary)); test perplexity \(String(format: "%.3f", r.testPerplexity))."
        return s
    }
}
