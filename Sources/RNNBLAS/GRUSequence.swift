import RNNCore

/// The BLAS GRU over a whole sequence, scheduled for speed (same numbers as stepping
/// `GRU.forward` T times, see RNNCore's `stepwiseForwardSequence`):
///
/// - forward: the input parts of all T steps are one GEMM per gate over T·B rows,
///   `xg = X·W_g + b_g` [T·B, 3H] (role order r, u, c); per step one GEMM over the fused
///   recurrent matrix (`h·[U_r U_u U_c]` when the reset acts after the matmul, else
///   `h·[U_r U_u]`) into a scratch, one fused pass for the gates and the update; a reset-before GRU (TF v1, Keras
///   `reset_after=False`) adds its candidate GEMM `(r⊙h)·U_c` between two fused passes;
/// - backward: per step one fused pass gives dz = [dz_r, dz_u, dz_c] and the direct part of
///   dh_{t−1}, and the GEMMs `dz_g·U_gᵀ` add the rest; every weight gradient, bias gradient
///   and dX is one GEMM (or one column sum) per chunk of `backwardChunkSteps` steps;
/// - every buffer is allocated once per call, before the time loop.
///
/// The tape is a `GRUTape`.
extension Implementation.GRU {
    /// Adds bias block `b` to `rows` rows of the column block at `col` (rows `ld` apart).
    static func addBias<T: RNNFloat>(_ p: Parameters<T>, _ b: BiasBlock?, into m: inout [T], rows: Int, offset: Int = 0, col: Int, ld: Int,
                                     units: Int) {
        guard let b else { return }
        let v = p.tensors[b.index].data
        for r in 0..<rows { for j in 0..<units { m[offset + r * ld + col + j] += v[b.offset + j] } }
    }

