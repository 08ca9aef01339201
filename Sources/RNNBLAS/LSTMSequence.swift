import RNNCore

/// The BLAS LSTM over a whole sequence, scheduled for speed (same numbers as stepping
/// `LSTM.forward` T times, see RNNCore's `stepwiseForwardSequence`):
///
/// - forward: the input projection of all T steps is one GEMM, `XW = X·W_x + b` [T·B, 4H];
///   then per step one GEMM adds `h_{t−1}·W_h` into that step's slice, one fused pass turns it
///   into the gates, c and h in place, and (with a projection) one GEMM projects;
/// - backward: per step one fused pass gives dz_t and dc_{t−1}, one GEMM gives dh_{t−1}
///   (and one the projection's dmh); the weight gradients, the bias gradient and dX are each
///   one GEMM (or one column sum) per chunk of `backwardChunkSteps` steps (≈2048 rows), so
///   dz never needs more than one chunk of memory;
/// - every buffer is allocated once per call, before the time loop.
///
/// The tape (`LSTMTape`) keeps what BPTT needs and no more (act(c) is recomputed in the
/// backward pass).
extension Implementation.LSTM {
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func forwardSequence<T: RNNFloat>(_ w: LSTMWeights<T>, x: Tensor<T>, initialState: [Tensor<T>],
                                                    lengths: [Int]?) -> SequenceForward<T>? {
        // the schedule keeps outputs only; an activation whose derivative needs its input steps
        guard ![w.config.activation, w.config.recurrentActivation].contains(where: \.derivativeNeedsInput) else { return nil }
        // ONNX's gate clip, input_forget and third activation: the step path
        guard w.config.gateClip == nil, !w.config.inputForget, w.config.outputActivation == nil else { return nil }
        let (config, p, inputSize) = (w.config, w.parameters, w.inputSize)
        let (wx, wh, biases, projection) = (w.layout.wx, w.layout.wh, w.layout.biases, w.layout.projection)
        let (tCount, batch, nI) = (x.shape[0], x.shape[1], inputSize)
        let (nH, nP) = (config.units, config.outputWidth)
        let n4 = 4 * nH, rows = tCount * batch
        let (c0, h0) = flat(w.splitState(initialState))
        // one GEMM for the input projection of every step, plus the biases and forget_bias
        var gates = [T](repeating: 0, count: rows * n4)
        wx.multiply(p, x.data, m: rows, k: nI, n: n4, beta: 0, into: &gates)
        var bias = [T](repeating: 0, count: n4)
        for bi in biases { for k in 0..<n4 { bias[k] += p.tensors[bi].data[k] } }
        for j in config.columns(.forget) { bias[j] += T(config.forgetBias) }
        for r in 0..<rows { for k in 0..<n4 { gates[r * n4 + k] += bias[k] } }
        var c = [T](repeating: 0, count: (tCount + 1) * batch * nH)
        var h = [T](repeating: 0, count: (tCount + 1) * batch * nP)
        for k in 0..<(batch * nH) { c[k] = c0[k] }
        for k in 0..<(batch * nP) { h[k] = h0[k] }
        var cRaw = [T](repeating: 0, count: config.cellClip == nil ? 0 : rows * nH)
        var mh = [T](repeating: 0, count: projection == nil ? 0 : rows * nH)
        var actC = [T](repeating: 0, count: nH)             // act(c) of one row
        var mRaw = [T](repeating: 0, count: config.projClip == nil ? 0 : rows * nP)
        var outputs = [T](repeating: 0, count: rows * nP)
        let (ci, cj, cf, co) = config.gateOffsets
        let act = config.activation, gate = config.recurrentActivation
        let clipC = config.cellClip.map { T($0) }, clipP = config.projClip.map { T($0) }
        let peep = w.peepholeVectors
        let (wI, wF, wO) = (peep?.i, peep?.f, peep?.o)
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
            // per row: the gates (vectorised over each block), then c, act(c) and o⊙act(c)
            for b in 0..<batch {
                let zr = g0 + b * n4, r = (t * batch + b) * nH, prev = r, next = r + batch * nH
                if let wI, let wF {
                    for u in 0..<nH { gates[zr + ci + u] += wI[u] * c[prev + u]; gates[zr + cf + u] += wF[u] * c[prev + u] }
                }
                gate.applyInPlace(&gates, zr + ci, nH)
                gate.applyInPlace(&gates, zr + cf, nH)
                act.applyInPlace(&gates, zr + cj, nH)
                for u in 0..<nH {
                    let raw = gates[zr + cf + u] * c[prev + u] + gates[zr + ci + u] * gates[zr + cj + u]
                    if let clipC { cRaw[r + u] = raw; c[next + u] = clip(raw, -clipC, clipC) } else { c[next + u] = raw }
                }
                if let wO { for u in 0..<nH { gates[zr + co + u] += wO[u] * c[next + u] } }
                gate.applyInPlace(&gates, zr + co, nH)
                for u in 0..<nH { actC[u] = c[next + u] }
                act.applyInPlace(&actC, 0, nH)
                if projection == nil {
                    let hr = (t + 1) * batch * nP + b * nP
                    for u in 0..<nH { h[hr + u] = gates[zr + co + u] * actC[u] }
                } else {
                    for u in 0..<nH { mh[r + u] = gates[zr + co + u] * actC[u] }
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
        let tape = LSTMTape(gates: gates, c: c, h: h, cRaw: cRaw, mh: mh, mRaw: mRaw, x: x.data)
        return SequenceForward(outputs: Tensor(uncheckedShape: [tCount, batch, nP], data: outputs),
                               finalState: w.joinState(c: cT, h: hT, batch: batch), inputs: [], statesBefore: [], steps: [],
                               sequenceLength: lengths, tape: .lstm(tape))
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func backwardSequence<T: RNNFloat>(_ w: LSTMWeights<T>, _ fwd: SequenceForward<T>, dOutputs: Tensor<T>,
                                                     dFinalState: [Tensor<T>]) -> SequenceGradients<T> {
        let (config, p, inputSize) = (w.config, w.parameters, w.inputSize)
        let (wx, wh, biases, peepholes, projection) = (w.layout.wx, w.layout.wh, w.layout.biases, w.layout.peepholes, w.layout.projection)
        guard let tape = fwd.tape?.lstm else { preconditionFailure("an LSTM sequence backward needs its forward tape") }
        let (tCount, batch, nI) = (dOutputs.shape[0], dOutputs.shape[1], inputSize)
        let (nH, nP) = (config.units, config.outputWidth)
        let n4 = 4 * nH, rows = tCount * batch
        let chunk = backwardChunkSteps(batch: batch, steps: tCount)
        let lengths = fwd.sequenceLength
        var (dc, dh) = flat(w.splitState(dFinalState))
        var grads = Parameters<T>(zerosLike: p)
        // dz and dm of one chunk of steps; row (t − t0)·B + b
        var dz = [T](repeating: 0, count: chunk * batch * n4)
        var dmRaw = [T](repeating: 0, count: projection == nil ? 0 : chunk * batch * nP)
        var dm = [T](repeating: 0, count: batch * nP)
        var dmh = [T](repeating: 0, count: batch * nH)
        var dhPrev = [T](repeating: 0, count: batch * nP)
        var actC = [T](repeating: 0, count: nH)
        var dx = [T](repeating: 0, count: rows * nI)
        let (ci, cj, cf, co) = config.gateOffsets
        let act = config.activation, gate = config.recurrentActivation
        let clipC = config.cellClip.map { T($0) }, clipP = config.projClip.map { T($0) }
        let peep = w.peepholeVectors
        let (wI, wF, wO) = (peep?.i, peep?.f, peep?.o)
        var dwI = [T](repeating: 0, count: nH), dwF = dwI, dwO = dwI
        let whData = p.tensors[wh.index].data
        let projData = projection.map { p.tensors[$0.index].data }
        var tEnd = tCount                                   // the chunk is steps t0 ..< tEnd
        for t in stride(from: tCount - 1, through: 0, by: -1) {
            let t0 = (t / chunk) * chunk, zt = (t - t0) * batch * n4
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
                for k in 0..<(batch * nP) { dmRaw[(t - t0) * batch * nP + k] = dm[k] }
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
                let zr = (t * batch + b) * n4, dr = zt + b * n4, r = (t * batch + b) * nH
                guard live(b) else {                        // dz is 0; dc and dh pass through
                    for k in 0..<n4 { dz[dr + k] = 0 }
                    continue
                }
                for u in 0..<nH { actC[u] = tape.c[r + batch * nH + u] }
                act.applyInPlace(&actC, 0, nH)              // act(c) is recomputed, not kept
                for u in 0..<nH {
                    let (i, f, g, o) = (tape.gates[zr + ci + u], tape.gates[zr + cf + u], tape.gates[zr + cj + u], tape.gates[zr + co + u])
                    let cp = tape.c[r + u], cNew = tape.c[r + batch * nH + u]
                    let a = actC[u]
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
                    dz[dr + ci + u] = dzi; dz[dr + cj + u] = dzj; dz[dr + cf + u] = dzf; dz[dr + co + u] = dzo
                }
            }
            // dh_{t−1} = dz_t·W_hᵀ for live rows; dead rows keep the carried dh
            if wh.transposed {
                gemm(false, false, m: batch, n: nP, k: n4, dz, zt, lda: n4, whData, ldb: nP, beta: 0, &dhPrev, ldc: nP)
            } else {
                gemm(false, true, m: batch, n: nP, k: n4, dz, zt, lda: n4, whData, wh.row * n4, ldb: n4, beta: 0, &dhPrev, ldc: nP)
            }
            for b in 0..<batch where live(b) {
                for q in 0..<nP { dh[b * nP + q] = dhPrev[b * nP + q] }
            }
            // at a chunk's first step: its weight gradients and dX, each one GEMM over its rows
            if t == t0 {
                let m = (tEnd - t0) * batch, r0 = t0 * batch
                wx.accumulateGradient(&grads, tape.x, dz, m: m, k: nI, n: n4, aOffset: r0 * nI)
                wh.accumulateGradient(&grads, tape.h, dz, m: m, k: nP, n: n4, aOffset: r0 * nP)
                for bi in biases { addColumnSums(dz, rows: m, cols: n4, into: &grads.tensors[bi].data) }
                if let pr = projection { pr.accumulateGradient(&grads, tape.mh, dmRaw, m: m, k: nH, n: nP, aOffset: r0 * nH) }
                wx.multiplyTransposed(p, dz, m: m, k: nI, n: n4, beta: 0, into: &dx, r0 * nI)
                tEnd = t0
            }
        }
        if let ph = peepholes {
            for u in 0..<nH {
                grads.tensors[ph.i].data[u] += dwI[u]
                grads.tensors[ph.f].data[u] += dwF[u]
                grads.tensors[ph.o].data[u] += dwO[u]
            }
        }
        return SequenceGradients(dx: Tensor(uncheckedShape: [tCount, batch, nI], data: dx),
                                 dInitialState: w.joinState(c: dc, h: dh, batch: batch), dParameters: grads)
    }
}
