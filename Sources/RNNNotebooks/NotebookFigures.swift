import Foundation
import RNNBLAS
import RNNCore
import RNNCheck
import RNNFigures
import RNNFixtures
import RNNNumpy
import RNNScalar
import RNNTrain

/// The notebooks' figures (besides the training runs' in `TrainingNotebooks`), each computed by
/// the project from committed fixtures or from cells built here, drawn with RNNFigures.
extension Notebooks {
    static let figureOutputs: [String: Output] = [
        "01-unrolled": { root in try unrolledFigure(root) },
        "03-lengths-figure": { root in try lengthsFigure(root) },
        "04-clip-figure": { _ in try clipFigure() },
        "05-drift-figure": { _ in try driftFigure() },
        "06-mask-figure": { root in try maskFigure(root) },
        "07-layouts-figure": { _ in layoutsFigure() },
        "08-steps-figure": { root in try stepsFigure(root) },
        "09-jacobian-figure": { _ in try jacobianFigure() },
        "11-speed-figure": { root in try speedFigure(root) },
        "12-activations-figure": { _ in activationsFigure() },
        "13-budget-figure": { root in try budgetFigure(root) },
    ]

    static func f4(_ x: Double) -> String { String(format: "%.4f", x).replacingOccurrences(of: "-", with: "−") }

    // MARK: - 01: the two steps unrolled

    /// The document's two steps as boxes and arrows, with the numbers `RNNScalar.NumpyRNN`
    /// computes from the fixture on them.
    static func unrolledFigure(_ root: URL) throws -> String {
        let f = try load(root, "numpy-004-two-step-rnn.json")
        let r = try FixtureRunner.run(f, impl: RNNScalar.Implementation.self)
        let z = r.entry("before_activation")!.value.values, h = r.entry("states")!.value.values, y = r.entry("outputs")!.value.values
        let x = f.tensors["X"]!.values, h0 = f.tensors["state"]!.values
        var d = Diagram(title: "The document's RNN unrolled over its two steps (numbers computed by RNNScalar from the fixture)", width: 800, height: 420)
        let top = d.top
        let (cellY, cellH, cellW) = (top + 120, 112.0, 200.0)
        let initial = Rect(x: 14, y: cellY + 26, width: 120, height: 60)
        d.box(initial, fill: "#F2F2F2", lines: ["initial state", "[\(f4(h0[0])), \(f4(h0[1]))]"], size: 11)
        var previous = (initial.maxX, cellY + cellH / 2)
        for t in 0..<2 {
            let cell = Rect(x: 180 + Double(t) * 330, y: cellY, width: cellW, height: cellH)
            d.box(cell, fill: "#DCEBF7", lines: ["step t = \(t)", "before_activation z_\(t)", "[\(f4(z[2 * t])), \(f4(z[2 * t + 1]))]",
                                                 "state h_\(t) = tanh(z_\(t))", "[\(f4(h[2 * t])), \(f4(h[2 * t + 1]))]"], size: 11)
            d.arrow(previous, (cell.x, cellY + cellH / 2), label: t == 0 ? "h₋₁" : "h_0 · w_cell_state")
            let input = Rect(x: cell.x + cellW / 2 - 55, y: cell.maxY + 70, width: 110, height: 32)
            d.box(input, fill: "#FCE9D9", lines: ["X[\(t)] = \(String(format: "%.1f", x[t]))"], size: 11)
            d.arrow((input.x + input.width / 2, input.y), (input.x + input.width / 2, cell.maxY), label: "· w_cell_input + b_cell")
            let output = Rect(x: cell.x + cellW / 2 - 80, y: top + 16, width: 160, height: 32)
            d.box(output, fill: "#E3F2E8", lines: ["final_output = \(f4(y[t]))"], size: 11)
            d.arrow((output.x + output.width / 2, cellY), (output.x + output.width / 2, output.maxY), label: "· w_output + b_output")
            previous = (cell.maxX, cellY + cellH / 2)
        }
        d.arrow(previous, (790, previous.1), label: "h_1")
        return d.document
    }

    // MARK: - 03: sequence_length

