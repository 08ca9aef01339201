/// Exact conversions of LSTM weights between TensorFlow's fused layout, Keras and PyTorch.
///
/// | | TF `LSTMCell` / `BasicLSTMCell` | Keras `LSTMCell` | PyTorch `nn.LSTM` layer |
/// | --- | --- | --- | --- |
/// | input weights | `kernel[0..<I]` [I, 4H] | `kernel` [I, 4H] | `weight_ih` [4H, I] (transposed) |
/// | recurrent weights | `kernel[I..<I+P]` [P, 4H] | `recurrent_kernel` [H, 4H] | `weight_hh` [4H, P] |
/// | gate order | `i, j, f, o` | `i, f, c, o` | `i, f, g, o` |
/// | bias | `bias` [4H] + constant `forget_bias` on f | `bias` [4H] | `bias_ih` + `bias_hh` |
/// | projection | `projection/kernel` [H, P] | — | `weight_hr` [P, H] |
/// | state | `(c, m)` | `[h, c]` | `(h, c)`, stacked by layer |
///
/// Going through one canonical form: per gate role, W_x [I, H], W_h [P, H], b [H] (with TF's
/// `forget_bias` folded into b_f, and PyTorch's two biases summed). What no other framework can
/// express (peepholes, `cell_clip`, `proj_clip`, a projection into Keras, activations other
/// than tanh/σ into PyTorch) fails with an error that says so.
public enum LSTMConversion {
    struct Canonical<T: RNNFloat> {
        var units: Int
        var inputSize: Int
        var outputWidth: Int
        var wx: [LSTMGate: [T]]      // [I, H] row-major
        var wh: [LSTMGate: [T]]      // [P, H]
        var b: [LSTMGate: [T]]       // [H]
        var projection: [T]?         // [H, P]
        var peepholes: (i: [T], f: [T], o: [T])?
    }

    /// Converts `parameters` of a cell `config` to `flavor`; returns the new config and
    /// parameters (named as the target framework names them).
    public static func convert<T: RNNFloat>(_ config: LSTMConfig, inputSize: Int, parameters: [String: Tensor<T>],
                                            to flavor: LSTMFlavor) throws -> (LSTMConfig, [String: Tensor<T>]) {
        let p = try Parameters(spec: .lstm(config), inputSize: inputSize, given: parameters)
        let canon = decompose(config, inputSize: inputSize, p)
        var target = LSTMConfig(flavor: flavor, units: config.units)
        target.forgetBias = 0
        target.projection = config.projection
        target.activation = config.activation
        target.recurrentActivation = config.recurrentActivation
        target.useBias = true
        let from = config.flavor.rawValue, to = flavor.rawValue
        if config.gateClip != nil { throw RNNError(.unsupported, "convert", "\(from) clips every gate's input (ONNX clip), which \(to) cannot express (TF's cell_clip clips the cell state)") }
        if config.inputForget { throw RNNError(.unsupported, "convert", "\(from) couples the forget gate to the input gate (f = 1 − i), which \(to) cannot express") }
        if config.outputActivation.map({ $0 != config.activation }) ?? false {
            throw RNNError(.unsupported, "convert", "\(from) applies a third activation to the cell state, which \(to) cannot express")
        }
        if flavor == .onnx {
            target.usePeepholes = config.usePeepholes
            if config.cellClip != nil { throw RNNError(.unsupported, "convert", "\(from) uses cell_clip, which \(to) cannot express (its clip bounds the gates' inputs)") }
            if config.projection != nil { throw RNNError(.unsupported, "convert", "\(from) projects its output, which \(to) cannot express") }
        } else if flavor == .tfLSTMCell {
            target.usePeepholes = config.usePeepholes
            target.cellClip = config.cellClip
            target.projClip = config.projClip
        } else {
            if config.usePeepholes && flavor != .onnx { throw RNNError(.unsupported, "convert", "\(from) uses peepholes, which \(to) has not") }
            if config.cellClip != nil { throw RNNError(.unsupported, "convert", "\(from) uses cell_clip, which \(to) cannot express") }
            if config.projClip != nil { throw RNNError(.unsupported, "convert", "\(from) uses proj_clip, which \(to) cannot express") }
        }
        if !config.stateIsTuple && flavor != .tfLSTMCell && flavor != .tfBasicLSTMCell {
            throw RNNError(.unsupported, "convert", "state_is_tuple=False is TensorFlow's; convert the concatenated state by hand")
        }
        if config.recurrentActivation != .sigmoid && flavor != .keras && flavor != .onnx {
            throw RNNError(.unsupported, "convert", "\(to) gates use the sigmoid; \(from) uses \(config.recurrentActivation.rawValue)")
        }
        if flavor == .onnx { target.outputActivation = nil }
        if config.activation != .tanh && flavor == .torch {
            throw RNNError(.unsupported, "convert", "torch.nn.LSTM uses tanh; \(from) uses \(config.activation.rawValue)")
        }
        if config.projection != nil && (flavor == .keras || flavor == .tfBasicLSTMCell) {
            throw RNNError(.unsupported, "convert", "\(from) projects its output (num_proj/proj_size), which \(to) cannot express")
        }
        if flavor == .tfLSTMCell || flavor == .tfBasicLSTMCell { target.stateIsTuple = config.stateIsTuple }
        return (target, compose(canon, target))
    }

