import RNNCore
import RNNNumpy
import RNNScalar

/// `rnnref convert --matrix`: for every pair of layouts of one cell (TF v1, Keras 3, PyTorch,
/// ONNX, Flax), whether a weight conversion reproduces the function *exactly*, *exactly after
/// folding* (what is folded, and what that does to training), or is *impossible* (why). Every
/// exact entry is proven by `roundTrip` (tested): random weights in the source layout, converted,
/// give the same outputs, and converted back, the same outputs again.
///
/// The plain cells only: peepholes (TF, ONNX), `cell_clip`/`proj_clip` (TF), a projection (TF,
/// PyTorch), ONNX's `clip`, `input_forget` and other activations convert only where the target
/// has them (`LSTMConversion`, `GRUConversion` say which, and refuse the rest).
public enum ConversionMatrix {
    public enum Family: String, Sendable { case lstm = "LSTM", gru = "GRU" }

    public struct Layout: Sendable, Equatable {
        public var name: String
        public var family: Family
        /// The spec rnnref computes the layout with (Flax's: its Keras twin, see `FlaxCellConfig`).
        public var spec: CellSpec
        /// Flax's cell, when the layout is Flax's.
        public var flax: FlaxCellConfig?
        /// Biases per gate that reach the gate's input (TF's constant forget_bias aside).
        var biases: Int
        /// GRU: whether the reset multiplies h·U (after) or h (before).
        var resetAfter: Bool

        public static func == (a: Layout, b: Layout) -> Bool { a.name == b.name }
    }

    static let h = 3

    public static let lstm: [Layout] = {
        var tf = LSTMConfig(flavor: .tfLSTMCell, units: h)
        tf.forgetBias = 1
        return [
            Layout(name: "tf.LSTMCell", family: .lstm, spec: .lstm(tf), biases: 1, resetAfter: false),
            Layout(name: "keras.LSTM", family: .lstm, spec: .lstm(LSTMConfig(flavor: .keras, units: h)), biases: 1, resetAfter: false),
            Layout(name: "torch.nn.LSTM", family: .lstm, spec: .lstm(LSTMConfig(flavor: .torch, units: h)), biases: 2, resetAfter: false),
            Layout(name: "onnx.LSTM", family: .lstm, spec: .lstm(LSTMConfig(flavor: .onnx, units: h)), biases: 2, resetAfter: false),
            Layout(name: "flax.linen.LSTMCell", family: .lstm, spec: FlaxCellConfig(kind: .lstm, features: h).spec,
                   flax: FlaxCellConfig(kind: .lstm, features: h), biases: 1, resetAfter: false),
        ]
    }()

    public static let gru: [Layout] = [
        Layout(name: "tf.GRUCell", family: .gru, spec: .gru(GRUConfig(flavor: .tf, units: h)), biases: 1, resetAfter: false),
        Layout(name: "keras.GRU(reset_after=False)", family: .gru, spec: .gru(GRUConfig(flavor: .kerasResetBefore, units: h)), biases: 1, resetAfter: false),
        Layout(name: "onnx.GRU(linear_before_reset=0)", family: .gru, spec: .gru(GRUConfig(flavor: .onnx, units: h)), biases: 2, resetAfter: false),
        Layout(name: "keras.GRU(reset_after=True)", family: .gru, spec: .gru(GRUConfig(flavor: .kerasResetAfter, units: h)), biases: 2, resetAfter: true),
        Layout(name: "torch.nn.GRU", family: .gru, spec: .gru(GRUConfig(flavor: .torch, units: h)), biases: 2, resetAfter: true),
        Layout(name: "onnx.GRU(linear_before_reset=1)", family: .gru, spec: .gru(GRUConfig(flavor: .onnxLinearBeforeReset, units: h)), biases: 2, resetAfter: true),
        Layout(name: "flax.linen.GRUCell", family: .gru, spec: FlaxCellConfig(kind: .gru, features: h).spec,
               flax: FlaxCellConfig(kind: .gru, features: h), biases: 1, resetAfter: true),
    ]