    /// tf-basicrnn-f64-lengths: each batch row's outputs over (unit, t); a blank cell is an
    /// output that is exactly 0 at or past the row's length.
    static func lengthsFigure(_ root: URL) throws -> String {
        let f = try load(root, "tf-basicrnn-f64-lengths.json")
        let r = try FixtureRunner.run(f, impl: RNNScalar.Implementation.self)
        let out = r.entry("outputs")!.value
        let lengths = f.tensors["sequence_length"]!.values.map { Int($0) }
        let (b, t, h) = (out.shape[0], out.shape[1], out.shape[2])
        let panels: [(title: String, map: HeatMap)] = (0..<b).map { row in
            let values: [[Double?]] = (0..<h).map { u in
                (0..<t).map { s in
                    let v = out.values[(row * t + s) * h + u]
                    return s >= lengths[row] && v == 0 ? nil : v
                }
            }
            return ("row \(row): length \(lengths[row])", HeatMap(title: nil, rows: Axis(row == 0 ? "unit" : ""), columns: Axis("step t"), values: values,
                                                                  colors: .diverging, colorTitle: "outputs[b, t, unit]",
                                                                  blankLabel: "exactly 0: the step is at or past the row's sequence_length"))
        }
        return HeatMaps(title: "dynamic_rnn with sequence_length = \(lengths): the outputs of each batch row (tf-basicrnn-f64-lengths)",
                        panels: panels, width: 800, height: 300).svg
    }

    // MARK: - 04: cell_clip

    /// One TF LSTMCell(3) step with cell_clip 0.5 as one bias moves: unit 0's c before and after
    /// the clip, and the gradient reaching that bias (the backward pass), zero wherever c is clipped.
    static func clipFigure() throws -> String {
        var cfg = LSTMConfig(flavor: .tfLSTMCell, units: 3)
        cfg.cellClip = 0.5
        var rng = try numpyRandomState(seed: 5)
        let kernel = Tensor<Double>(uncheckedShape: [2 + 3, 12], data: (0..<60).map { _ in rng.uniform(-0.5, 0.5) })
        let bias0 = Tensor<Double>(uncheckedShape: [12], data: (0..<12).map { _ in rng.uniform(-0.5, 0.5) })
        let x = Tensor<Double>(uncheckedShape: [1, 2], data: [0.9, 0.8])
        let s0 = [Tensor<Double>(uncheckedShape: [1, 3], data: [0.3, -0.2, 0.1]), Tensor<Double>(uncheckedShape: [1, 3], data: [0.5, 0.4, -0.3])]
        let u = Tensor<Double>(uncheckedShape: [1, 3], data: [1, -0.5, 0.25])
        let col = cfg.columns(.candidate).lowerBound    // unit 0's j
        var raw: [(Double, Double)] = [], clipped = raw, grad = raw
        for k in 0...120 {
            let b = -6 + 0.1 * Double(k)
            var bias = bias0
            bias.data[col] = b
            let cell = try RNNScalar.Implementation.buildCell(.lstm(cfg), inputSize: 2, given: ["kernel": kernel, "bias": bias])
            let step = cell.step(x, state: s0)
            var grads = Parameters<Double>(zerosLike: cell.parameters)
            _ = cell.stepBackward(step, x: x, state: s0, dOutput: u, dState: [Tensor(zeros: [1, 3]), Tensor(zeros: [1, 3])], grads: &grads)
            raw.append((b, step.cache.lstm.cUnclipped.data[0])); clipped.append((b, step.cache.lstm.c.data[0]))
            grad.append((b, grads["bias"].data[col]))
        }
        return LineChart(title: "TF LSTMCell(3), cell_clip = 0.5: unit 0 as its candidate bias b_j moves (one step)",
                         x: Axis("b_j of unit 0"), y: Axis("value"),
                         series: [Series("c before the clip", raw), Series("c = clip(c, ±0.5)", clipped),
                                  Series("∂L/∂b_j (backward): 0 where c is clipped", grad)],
                         references: [(0.5, "+cell_clip"), (-0.5, "−cell_clip")]).svg
    }

    // MARK: - 05: the two GRU resets