    static func decompose<T: RNNFloat>(_ c: LSTMConfig, inputSize: Int, _ p: Parameters<T>) -> Canonical<T> {
        let (h, i, pw) = (c.units, inputSize, c.outputWidth)
        var out = Canonical<T>(units: h, inputSize: i, outputWidth: pw, wx: [:], wh: [:], b: [:], projection: nil)
        func block(_ m: Tensor<T>, rows: Range<Int>, gate: LSTMGate, transposed: Bool) -> [T] {
            // logical [rows.count, H] slice of gate `gate`'s columns
            let cols = c.columns(gate)
            var r: [T] = []
            r.reserveCapacity(rows.count * h)
            for k in rows { for j in cols { r.append(transposed ? m[j, k] : m[k, j]) } }
            return r
        }
        var bias = [T](repeating: 0, count: 4 * h)
        switch c.flavor {
        case .tfLSTMCell, .tfBasicLSTMCell:
            for g in LSTMGate.allCases {
                out.wx[g] = block(p["kernel"], rows: 0..<i, gate: g, transposed: false)
                out.wh[g] = block(p["kernel"], rows: i..<(i + pw), gate: g, transposed: false)
            }
            bias = p["bias"].data
            for j in c.columns(.forget) { bias[j] += T(c.forgetBias) }
            if c.projection != nil { out.projection = p["projection/kernel"].data }
            if c.usePeepholes { out.peepholes = (p["w_i_diag"].data, p["w_f_diag"].data, p["w_o_diag"].data) }
        case .onnx:
            for g in LSTMGate.allCases {
                out.wx[g] = block(p["W"], rows: 0..<i, gate: g, transposed: true)
                out.wh[g] = block(p["R"], rows: 0..<pw, gate: g, transposed: true)
            }
            if c.useBias { for j in 0..<(4 * h) { bias[j] = p["Wb"].data[j] + p["Rb"].data[j] } }
            if c.usePeepholes { out.peepholes = (p["P_i"].data, p["P_f"].data, p["P_o"].data) }
        case .keras:
            for g in LSTMGate.allCases {
                out.wx[g] = block(p["kernel"], rows: 0..<i, gate: g, transposed: false)
                out.wh[g] = block(p["recurrent_kernel"], rows: 0..<pw, gate: g, transposed: false)
            }
            if c.useBias { bias = p["bias"].data }
        case .torch:
            for g in LSTMGate.allCases {
                out.wx[g] = block(p["weight_ih"], rows: 0..<i, gate: g, transposed: true)
                out.wh[g] = block(p["weight_hh"], rows: 0..<pw, gate: g, transposed: true)
            }
            if c.useBias { for j in 0..<(4 * h) { bias[j] = p["bias_ih"].data[j] + p["bias_hh"].data[j] } }
            if let pr = c.projection {
                let w = p["weight_hr"]           // [P, H] → [H, P]
                out.projection = (0..<(h * pr)).map { k in w[k % pr, k / pr] }
            }
        }
        for g in LSTMGate.allCases { out.b[g] = Array(bias[c.columns(g)]) }
        return out
    }

