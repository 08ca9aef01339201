/// Exact conversions of GRU weights where the math allows them:
///
/// | from \ to | TF `GRUCell` | Keras `reset_after=False` | Keras `reset_after=True` | PyTorch `nn.GRU` |
/// | --- | --- | --- | --- | --- |
/// | TF `GRUCell` (reset before) | = | exact | no | no |
/// | Keras `reset_after=False` | exact | = | no | no |
/// | Keras `reset_after=True` | no | no | = | exact |
/// | PyTorch `nn.GRU` (reset after) | no | no | exact | = |
///
/// Reset-before computes `(r⊙h)·U_c`, reset-after `r⊙(h·U_c + b_hc)`: for the same weights they
/// differ whenever r ≠ 1, and no choice of weights on one side reproduces the other for every
/// input. Those conversions fail with an error that says so.
///
/// | | TF v1 | Keras | PyTorch |
/// | --- | --- | --- | --- |
/// | gates | `gates/kernel` [I + H, 2H] `r, u` | `kernel` [I, 3H] `z, r, h` | `weight_ih` [3H, I] `r, z, n` |
/// | recurrent | rows I..<I+H of `gates/kernel` and `candidate/kernel` | `recurrent_kernel` [H, 3H] | `weight_hh` [3H, H] |
/// | biases | `gates/bias` [2H], `candidate/bias` [H] | `bias` [3H] or [2, 3H] | `bias_ih`, `bias_hh` [3H] |
public enum GRUConversion {
    struct Canonical<T: RNNFloat> {
        var units: Int
        var inputSize: Int
        var wx: [GRUGate: [T]]      // [I, H]
        var wh: [GRUGate: [T]]      // [H, H]
        var bx: [GRUGate: [T]]      // [H]
        var bh: [GRUGate: [T]]      // [H] (only the candidate's matters before the reset in reset-after)
    }

    public static func convert<T: RNNFloat>(_ config: GRUConfig, inputSize: Int, parameters: [String: Tensor<T>],
                                            to flavor: GRUFlavor) throws -> (GRUConfig, [String: Tensor<T>]) {
        if config.flavor.resetAfter != flavor.resetAfter {
            throw RNNError(.unsupported, "convert",
                           "\(config.flavor.rawValue) resets \(config.flavor.resetAfter ? "after" : "before") the recurrent matmul and \(flavor.rawValue) \(flavor.resetAfter ? "after" : "before"): no weights make them agree (measure the drift with `rnnref gru-drift`)")
        }
        if config.gateClip != nil {
            throw RNNError(.unsupported, "convert", "\(config.flavor.rawValue) clips its activations' inputs (ONNX clip), which \(flavor.rawValue) cannot express")
        }
        if flavor == .torch && (config.activation != .tanh || config.recurrentActivation != .sigmoid) {
            throw RNNError(.unsupported, "convert", "torch.nn.GRU uses tanh and the sigmoid")
        }
        if flavor == .tf && config.recurrentActivation != .sigmoid {
            throw RNNError(.unsupported, "convert", "TF's GRUCell gates use the sigmoid")
        }
        let p = try Parameters(spec: .gru(config), inputSize: inputSize, given: parameters)
        let k = decompose(config, inputSize: inputSize, p)
        var target = GRUConfig(flavor: flavor, units: config.units)
        target.activation = config.activation
        target.recurrentActivation = config.recurrentActivation
        target.useBias = true
        return (target, compose(k, target))
    }

