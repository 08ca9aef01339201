import Foundation
import RNNBLAS
import RNNCore
import RNNCheck
import RNNFixtures
import RNNNumpy
import RNNTrain
import RNNFigures
import RNNScalar

/// Computed outputs of notebooks 04–07 and 11 (see `Notebooks.outputs`).
extension Notebooks {
    static let moreOutputs: [String: Output] = [
        "04-fixtures": { root in try fixtureTable(root, ["tf-000-lstmcell-zero-bias-tf", "tf-001-lstmcell5-dynamic-rnn", "tf-lstm-noproj-fb1-f64-lengths",
                                                        "tf-lstm-peep-noproj-fb0-f64-lengths", "tf-lstm-clip-proj-fb1-f64-lengths",
                                                        "tf-lstm-peep-clip-projclip-fb1-f64-lengths", "tf-lstm-peep-clip-projclip-fb1-f32",
                                                        "tf-basiclstm-f64-lengths", "tf-lstm-concat-state-proj-f64"]) },
        "04-clip": { _ in try lstmClipTable() },
        "04-cifg-fixtures": { root in try fixtureTable(root, ["tf-cifg-noproj-f64-lengths", "tf-cifg-peep-projclip-f64-lengths",
                                                             "tf-cifg-ln-noproj-f64", "tf-cifg-peep-ln-projclip-f32-lengths",
                                                             "tf-cifg-stacked-lstmcell-f64-lengths", "tf-bidi-cifg-lstm-f64-lengths",
                                                             "tf-random-cifg-1", "tf-random-cifg-3"]) },
        "04-coupling": { _ in try couplingTable() },
        "04-coupling-figure": { _ in try couplingFigure() },
        "05-fixtures": { root in try fixtureTable(root, ["tf-gru-f64", "tf-gru-2layer-f64-lengths", "keras-gru-resetafter-f64", "keras-gru-resetbefore-f64",
                                                        "keras-gru-nobias-resetbefore-f64", "torch-gru-2layer-f64", "torch-gru-nobias-f64"]) },
        "05-drift": { _ in try gruDriftTable() },
        "06-fixtures": { root in try fixtureTable(root, ["tf-basicrnn-f64-stacked", "tf-mixed-stack-f64-lengths", "tf-bidi-lstm-f64-lengths",
                                                        "tf-bidi-stacked-mixed-f64", "keras-bidi-lstm-concat", "keras-bidi-lstm-sum",
                                                        "keras-bidi-lstm-mul", "keras-bidi-lstm-ave", "keras-bidi-lstm-none",
                                                        "keras-simplernn-go-backwards-f64", "keras-lstm-mask-f64", "keras-gru-mask-zero-output-f64",
                                                        "keras-stateful-gru-sequences-f64", "keras-lstm-nobias-last-f64",
                                                        "tf-dropout-gru-f32-timemajor", "tf-ptb-dropout-basiclstm2-f64"]) },
        "06-rnn-cells": { root in try fixtureTable(root, ["keras-003-lstm10", "keras-003-rnn-lstmcell10", "keras-rnn-grucell-f64",
                                                          "keras-rnn-simplernncell-mask-f64", "keras-003-nested-cell",
                                                          "keras-nested-cell-sequences-state-f64", "keras-nested-cell-go-backwards-mask-f64",
                                                          "keras-bidi-lstm-mask-concat-f64", "keras-bidi-gru-mask-last-f64",
                                                          "keras-bidi-stateful-lstm-concat-f64", "keras-bidi-stateful-gru-sum-last-f32",
                                                          "keras-lstm-unroll-f64"]) },
        "06-models": { root in try fixtureTable(root, ["keras-003-embedding-lstm-dense-full", "keras-003-mnist-lstm-bn-dense-training-full",
                                                      "keras-003-embedding-lstm-dense-f64", "keras-003-embedding-gru-simplernn-dense-f64",
                                                      "keras-003-mnist-lstm-bn-dense-inference-f64", "keras-003-mnist-lstm-bn-dense-training-f64",
                                                      "keras-003-mnist-rnn-lstmcell-bn-dense-inference-f64", "keras-003-mnist-lstm-bn-dense-training-f32",
                                                      "keras-embedding-mask-zero-gru-bn-training-dense-f64", "keras-embedding-mask-zero-lstm-simplernn-dense-f32",
                                                      "keras-bn-nocenter-noscale-dense-nobias-f64", "keras-bidirectional-bn-dense-softmax-f32",
                                                      "keras-random-sequential-3", "keras-random-sequential-4"]) },
        "10-fixtures": { root in try fixtureTable(root, ["keras-000-sine-lstm8", "keras-dense-mse", "tf-sequence-loss-by-example-f64",
                                                        "tf-clip-by-global-norm-active", "tf-clip-by-global-norm-inactive", "tf-optimizer-adagrad",
                                                        "tf-optimizer-adam", "keras-optimizer-adam", "tf-optimizer-sgd-clip-global-norm",
                                                        "numpy-002-min-char-rnn-clipped", "numpy-min-char-rnn-adagrad"]) },
        "07-conversions": { root in try conversionTable(root) },
        "07-torch-fixtures": { root in try fixtureTable(root, ["torch-rnn-tanh-2layer-f64", "torch-rnn-relu-bidirectional-f64",
                                                              "torch-lstm-bidirectional-2layer-proj-f64", "torch-gru-bidirectional-2layer-f32-batchfirst",
                                                              "torch-lstm-packed-f64", "torch-lstm-bidirectional-packed-proj-f64",
                                                              "torch-gru-bidirectional-packed-f32", "torch-rnn-bidirectional-packed-f64"]) },
        "07-packed": { root in try packedTable(root) },
        "11-speed": { root in try speedTable(root) },
        "11-bidirectional": { root in try bidirectionalTable(root) },
        "11-gemms": { _ in gemmTable() },
        "11-profiles": { root in try profileSummary(root) },
    ]