    static func compose<T: RNNFloat>(_ k: Canonical<T>, _ c: LSTMConfig) -> [String: Tensor<T>] {
        let (h, i, pw) = (k.units, k.inputSize, k.outputWidth)
        func fused(_ parts: [LSTMGate: [T]], rows: Int) -> Tensor<T> {
            var m = Tensor<T>(zeros: [rows, 4 * h])
            for g in LSTMGate.allCases {
                let cols = c.columns(g)
                for r in 0..<rows { for (jj, j) in cols.enumerated() { m[r, j] = parts[g]![r * h + jj] } }
            }
            return m
        }
        func transposed(_ m: Tensor<T>) -> Tensor<T> {
            var t = Tensor<T>(zeros: [m.shape[1], m.shape[0]])
            for r in 0..<m.shape[0] { for j in 0..<m.shape[1] { t[j, r] = m[r, j] } }
            return t
        }
        var bias = Tensor<T>(zeros: [4 * h])
        for g in LSTMGate.allCases { for (jj, j) in c.columns(g).enumerated() { bias.data[j] = k.b[g]![jj] } }
        let wx = fused(k.wx, rows: i), wh = fused(k.wh, rows: pw)
        switch c.flavor {
        case .tfLSTMCell, .tfBasicLSTMCell:
            var kernel = Tensor<T>(zeros: [i + pw, 4 * h])
            kernel.data = wx.data + wh.data
            var out = ["kernel": kernel, "bias": bias]
            if let pr = k.projection { out["projection/kernel"] = Tensor(uncheckedShape: [h, pw], data: pr) }
            if c.usePeepholes, let ph = k.peepholes {
                out["w_i_diag"] = Tensor(uncheckedShape: [h], data: ph.i)
                out["w_f_diag"] = Tensor(uncheckedShape: [h], data: ph.f)
                out["w_o_diag"] = Tensor(uncheckedShape: [h], data: ph.o)
            }
            return out
        case .keras:
            return ["kernel": wx, "recurrent_kernel": wh, "bias": bias]
        case .torch:
            var out = ["weight_ih": transposed(wx), "weight_hh": transposed(wh), "bias_ih": bias, "bias_hh": Tensor(zeros: [4 * h])]
            if let pr = k.projection { out["weight_hr"] = transposed(Tensor(uncheckedShape: [h, pw], data: pr)) }
            return out
        case .onnx:
            var out = ["W": transposed(wx), "R": transposed(wh), "Wb": bias, "Rb": Tensor(zeros: [4 * h])]
            if c.usePeepholes, let ph = k.peepholes {
                out["P_i"] = Tensor(uncheckedShape: [h], data: ph.i)
                out["P_o"] = Tensor(uncheckedShape: [h], data: ph.o)
                out["P_f"] = Tensor(uncheckedShape: [h], data: ph.f)
            }
            return out
        }
    }

    /// A cell's state list (in `from`'s order) in `to`'s order: TF `(c, m)` ↔ `(h, c)`.
    public static func convertState<T: RNNFloat>(_ state: [Tensor<T>], from: LSTMConfig, to: LSTMConfig) -> [Tensor<T>] {
        guard from.stateIsTuple && to.stateIsTuple, from.flavor.cellStateFirst != to.flavor.cellStateFirst else { return state }
        return [state[1], state[0]]
    }
}