    static func driftFigure() throws -> String {
        let full = try GRUVariantDrift.measure(units: 16, input: 4, batch: 8, steps: 40, seed: 3)
        return LineChart(title: "The two GRU resets on the same weights (H = 16, B = 8): how far h parts over 40 steps",
                         x: Axis("step t"), y: Axis("|h(reset after) − h(reset before)|"),
                         series: [Series("max over batch and units", full.map { (Double($0.t + 1), $0.maxAbs) }),
                                  Series("mean", full.map { (Double($0.t + 1), $0.meanAbs) })]).svg
    }

    // MARK: - 06: masks and go_backwards

    /// keras-lstm-mask-f64's outputs (unit 0), blank where the mask is False; and
    /// keras-simplernn-go-backwards-f64's, whose output k reads input step T − 1 − k.
    static func maskFigure(_ root: URL) throws -> String {
        let m = try load(root, "keras-lstm-mask-f64.json"), g = try load(root, "keras-simplernn-go-backwards-f64.json")
        let mo = try FixtureRunner.run(m, impl: RNNScalar.Implementation.self).entry("outputs")!.value
        let go = try FixtureRunner.run(g, impl: RNNScalar.Implementation.self).entry("outputs")!.value
        let mask = m.tensors["mask"]!.values
        func unit0(_ o: TensorData, blank: (Int, Int) -> Bool) -> [[Double?]] {
            let (b, t, h) = (o.shape[0], o.shape[1], o.shape[2])
            return (0..<b).map { row in (0..<t).map { s in blank(row, s) ? nil : o.values[(row * t + s) * h] } }
        }
        let t = mo.shape[1]
        let masked = unit0(mo) { row, s in mask[row * t + s] == 0 }
        let backwards = unit0(go) { _, _ in false }
        let tg = go.shape[1]
        return HeatMaps(title: "Keras: which step writes which output (unit 0 of each layer's return_sequences)", panels: [
            ("LSTM with a mask", HeatMap(title: nil, rows: Axis("batch row"), columns: Axis("output step t"), values: masked, colors: .diverging,
                                         colorTitle: "outputs[b, t, 0]", blankLabel: "mask False: the step writes nothing new (Keras carries the last output)")),
            ("SimpleRNN, go_backwards", HeatMap(title: nil, rows: Axis(""), columns: Axis("output k reads input step"), values: backwards,
                                                 columnLabels: (0..<tg).map { "x_\(tg - 1 - $0)" }, colors: .diverging, colorTitle: "outputs[b, t, 0]")),
        ], width: 800, height: 300).svg
    }

    // MARK: - 07: weight layouts

