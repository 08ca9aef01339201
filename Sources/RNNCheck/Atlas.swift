import Foundation
import RNNCore
import RNNFixtures
import RNNScalar

/// The cross-framework atlas of edge cases (`rnnref atlas`, notebook 13): rows are behaviours,
/// columns frameworks; every cell says what that framework does and names the fixture, generated
/// by that framework, that shows it. Each cell carries a check of its claim against the
/// fixture's own numbers (or, where the claim is about the model's form, its keys; the numbers
/// then pass `rnnref check` with that reading, as every fixture must): `Atlas.verify` runs them
/// all, and the test suite fails when a cell's fixture is missing or disagrees.
public enum Atlas {
    public enum Framework: String, CaseIterable, Sendable {
        case tf = "TF v1", keras = "Keras 3", torch = "PyTorch", onnx = "ONNX (onnxruntime)", flax = "Flax"
    }

    public struct Cell: Sendable {
        public var framework: Framework
        public var claim: String
        /// Relative to Fixtures/, without `.json`.
        public var fixture: String
        /// nil when the claim holds for the fixture, else why not.
        var check: @Sendable (AtlasFixture) throws -> String?
    }

    public struct Row: Sendable {
        public var behaviour: String
        public var cells: [Cell]
    }

    public struct Verdict: Sendable {
        public var behaviour: String
        public var framework: Framework
        public var fixture: String
        /// nil: the claim holds.
        public var failure: String?
    }

    /// Checks every cell against its fixture under `fixtures` (the Fixtures directory).
    public static func verify(fixtures: String) -> [Verdict] {
        rows.flatMap { row in
            row.cells.map { c in
                var failure: String?
                do {
                    let f = try Fixture.load(path: "\(fixtures)/\(c.fixture).json")
                    failure = try c.check(AtlasFixture(f))
                } catch let e as RNNError {
                    failure = e.description
                } catch {
                    failure = "\(error)"
                }
                return Verdict(behaviour: row.behaviour, framework: c.framework, fixture: c.fixture, failure: failure)
            }
        }
    }

    /// The claim of `framework`'s cell in the row `behaviour`, checked against `f` (any fixture,
    /// e.g. a doctored one): nil when it holds, else why not.
    public static func check(_ behaviour: String, _ framework: Framework, against f: Fixture) -> String? {
        guard let c = rows.first(where: { $0.behaviour == behaviour })?.cells.first(where: { $0.framework == framework }) else {
            return "no such cell"
        }
        do { return try c.check(AtlasFixture(f)) } catch { return "\(error)" }
    }

    /// The table in markdown: a column per framework, each cell its claim and fixture (with ✗
    /// and the reason where `verdicts` says a claim failed).
    public static func markdown(_ verdicts: [Verdict]) -> String {
        var s = "| behaviour | " + Framework.allCases.map(\.rawValue).joined(separator: " | ") + " |\n"
        s += "| --- |" + String(repeating: " --- |", count: Framework.allCases.count) + "\n"
        for row in rows {
            var line = "| \(row.behaviour) |"
            for fw in Framework.allCases {
                guard let c = row.cells.first(where: { $0.framework == fw }) else { line += " (no fixture) |"; continue }
                let v = verdicts.first { $0.behaviour == row.behaviour && $0.framework == fw }
                let mark = v?.failure.map { " **✗ \($0)**" } ?? ""
                line += " \(c.claim) (`\(c.fixture)`)\(mark) |"
            }
            s += line + "\n"
        }
        return s.trimmingCharacters(in: .newlines)
    }
}

/// A fixture as the atlas reads it: its expected numbers by layout.
public struct AtlasFixture: Sendable {
    public let fixture: Fixture
    let expected: ResultSet?

    init(_ f: Fixture) throws {
        fixture = f
        expected = f.document["expected"]?["refused"] != nil ? nil : try f.expected()
    }

    var model: [String: JSONValue] { fixture.model }

    func result(_ key: String) throws -> TensorData {
        guard let e = expected?.entry(key) else { throw RNNError(.missing, "expected.\(key)", "the atlas needs it") }
        return e.value
    }