    public static func layout(named n: String) throws -> Layout {
        guard let l = (lstm + gru).first(where: { $0.name == n }) else {
            throw RNNError(.unknown, "layout", "unknown layout \"\(n)\" (known: \((lstm + gru).map(\.name).joined(separator: ", ")))")
        }
        return l
    }

    public enum Verdict: Sendable, Equatable {
        case same
        case exact
        /// Exact for the outputs once `what` is folded (or split).
        case folded(String)
        case impossible(String)

        public var isExact: Bool { if case .impossible = self { return false } else { return true } }

        public var text: String {
            switch self {
            case .same: "="
            case .exact: "exact"
            case let .folded(what): "exact after folding: \(what)"
            case let .impossible(why): "impossible: \(why)"
            }
        }
    }

    public static func verdict(from a: Layout, to b: Layout) -> Verdict {
        if a == b { return .same }
        guard a.family == b.family else { return .impossible("an \(a.family.rawValue) is not a \(b.family.rawValue)") }
        if a.family == .gru && a.resetAfter != b.resetAfter {
            return .impossible("the reset multiplies \(a.resetAfter ? "h·U + b (after)" : "h (before)") in one and \(b.resetAfter ? "h·U + b (after)" : "h (before)") in the other; they differ whenever r ≠ 1, and no weights give one the other's function (`rnnref convert --counterexample`)")
        }
        var notes: [String] = []
        if a.name == "tf.LSTMCell" { notes.append("forget_bias into b_f (a constant: outputs and gradients unchanged)") }
        if a.family == .gru && b.flax != nil && a.biases == 2 {
            notes.append("the recurrent biases of r and z into the input ones (outside the reset product; b_hn stays inside): outputs kept, SGD and Adam on one bias are not on two")
        } else if a.biases == 2 && b.biases == 1 {
            notes.append("the two biases into one, b = b_ih + b_hh: outputs kept, SGD and Adam on one bias are not on two")
        } else if a.biases == 1 && b.biases == 2 {
            notes.append("one bias split into two, b_hh = 0: outputs kept, but trained, the pair's sum moves twice as fast under SGD")
        }
        return notes.isEmpty ? .exact : .folded(notes.joined(separator: "; "))
    }

    /// Converts `p` (named as `spec`, a cell of layout `a`, names them) to layout `b`, through
    /// `LSTMConversion` and `GRUConversion` (into TF, `forget_bias` is 0: it was folded); into
    /// Flax's GRU, the recurrent r and z biases are folded first. Returns `b`'s spec and weights.
    public static func convert<T: RNNFloat>(_ p: [String: Tensor<T>], _ spec: CellSpec, from a: Layout, to b: Layout,
                                            inputSize: Int) throws -> (CellSpec, [String: Tensor<T>]) {
        guard verdict(from: a, to: b).isExact else { throw RNNError(.unsupported, "convert", verdict(from: a, to: b).text) }
        switch (spec, b.spec) {
        case let (.lstm(ca), .lstm(cb)):
            let (c, q) = try LSTMConversion.convert(ca, inputSize: inputSize, parameters: p, to: cb.flavor)
            return (.lstm(c), q)
        case let (.gru(ca), .gru(cb)):
            let converted = try GRUConversion.convert(ca, inputSize: inputSize, parameters: p, to: cb.flavor)
            let c = converted.0
            var out = converted.1
            if b.flax != nil, var bias = out["bias"] {               // [2, 3H]: input row, recurrent row (z, r, h)
                let n = cb.units
                for j in 0..<(2 * n) { bias.data[j] += bias.data[3 * n + j]; bias.data[3 * n + j] = 0 }
                out["bias"] = bias
            }
            return (.gru(c), out)
        default:
            throw RNNError(.unsupported, "convert", "\(a.name) to \(b.name)")
        }
    }

