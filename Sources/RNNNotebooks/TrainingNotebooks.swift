import Foundation
import RNNBLAS
import RNNCore
import RNNScalar
import RNNCheck
import RNNFixtures
import RNNNumpy
import RNNTrain
import RNNFigures

/// Notebook outputs that run the training programs (notebooks 02, 09 and 10); passed to
/// `Notebooks.check(root:write:extra:)` by `rnnref notebooks` and the tests.
public enum TrainingNotebooks {
    public static let outputs: [String: Notebooks.Output] = [
        "002-lossfun": { root in try lossFun(root) },
        "002-mirror": { root in try mirror(root) },
        "002-loss": { root in try lossFigure(root) },
        "04-gates": { _ in try gateFigure() },
        "09-norms": { _ in try gradientFlowTable() },
        "09-figure": { _ in try gradientFlowFigure() },
        "10-sine": { _ in try sineTable() },
        "10-sine-figure": { _ in SineProgram.plot(try sineRun(), title: "000's MinimalRNNCell(8) after 15 epochs: the 50-step rolling forecast").svg },
        "10-regression": { _ in try regressionTable() },
        "10-regression-figure": { _ in try regressionFigure() },
        "10-ptb": { root in try ptbTable(root) },
    ]

    /// Notebook 04's figure: a TF LSTMCell(4) with forget_bias 1 (weights uniform ±0.5 from
    /// numpy's RandomState(4)) reading x_t = sin(0.2·t) for 100 steps; unit 0's gates i, f, o
    /// and its cell c, from the scalar implementation's per-step cache.
    static func gateFigure() throws -> String {
        var cfg = LSTMConfig(flavor: .tfLSTMCell, units: 4)
        cfg.forgetBias = 1
        var rng = try numpyRandomState(seed: 4)
        var given: [String: Tensor<Double>] = [:]
        for (n, shape) in CellSpec.lstm(cfg).parameterShapes(inputSize: 1) {
            given[n] = Tensor(uncheckedShape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.uniform(-0.5, 0.5) })
        }
        let cell = try RNNScalar.Implementation.buildCell(.lstm(cfg), inputSize: 1, given: given)
        var state = [Tensor<Double>(zeros: [1, 4]), Tensor<Double>(zeros: [1, 4])]
        var i: [(Double, Double)] = [], f = i, o = i, c = i, x = i
        for t in 0..<100 {
            let xt = Foundation.sin(0.2 * Double(t))
            let step = cell.step(Tensor(uncheckedShape: [1, 1], data: [xt]), state: state)
            let tt = Double(t)
            let saved = step.cache.lstm
            i.append((tt, saved.i.data[0])); f.append((tt, saved.f.data[0])); o.append((tt, saved.o.data[0]))
            c.append((tt, saved.c.data[0])); x.append((tt, xt))
            state = step.state
        }
        return LineChart(title: "TF LSTMCell(4), forget_bias 1, reading sin(0.2·t): unit 0 over time", x: Axis("step t"), y: Axis("value"),
                         series: [Series("input x_t", x, color: Palette.grey, dash: "3,3"), Series("input gate i", i), Series("forget gate f", f),
                                  Series("output gate o", o), Series("cell c", c)]).svg
    }

    /// Notebook 09's setting: H = 32, I = 8, T = 100, seed 9.
    static let flow = (units: 32, input: 8, steps: 100, seed: 9)

    static func gradientFlowNorms() throws -> [(GradientFlow.Model, [Double])] {
        let x = try GradientFlow.inputs(steps: flow.steps, input: flow.input, seed: flow.seed)
        return try GradientFlow.models(units: flow.units, input: flow.input, seed: flow.seed).map { ($0, try GradientFlow.norms($0, x: x)) }
    }

    /// ‖∂h_T/∂s_{T−d}‖_F at a few distances, and at d = 10 the same norm by central differences.
    static func gradientFlowTable() throws -> String {
        let x = try GradientFlow.inputs(steps: flow.steps, input: flow.input, seed: flow.seed)
        let ds = [1, 2, 5, 10, 20, 50, 100]
        var s = "| model | " + ds.map { "d = \($0)" }.joined(separator: " | ") + " | d = 10 by central differences | per-step factor, d = 10 → 50 | geometric mean of f |\n"
        s += "| --- |" + String(repeating: " --- |", count: ds.count + 3) + "\n"
        for (m, n) in try gradientFlowNorms() {
            let fd = try GradientFlow.finiteDifferenceNorm(m, x: x, distance: 10)
            let factor = Foundation.pow(n[50] / n[10], 1.0 / 40)
            let f = try GradientFlow.geometricMeanForgetGate(m, x: x).map { String(format: "%.3f", $0) } ?? "-"
            s += "| \(m.name) | " + ds.map { String(format: "%.2e", n[$0]) }.joined(separator: " | ") + " | \(String(format: "%.2e", fd)) | \(String(format: "%.3f", factor)) | \(f) |\n"
        }
        return s.trimmingCharacters(in: .newlines)
    }

    static func gradientFlowFigure() throws -> String {
        let series = try gradientFlowNorms().map { m, n in Series(m.name, n.enumerated().map { (Double($0.offset), $0.element) }) }
        return LineChart(title: "How far back the last state reaches: ‖∂h_T/∂s_(T−d)‖ (H = 32, T = 100)",
                         x: Axis("distance d = T − t (steps)"), y: Axis("Frobenius norm", scale: .log), series: series).svg
    }

    /// lossFun on the numpy-002 fixture (the document's sizes), both implementations against numpy.
    static func lossFun(_ root: URL) throws -> String {
        let f = try Notebooks.load(root, "numpy-002-min-char-rnn-lossfun.json")
        var s = "| implementation | loss | numpy's loss | worst tensor, relative error | gradient check (central differences) |\n| --- | --- | --- | --- | --- |\n"
        let numpyLoss = try f.expected()!.entry("loss")!.value.values[0]
        for impl in [RNNScalar.Implementation.self, RNNBLAS.Implementation.self] as [any RNNImplementation.Type] {
            let r = try FixtureRunner.run(f, impl: impl)
            let c = try FixtureRunner.compare(f, computed: r, implementation: impl.name)
            let worst = c.comparisons.max { $0.relError < $1.relError }!
            let g = try FixtureRunner.gradientCheck(f, impl: impl, maxCoordinates: 20)
            let gc = g.map(\.fdRelError).max() ?? 0
            s += "| \(impl.name) | \(String(format: "%.10f", r.entry("loss")!.value.values[0])) | \(String(format: "%.10f", numpyLoss)) | "
            s += "`\(worst.key)`, \(worst.relError < 1e-12 ? "< 1e-12" : String(format: "%.0e", worst.relError)) | \(gc < 1e-8 ? "< 1e-8" : String(format: "%.0e", gc)) |\n"
        }
        return s.trimmingCharacters(in: .newlines)
    }

    static func text(_ root: URL) throws -> String {
        try String(contentsOf: root.appendingPathComponent("Fixtures/data/sonnets.txt"), encoding: .utf8)
    }

    /// The Swift program's first 201 iterations, line by line against numpy's transcript.
    static func mirror(_ root: URL) throws -> String {
        var p = MinCharRNNProgram(text: try text(root), seed: 7, iterations: 201)
        p.logEvery = 100
        var lines: [String] = []
        // pinned: the sampled text follows every bit, and OpenBLAS's sums depend on its thread
        // count, which other passes running meanwhile (the test runner's) may lease to 1
        _ = try withDefaultBLASThreads {
            try p.run(impl: RNNBLAS.Implementation.self, output: ProgramOutput(log: { lines += $0.components(separatedBy: "\n") }))
        }
        let numpy = try String(contentsOf: root.appendingPathComponent("Fixtures/programs/min-char-rnn-sonnets-seed7.txt"), encoding: .utf8)
            .components(separatedBy: "\n")
        let same = lines.indices.filter { $0 < numpy.count && numpy[$0] == lines[$0] }.count
        return "```text\n" + lines.joined(separator: "\n") + "\n```\n\n" +
            "\(same) of these \(lines.count) lines are identical to numpy's (`Fixtures/programs/min-char-rnn-sonnets-seed7.txt`)."
    }

    /// The smoothed loss numpy printed (two seeds) and ours, on one plot.
    static func lossFigure(_ root: URL) throws -> String {
        var series: [Series] = []
        for seed in [7, 2026] {
            let t = try String(contentsOf: root.appendingPathComponent("Fixtures/programs/min-char-rnn-sonnets-seed\(seed).txt"), encoding: .utf8)
            let pts: [(Double, Double)] = t.components(separatedBy: "\n").compactMap { l in
                guard l.hasPrefix("iter ") else { return nil }
                let parts = l.dropFirst(5).components(separatedBy: ", loss: ")
                guard parts.count == 2, let i = Double(parts[0]), let v = Double(parts[1]) else { return nil }
                return (i, v)
            }
            series.append(Series("seed \(seed)", pts))
        }
        return LineChart(title: "min-char-rnn on eight sonnets: smoothed loss (numpy and rnnref print the same)",
                         x: Axis("iteration"), y: Axis("smooth_loss"), series: series).svg
    }
}