    /// One LSTM (I = 3, H = 2) in each framework's layout: every parameter drawn as its matrix,
    /// each gate's block coloured by the gate's meaning and labelled with the framework's letter.
    static func layoutsFigure() -> String {
        let (nI, nH) = (3, 2)
        let colors: [LSTMGate: String] = [.input: Palette.color(0), .forget: Palette.color(2), .candidate: Palette.color(4), .output: Palette.color(3)]
        let flavors: [(String, LSTMFlavor)] = [("TF LSTMCell", .tfLSTMCell), ("Keras LSTM", .keras), ("PyTorch nn.LSTM", .torch), ("ONNX LSTM", .onnx)]
        let px = 13.0
        var d = Diagram(title: "One LSTM (I = 3, H = 2) in four layouts: each gate's block, named as the framework names it", width: 820, height: 640)
        // the legend: the gates' meanings
        var lx = 20.0
        let ly = d.top + 4
        for (g, name) in [(LSTMGate.input, "input gate"), (.forget, "forget gate"), (.candidate, "cell candidate"), (.output, "output gate")] {
            d.svg.rect(Rect(x: lx, y: ly, width: 14, height: 14), fill: colors[g]!)
            d.text(name, x: lx + 20, y: ly + 11, size: 11)
            lx += 20 + TextMetrics.width(name, size: 11) + 24
        }
        var y = ly + 34
        for (label, flavor) in flavors {
            var cfg = LSTMConfig(flavor: flavor, units: nH)
            if flavor == .onnx { cfg.forgetBias = 0 }
            let shapes = CellSpec.lstm(cfg).parameterShapes(inputSize: nI)
            d.text(label, x: 20, y: y + 12, size: 12)
            if flavor == .onnx { d.text("one direction of", x: 20, y: y + 28, size: 11, color: "#555555"); d.text("W, R and B", x: 20, y: y + 42, size: 11, color: "#555555") }
            var x = 170.0
            var rowHeight = 0.0
            for (name, shape) in shapes {
                let dims = shape.filter { $0 != 1 || shape.count == 1 }
                let (rows, cols) = dims.count == 1 ? (1, dims[0]) : (dims[dims.count - 2], dims[dims.count - 1])
                let w = Double(cols) * px, h = Double(rows) * px
                let gateAxisIsRows = rows % (4 * nH) == 0 && cols % (4 * nH) != 0
                let blocks = gateAxisIsRows ? rows / nH : cols / nH     // 4, or 8 for ONNX's B
                for k in 0..<blocks {
                    let gate = flavor.gateOrder[k % 4]
                    let r = gateAxisIsRows ? Rect(x: x, y: y, width: w, height: Double(nH) * px) .offsetY(Double(k * nH) * px)
                                           : Rect(x: x + Double(k * nH) * px, y: y, width: Double(nH) * px, height: h)
                    d.box(r, fill: colors[gate]!, stroke: "white", lines: [flavor.letter(gate)], size: 10, textColor: "white")
                }
                d.svg.rect(Rect(x: x, y: y, width: w, height: h), fill: "none", stroke: "#333333")
                let shapeText = "[" + shape.map(String.init).joined(separator: ", ") + "]"
                let caption = max(TextMetrics.width(name, size: 10), TextMetrics.width(shapeText, size: 10))
                d.text(name, x: x, y: y + h + 13, size: 10)
                d.text(shapeText, x: x, y: y + h + 26, size: 10, color: "#555555")
                x += max(w, caption) + 18
                rowHeight = max(rowHeight, h + 32)
            }
            y += rowHeight + 22
        }
        d.svg = d.svg.resized(height: y)
        return d.document
    }

    // MARK: - 08: the step size

    /// The worst relative error over every tensor of tf-lstm-peep-clip-proj-fb1-f64-lengths,
    /// against the step: our central differences at h, and GSL's gsl_deriv_central started at h.
    static func stepsFigure(_ root: URL) throws -> String {
        let p = try SequenceProblem(try load(root, "tf-lstm-peep-clip-proj-fb1-f64-lengths.json"))
        var ours: [(Double, Double)] = [], gsl: [(Double, Double)] = []
        for e in -10 ... -1 {
            let h = Foundation.pow(10, Double(e))
            let g = try p.gradientCheck(RNNScalar.Implementation.self, maxCoordinates: 4, useGSL: true, relativeStep: h, gslRelativeStep: h)
            ours.append((h, Swift.max(g.map(\.fdRelError).max() ?? 0, 1e-16)))
            gsl.append((h, Swift.max(g.compactMap(\.gslRelError).max() ?? 0, 1e-16)))
        }
        return LineChart(title: "Gradient check of a TF LSTMCell (peepholes, cell_clip, projection): error against step",
                         x: Axis("relative step h", scale: .log), y: Axis("worst relative error", scale: .log),
                         series: [Series("central differences, step h", ours), Series("gsl_deriv_central, started at h", gsl)]).svg
    }

    // MARK: - 09: the Jacobian per unit

    static func jacobianFigure() throws -> String {
        let x = try GradientFlow.inputs(steps: TrainingNotebooks.flow.steps, input: TrainingNotebooks.flow.input, seed: TrainingNotebooks.flow.seed)
        let models = try GradientFlow.models(units: TrainingNotebooks.flow.units, input: TrainingNotebooks.flow.input, seed: TrainingNotebooks.flow.seed)
        let chosen = models.filter { $0.name == "tanh RNN" || $0.name == "LSTM, forget_bias 1" }
        let every = 4
        let panels: [(title: String, map: HeatMap)] = try chosen.enumerated().map { k, m in
            let n = try GradientFlow.unitNorms(m, x: x)
            let ds = Array(stride(from: 0, to: n.count, by: every))
            let values: [[Double?]] = (0..<n[0].count).map { j in ds.map { n[$0][j] } }
            return (m.name, HeatMap(title: nil, rows: Axis(k == 0 ? "unit j of h_(T−d)" : ""), columns: Axis("distance d (every \(every)th)"),
                                    values: values, columnLabels: ds.map(String.init), colors: .log, colorTitle: "‖∂h_T/∂h_(T−d)[:, j]‖"))
        }
        return HeatMaps(title: "How much each unit of an earlier state moves the last one (H = 32, T = 100)", panels: panels, width: 800, height: 420).svg
    }