    /// Random weights (uniform ±0.6, numpy RandomState(seed)) in `a`'s layout, converted to `b`
    /// and back: the largest difference of the outputs over B = 3 rows, T = 5 steps, I = 2,
    /// from a zero initial state, in float64 (there, then back again).
    public static func roundTrip(from a: Layout, to b: Layout, seed: Int) throws -> (there: Double, back: Double) {
        let (i, batch, steps) = (2, 3, 5)
        var rng = try numpyRandomState(seed: seed)
        func t(_ shape: [Int], _ s: Double) -> Tensor<Double> {
            Tensor(uncheckedShape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.uniform(-s, s) })
        }
        var p: [String: Tensor<Double>] = [:]
        for (n, shape) in a.spec.parameterShapes(inputSize: i) { p[n] = t(shape, 0.6) }
        if a.flax != nil, a.family == .gru, var bias = p["bias"] {    // Flax's GRU has no recurrent r and z biases
            for j in (3 * h)..<(5 * h) { bias.data[j] = 0 }
            p["bias"] = bias
        }
        let x = t([steps, batch, i], 1)
        func outputs(_ spec: CellSpec, _ q: [String: Tensor<Double>]) throws -> Tensor<Double> {
            let cell = try RNNScalar.Implementation.buildCell(spec, inputSize: i, given: q)
            return try DynamicRNN(cells: [cell], timeMajor: true).forward(x).outputs
        }
        func distance(_ u: Tensor<Double>, _ v: Tensor<Double>) -> Double { zip(u.data, v.data).map { abs($0 - $1) }.max() ?? 0 }
        let (sb, q) = try convert(p, a.spec, from: a, to: b, inputSize: i)
        let (sa, r) = try convert(q, sb, from: b, to: a, inputSize: i)
        let (y0, y1, y2) = (try outputs(a.spec, p), try outputs(sb, q), try outputs(sa, r))
        return (distance(y0, y1), distance(y0, y2))
    }

    /// The matrix of one family in markdown (rows: from; columns: to), what each fold folds
    /// lettered below it.
    public static func markdown(_ family: Family) -> String {
        let ls = family == .lstm ? lstm : gru
        var notes: [String] = []
        for a in ls { for b in ls { if case let .folded(w) = verdict(from: a, to: b), !notes.contains(w) { notes.append(w) } } }
        let letters = "abcdefghijklmnopqrstuvwxyz".map(String.init)
        var s = "| \(family.rawValue): from \\ to | " + ls.map { "`\($0.name)`" }.joined(separator: " | ") + " |\n"
        s += "| --- |" + String(repeating: " --- |", count: ls.count) + "\n"
        for a in ls {
            s += "| `\(a.name)` | " + ls.map { b in
                switch verdict(from: a, to: b) {
                case .same: return "="
                case .exact: return "exact"
                case let .folded(w): return "exact after folding (\(letters[notes.firstIndex(of: w)!]))"
                case .impossible: return "impossible (*)"
                }
            }.joined(separator: " | ") + " |\n"
        }
        for (k, w) in notes.enumerated() { s += "\n(\(letters[k])) \(w)." }
        if family == .gru, case let .impossible(why) = verdict(from: gru[0], to: gru[3]) { s += "\n(*) \(why)." }
        return s
    }

    /// `--counterexample`: for an impossible GRU pair, the weights and inputs (a search over
    /// numpy seeds and weight scales) where the nearest conversion (the same weights in both
    /// placements, `GRUVariantDrift`) parts most, and how far at every step.
    public static func counterexample(from a: Layout, to b: Layout, seeds: Int = 64) throws
        -> (seed: Int, scale: Double, steps: [GRUVariantDrift.Step]) {
        guard case .impossible = verdict(from: a, to: b) else {
            throw RNNError(.invalid, "--counterexample", "\(a.name) → \(b.name) is \(verdict(from: a, to: b).text): there is no counterexample")
        }
        guard a.family == .gru, b.family == .gru else { throw RNNError(.unsupported, "--counterexample", "only the GRU's two reset placements are impossible pairs") }
        var best: (seed: Int, scale: Double, steps: [GRUVariantDrift.Step])?
        for scale in [0.3, 0.6, 1.0, 2.0] {
            for seed in 0..<seeds {
                let s = try GRUVariantDrift.measure(units: 4, input: 3, batch: 4, steps: 20, seed: seed, scale: scale)
                if best == nil || s.map(\.maxAbs).max()! > best!.steps.map(\.maxAbs).max()! { best = (seed, scale, s) }
            }
        }
        return best!
    }
}