    // MARK: - 04: the two ways to couple the gates

    /// One coupled-gate cell (H = 4, I = 3, peepholes, forget_bias 1, weights uniform(±0.8) from
    /// numpy's RandomState(17)) over T = 30 steps of one input row, run two ways, each c_t and
    /// m_t: TF's convention (f from the gate, i = 1 − f) and ONNX's `input_forget` (i from the
    /// gate, f = 1 − i) on the same weights. ONNX's convention is TF's cell with the gate's
    /// pre-activation negated, σ(−z) = 1 − σ(z): its block of `W_0` and `B`, `W_F_diag` and
    /// `forget_bias` change sign.
    static func couplingRuns() throws -> [(name: String, c: [[Double]], m: [[Double]])] {
        var c = RandomCase(.tfCIFGLSTMCell)
        c.units = 4; c.input = 3; c.batch = 1; c.steps = 30; c.peepholes = true; c.forgetBias = 1; c.seed = 17; c.weightScale = 0.8
        c.timeMajor = true
        guard let p = try c.model() as? SequenceProblem else { throw RNNError(.invalid, "cifg", "not a sequence model") }
        let e = p.cells[0]
        var w: [String: Tensor<Double>] = e.weightNames.mapValues { p.tensors[$0]!.tensor(Double.self) }
        let x = p.tensors["x"]!.tensor(Double.self)
        let s0 = p.initialState!.map { $0.tensor(Double.self) }
        guard case let .cifgLSTM(cfg) = e.spec else { throw RNNError(.invalid, "cifg", "not a coupled-gate cell") }
        func run(_ w: [String: Tensor<Double>], forgetBias: Double) throws -> ([[Double]], [[Double]]) {
            var k = cfg
            k.forgetBias = forgetBias
            let cell = try RNNScalar.Implementation.buildCell(.cifgLSTM(k), inputSize: 3, given: w)
            let f = try DynamicRNN(cells: [cell], timeMajor: true).forward(x, initialState: s0)
            return (f.layers[0].steps.map { $0.state[0].data }, f.layers[0].steps.map { $0.output.data })
        }
        let tf = try run(w, forgetBias: 1)
        // the gate's block (columns H..<2H of W_0 and B) and its peephole, negated
        let h = cfg.units
        for r in 0..<w["W_0"]!.shape[0] { for j in h..<(2 * h) { w["W_0"]![r, j] = -w["W_0"]![r, j] } }
        for j in h..<(2 * h) { w["B"]!.data[j] = -w["B"]!.data[j] }
        w["W_F_diag"]!.data = w["W_F_diag"]!.data.map { -$0 }
        let onnx = try run(w, forgetBias: -1)
        return [("TF, i = 1 − f", tf.0, tf.1), ("ONNX, f = 1 − i", onnx.0, onnx.1)]
    }