    // MARK: - 11: the benchmark

    static func speedFigure(_ root: URL) throws -> String {
        let rows = try speedRows(root)
        let categories = rows.map { r in "\(r.parts[0].uppercased()) \(r.parts[1] == "float32" ? "f32" : "f64") \(r.parts[6]) (\(r.parts[2]), \(r.parts[3]), \(r.parts[4]), \(r.parts[5]))" }
        func ratio(_ who: String) -> [Double?] { rows.map { r in r.ms[who].map { $0 / r.ms["ours"]! } } }
        return BarChart(title: "Time of each peer over ours (\(benchmarkResults.split(separator: "/").last!)): above 1, we are faster",
                        categories: categories,
                        series: [("PyTorch / ours", ratio("torch")), ("onnxruntime / ours", ratio("ort")), ("OpenBLAS GEMMs alone / ours", ratio("gemm"))],
                        value: Axis("ratio of times", include: [0]), reference: (1, "1: as fast as ours")).svg
    }

    // MARK: - 12: ONNX's activations

    static func activationsFigure() -> String {
        let fs: [ONNXActivation] = [ONNXActivation(.affine, alpha: 0.5, beta: 1), ONNXActivation(.leakyRelu, alpha: 0.1),
                                    ONNXActivation(.thresholdedRelu, alpha: 1), ONNXActivation(.scaledTanh, alpha: 1.5, beta: 0.7),
                                    ONNXActivation(.hardSigmoid, alpha: 0.2, beta: 0.5), ONNXActivation(.elu, alpha: 1)]
        let xs = (0...120).map { -3 + 0.05 * Double($0) }
        let panels: [(title: String, series: [Series])] = fs.map { a in
            (a.description, [Series("f(x)", xs.map { ($0, a.apply($0)) }), Series("f′(x) (our backward's)", xs.map { ($0, a.derivative($0)) })])
        }
        return SmallMultiples(title: "ONNX's activations with alpha and beta, and the derivatives our backward pass uses", x: Axis("x"), y: Axis("value"),
                              panels: panels, columns: 3, width: 800, panelHeight: 210).svg
    }

    // MARK: - 13: the error budget

    static func budgetFigure(_ root: URL) throws -> String {
        let real = try ErrorBudget.explain(try load(root, "onnx-random-lstm-2.json"))
        let wrong = try ErrorBudget.explain(try forgetBiasDropped(try load(root, "tf-lstm-noproj-fb1-f32.json")))
        let keys = real.map(\.key)
        let wrongByKey = Dictionary(uniqueKeysWithValues: wrong.map { ($0.key, $0) })
        let cats = keys + wrong.map(\.key).filter { !keys.contains($0) }
        let r = Dictionary(uniqueKeysWithValues: real.map { ($0.key, $0) })
        // a distance of exactly 0 has no bar on a log axis: say so beside its name
        let names = cats.map { k in r[k]?.frameworkDistance == 0 || wrongByKey[k]?.frameworkDistance == 0 ? k + " (0: exact)" : k }
        return BarChart(title: "rnnref check --explain: each tensor's distance from float64 over its float32 budget",
                        categories: names,
                        series: [("onnxruntime's numbers (onnx-random-lstm-2)", cats.map { r[$0].map { Swift.max($0.frameworkDistance / $0.budget, 1e-4) } }),
                                 ("forget_bias dropped, posing as TF's", cats.map { wrongByKey[$0].map { Swift.max($0.frameworkDistance / $0.budget, 1e-4) } })],
                        value: Axis("distance / budget", scale: .log), reference: (1, "the budget")).svg
    }
}

extension Rect {
    func offsetY(_ d: Double) -> Rect { Rect(x: x, y: y + d, width: width, height: height) }
}