    static func decompose<T: RNNFloat>(_ c: GRUConfig, inputSize i: Int, _ p: Parameters<T>) -> Canonical<T> {
        let h = c.units
        var k = Canonical<T>(units: h, inputSize: i, wx: [:], wh: [:], bx: [:], bh: [:])
        func cols(_ m: Tensor<T>, rows: Range<Int>, col: Int, transposed: Bool) -> [T] {
            var r: [T] = []
            for a in rows { for j in 0..<h { r.append(transposed ? m[col + j, a] : m[a, col + j]) } }
            return r
        }
        let zero = [T](repeating: 0, count: h)
        for g in GRUGate.allCases {
            let col = c.block(g) * h
            switch c.flavor {
            case .tf:
                let (m, cc) = g == .candidate ? (p["candidate/kernel"], 0) : (p["gates/kernel"], col)
                k.wx[g] = cols(m, rows: 0..<i, col: cc, transposed: false)
                k.wh[g] = cols(m, rows: i..<(i + h), col: cc, transposed: false)
                k.bx[g] = g == .candidate ? p["candidate/bias"].data : Array(p["gates/bias"].data[col..<(col + h)])
                k.bh[g] = zero
            case .kerasResetAfter, .kerasResetBefore:
                k.wx[g] = cols(p["kernel"], rows: 0..<i, col: col, transposed: false)
                k.wh[g] = cols(p["recurrent_kernel"], rows: 0..<h, col: col, transposed: false)
                if c.useBias {
                    let b = p["bias"].data
                    k.bx[g] = Array(b[col..<(col + h)])
                    k.bh[g] = c.flavor == .kerasResetAfter ? Array(b[(3 * h + col)..<(3 * h + col + h)]) : zero
                } else {
                    k.bx[g] = zero; k.bh[g] = zero
                }
            case .torch, .onnx, .onnxLinearBeforeReset:
                let onnx = c.flavor.isONNX
                k.wx[g] = cols(p[onnx ? "W" : "weight_ih"], rows: 0..<i, col: col, transposed: true)
                k.wh[g] = cols(p[onnx ? "R" : "weight_hh"], rows: 0..<h, col: col, transposed: true)
                k.bx[g] = c.useBias ? Array(p[onnx ? "Wb" : "bias_ih"].data[col..<(col + h)]) : zero
                k.bh[g] = c.useBias ? Array(p[onnx ? "Rb" : "bias_hh"].data[col..<(col + h)]) : zero
                if c.flavor == .onnx {
                    // reset before: every recurrent bias, Rbh too, adds outside a product: fold it
                    k.bx[g] = zip(k.bx[g]!, k.bh[g]!).map { $0 + $1 }
                    k.bh[g] = zero
                }
            }
        }
        return k
    }

    static func compose<T: RNNFloat>(_ k: Canonical<T>, _ c: GRUConfig) -> [String: Tensor<T>] {
        let (h, i) = (k.units, k.inputSize)
        func fused(_ parts: [GRUGate: [T]], rows: Int, gates: [GRUGate]) -> Tensor<T> {
            var m = Tensor<T>(zeros: [rows, gates.count * h])
            for (b, g) in gates.enumerated() { for r in 0..<rows { for j in 0..<h { m[r, b * h + j] = parts[g]![r * h + j] } } }
            return m
        }
        func transposed(_ m: Tensor<T>) -> Tensor<T> {
            var t = Tensor<T>(zeros: [m.shape[1], m.shape[0]])
            for r in 0..<m.shape[0] { for j in 0..<m.shape[1] { t[j, r] = m[r, j] } }
            return t
        }
        let order = c.flavor.gateOrder
        // reset-before layouts have no recurrent biases (and only reset-before sources reach them)
        let bx = k.bx, bh = k.bh
        func vec(_ parts: [GRUGate: [T]], _ gates: [GRUGate]) -> [T] { gates.flatMap { parts[$0]! } }
        switch c.flavor {
        case .tf:
            let gx = fused(k.wx, rows: i, gates: [.reset, .update]), gh = fused(k.wh, rows: h, gates: [.reset, .update])
            let cx = fused(k.wx, rows: i, gates: [.candidate]), ch = fused(k.wh, rows: h, gates: [.candidate])
            return ["gates/kernel": Tensor(uncheckedShape: [i + h, 2 * h], data: gx.data + gh.data),
                    "gates/bias": Tensor(uncheckedShape: [2 * h], data: vec(bx, [.reset, .update])),
                    "candidate/kernel": Tensor(uncheckedShape: [i + h, h], data: cx.data + ch.data),
                    "candidate/bias": Tensor(uncheckedShape: [h], data: bx[.candidate]!)]
        case .kerasResetBefore:
            return ["kernel": fused(k.wx, rows: i, gates: order), "recurrent_kernel": fused(k.wh, rows: h, gates: order),
                    "bias": Tensor(uncheckedShape: [3 * h], data: vec(bx, order))]
        case .kerasResetAfter:
            return ["kernel": fused(k.wx, rows: i, gates: order), "recurrent_kernel": fused(k.wh, rows: h, gates: order),
                    "bias": Tensor(uncheckedShape: [2, 3 * h], data: vec(bx, order) + vec(bh, order))]
        case .torch:
            return ["weight_ih": transposed(fused(k.wx, rows: i, gates: order)), "weight_hh": transposed(fused(k.wh, rows: h, gates: order)),
                    "bias_ih": Tensor(uncheckedShape: [3 * h], data: vec(bx, order)),
                    "bias_hh": Tensor(uncheckedShape: [3 * h], data: vec(bh, order))]
        case .onnx, .onnxLinearBeforeReset:
            return ["W": transposed(fused(k.wx, rows: i, gates: order)), "R": transposed(fused(k.wh, rows: h, gates: order)),
                    "Wb": Tensor(uncheckedShape: [3 * h], data: vec(bx, order)),
                    "Rb": Tensor(uncheckedShape: [3 * h], data: vec(bh, order))]
        }
    }
}