    static func couplingTable() throws -> String {
        let runs = try couplingRuns()
        let (tf, other) = (runs[0], runs[1])
        var s = "| step t | max over units of \\|c_t(TF) − c_t(ONNX, same weights)\\| | max \\|m_t(TF) − m_t(ONNX, same weights)\\| |\n| --- | --- | --- |\n"
        for t in [0, 1, 2, 4, 9, 19, 29] {
            let dc = zip(tf.c[t], other.c[t]).map { abs($0 - $1) }.max()!
            let dm = zip(tf.m[t], other.m[t]).map { abs($0 - $1) }.max()!
            s += "| \(t) | \(fmt(dc, 4)) | \(fmt(dm, 4)) |\n"
        }
        return s.trimmingCharacters(in: .newlines)
    }

    static func couplingFigure() throws -> String {
        let runs = try couplingRuns()
        let series = runs.map { r in Series(r.name, r.c.enumerated().map { (Double($0.offset), $0.element[0]) }) }
        return LineChart(title: "The coupled gate two ways: c_t of unit 0 (H = 4, same weights)", x: Axis("step t"),
                         y: Axis("c_t[0]"), series: series).svg
    }

    // MARK: - 07: PyTorch's packed sequences

    /// torch-lstm-bidirectional-packed-proj-f64 (batch_first, T = 7, lengths [3, 6, 1, 4], P = 3):
    /// per row, its length, the output's steps, whether the outputs past the length are zero,
    /// and where the top layer's two final states appear in the output: the forward one at the
    /// row's last valid step, the reverse one at step 0 (the reverse direction ends there).
    static func packedTable(_ root: URL) throws -> String {
        let f = try load(root, "torch-lstm-bidirectional-packed-proj-f64.json")
        let r = try FixtureRunner.run(f, impl: RNNScalar.Implementation.self)
        let out = r.entry("outputs")!.value, hn = r.entry("final_state/0")!.value
        let lengths = f.tensors["lengths"]!.values.map { Int($0) }
        let (b, t, w) = (out.shape[0], out.shape[1], out.shape[2])
        let p = w / 2, layers = hn.shape[0]
        func o(_ row: Int, _ step: Int, _ cols: Range<Int>) -> [Double] { cols.map { out.values[(row * t + step) * w + $0] } }
        func h(_ layer: Int, _ row: Int) -> [Double] { (0..<p).map { hn.values[(layer * b + row) * p + $0] } }
        var s = "| row b | lengths[b] | output steps | output[b, t] for t ≥ length | h_n[top forward, b] equals | h_n[top reverse, b] equals |\n| --- | --- | --- | --- | --- | --- |\n"
        for row in 0..<b {
            let len = lengths[row]
            let tail = (len..<t).flatMap { o(row, $0, 0..<w) }
            let tailText = tail.isEmpty ? "(none: the longest row)" : (tail.allSatisfy { $0 == 0 } ? "all \(tail.count) values are 0" : "NOT zero")
            let fw = h(layers - 2, row) == o(row, len - 1, 0..<p) ? "output[b, \(len - 1), :\(p)]" : "something else"
            let bw = h(layers - 1, row) == o(row, 0, p..<w) ? "output[b, 0, \(p):]" : "something else"
            s += "| \(row) | \(len) | \(t) of \(f.tensors["x"]!.shape[1]) | \(tailText) | \(fw) | \(bw) |\n"
        }
        return s.trimmingCharacters(in: .newlines)
    }