    /// Adds the column sums of the column block at `col` of `d` [rows, ld] into bias block `b`.
    static func accumulateBias<T: RNNFloat>(_ g: inout Parameters<T>, _ b: BiasBlock?, _ d: [T], rows: Int, col: Int, ld: Int, units: Int) {
        guard let b else { return }
        for r in 0..<rows { for j in 0..<units { g.tensors[b.index].data[b.offset + j] += d[r * ld + col + j] } }
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func forwardSequence<T: RNNFloat>(_ cell: GRUWeights<T>, x: Tensor<T>, initialState: [Tensor<T>],
                                                    lengths: [Int]?) -> SequenceForward<T>? {
        // the schedule keeps outputs only; an activation whose derivative needs its input steps
        guard ![cell.config.activation, cell.config.recurrentActivation].contains(where: \.derivativeNeedsInput) else { return nil }
        // ONNX's operator (clip, the reset-before form's outside bias): the step path
        guard !cell.config.flavor.isONNX else { return nil }
        let (config, p, inputSize) = (cell.config, cell.parameters, cell.inputSize)
        let (wx, wh, bx, bh) = (cell.layout.wx, cell.layout.wh, cell.layout.bx, cell.layout.bh)
        let (tCount, batch, nI, nH) = (x.shape[0], x.shape[1], inputSize, config.units)
        let n3 = 3 * nH, rows = tCount * batch, nBH = batch * nH
        let resetAfter = config.flavor.resetAfter
        let act = config.activation, gate = config.recurrentActivation
        let (cr, cu, cc) = (0, nH, 2 * nH)
        // the input parts of every step: one GEMM per gate over all T·B rows, plus the input biases
        var gates = [T](repeating: 0, count: rows * n3)
        for g in GRUGate.allCases {
            wx[g.rawValue].multiply(p, x.data, m: rows, k: nI, n: nH, beta: 0, into: &gates, g.rawValue * nH, ldc: n3)
            addBias(p, bx[g.rawValue], into: &gates, rows: rows, col: g.rawValue * nH, ld: n3, units: nH)
        }
        var h = [T](repeating: 0, count: (tCount + 1) * nBH)
        for k in 0..<nBH { h[k] = initialState[0].data[k] }
        var hc = [T](repeating: 0, count: rows * nH)
        // this step's recurrent parts, in the framework's block order: one GEMM over the fused
        // recurrent matrix (all three blocks when the reset acts after it, else r and u, which
        // every reset-before layout stores as its first two blocks)
        let nFused = resetAfter ? 3 : 2
        let fused = WeightBlock(index: wh[0].index, row: wh[0].row, transposed: wh[0].transposed, col: 0, ld: wh[0].ld)
        let (hr, hu, hcc) = (config.block(.reset) * nH, config.block(.update) * nH, config.block(.candidate) * nH)
        var hg = [T](repeating: 0, count: batch * nFused * nH)
        let ldg = nFused * nH
        var rc = [T](repeating: 0, count: resetAfter ? 0 : nBH)
        var outputs = [T](repeating: 0, count: rows * nH)
        let recurrent: [GRUGate] = resetAfter ? [.reset, .update, .candidate] : [.reset, .update]
        for t in 0..<tCount {
            let hp = t * nBH, g0 = t * batch * n3, hn = (t + 1) * nBH
            fused.multiply(p, h, hp, m: batch, k: nH, n: ldg, beta: 0, into: &hg)
            for g in recurrent { addBias(p, bh[g.rawValue], into: &hg, rows: batch, col: config.block(g) * nH, ld: ldg, units: nH) }
            // per row: r and u (one vectorised run: they are adjacent), then c and h'
            for b in 0..<batch {
                let z = g0 + b * n3, s = b * ldg, hb = hp + b * nH, nb = hn + b * nH
                for j in 0..<nH {
                    gates[z + cr + j] += hg[s + hr + j]
                    gates[z + cu + j] += hg[s + hu + j]
                }
                gate.applyInPlace(&gates, z + cr, 2 * nH)
                if resetAfter {
                    for j in 0..<nH {
                        hc[hb + j] = hg[s + hcc + j]
                        gates[z + cc + j] += gates[z + cr + j] * hc[hb + j]   // r ⊙ (h·U_c + b_hc)
                    }
                    act.applyInPlace(&gates, z + cc, nH)
                    for j in 0..<nH {
                        let u = gates[z + cu + j]
                        h[nb + j] = u * h[hb + j] + (1 - u) * gates[z + cc + j]
                    }
                } else {
                    for j in 0..<nH { hc[hb + j] = gates[z + cr + j] * h[hb + j] }   // r_state = r * state
                }
            }
            if !resetAfter {
                wh[GRUGate.candidate.rawValue].multiply(p, hc, hp, m: batch, k: nH, n: nH, beta: 0, into: &rc)
                for b in 0..<batch {
                    let z = g0 + b * n3, hb = hp + b * nH, nb = hn + b * nH
                    for j in 0..<nH { gates[z + cc + j] += rc[b * nH + j] }
                    act.applyInPlace(&gates, z + cc, nH)
                    for j in 0..<nH {
                        let u = gates[z + cu + j]
                        h[nb + j] = u * h[hb + j] + (1 - u) * gates[z + cc + j]
                    }
                }
            }
            // (ElmanSequence ends the same way; the step bodies before it differ, so each keeps its
            // own loop rather than a shared helper taking closures in the hottest loop)
            // outputs; rows past their length copy the state through and output zero
            for b in 0..<batch {
                if lengths.map({ t < $0[b] }) ?? true {
                    for j in 0..<nH { outputs[hp + b * nH + j] = h[hn + b * nH + j] }
                } else {
                    for j in 0..<nH { h[hn + b * nH + j] = h[hp + b * nH + j] }
                }
            }
        }
        let hT = Tensor(uncheckedShape: [batch, nH], data: Array(h[(tCount * nBH)...]))
        return SequenceForward(outputs: Tensor(uncheckedShape: [tCount, batch, nH], data: outputs),
                               finalState: [hT], inputs: [], statesBefore: [], steps: [],
                               sequenceLength: lengths, tape: .gru(GRUTape(gates: gates, h: h, hc: hc, x: x.data)))
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func backwardSequence<T: RNNFloat>(_ cell: GRUWeights<T>, _ fwd: SequenceForward<T>, dOutputs: Tensor<T>,
                                                     dFinalState: [Tensor<T>]) -> SequenceGradients<T> {
        let (config, p, inputSize) = (cell.config, cell.parameters, cell.inputSize)
        let (wx, wh, bx, bh) = (cell.layout.wx, cell.layout.wh, cell.layout.bx, cell.layout.bh)
        guard let tape = fwd.tape?.gru else { preconditionFailure("a GRU sequence backward needs its forward tape") }
        let (tCount, batch, nI, nH) = (dOutputs.shape[0], dOutputs.shape[1], inputSize, config.units)
        let n3 = 3 * nH, rows = tCount * batch, nBH = batch * nH
        let chunk = backwardChunkSteps(batch: batch, steps: tCount)
        let resetAfter = config.flavor.resetAfter
        let act = config.activation, gate = config.recurrentActivation
        let (cr, cu, cc) = (0, nH, 2 * nH)
        let lengths = fwd.sequenceLength
        var grads = Parameters<T>(zerosLike: p)
        var dh = dFinalState[0].data
        // dz = [dz_r | dz_u | dz_c] and the cotangent of hc, for one chunk of steps; row (t − t0)·B + b
        var dz = [T](repeating: 0, count: chunk * batch * n3)
        var dHC = [T](repeating: 0, count: chunk * nBH)
        var dhPrev = [T](repeating: 0, count: nBH)
        var dx = [T](repeating: 0, count: rows * nI)
        let wc = wh[GRUGate.candidate.rawValue]
        var tEnd = tCount                                   // the chunk is steps t0 ..< tEnd
        for t in stride(from: tCount - 1, through: 0, by: -1) {
            let hp = t * nBH, t0 = (t / chunk) * chunk, z0 = (t - t0) * batch * n3, hl = (t - t0) * nBH
            // one fused pass: dz_u, dz_c, the direct part of dh_{t−1}; reset after: dz_r too
            for b in 0..<batch {
                let live = lengths.map { t < $0[b] } ?? true
                let z = z0 + b * n3, zg = (t * batch + b) * n3
                for j in 0..<nH {
                    let k = b * nH + j
                    guard live else {                       // dz is 0; dh passes through
                        dhPrev[k] = 0; dHC[hl + k] = 0
                        dz[z + cr + j] = 0; dz[z + cu + j] = 0; dz[z + cc + j] = 0
                        continue
                    }
                    let g = dOutputs.data[hp + k] + dh[k]
                    let (r, u, c) = (tape.gates[zg + cr + j], tape.gates[zg + cu + j], tape.gates[zg + cc + j])
                    let hPrev = tape.h[hp + k]
                    dz[z + cu + j] = g * (hPrev - c) * gate.derivative(fromOutput: u)
                    let dzc = g * (1 - u) * act.derivative(fromOutput: c)
                    dz[z + cc + j] = dzc
                    dhPrev[k] = g * u
                    if resetAfter {
                        dHC[hl + k] = dzc * r
                        dz[z + cr + j] = dzc * tape.hc[hp + k] * gate.derivative(fromOutput: r)
                    }
                }
            }
            if !resetAfter {
                // d(r⊙h) = dz_c·U_cᵀ, then dz_r and the reset path into dh_{t−1}
                wc.multiplyTransposed(p, dz, z0 + cc, m: batch, k: nH, n: nH, beta: 0, into: &dHC, hl, ldd: n3)
                for b in 0..<batch {
                    let z = z0 + b * n3, zg = (t * batch + b) * n3
                    for j in 0..<nH {
                        let k = b * nH + j
                        let r = tape.gates[zg + cr + j]
                        dz[z + cr + j] = dHC[hl + k] * tape.h[hp + k] * gate.derivative(fromOutput: r)
                        dhPrev[k] += dHC[hl + k] * r
                    }
                }
            }
            // dh_{t−1} += dz_r·U_rᵀ + dz_u·U_uᵀ (+ dhc·U_cᵀ when the reset acts after)
            for g in [GRUGate.reset, .update] {
                wh[g.rawValue].multiplyTransposed(p, dz, z0 + g.rawValue * nH, m: batch, k: nH, n: nH, beta: 1, into: &dhPrev, ldd: n3)
            }
            if resetAfter { wc.multiplyTransposed(p, dHC, hl, m: batch, k: nH, n: nH, beta: 1, into: &dhPrev) }
            for b in 0..<batch where lengths.map({ t < $0[b] }) ?? true {
                for j in 0..<nH { dh[b * nH + j] = dhPrev[b * nH + j] }
            }
            // at a chunk's first step: its weight and bias gradients and dX, one GEMM each over its rows
            if t == t0 {
                let m = (tEnd - t0) * batch, r0 = t0 * batch
                for g in GRUGate.allCases {
                    let col = g.rawValue * nH
                    wx[g.rawValue].multiplyTransposed(p, dz, col, m: m, k: nI, n: nH, beta: 1, into: &dx, r0 * nI, ldd: n3)
                    wx[g.rawValue].accumulateGradient(&grads, tape.x, dz, col, m: m, k: nI, n: nH, ldd: n3, aOffset: r0 * nI)
                    accumulateBias(&grads, bx[g.rawValue], dz, rows: m, col: col, ld: n3, units: nH)
                }
                for g in [GRUGate.reset, .update] {
                    let col = g.rawValue * nH
                    wh[g.rawValue].accumulateGradient(&grads, tape.h, dz, col, m: m, k: nH, n: nH, ldd: n3, aOffset: r0 * nH)
                    accumulateBias(&grads, bh[g.rawValue], dz, rows: m, col: col, ld: n3, units: nH)
                }
                if resetAfter {
                    wc.accumulateGradient(&grads, tape.h, dHC, m: m, k: nH, n: nH, aOffset: r0 * nH)
                    accumulateBias(&grads, bh[GRUGate.candidate.rawValue], dHC, rows: m, col: 0, ld: nH, units: nH)
                } else {
                    wc.accumulateGradient(&grads, tape.hc, dz, cc, m: m, k: nH, n: nH, ldd: n3, aOffset: r0 * nH)
                }
                tEnd = t0
            }
        }
        return SequenceGradients(dx: Tensor(uncheckedShape: [tCount, batch, nI], data: dx),
                                 dInitialState: [Tensor(uncheckedShape: [batch, nH], data: dh)], dParameters: grads)
    }
}
