import RNNCore

/// The BLAS LSTM over a whole sequence, scheduled for speed (same numbers as stepping
/// `LSTM.forward` T times, see RNNCore's `stepwiseForwardSequence`):
///
/// - forward: the input projection of all T steps is one GEMM, `XW = X·W_x + b` [T·B, 4H];
///   then per step one GEMM adds `h_{t−1}·W_h` into that step's slice, one fused pass turns it
///   into the gates, c and h in place, and (with a projection) one GEMM projects;
/// - backward: per step one fused pass gives dz_t and dc_{t−1}, one GEMM gives dh_{t−1}
///   (and one the projection's dmh); the weight gradients, the bias gradient and dX are each
///   one GEMM (or one column sum) over all T·B rows at the end;
/// - every buffer is allocated once per call, before the time loop.
///
/// Buffers (time-major, flat): `gates` [T, B, 4H] holds i, f, g, o after the activations;
/// `c` and `h` [T+1, B, ·] hold the state entering each step (index 0: the initial state);
/// `cRaw` (c before `cell_clip`), `actC`, `mh` (o⊙act(c)) [T, B, H]; `mRaw` [T, B, P].
final class LSTMTape<Scalar: RNNFloat>: @unchecked Sendable {
    var gates: [Scalar]
    var c: [Scalar]
    var h: [Scalar]
    var cRaw: [Scalar]
    var actC: [Scalar]
    var mh: [Scalar]
    var mRaw: [Scalar]
    var x: [Scalar]
    init(gates: [Scalar], c: [Scalar], h: [Scalar], cRaw: [Scalar], actC: [Scalar], mh: [Scalar], mRaw: [Scalar], x: [Scalar]) {
        self.gates = gates; self.c = c; self.h = h; self.cRaw = cRaw; self.actC = actC; self.mh = mh; self.mRaw = mRaw; self.x = x
    }
}