    func tensor(_ modelKey: String) throws -> TensorData {
        guard let n = model[modelKey]?.stringValue else { throw RNNError(.missing, "model.\(modelKey)", "the atlas needs it") }
        return try fixture.tensor(n, key: "model.\(modelKey)")
    }

    /// Row lengths: `sequence_length`, `lengths`, `seq_lengths` or ONNX's `sequence_lens`.
    func lengths() throws -> [Int] {
        for k in ["sequence_length", "lengths", "seq_lengths"] where model[k] != nil { return try tensor(k).ints }
        if let n = model["inputs"]?["sequence_lens"]?.stringValue { return try fixture.tensor(n, key: "model.inputs.sequence_lens").ints }
        throw RNNError(.missing, "model", "the fixture has no lengths")
    }

    /// Keras' mask [B, T].
    func mask() throws -> [[Bool]] {
        let m = try tensor("mask")
        let (b, t) = (m.shape[0], m.shape[1])
        return (0..<b).map { r in (0..<t).map { m.values[r * t + $0] != 0 } }
    }
}

/// A [T, B, W] or [B, T, W] sequence (or one direction of ONNX's Y [T, D, B, H]) by step and row.
private struct Steps {
    let values: [Double]
    let steps: Int, batch: Int, width: Int
    let index: (Int, Int, Int) -> Int

    init(_ d: TensorData, timeMajor: Bool) {
        values = d.values
        width = d.shape[2]
        (steps, batch) = timeMajor ? (d.shape[0], d.shape[1]) : (d.shape[1], d.shape[0])
        let (t0, b0, w) = (steps, batch, width)
        index = timeMajor ? { t, b, j in (t * b0 + b) * w + j } : { t, b, j in (b * t0 + t) * w + j }
    }

    /// ONNX's Y [T, D, B, H], direction `d`.
    init(onnxY y: TensorData, direction d: Int) {
        values = y.values
        (steps, batch, width) = (y.shape[0], y.shape[2], y.shape[3])
        let (dirs, b0, w) = (y.shape[1], y.shape[2], y.shape[3])
        index = { t, b, j in ((t * dirs + d) * b0 + b) * w + j }
    }

    func at(_ t: Int, _ b: Int, columns: Range<Int>? = nil) -> [Double] {
        (columns ?? 0..<width).map { values[index(t, b, $0)] }
    }
}

/// Row b of a [.., B, W] state (the leading axes given by `lead`).
private func stateRow(_ d: TensorData, _ b: Int, lead: Int = 0) -> [Double] {
    let (batch, w) = (d.shape[d.shape.count - 2], d.shape[d.shape.count - 1])
    return Array(d.values[((lead * batch) + b) * w ..< ((lead * batch) + b + 1) * w])
}

private func close(_ a: [Double], _ b: [Double], _ tol: Double = 1e-12) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tol * max(1, abs($1)) }
}

private func isZero(_ a: [Double]) -> Bool { a.allSatisfy { $0 == 0 } }

extension Atlas {
    // The checks, each of one claim.

    /// Steps at or past each row's length output exactly 0.
    fileprivate static func zerosPastLengths(_ s: Steps, _ lengths: [Int]) -> String? {
        for b in 0..<s.batch { for t in lengths[b]..<s.steps where !isZero(s.at(t, b)) { return "row \(b) step \(t) is not 0" } }
        return lengths.allSatisfy { $0 >= s.steps } ? "no row is shorter than T" : nil
    }

    /// The final state row b equals the output at each row's `step(b)` (rows where it is ≥ 0).
    fileprivate static func stateIsOutput(_ state: TensorData, lead: Int = 0, _ s: Steps, columns: Range<Int>? = nil, rows: [Int], step: (Int) -> Int) -> String? {
        guard !rows.isEmpty else { return "no row to compare" }
        for b in rows where !close(stateRow(state, b, lead: lead), s.at(step(b), b, columns: columns)) {
            return "row \(b): the state is not the output at step \(step(b))"
        }
        return nil
    }