    // MARK: - 04: no gradient beyond a clip

    /// One TF `LSTMCell` step (H = 3, B = 1) with `cell_clip = 0.05` and pre-activations so
    /// large that every |c_raw| is beyond it. L = Σ u⊙m for fixed cotangents u. Per unit: c_raw,
    /// the clipped c, and dL/d(bias) of each gate, analytic (our backward) beside a central
    /// difference (step 1e-6) of the forward pass.
    static func lstmClipTable() throws -> String {
        var cfg = LSTMConfig(flavor: .tfLSTMCell, units: 3)
        cfg.cellClip = 0.05
        var rng = try numpyRandomState(seed: 5)
        var kernel = Tensor<Double>(uncheckedShape: [2 + 3, 12], data: (0..<60).map { _ in rng.uniform(-0.5, 0.5) })
        for r in 0..<2 { for j in 0..<3 { kernel[r, j] = 3; kernel[r, 3 + j] = 3 } }   // i and j blocks: |c| ≫ 0.05
        let bias = Tensor<Double>(uncheckedShape: [12], data: (0..<12).map { _ in rng.uniform(-0.5, 0.5) })
        let x = Tensor<Double>(uncheckedShape: [1, 2], data: [0.9, 0.8])
        let s0 = [Tensor<Double>(uncheckedShape: [1, 3], data: [0.3, -0.2, 0.1]), Tensor<Double>(uncheckedShape: [1, 3], data: [0.5, 0.4, -0.3])]
        let u = Tensor<Double>(uncheckedShape: [1, 3], data: [1, -0.5, 0.25])
        func cell(_ b: Tensor<Double>) throws -> any RecurrentCell<Double> {
            try RNNScalar.Implementation.buildCell(.lstm(cfg), inputSize: 2, given: ["kernel": kernel, "bias": b])
        }
        func loss(_ b: Tensor<Double>) throws -> Double {
            let m = try cell(b).step(x, state: s0).output
            return zip(m.data, u.data).map(*).reduce(0, +)
        }
        let c0 = try cell(bias)
        let step = c0.step(x, state: s0)
        var grads = Parameters<Double>(zerosLike: c0.parameters)
        _ = c0.stepBackward(step, x: x, state: s0, dOutput: u, dState: [Tensor(zeros: [1, 3]), Tensor(zeros: [1, 3])], grads: &grads)
        let db = grads["bias"]
        let cRaw = step.cache.lstm.cUnclipped, c = step.cache.lstm.c
        var s = "| unit | c_raw | c = clip(c_raw, ±0.05) | gate | dL/dbias (backward) | dL/dbias (central difference) |\n| --- | --- | --- | --- | --- | --- |\n"
        for unit in 0..<3 {
            for (name, gate) in [("i", LSTMGate.input), ("j", .candidate), ("f", .forget), ("o", .output)] {
                let col = cfg.columns(gate).lowerBound + unit
                var bp = bias, bm = bias
                bp.data[col] += 1e-6; bm.data[col] -= 1e-6
                let fd = (try loss(bp) - loss(bm)) / 2e-6
                let head = name == "i" ? "| \(unit) | \(fmt(cRaw.data[unit], 6)) | \(fmt(c.data[unit], 6)) " : "| | | "
                s += head + "| `\(name)` | \(db.data[col] == 0 ? "0 (exactly)" : fmt(db.data[col], 9)) | \(abs(fd) < 1e-12 ? "0 (below 1e-12)" : fmt(fd, 9)) |\n"
            }
        }
        return s.trimmingCharacters(in: .newlines)
    }