extension LSTM {
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func forwardSequence(_ p: Parameters<Scalar>, x: Tensor<Scalar>, initialState: [Tensor<Scalar>], lengths: [Int]?) -> SequenceForward<Scalar> {
        let (tCount, batch, nI) = (x.shape[0], x.shape[1], inputSize)
        let (nH, nP) = (config.units, config.outputWidth)
        let n4 = 4 * nH, rows = tCount * batch
        let (c0, h0) = split(initialState)
        // one GEMM for the input projection of every step, plus the biases and forget_bias
        var gates = [Scalar](repeating: 0, count: rows * n4)
        wx.multiply(p, x.data, m: rows, k: nI, n: n4, beta: 0, into: &gates)
        var bias = [Scalar](repeating: 0, count: n4)
        for bi in biases { for k in 0..<n4 { bias[k] += p.tensors[bi].data[k] } }
        for j in config.columns(.forget) { bias[j] += Scalar(config.forgetBias) }
        for r in 0..<rows { for k in 0..<n4 { gates[r * n4 + k] += bias[k] } }
        var c = [Scalar](repeating: 0, count: (tCount + 1) * batch * nH)
        var h = [Scalar](repeating: 0, count: (tCount + 1) * batch * nP)
        for k in 0..<(batch * nH) { c[k] = c0[k] }
        for k in 0..<(batch * nP) { h[k] = h0[k] }
        var cRaw = [Scalar](repeating: 0, count: config.cellClip == nil ? 0 : rows * nH)
        var actC = [Scalar](repeating: 0, count: rows * nH)
        var mh = [Scalar](repeating: 0, count: projection == nil ? 0 : rows * nH)
        var mRaw = [Scalar](repeating: 0, count: config.projClip == nil ? 0 : rows * nP)
        var outputs = [Scalar](repeating: 0, count: rows * nP)
        let (ci, cj, cf, co) = (config.columns(.input).lowerBound, config.columns(.candidate).lowerBound,
                                config.columns(.forget).lowerBound, config.columns(.output).lowerBound)
        let act = config.activation, gate = config.recurrentActivation
        let clipC = config.cellClip.map { Scalar($0) }, clipP = config.projClip.map { Scalar($0) }
        let wI = peepholes.map { p.tensors[$0.i].data }, wF = peepholes.map { p.tensors[$0.f].data }
        let wO = peepholes.map { p.tensors[$0.o].data }
        let whData = p.tensors[wh.index].data
        let projData = projection.map { p.tensors[$0.index].data }
        for t in 0..<tCount {
            let g0 = t * batch * n4
            // z_t += h_{t−1}·W_h, straight into this step's slice of the gate buffer
            if wh.transposed {
                gemm(false, true, m: batch, n: n4, k: nP, h, t * batch * nP, lda: nP, whData, ldb: nP, beta: 1, &gates, g0, ldc: n4)
            } else {
                gemm(false, false, m: batch, n: n4, k: nP, h, t * batch * nP, lda: nP, whData, wh.row * n4, ldb: n4, beta: 1, &gates, g0, ldc: n4)
            }
            // one fused pass: gates, c, act(c), o⊙act(c)
            for b in 0..<batch {
                let zr = g0 + b * n4, r = (t * batch + b) * nH, prev = r, next = r + batch * nH
                for u in 0..<nH {
                    let cp = c[prev + u]
                    var zi = gates[zr + ci + u], zf = gates[zr + cf + u]
                    if let wI, let wF { zi += wI[u] * cp; zf += wF[u] * cp }
                    let i = gate.apply(zi), f = gate.apply(zf), g = act.apply(gates[zr + cj + u])
                    let raw = f * cp + i * g
                    var cNew = raw
                    if let clipC { cRaw[r + u] = raw; cNew = clip(raw, -clipC, clipC) }
                    var zo = gates[zr + co + u]
                    if let wO { zo += wO[u] * cNew }
                    let o = gate.apply(zo), a = act.apply(cNew)
                    gates[zr + ci + u] = i; gates[zr + cf + u] = f; gates[zr + cj + u] = g; gates[zr + co + u] = o
                    c[next + u] = cNew
                    actC[r + u] = a
                    if projection == nil { h[(t + 1) * batch * nP + b * nP + u] = o * a } else { mh[r + u] = o * a }
                }
            }
            if let pr = projection, let projData {
                let hOff = (t + 1) * batch * nP
                if pr.transposed {
                    gemm(false, true, m: batch, n: nP, k: nH, mh, t * batch * nH, lda: nH, projData, ldb: nH, beta: 0, &h, hOff, ldc: nP)
                } else {
                    gemm(false, false, m: batch, n: nP, k: nH, mh, t * batch * nH, lda: nH, projData, ldb: nP, beta: 0, &h, hOff, ldc: nP)
                }
                if let clipP {
                    for k in 0..<(batch * nP) {
                        mRaw[t * batch * nP + k] = h[hOff + k]
                        h[hOff + k] = clip(h[hOff + k], -clipP, clipP)
                    }
                }
            }
            // outputs; rows past their length copy the state through and output zero
            for b in 0..<batch {
                let live = lengths.map { t < $0[b] } ?? true
                let hNext = (t + 1) * batch * nP + b * nP, hPrev = t * batch * nP + b * nP
                let cNext = (t + 1) * batch * nH + b * nH, cPrev = t * batch * nH + b * nH
                if live {
                    for q in 0..<nP { outputs[(t * batch + b) * nP + q] = h[hNext + q] }
                } else {
                    for q in 0..<nP { h[hNext + q] = h[hPrev + q] }
                    for u in 0..<nH { c[cNext + u] = c[cPrev + u] }
                }
            }
        }
        let cT = Array(c[(tCount * batch * nH)...]), hT = Array(h[(tCount * batch * nP)...])
        let tape = LSTMTape(gates: gates, c: c, h: h, cRaw: cRaw, actC: actC, mh: mh, mRaw: mRaw, x: x.data)
        return SequenceForward(outputs: Tensor(uncheckedShape: [tCount, batch, nP], data: outputs),
                               finalState: join(c: cT, h: hT, batch: batch), inputs: [], statesBefore: [], steps: [],
                               sequenceLength: lengths, tape: tape)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func backwardSequence(_ p: Parameters<Scalar>, _ fwd: SequenceForward<Scalar>, dOutputs: Tensor<Scalar>,
                          dFinalState: [Tensor<Scalar>]) -> SequenceGradients<Scalar> {
        let tape = fwd.tape as! LSTMTape<Scalar>
        let (tCount, batch, nI) = (dOutputs.shape[0], dOutputs.shape[1], inputSize)
        let (nH, nP) = (config.units, config.outputWidth)
        let n4 = 4 * nH, rows = tCount * batch
        let lengths = fwd.sequenceLength
        var (dc, dh) = split(dFinalState)
        var grads = Parameters<Scalar>(zerosLike: p)
        var dz = [Scalar](repeating: 0, count: rows * n4)
        var dmRawAll = [Scalar](repeating: 0, count: projection == nil ? 0 : rows * nP)
        var dm = [Scalar](repeating: 0, count: batch * nP)
        var dmh = [Scalar](repeating: 0, count: batch * nH)
        var dhPrev = [Scalar](repeating: 0, count: batch * nP)
        let (ci, cj, cf, co) = (config.columns(.input).lowerBound, config.columns(.candidate).lowerBound,
                                config.columns(.forget).lowerBound, config.columns(.output).lowerBound)
        let act = config.activation, gate = config.recurrentActivation
        let clipC = config.cellClip.map { Scalar($0) }, clipP = config.projClip.map { Scalar($0) }
        let wI = peepholes.map { p.tensors[$0.i].data }, wF = peepholes.map { p.tensors[$0.f].data }
        let wO = peepholes.map { p.tensors[$0.o].data }
        var dwI = [Scalar](repeating: 0, count: nH), dwF = dwI, dwO = dwI
        let whData = p.tensors[wh.index].data
        let projData = projection.map { p.tensors[$0.index].data }
        for t in stride(from: tCount - 1, through: 0, by: -1) {
            // row b runs at step t (no array: nothing is allocated inside the time loop)
            @inline(__always) func live(_ b: Int) -> Bool { lengths.map { t < $0[b] } ?? true }
            // dm = upstream output + carried dh (live rows only)
            for b in 0..<batch {
                for q in 0..<nP { dm[b * nP + q] = live(b) ? dOutputs.data[(t * batch + b) * nP + q] + dh[b * nP + q] : 0 }
            }
            if let pr = projection, let projData {
                if let clipP {
                    for k in 0..<(batch * nP) { dm[k] *= clipGradient(tape.mRaw[t * batch * nP + k], -clipP, clipP) }
                }
                for k in 0..<(batch * nP) { dmRawAll[t * batch * nP + k] = dm[k] }
                if pr.transposed {
                    gemm(false, false, m: batch, n: nH, k: nP, dm, lda: nP, projData, ldb: nH, beta: 0, &dmh, ldc: nH)
                } else {
                    gemm(false, true, m: batch, n: nH, k: nP, dm, lda: nP, projData, ldb: nP, beta: 0, &dmh, ldc: nH)
                }
            } else {
                for k in 0..<(batch * nH) { dmh[k] = dm[k] }
            }
            // one fused pass: dz_t and dc_{t−1}
            for b in 0..<batch {
                let zr = (t * batch + b) * n4, r = (t * batch + b) * nH
                guard live(b) else { continue }          // dz stays 0; dc and dh pass through
                for u in 0..<nH {
                    let (i, f, g, o) = (tape.gates[zr + ci + u], tape.gates[zr + cf + u], tape.gates[zr + cj + u], tape.gates[zr + co + u])
                    let a = tape.actC[r + u], cp = tape.c[r + u], cNew = tape.c[r + batch * nH + u]
                    let dzo = dmh[b * nH + u] * a * gate.derivative(fromOutput: o)
                    var dcu = dc[b * nH + u] + dmh[b * nH + u] * o * act.derivative(fromOutput: a)
                    if let wO { dcu += dzo * wO[u]; dwO[u] += dzo * cNew }
                    if let clipC { dcu *= clipGradient(tape.cRaw[r + u], -clipC, clipC) }
                    let dzf = dcu * cp * gate.derivative(fromOutput: f)
                    let dzi = dcu * g * gate.derivative(fromOutput: i)
                    let dzj = dcu * i * act.derivative(fromOutput: g)
                    var dcp = dcu * f
                    if let wI, let wF {
                        dcp += dzf * wF[u] + dzi * wI[u]
                        dwF[u] += dzf * cp
                        dwI[u] += dzi * cp
                    }
                    dc[b * nH + u] = dcp
                    dz[zr + ci + u] = dzi; dz[zr + cj + u] = dzj; dz[zr + cf + u] = dzf; dz[zr + co + u] = dzo
                }
            }
            // dh_{t−1} = dz_t·W_hᵀ for live rows; dead rows keep the carried dh
            if wh.transposed {
                gemm(false, false, m: batch, n: nP, k: n4, dz, t * batch * n4, lda: n4, whData, ldb: nP, beta: 0, &dhPrev, ldc: nP)
            } else {
                gemm(false, true, m: batch, n: nP, k: n4, dz, t * batch * n4, lda: n4, whData, wh.row * n4, ldb: n4, beta: 0, &dhPrev, ldc: nP)
            }
            for b in 0..<batch where live(b) {
                for q in 0..<nP { dh[b * nP + q] = dhPrev[b * nP + q] }
            }
        }
        // weight gradients over all T·B rows at once
        wx.accumulateGradient(&grads, tape.x, dz, m: rows, k: nI, n: n4)
        wh.accumulateGradient(&grads, Array(tape.h[0..<(rows * nP)]), dz, m: rows, k: nP, n: n4)
        for bi in biases { addColumnSums(dz, rows: rows, cols: n4, into: &grads.tensors[bi].data) }
        if let pr = projection { pr.accumulateGradient(&grads, tape.mh, dmRawAll, m: rows, k: nH, n: nP) }
        if let ph = peepholes {
            for u in 0..<nH {
                grads.tensors[ph.i].data[u] += dwI[u]
                grads.tensors[ph.f].data[u] += dwF[u]
                grads.tensors[ph.o].data[u] += dwO[u]
            }
        }
        var dx = [Scalar](repeating: 0, count: rows * nI)
        wx.multiplyTransposed(p, dz, m: rows, k: nI, n: n4, beta: 0, into: &dx)
        return SequenceGradients(dx: Tensor(uncheckedShape: [tCount, batch, nI], data: dx),
                                 dInitialState: join(c: dc, h: dh, batch: batch), dParameters: grads)
    }
}

extension LSTMCellProtocol {
    public func forwardSequence(_ x: Tensor<Scalar>, initialState: [Tensor<Scalar>], sequenceLength: [Int]?) -> SequenceForward<Scalar> {
        lstm.forwardSequence(parameters, x: x, initialState: initialState, lengths: sequenceLength)
    }

    public func backwardSequence(_ forward: SequenceForward<Scalar>, dOutputs: Tensor<Scalar>,
                                 dFinalState: [Tensor<Scalar>]) -> SequenceGradients<Scalar> {
        lstm.backwardSequence(parameters, forward, dOutputs: dOutputs, dFinalState: dFinalState)
    }
}