    public static let rows: [Row] = [
        Row(behaviour: "a row of length 0", cells: [
            Cell(framework: .tf, claim: "outputs 0; the final state is the initial state", fixture: "tf-basiclstm-f64-lengths") { f in
                let l = try f.lengths(), s = Steps(try f.result("outputs"), timeMajor: f.model["time_major"]?.boolValue ?? false)
                guard let b = l.firstIndex(of: 0) else { return "no row of length 0" }
                guard (0..<s.steps).allSatisfy({ isZero(s.at($0, b)) }) else { return "its outputs are not 0" }
                for k in 0..<2 where !close(stateRow(try f.result("final_state/\(k)"), b), stateRow(try f.tensor("initial_state", k), b)) {
                    return "final_state[\(k)] is not the initial state"
                }
                return nil
            },
            Cell(framework: .keras, claim: "(a mask all False) outputs 0; the final state is the initial state", fixture: "keras-lstm-mask-empty-row-f64") { f in
                let m = try f.mask(), s = Steps(try f.result("outputs"), timeMajor: false)
                guard let b = m.firstIndex(where: { !$0.contains(true) }) else { return "no row masked throughout" }
                guard (0..<s.steps).allSatisfy({ isZero(s.at($0, b)) }) else { return "its outputs are not 0" }
                for k in 0..<2 where !close(stateRow(try f.result("final_state/\(k)"), b), stateRow(try f.tensor("initial_state", k), b)) {
                    return "final_state[\(k)] is not the initial state"
                }
                return nil
            },
            Cell(framework: .torch, claim: "refused: `pack_padded_sequence` needs every length ≥ 1 (rnnref refuses too)",
                 fixture: "refusals/torch-lstm-packed-zero-length-refused") { f in
                guard let theirs = f.fixture.document["expected"]?["refused"]?.stringValue, theirs.contains("greater than 0") else {
                    return "the fixture records no refusal"
                }
                guard (try f.lengths()).contains(0) else { return "no row of length 0" }
                do { _ = try FixtureRunner.run(f.fixture, impl: RNNScalar.Implementation.self); return "rnnref computed it" } catch is RNNError { return nil }
            },
            Cell(framework: .onnx, claim: "Y 0; Y_h and Y_c 0, not the initial state", fixture: "onnx-lstm-zero-length-rows") { f in
                let l = try f.lengths(), y = try f.result("outputs")
                guard let b = l.firstIndex(of: 0) else { return "no row of length 0" }
                for d in 0..<y.shape[1] {
                    let s = Steps(onnxY: y, direction: d)
                    guard (0..<s.steps).allSatisfy({ isZero(s.at($0, b)) }) else { return "direction \(d)'s Y is not 0" }
                    for k in 0..<2 where !isZero(stateRow(try f.result("final_state/\(k)"), b, lead: d)) { return "final_state[\(k)] is not 0" }
                }
                let h0 = try f.fixture.tensor(f.model["inputs"]?["initial_h"]?.stringValue ?? "", key: "model.inputs.initial_h")
                return isZero(stateRow(h0, b)) ? "the initial state is 0 too: the fixture cannot tell" : nil
            },
            Cell(framework: .flax, claim: "the cell runs every step; the carry is the one after all T steps (index −1 wraps around)",
                 fixture: "flax-lstm-seq-lengths") { f in
                let l = try f.lengths(), s = Steps(try f.result("outputs"), timeMajor: f.model["time_major"]?.boolValue ?? false)
                guard let b = l.firstIndex(of: 0) else { return "no row of length 0" }
                guard !isZero(s.at(0, b)) else { return "its outputs are 0" }
                return stateIsOutput(try f.result("final_state/1"), s, rows: [b]) { _ in s.steps - 1 }
            },
        ]),
        Row(behaviour: "outputs past a row's length", cells: [
            Cell(framework: .tf, claim: "0", fixture: "tf-basiclstm-f64-lengths") { f in
                zerosPastLengths(Steps(try f.result("outputs"), timeMajor: f.model["time_major"]?.boolValue ?? false), try f.lengths())
            },
            Cell(framework: .keras, claim: "(masked steps) the previous output, or 0 with `zero_output_for_mask=True`", fixture: "keras-lstm-mask-f64") { f in
                guard f.model["zero_output_for_mask"]?.boolValue == false else { return "not the default zero_output_for_mask=False" }
                let m = try f.mask(), s = Steps(try f.result("outputs"), timeMajor: false)
                var seen = 0
                for b in 0..<s.batch { for t in 1..<s.steps where !m[b][t] {
                    guard close(s.at(t, b), s.at(t - 1, b)) else { return "row \(b) step \(t) is not the previous output" }
                    seen += 1
                } }
                return seen == 0 ? "no masked step after the first" : nil
            },
            Cell(framework: .torch, claim: "0 (`pad_packed_sequence` pads with 0, to max(lengths) steps)", fixture: "torch-lstm-packed-f64") { f in
                zerosPastLengths(Steps(try f.result("outputs"), timeMajor: !(f.model["batch_first"]?.boolValue ?? false)), try f.lengths())
            },
            Cell(framework: .onnx, claim: "Y 0", fixture: "onnx-lstm-issue-example") { f in
                let y = try f.result("outputs"), l = try f.lengths()
                for d in 0..<y.shape[1] { if let why = zerosPastLengths(Steps(onnxY: y, direction: d), l) { return "direction \(d): \(why)" } }
                return nil
            },
            Cell(framework: .flax, claim: "the cell's outputs on the padding: neither 0 nor the last output", fixture: "flax-lstm-seq-lengths") { f in
                let l = try f.lengths(), s = Steps(try f.result("outputs"), timeMajor: f.model["time_major"]?.boolValue ?? false)
                var seen = 0
                for b in 0..<s.batch { for t in max(1, l[b])..<s.steps {
                    guard !isZero(s.at(t, b)), !close(s.at(t, b), s.at(t - 1, b)) else { return "row \(b) step \(t) is 0 or repeated" }
                    seen += 1
                } }
                return seen == 0 ? "no padding" : nil
            },
        ]),
        Row(behaviour: "the final state of a row shorter than T", cells: [
            Cell(framework: .tf, claim: "the state after the row's last step", fixture: "tf-basiclstm-f64-lengths") { f in
                let l = try f.lengths(), s = Steps(try f.result("outputs"), timeMajor: f.model["time_major"]?.boolValue ?? false)
                return stateIsOutput(try f.result("final_state/1"), s, rows: l.indices.filter { l[$0] > 0 && l[$0] < s.steps }) { l[$0] - 1 }
            },
            Cell(framework: .keras, claim: "the state after the last unmasked step", fixture: "keras-lstm-mask-f64") { f in
                let m = try f.mask(), s = Steps(try f.result("outputs"), timeMajor: false)
                let last = m.map { $0.lastIndex(of: true) ?? -1 }
                return stateIsOutput(try f.result("final_state/0"), s, rows: last.indices.filter { last[$0] >= 0 && last[$0] < s.steps - 1 }) { last[$0] }
            },
            Cell(framework: .torch, claim: "`h_n`: the state after the row's last step", fixture: "torch-lstm-packed-f64") { f in
                let l = try f.lengths(), s = Steps(try f.result("outputs"), timeMajor: !(f.model["batch_first"]?.boolValue ?? false))
                return stateIsOutput(try f.result("final_state/0"), s, rows: l.indices.filter { l[$0] < s.steps }) { l[$0] - 1 }
            },
            Cell(framework: .onnx, claim: "`Y_h`: the state after the row's last step", fixture: "onnx-lstm-issue-example") { f in
                let l = try f.lengths(), s = Steps(onnxY: try f.result("outputs"), direction: 0)
                return stateIsOutput(try f.result("final_state/0"), s, rows: l.indices.filter { l[$0] > 0 && l[$0] < s.steps }) { l[$0] - 1 }
            },
            Cell(framework: .flax, claim: "the carry after the row's last step (with `return_carry`)", fixture: "flax-lstm-seq-lengths") { f in
                let l = try f.lengths(), s = Steps(try f.result("outputs"), timeMajor: f.model["time_major"]?.boolValue ?? false)
                return stateIsOutput(try f.result("final_state/1"), s, rows: l.indices.filter { l[$0] > 0 && l[$0] < s.steps }) { l[$0] - 1 }
            },
        ]),
        Row(behaviour: "an LSTM's state order (initial and final)", cells: [
            Cell(framework: .tf, claim: "`(c, h)` (`LSTMStateTuple`)", fixture: "tf-basiclstm-f64-lengths") { f in
                let l = try f.lengths(), s = Steps(try f.result("outputs"), timeMajor: f.model["time_major"]?.boolValue ?? false)
                return stateIsOutput(try f.result("final_state/1"), s, rows: l.indices.filter { l[$0] == s.steps }) { _ in s.steps - 1 }
            },
            Cell(framework: .keras, claim: "`[h, c]`", fixture: "keras-lstm-f32") { f in
                let s = Steps(try f.result("outputs"), timeMajor: false)
                return stateIsOutput(try f.result("final_state/0"), s, rows: Array(0..<s.batch)) { _ in s.steps - 1 }
            },
            Cell(framework: .torch, claim: "`(h_n, c_n)`, each [layers·D, B, H]", fixture: "torch-lstm-f32") { f in
                let s = Steps(try f.result("outputs"), timeMajor: !(f.model["batch_first"]?.boolValue ?? false))
                return stateIsOutput(try f.result("final_state/0"), s, rows: Array(0..<s.batch)) { _ in s.steps - 1 }
            },
            Cell(framework: .onnx, claim: "`initial_h, initial_c` in; `Y_h, Y_c` out, each [D, B, H]", fixture: "onnx-lstm-zero-length-rows") { f in
                let l = try f.lengths(), s = Steps(onnxY: try f.result("outputs"), direction: 0)
                return stateIsOutput(try f.result("final_state/0"), s, rows: l.indices.filter { l[$0] == s.steps }) { _ in s.steps - 1 }
            },
            Cell(framework: .flax, claim: "`(c, h)`", fixture: "flax-optimized-lstm") { f in
                let s = Steps(try f.result("outputs"), timeMajor: f.model["time_major"]?.boolValue ?? false)
                return stateIsOutput(try f.result("final_state/1"), s, rows: Array(0..<s.batch)) { _ in s.steps - 1 }
            },
        ]),
        Row(behaviour: "a bidirectional layer's backward final state", cells: [
            Cell(framework: .tf, claim: "`(state_fw, state_bw)`; the backward state is the one after step 0 (each row reversed within its length)",
                 fixture: "tf-bidi-lstm-f64-lengths") { f in
                let l = try f.lengths(), s = Steps(try f.result("outputs/1"), timeMajor: f.model["time_major"]?.boolValue ?? false)
                return stateIsOutput(try f.result("final_state/3"), s, rows: l.indices.filter { l[$0] > 0 }) { _ in 0 }
            },
            Cell(framework: .keras, claim: "`[h_fw, c_fw, h_bw, c_bw]`; the backward state is the one after step 0", fixture: "keras-bidi-lstm-concat") { f in
                let s = Steps(try f.result("outputs"), timeMajor: false), h = s.width / 2
                return stateIsOutput(try f.result("final_state/2"), s, columns: h..<2 * h, rows: Array(0..<s.batch)) { _ in 0 }
            },
            Cell(framework: .torch, claim: "`h_n[2·layer + direction]`, forward first; the backward state is the one after step 0",
                 fixture: "torch-lstm-bidirectional-packed-proj-f64") { f in
                let s = Steps(try f.result("outputs"), timeMajor: !(f.model["batch_first"]?.boolValue ?? false)), p = s.width / 2
                let layers = f.model["num_layers"]?.numberValue.map(Int.init) ?? 1
                return stateIsOutput(try f.result("final_state/0"), lead: 2 * (layers - 1) + 1, s, columns: p..<2 * p, rows: Array(0..<s.batch)) { _ in 0 }
            },
            Cell(framework: .onnx, claim: "`Y_h[1]` (forward first); the state after step 0", fixture: "onnx-lstm-zero-length-rows") { f in
                let l = try f.lengths(), s = Steps(onnxY: try f.result("outputs"), direction: 1)
                return stateIsOutput(try f.result("final_state/0"), lead: 1, s, rows: l.indices.filter { l[$0] > 0 }) { _ in 0 }
            },
            Cell(framework: .flax, claim: "`(carry_fw, carry_bw)`; the backward carry is the one after step 0 (`keep_order=True`)",
                 fixture: "flax-bidirectional-lstm-seq-lengths") { f in
                let l = try f.lengths(), s = Steps(try f.result("outputs"), timeMajor: false), h = s.width / 2
                return stateIsOutput(try f.result("final_state/3"), s, columns: h..<2 * h, rows: l.indices.filter { l[$0] > 0 }) { _ in 0 }
            },
        ]),
        Row(behaviour: "the reverse direction with lengths", cells: [
            Cell(framework: .tf, claim: "within each length (`tf.reverse_sequence`); outputs in the input's order, 0 past the length",
                 fixture: "tf-bidi-lstm-f64-lengths") { f in
                zerosPastLengths(Steps(try f.result("outputs/1"), timeMajor: f.model["time_major"]?.boolValue ?? false), try f.lengths())
            },
            Cell(framework: .keras, claim: "(`go_backwards`) over the whole sequence, outputs returned reversed: the last is the state after step 0",
                 fixture: "keras-simplernn-go-backwards-f64") { f in
                guard f.model["go_backwards"]?.boolValue == true else { return "not go_backwards" }
                let s = Steps(try f.result("outputs"), timeMajor: false), final = try f.result("final_state/0")
                // re-reversed into the input's order, step 0 would hold the final state
                if (0..<s.batch).contains(where: { close(stateRow(final, $0), s.at(0, $0)) }) { return "step 0 holds the final state" }
                return stateIsOutput(final, s, rows: Array(0..<s.batch)) { _ in s.steps - 1 }
            },
            Cell(framework: .torch, claim: "within each length; outputs in the input's order, 0 past the length",
                 fixture: "torch-lstm-bidirectional-packed-proj-f64") { f in
                let s = Steps(try f.result("outputs"), timeMajor: !(f.model["batch_first"]?.boolValue ?? false)), p = s.width / 2
                let l = try f.lengths()
                for b in 0..<s.batch { for t in l[b]..<s.steps where !isZero(s.at(t, b, columns: p..<2 * p)) { return "row \(b) step \(t) is not 0" } }
                return nil
            },
            Cell(framework: .onnx, claim: "within each length; Y in the input's order (Y_h is Y at step 0), 0 past the length",
                 fixture: "onnx-gru-zero-length-rows-clip") { f in
                let l = try f.lengths(), s = Steps(onnxY: try f.result("outputs"), direction: 0)
                if let why = zerosPastLengths(s, l) { return why }
                return stateIsOutput(try f.result("final_state/0"), s, rows: l.indices.filter { l[$0] > 0 }) { _ in 0 }
            },
            Cell(framework: .flax, claim: "within each length with the padding flipped behind it; outputs in processing order unless `keep_order`",
                 fixture: "flax-gru-reverse-seq-lengths") { f in
                let l = try f.lengths(), s = Steps(try f.result("outputs"), timeMajor: f.model["time_major"]?.boolValue ?? false)
                guard f.model["keep_order"]?.boolValue != true else { return "keep_order is set" }
                return stateIsOutput(try f.result("final_state/0"), s, rows: l.indices.filter { l[$0] > 0 && l[$0] < s.steps }) { l[$0] - 1 }
            },
        ]),
        Row(behaviour: "an LSTM's biases", cells: [
            Cell(framework: .tf, claim: "one, `bias` [4H] (gates i, j, f, o)", fixture: "tf-lstm-noproj-fb1-f32") { f in
                biases(f, ["bias"], in: f.model["cells"]?.arrayValue?.first?["weights"])
            },
            Cell(framework: .keras, claim: "one, `bias` [4H] (gates i, f, c, o)", fixture: "keras-lstm-f32") { f in
                f.model["use_bias"]?.boolValue == true && f.fixture.tensors.keys.filter({ $0.hasSuffix("bias") }).count == 1 ? nil : "not one bias"
            },
            Cell(framework: .torch, claim: "two, `bias_ih` and `bias_hh` [4H]: only their sum matters to the outputs (not to SGD or Adam)",
                 fixture: "torch-lstm-f32") { f in
                biases(f, ["bias_ih_l0", "bias_hh_l0"], in: f.model["weights"])
            },
            Cell(framework: .onnx, claim: "two, `B` = [Wb, Rb] [D, 8H]", fixture: "onnx-node-test-lstm-with-initial-bias") { f in
                let b = try f.fixture.tensor(f.model["inputs"]?["B"]?.stringValue ?? "", key: "model.inputs.B")
                return b.shape.last == 8 * (f.model["attributes"]?["hidden_size"]?.numberValue.map(Int.init) ?? 0) ? nil : "B is not [D, 8H]"
            },
            Cell(framework: .flax, claim: "one per gate, on the hidden side only (`hi/bias`, …); the input Dense layers have none",
                 fixture: "flax-lstm-default-init") { f in
                let p = f.model["params"]?.objectValue?.keys.filter { $0.hasSuffix("/bias") }.sorted() ?? []
                return p == ["cell/hf/bias", "cell/hg/bias", "cell/hi/bias", "cell/ho/bias"] ? nil : "biases \(p)"
            },
        ]),
        Row(behaviour: "the forget gate's +1", cells: [
            Cell(framework: .tf, claim: "`forget_bias=1.0` added inside the function (not in `bias`)", fixture: "tf-lstm-noproj-fb1-f32") { f in
                (f.model["cells"]?.arrayValue?.first?["forget_bias"]?.numberValue ?? 1) == 1 ? nil : "forget_bias is not 1"
            },
            Cell(framework: .keras, claim: "nothing added: `unit_forget_bias=True` only initialises b_f to 1", fixture: "keras-lstm-f32") { f in
                guard f.model["unit_forget_bias"]?.boolValue == true else { return "unit_forget_bias is not set" }
                let b = try f.fixture.tensor(f.fixture.tensors.keys.first { $0.hasSuffix("bias") } ?? "", key: "bias")
                let h = b.values.count / 4
                return b.values[h ..< 2 * h].allSatisfy { $0 == 1 } ? "b_f is still its initial 1: the fixture cannot tell" : nil
            },
            Cell(framework: .torch, claim: "nothing", fixture: "torch-lstm-f32") { f in f.model["forget_bias"] == nil ? nil : "a forget_bias key" },
            Cell(framework: .onnx, claim: "nothing", fixture: "onnx-node-test-lstm-with-initial-bias") { f in
                f.model["attributes"]?["forget_bias"] == nil ? nil : "a forget_bias attribute"
            },
            Cell(framework: .flax, claim: "nothing; the biases start at 0", fixture: "flax-lstm-default-init") { f in
                for (path, name) in f.model["params"]?.objectValue ?? [:] where path.hasSuffix("/bias") {
                    guard isZero(try f.fixture.tensor(name.stringValue ?? "", key: "model.params.\(path)").values) else { return "\(path) is not 0" }
                }
                return nil
            },
        ]),
        Row(behaviour: "a GRU's reset gate", cells: [
            Cell(framework: .tf, claim: "before the product: (r ⊙ h)·U (`tf.GRUCell`)", fixture: "tf-gru-f64") { f in
                f.model["cells"]?.arrayValue?.first?["kind"]?.stringValue == "tf.GRUCell" ? nil : "not a tf.GRUCell"
            },
            Cell(framework: .keras, claim: "after the product by default: r ⊙ (h·U + b_rec) (`reset_after=True`)", fixture: "keras-gru-resetafter-f32") { f in
                f.model["reset_after"]?.boolValue ?? true ? nil : "reset_after is false"
            },
            Cell(framework: .torch, claim: "after: r ⊙ (h·W_hn + b_hn)", fixture: "torch-gru-2layer-f64") { f in f.fixture.kind == "torch.nn.GRU" ? nil : "not a GRU" },
            Cell(framework: .onnx, claim: "before by default (`linear_before_reset=0`), with Rbh outside the product", fixture: "onnx-node-test-gru-defaults") { f in
                (f.model["attributes"]?["linear_before_reset"]?.numberValue ?? 0) == 0 ? nil : "linear_before_reset is set"
            },
            Cell(framework: .flax, claim: "after: r ⊙ (h·W_hn + b_hn) (`GRUCell`)", fixture: "flax-gru-reverse-keep-order") { f in
                f.model["cell"]?["kind"]?.stringValue == "flax.linen.GRUCell" ? nil : "not a GRUCell"
            },
        ]),
        Row(behaviour: "clipping", cells: [
            Cell(framework: .tf, claim: "`cell_clip` bounds c (and `proj_clip` the projection)", fixture: "tf-lstm-clip-noproj-fb1-f32") { f in
                f.model["cells"]?.arrayValue?.first?["cell_clip"]?.numberValue != nil ? nil : "no cell_clip"
            },
            Cell(framework: .keras, claim: "none", fixture: "keras-lstm-f32") { f in f.model["cell_clip"] == nil ? nil : "a clip key" },
            Cell(framework: .torch, claim: "none", fixture: "torch-lstm-f32") { f in f.model["cell_clip"] == nil ? nil : "a clip key" },
            Cell(framework: .onnx, claim: "`clip` bounds every activation's input; never c", fixture: "onnx-lstm-clip-bites") { f in
                f.model["attributes"]?["clip"]?.numberValue != nil ? nil : "no clip"
            },
            Cell(framework: .flax, claim: "none", fixture: "flax-lstm-default-init") { f in f.model["cell"]?["cell_clip"] == nil ? nil : "a clip key" },
        ]),
        Row(behaviour: "a coupled input and forget gate", cells: [
            Cell(framework: .tf, claim: "`CoupledInputForgetGateLSTMCell`: i = 1 − f", fixture: "tf-cifg-noproj-f32") { f in
                f.model["cells"]?.arrayValue?.first?["kind"]?.stringValue == "tf.contrib.rnn.CoupledInputForgetGateLSTMCell" ? nil : "not the coupled cell"
            },
            Cell(framework: .keras, claim: "none", fixture: "keras-lstm-f32") { _ in nil },
            Cell(framework: .torch, claim: "none", fixture: "torch-lstm-f32") { _ in nil },
            Cell(framework: .onnx, claim: "`input_forget=1`: f = 1 − i (the other way round)", fixture: "onnx-random-lstm-5") { f in
                f.model["attributes"]?["input_forget"]?.numberValue == 1 ? nil : "input_forget is not 1"
            },
            Cell(framework: .flax, claim: "none", fixture: "flax-lstm-default-init") { _ in nil },
        ]),
    ]

    /// The fixture's bias weights are exactly `names`.
    static func biases(_ f: AtlasFixture, _ names: [String], in weights: JSONValue?) -> String? {
        let have = weights?.objectValue?.keys.filter { $0.contains("bias") }.sorted() ?? []
        return have == names.sorted() ? nil : "biases \(have)"
    }
}

extension AtlasFixture {
    /// Model key `key`'s k-th tensor (a list of names).
    func tensor(_ key: String, _ k: Int) throws -> TensorData {
        guard let list = model[key]?.arrayValue, k < list.count, let n = list[k].stringValue else { throw RNNError(.missing, "model.\(key)[\(k)]", "the atlas needs it") }
        return try fixture.tensor(n, key: "model.\(key)[\(k)]")
    }
}