    // MARK: - 05: how far the GRU variants part

    static func gruDriftTable() throws -> String {
        let full = try GRUVariantDrift.measure(units: 16, input: 4, batch: 8, steps: 40, seed: 3)
        let zero = try GRUVariantDrift.measure(units: 16, input: 4, batch: 8, steps: 40, seed: 3, zeroCandidateRecurrence: true)
        var s = "| step t | max abs(h_after − h_before) | mean abs(h_after − h_before) | max abs(h) | same with U_c = 0 |\n| --- | --- | --- | --- | --- |\n"
        for t in [0, 1, 2, 4, 9, 19, 39] {
            s += "| \(t + 1) | \(fmt(full[t].maxAbs, 6)) | \(fmt(full[t].meanAbs, 6)) | \(fmt(full[t].maxAbsH, 4)) | \(zero[t].maxAbs == 0 ? "0 (exactly)" : String(format: "%.1e", zero[t].maxAbs)) |\n"
        }
        return s.trimmingCharacters(in: .newlines)
    }

    // MARK: - 07: every conversion, run

    /// Each source fixture converted to each target of its family, then run: the worst relative
    /// error of the converted model's outputs and final state against the source framework's
    /// numbers, or the reason the conversion is refused.
    static func conversionTable(_ root: URL) throws -> String {
        let lstmTargets = LayerKind.lstm.map(\.name)
        let gruTargets = LayerKind.gru.map(\.name)
        let sources: [(String, [String])] = [
            ("tf-lstm-noproj-fb1-f32", lstmTargets), ("tf-lstm-proj-fb0-f32", lstmTargets), ("tf-lstm-peep-noproj-fb1-f32", lstmTargets),
            ("keras-lstm-f64", lstmTargets), ("torch-lstm-f32", lstmTargets), ("torch-lstm-2layer-proj-f64", lstmTargets),
            ("tf-gru-f64", gruTargets), ("keras-gru-resetafter-f64", gruTargets), ("keras-gru-resetbefore-f64", gruTargets), ("torch-gru-2layer-f64", gruTargets),
        ]
        var s = "| source fixture | to " + lstmTargets.map { "`\($0)`" }.joined(separator: " / ") + " (LSTM) or " + gruTargets.map { "`\($0)`" }.joined(separator: " / ") + " (GRU) |\n| --- | --- |\n"
        for (name, targets) in sources {
            let f = try load(root, name + ".json")
            var cells: [String] = []
            for target in targets {
                do {
                    let converted = try Fixture(source: "\(name) → \(target)", json: try FixtureConversion.convert(f, to: target))
                    let c = try FixtureRunner.compare(converted, computed: try FixtureRunner.run(converted, impl: RNNBLAS.Implementation.self),
                                                      implementation: "blas")
                    let worst = c.comparisons.map(\.relError).max() ?? 0
                    cells.append("`\(target)`: " + (c.passed ? "✓ " + e(worst, below: 1e-12) : "✗ mismatch " + String(format: "%.1e", worst)))
                } catch let err as RNNError {
                    cells.append("`\(target)`: refused: \(err.reason)")
                }
            }
            s += "| `\(name)` | " + cells.joined(separator: "<br>") + " |\n"
        }
        return s.trimmingCharacters(in: .newlines)
    }

    // MARK: - 11: speed

    /// The benchmark results the notebook and the README show (written by Benchmarks/run.py).
    static let benchmarkResults = "Benchmarks/results-2026-12-07n.jsonl"

    /// The same, every case bidirectional (`run.py --bidirectional`).
    static let bidirectionalResults = "Benchmarks/results-2026-12-07-bidirectional.jsonl"

    /// `benchmarkResults`: per shape, ours against PyTorch, onnxruntime (forward, float32) and,
    /// where measured, TF, against the GEMMs alone, and as a share of the machine's peak.
    /// One benchmark case: cell, dtype, batch, steps, input, hidden, pass; the median ms of
    /// each peer ("ours", "torch", "ort", "tf", "gemm"); our share of the machine's peak.
    struct SpeedRow {
        var parts: [String]
        var ms: [String: Double]
        var share: Double?
    }

    /// The benchmark results, one row per case in the file's order (recurrent cells only).
    static func speedRows(_ root: URL, _ file: String = benchmarkResults) throws -> [SpeedRow] {
        let url = root.appendingPathComponent(file)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw RNNError(.io, url.path, "cannot read the benchmark results") }
        var rows: [[String: JSONValue]] = []
        for (n, line) in text.split(separator: "\n").enumerated() {
            guard let o = try JSONValue.parse(Data(line.utf8)).objectValue else { throw RNNError(.malformed, "\(url.path):\(n + 1)", "not an object") }
            rows.append(o)
        }
        func key(_ o: [String: JSONValue]) -> String {
            ["cell", "dtype", "batch", "steps", "input", "hidden", "pass"].map { o[$0].map { $0.stringValue ?? JSONValue.format($0.numberValue ?? 0) } ?? "" }.joined(separator: "|")
        }
        var order: [String] = []
        var by: [String: [String: Double]] = [:]
        var share: [String: Double] = [:]                   // our GFLOP/s over the machine's peak
        for o in rows {
            let k = key(o)
            if by[k] == nil { order.append(k); by[k] = [:] }
            guard let who = o["who"]?.stringValue, let ms = o["median_ms"]?.numberValue else { continue }
            if by[k]![who].map({ ms < $0 }) ?? true { by[k]![who] = ms }
            if who == "ours", let gf = o["gflops"]?.numberValue, let peak = o["peak_gflops"]?.numberValue { share[k] = gf / peak }
        }
        return order.filter { $0.hasPrefix("lstm") || $0.hasPrefix("gru") || $0.hasPrefix("rnn") }.compactMap { k in
            by[k]!["ours"] == nil ? nil : SpeedRow(parts: k.split(separator: "|", omittingEmptySubsequences: false).map(String.init), ms: by[k]!, share: share[k])
        }
    }

    static func speedTable(_ root: URL) throws -> String {
        var s = "| cell | dtype | pass | B, T, I, H | ours ms | torch ms | torch / ours | ort / ours | tf / ours | GEMMs alone / ours | share of peak |\n"
            + "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
        for row in try speedRows(root) {
            let (p, m) = (row.parts, row.ms)
            let ours = m["ours"]!
            func r(_ w: String) -> String { m[w].map { String(format: "%.2f", $0 / ours) } ?? "-" }
            s += "| \(p[0]) | \(p[1]) | \(p[6]) | \(p[2]), \(p[3]), \(p[4]), \(p[5]) | \(String(format: "%.1f", ours)) | \(m["torch"].map { String(format: "%.1f", $0) } ?? "-") | \(r("torch")) | \(r("ort")) | \(r("tf")) | \(r("gemm")) | \(row.share.map { String(format: "%.0f%%", 100 * $0) } ?? "-") |\n"
        }
        return s.trimmingCharacters(in: .newlines)
    }

    /// `bidirectionalResults`: ours (the directions side by side) against ours with them one
    /// after the other ("seq"), PyTorch, onnxruntime and the GEMMs alone.
    static func bidirectionalTable(_ root: URL) throws -> String {
        var s = "| cell | dtype | pass | B, T, I, H | ours ms | one after the other / ours | torch ms | torch / ours | ort / ours | GEMMs alone / ours |\n"
            + "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
        for row in try speedRows(root, bidirectionalResults) {
            let (p, m) = (row.parts, row.ms)
            let ours = m["ours"]!
            func r(_ w: String) -> String { m[w].map { String(format: "%.2f", $0 / ours) } ?? "-" }
            s += "| \(p[0]) | \(p[1]) | \(p[6]) | \(p[2]), \(p[3]), \(p[4]), \(p[5]) | \(String(format: "%.1f", ours)) | \(r("seq")) | \(m["torch"].map { String(format: "%.1f", $0) } ?? "-") | \(r("torch")) | \(r("ort")) | \(r("gemm")) |\n"
        }
        return s.trimmingCharacters(in: .newlines)
    }

    /// The committed profiles of the cases that miss a target (`Benchmarks/profile.sh`): the
    /// summary table of `profiles`, quoted from the file so that the notebook cannot drift from it.
    static let profiles = "Benchmarks/profiles-2026-12-07.md"

    static func profileSummary(_ root: URL) throws -> String {
        let url = root.appendingPathComponent(profiles)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw RNNError(.io, url.path, "cannot read the profiles") }
        let lines = text.components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.hasPrefix("| case ") }) else { throw RNNError(.malformed, profiles, "no summary table") }
        let table = lines[start...].prefix { $0.hasPrefix("|") }
        return table.joined(separator: "\n") + "\n\n*From `\(profiles)` (perf record of `rnnref bench`, 2 threads; shares of all samples).*"
    }

    /// The GEMMs of one LSTM layer's forward and backward pass, as RNNBLAS schedules them, and
    /// the share of the floating-point work in each (B = 64, T = 100, I = H = 256; the backward
    /// weight GEMMs run per chunk of `backwardChunkSteps` steps, about 256 rows).
    static func gemmTable() -> String {
        let (nB, nT, nI, nH) = (64, 100, 256, 256)
        let chunk = backwardChunkSteps(batch: nB, steps: nT), chunks = (nT + chunk - 1) / chunk
        let rows: [(String, String, Int, Int, Int, Int)] = [
            ("forward", "X·W_x, once per chunk of \(chunk) steps (hoisted out of the time loop)", nB * chunk, nI, 4 * nH, chunks),
            ("forward", "h_{t−1}·W_h, once per step (the sequential part)", nB, nH, 4 * nH, nT),
            ("backward", "dz_t·W_hᵀ → dh_{t−1}, once per step (sequential)", nB, 4 * nH, nH, nT),
            ("backward", "Hᵀ·dZ for dW_h, once per chunk of \(chunk) steps", nH, nB * chunk, 4 * nH, chunks),
            ("backward", "Xᵀ·dZ for dW_x, once per chunk", nI, nB * chunk, 4 * nH, chunks),
            ("backward", "dZ·W_xᵀ → dX, once per chunk", nB * chunk, 4 * nH, nI, chunks),
        ]
        // the chunks cover T steps exactly: count the work over T, not over chunks·chunk
        func flops(_ r: (String, String, Int, Int, Int, Int)) -> Int {
            r.5 == chunks && chunks > 1 ? 2 * r.2 * r.3 * r.4 * nT / chunk : 2 * r.2 * r.3 * r.4 * r.5
        }
        let total = rows.map(flops).reduce(0, +)
        var s = "| pass | GEMM | M × K · K × N | calls | GFLOP | share of all GEMM work |\n| --- | --- | --- | --- | --- | --- |\n"
        for r in rows {
            let f = flops(r)
            s += "| \(r.0) | \(r.1) | \(r.2) × \(r.3) · \(r.3) × \(r.4) | \(r.5) | \(String(format: "%.3f", Double(f) / 1e9)) | \(String(format: "%.0f%%", 100 * Double(f) / Double(total))) |\n"
        }
        let sequential = flops(rows[1]) + flops(rows[2])
        s += "| | total | | \(rows.map(\.5).reduce(0, +)) | \(String(format: "%.3f", Double(total) / 1e9)) | 100% |\n"
        s += "\nThe two sequential rows do \(String(format: "%.0f%%", 100 * Double(sequential) / Double(total))) of the work in \(2 * nT) small calls ([\(nB), \(nH)] · [\(nH), \(4 * nH)] and back); the rest is \(4 * chunks) large calls."
        return s
    }
}
