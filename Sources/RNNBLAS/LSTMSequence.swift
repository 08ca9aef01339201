import RNNCore

/// The BLAS LSTM over a whole sequence, scheduled for speed (same numbers as stepping
/// `LSTM.forward` T times up to rounding, see RNNCore's `stepwiseForwardSequence`):
///
/// - forward: on the step workers (`StepWorkers`), each owning a slice of the units with their
///   columns of all four gates: the input projection `XW = X·W_x` of a chunk of steps is one
///   GEMM on the worker's columns; per step one GEMM `h_{t−1}·W_h` on the
///   worker's packed slice of W_h, at once the gates (+ XW + b), c and h of its units, and (with
///   a projection) after a barrier its columns of `m = mh·W_P`; one barrier per step;
/// - backward: per step each worker turns its columns of dm (and, with a projection, after a
///   barrier its units of dmh = dm·W_Pᵀ) into its units' dz_t and dc_{t−1}; after a barrier,
///   its columns of dh_{t−1} = dz_t·W_hᵀ. The weight gradients (one GEMM per gate block, its
///   units' columns, written straight into the framework's layout) and dX (its input features)
///   are GEMMs over a chunk of `backwardChunkSteps` steps (≈256 rows, OpenBLAS's, single-threaded
///   in each worker), so dz never needs more than one chunk of memory; the bias and peephole
///   gradients are summed by the workers;
/// - every buffer is allocated once per call, before the time loop (a `TapeBuffer`: from the
///   memory that the last call of the same shape freed, `KeptBuffers`).
///
/// The tape (`LSTMTape`) keeps what BPTT needs and no more (act(c) is recomputed in the
/// backward pass). The input projection is computed a chunk of `backwardChunkSteps` steps at a
/// time, just before the steps read it (still in cache); at one worker with a second thread free,
/// a helper thread computes it a piece of steps ahead of the recurrence (`InputProjection`:
/// I/(I + P) of the products at any B, P = H without a projection). Inference (`inferSequence`, see
/// `TapedSchedule`) keeps no tape: one chunk's buffer for the projection, and c and the
/// projection's input for one step.
extension Implementation.LSTM: TapedSchedule {
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func schedule<T: RNNFloat>(_ w: LSTMWeights<T>, x: Tensor<T>, initialState: [Tensor<T>], lengths: [Int]?,
                                      keepTape: Bool) -> SequenceForward<T>? {
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
        let workers = StepWorkers(batch: batch, units: nH, width: nP, gates: 4)
        // the input projection is computed a chunk of steps at a time, just before the steps read
        // it; the steps whose gates, c and mh are in memory at once: all (a tape), or a chunk and one
        let chunkSteps = backwardChunkSteps(batch: batch, steps: tCount)
        let (gateSteps, cSteps) = keepTape ? (max(1, tCount), tCount + 1) : (chunkSteps, 2)
        let gates = TapeBuffer<T>(count: gateSteps * batch * n4)
        let (ci, cj, cf, co) = config.gateOffsets
        let offsets = [ci, cj, cf, co]
        var biasSum = [T](repeating: 0, count: n4)
        for bi in biases { for k in 0..<n4 { biasSum[k] += p.tensors[bi].data[k] } }
        for j in config.columns(.forget) { biasSum[j] += T(config.forgetBias) }
        let bias = TapeBuffer<T>(count: n4)                          // slice-major, as the workers' gate columns
        for (k, v) in workers.sliceMajor(biasSum, offsets: offsets, units: nH).enumerated() { bias.pointer[k] = v }
        let c = TapeBuffer<T>(count: cSteps * batch * nH)
        for k in 0..<(batch * nH) { c.pointer[k] = c0[k] }
        let cRaw = TapeBuffer<T>(count: config.cellClip == nil || !keepTape ? 0 : rows * nH)
        let mh = TapeBuffer<T>(count: projection == nil ? 0 : (keepTape ? rows : batch) * nH)
        let mRaw = TapeBuffer<T>(count: config.projClip == nil || !keepTape ? 0 : rows * nP)
        // where step t's gates, c (t = 0 … T) and mh rows start
        let gRow = StepRows(kept: gateSteps, width: batch * n4), cRow = StepRows(kept: cSteps, width: batch * nH)
        let mhRow = StepRows(kept: keepTape ? max(1, tCount) : 1, width: batch * nH)
        var outputs = [T](repeating: 0, count: rows * nP)
        let act = config.activation, gate = config.recurrentActivation
        let clipC = config.cellClip.map { T($0) }, clipP = config.projClip.map { T($0) }
        let peep = w.peepholeVectors
        let (wI, wF, wO) = (peep?.i ?? [], peep?.f ?? [], peep?.o ?? [])
        let hasPeepholes = peep != nil
        // σ and tanh without peepholes or cell clip (TensorFlow's, Keras's and PyTorch's default
        // LSTM): the gate pass in one sweep over each row's run (`lstmGatesInOneSweep`), the
        // same bits as the passes below, which took 2.8 of a 37.5 ms float32 forward at
        // (64, 100, 256, 256): 38.0–38.3 → 37.2–37.4 ms (interleaved)
        let oneSweep = gate == .sigmoid && act == .tanh && !hasPeepholes && clipC == nil
        let projData = projection.map { p.tensors[$0.index].data } ?? []
        // W_x with its columns slice-major (each worker's four gate blocks side by side), for
        // OpenBLAS's GEMMs over a chunk's rows (ours on W_x's slices packed once: no faster at
        // (64, 100, 256, 256), 38.0–38.4 against 37.9–38.1 ms, slower at (1, 100, 1024, 1024),
        // 17.2–17.9 against 15.8–16.4, where a slice is 8 MB); with one worker (small steps)
        // packed for ours instead, where OpenBLAS would wake its threads
        let wxPacked = workers.count == 1 ? w.prepared.value(PreparedKey(.lstmWx, workers: 1)) { packedColumns(p, offsets.map { (wx, n4, $0) }, k: nI, cols: 0..<nH) } : nil
        let wxS = wxPacked == nil ? workers.keptSliceMajor(w, .lstmWxSliceMajor, offsets.map { (wx, n4, $0) }, k: nI, units: nH) : []
        let (G, C, CR, MH, MR, BIAS) = (Shared(gates), Shared(c), Shared(cRaw), Shared(mh), Shared(mRaw), Shared(bias))
        withBase(h0) { h0p in
        withBase(x.data) { xp in
        withBase(wxS) { wxp in
            withBase(projData) { wpp in
                outputs.withUnsafeMutableBufferPointer { ob in
                    let (X, WP) = (Shared(UnsafeMutablePointer(mutating: xp)), Shared(UnsafeMutablePointer(mutating: wpp)))
                    let WX = Shared(UnsafeMutablePointer(mutating: wxp))
                    // h_t is the output row (index t − 1), h_0 the initial state
                    let (out, H0) = (Shared(ob.baseAddress ?? X.p), Shared(UnsafeMutablePointer(mutating: h0p)))
                    // worker w's columns of the input projection of some steps, X·W_x (the biases join
                    // in the gate pass): one GEMM
                    let inputs = InputProjection(workers, batch: batch, steps: tCount, chunk: chunkSteps, kept: gateSteps,
                                                 barrierAfter: false) { steps, worker in
                        let m = steps.count * batch, xt = X + steps.lowerBound * batch * nI, t = steps.lowerBound
                        if let wxPacked {
                            packedGemm(m: m, xt, lda: nI, wxPacked, accumulate: false, G + gRow(t), ldc: n4)
                        } else {
                            let u = workers.slice(worker, of: nH), s0 = 4 * u.lowerBound
                            gemm(false, false, m: m, n: 4 * u.count, k: nI, xt, lda: nI, WX + s0, ldb: n4, beta: 0, G + (gRow(t) + s0), ldc: n4)
                        }
                    }
                    workers.run(inputs) { worker, barrier in
                        let u = workers.slice(worker, of: nH), q = projection == nil ? u : workers.slice(worker, of: nP)
                        let (u0, len) = (u.lowerBound, u.count), s0 = 4 * u0
                        let actC = TapeBuffer<T>(count: len)                    // act(c) of one row
                        // this worker's columns of W_h, its four gate blocks side by side, packed once for
                        // the T steps
                        let whPacked = w.prepared.value(PreparedKey(.lstmWh, workers: workers.count, worker: worker)) {
                            packedColumns(p, offsets.map { (wh, n4, $0) }, k: nP, cols: u)
                        }
                        for t in 0..<tCount {
                            inputs.before(t, worker: worker, barrier)
                            // z_t += h_{t−1}·W_h for this worker's columns of the four gates
                            let hPrev = t == 0 ? H0.p : out + (t - 1) * batch * nP
                            packedGemm(m: batch, hPrev, lda: nP, whPacked, accumulate: true, G + (gRow(t) + s0), ldc: n4)
                            // the gate pass, this worker's units of each row, each a run over them
                            for b in 0..<batch {
                                let zr = gRow(t) + b * n4 + s0, cr = (t * batch + b) * nH + u0
                                let (gi, gj, gf, go) = (G + zr, G + (zr + len), G + (zr + 2 * len), G + (zr + 3 * len))
                                let (cPrev, cNext, a) = (C + (cRow(t) + b * nH + u0), C + (cRow(t + 1) + b * nH + u0), actC.pointer)
                                let h = projection == nil ? out + ((t * batch + b) * nP + u0) : MH + (mhRow(t) + b * nH + u0)
                                if oneSweep && lstmGatesInOneSweep(gi, bias: BIAS + s0, cPrev: cPrev, cNext: cNext, h: h, len) { continue }
                                addRun(BIAS + s0, into: gi, 4 * len)
                                if hasPeepholes {
                                    for k in 0..<len { gi[k] += wI[u0 + k] * cPrev[k]; gf[k] += wF[u0 + k] * cPrev[k] }
                                }
                                gate.applyInPlace(gi, len)
                                gate.applyInPlace(gf, len)
                                act.applyInPlace(gj, len)
                                if let clipC {
                                    for k in 0..<len {
                                        let raw = gf[k] * cPrev[k] + gi[k] * gj[k]
                                        if keepTape { CR[cr + k] = raw }
                                        cNext[k] = clip(raw, -clipC, clipC)
                                    }
                                } else {
                                    for k in 0..<len { cNext[k] = gf[k] * cPrev[k] + gi[k] * gj[k] }     // c_t = f ⊙ c_{t−1} + i ⊙ j
                                }
                                if hasPeepholes { for k in 0..<len { go[k] += wO[u0 + k] * cNext[k] } }
                                gate.applyInPlace(go, len)
                                for k in 0..<len { a[k] = cNext[k] }
                                act.applyInPlace(a, len)
                                for k in 0..<len { h[k] = go[k] * a[k] }                           // h_t (or mh_t) = o ⊙ act(c_t)
                            }
                            let hOff = t * batch * nP
                            if let pr = projection {
                                barrier.wait()                  // every unit's mh_t
                                pr.multiply(WP.p, MH + mhRow(t), m: batch, k: nH, n: nP, cols: q, beta: 0,
                                            into: out + (hOff + q.lowerBound), ldc: nP)
                                if let clipP {
                                    for b in 0..<batch {
                                        for j in q {
                                            if keepTape { MR[hOff + b * nP + j] = out[hOff + b * nP + j] }
                                            out[hOff + b * nP + j] = clip(out[hOff + b * nP + j], -clipP, clipP)
                                        }
                                    }
                                }
                            }
                            // rows past their length output zero and copy c through (their h is
                            // read from the last live output at the end)
                            for b in 0..<batch where !(lengths.map { t < $0[b] } ?? true) {
                                let cNext = cRow(t + 1) + b * nH, cPrev = cRow(t) + b * nH
                                for j in q { out[hOff + b * nP + j] = 0 }
                                for k in u { C[cNext + k] = C[cPrev + k] }
                            }
                            barrier.wait()                      // every unit's h_t
                            inputs.after(t)
                        }
                    }
                }
            }
        }
        }
        }
        let cT = Array(UnsafeBufferPointer(start: c.pointer + cRow(tCount), count: batch * nH))
        let hT = finalState(h0: h0, outputs: outputs, lengths: lengths, steps: tCount, batch: batch, width: nP)
        let tape = keepTape ? LSTMTape(workers: workers.count, gates: gates, c: c, h0: h0, outputs: outputs, cRaw: cRaw, mh: mh, mRaw: mRaw, x: x.data) : nil
        return SequenceForward(outputs: Tensor(uncheckedShape: [tCount, batch, nP], data: outputs),
                               finalState: w.joinState(c: cT, h: hT, batch: batch), inputs: [], statesBefore: [], steps: [],
                               sequenceLength: lengths, tape: tape.map { .lstm($0) })
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
        let workers = StepWorkers(count: tape.workers)                  // the forward's: its tape is slice-major for them
        let (dcFinal, dhFinal) = flat(w.splitState(dFinalState))
        let dc = TapeBuffer<T>(count: batch * nH), dh = TapeBuffer<T>(count: batch * nP)
        for k in 0..<(batch * nH) { dc.pointer[k] = dcFinal[k] }
        for k in 0..<(batch * nP) { dh.pointer[k] = dhFinal[k] }
        // dz and dm of one chunk of steps; row (t − t0)·B + b
        let dz = TapeBuffer<T>(count: chunk * batch * n4)
        let dmRaw = TapeBuffer<T>(count: projection == nil ? 0 : chunk * batch * nP)
        let dm = TapeBuffer<T>(count: batch * nP), dmh = TapeBuffer<T>(count: projection == nil ? 0 : batch * nH)
        let dhPrev = TapeBuffer<T>(count: batch * nP)
        let dBias = TapeBuffer<T>(count: n4)
        let (dwI, dwF, dwO) = (TapeBuffer<T>(count: nH), TapeBuffer<T>(count: nH), TapeBuffer<T>(count: nH))
        var dx = [T](repeating: 0, count: rows * nI)
        let (ci, cj, cf, co) = config.gateOffsets
        let offsets = [ci, cj, cf, co]
        let act = config.activation, gate = config.recurrentActivation
        let clipC = config.cellClip.map { T($0) }, clipP = config.projClip.map { T($0) }
        let peep = w.peepholeVectors
        let (wI, wF, wO) = (peep?.i ?? [], peep?.f ?? [], peep?.o ?? [])
        let hasPeepholes = peep != nil
        // σ and tanh without peepholes or cell clip: the gate derivatives in one sweep over each
        // row's run (`lstmGateDerivativesInOneSweep`), the same bits as the runs below
        let oneSweep = gate == .sigmoid && act == .tanh && !hasPeepholes && clipC == nil
        let projData = projection.map { p.tensors[$0.index].data } ?? []
        let (wxParts, whParts) = (offsets.map { (wx, n4, $0) }, offsets.map { (wh, n4, $0) })
        let (G, C, CR, MR) = (Shared(tape.gates), Shared(tape.c), Shared(tape.cRaw), Shared(tape.mRaw))
        let (DZ, DMR, DM, DMH, DHP, DC, DH) = (Shared(dz), Shared(dmRaw), Shared(dm), Shared(dmh), Shared(dhPrev), Shared(dc), Shared(dh))
        let (DB, DWI, DWF, DWO) = (Shared(dBias), Shared(dwI), Shared(dwF), Shared(dwO))
        let MH = Shared(tape.mh)
        // the gradients, in the framework's layout: the workers write W_x's and W_h's straight into them
        var grads = Parameters<T>(zerosLike: p)
        withMutableBases(&grads.tensors) { GW in
        let wxS = workers.keptSliceMajor(w, .lstmWxSliceMajor, wxParts, k: nI, units: nH)      // for OpenBLAS's dX GEMMs
        withBase(projData) { wpp in
        withBase(wxS) { wxp in
        withBase(tape.x) { xp in
        withBase(dOutputs.data) { dop in
        withBase(tape.h0) { h0p in
        withBase(tape.outputs) { outp in
        dx.withUnsafeMutableBufferPointer { dxb in
            let (WP, DO, X) = (Shared(UnsafeMutablePointer(mutating: wpp)), Shared(UnsafeMutablePointer(mutating: dop)),
                               Shared(UnsafeMutablePointer(mutating: xp)))
            let WX = Shared(UnsafeMutablePointer(mutating: wxp))
            let DX = Shared(dxb.baseAddress ?? DO.p)                   // T·B·I = 0: never written
            let (H0, HS) = (Shared(UnsafeMutablePointer(mutating: h0p)), Shared(UnsafeMutablePointer(mutating: outp)))
            workers.run { worker, barrier in
                let u = workers.slice(worker, of: nH), q = projection == nil ? u : workers.slice(worker, of: nP)
                let (u0, len) = (u.lowerBound, u.count), inputs = workers.slice(worker, of: nI), s0 = 4 * u0
                let actC = TapeBuffer<T>(count: len)                    // act(c) of one row, recomputed, not kept
                // one row's derivatives at the outputs: the gates' i, j, f, o (slice-major), act at act(c)
                let dGates = TapeBuffer<T>(count: 4 * len), dActC = TapeBuffer<T>(count: len)
                // W_hᵀ's columns for this worker's columns of dh, their rows in the tape's slice-major
                // order of dz's columns, packed once for the T steps
                let whTPacked = w.prepared.value(PreparedKey(.lstmWhT, workers: workers.count, worker: worker)) {
                    packedTransposed(p, workers.slicePieces(whParts, units: nH), k: nP, rows: q)
                }
                for (t0, tEnd) in backwardChunks(steps: tCount, chunk: chunk) {      // the chunk is steps t0 ..< tEnd
                    for t in stride(from: tEnd - 1, through: t0, by: -1) {
                        let zt = (t - t0) * batch * n4
                        // dm = upstream output + carried dh (live rows only), this worker's columns
                        for b in 0..<batch {
                            let live = lengths.map { t < $0[b] } ?? true
                            for j in q {
                                var g = live ? DO[(t * batch + b) * nP + j] + DH[b * nP + j] : 0
                                if let clipP { g *= clipGradient(MR[t * batch * nP + b * nP + j], -clipP, clipP) }
                                DM[b * nP + j] = g
                                if projection != nil { DMR[(t - t0) * batch * nP + b * nP + j] = g }
                            }
                        }
                        // dmh = dm·W_Pᵀ, this worker's units (every column of dm first)
                        if let pr = projection {
                            barrier.wait()
                            pr.multiplyTransposed(WP.p, DM.p, m: batch, k: nH, n: nP, rows: u, beta: 0, into: DMH + u0, ldc: nH)
                        }
                        let dmhOf = projection == nil ? DM : DMH      // [B, H] either way
                        // dz_t and dc_{t−1}, this worker's units, each a run over the row's units
                        for b in 0..<batch {
                            let zr = (t * batch + b) * n4, dr = zt + b * n4, r = (t * batch + b) * nH
                            guard lengths.map({ t < $0[b] }) ?? true else {    // dz is 0; dc and dh pass through
                                for k in 0..<(4 * len) { DZ[dr + s0 + k] = 0 }
                                continue
                            }
                            let (cPrev, cNew, a) = (C + (r + u0), C + (r + batch * nH + u0), actC.pointer)
                            if oneSweep && lstmGateDerivativesInOneSweep(G + (zr + s0), cPrev: cPrev, c: cNew, dm: dmhOf + (b * nH + u0),
                                                                         dc: DC + (b * nH + u0), dz: DZ + (dr + s0), dBias: DB + s0, len) {
                                continue
                            }
                            for k in 0..<len { a[k] = cNew[k] }
                            act.applyInPlace(a, len)
                            // the derivatives at the outputs, run by run (σ' of i, f, o; act' of j and of act(c))
                            gate.derivativeFromOutput(G + (zr + s0), into: dGates.pointer, 4 * len)
                            act.derivativeFromOutput(G + (zr + s0 + len), into: dGates.pointer + len, len)
                            act.derivativeFromOutput(a, into: dActC.pointer, len)
                            // this worker's gate columns, slice-major: i, j, f, o of its units
                            let (i, j, f, o) = (G + (zr + s0), G + (zr + s0 + len), G + (zr + s0 + 2 * len), G + (zr + s0 + 3 * len))
                            let (dzI, dzJ, dzF, dzO) = (DZ + (dr + s0), DZ + (dr + s0 + len), DZ + (dr + s0 + 2 * len), DZ + (dr + s0 + 3 * len))
                            let (gi, gj, gf, go) = (dGates.pointer, dGates.pointer + len, dGates.pointer + 2 * len, dGates.pointer + 3 * len)
                            let (dm, dc, dA) = (dmhOf + (b * nH + u0), DC + (b * nH + u0), dActC.pointer)
                            for k in 0..<len { dzO[k] = dm[k] * a[k] * go[k] }                 // dm ⊙ act(c) ⊙ σ'(o)
                            for k in 0..<len { dc[k] = dc[k] + dm[k] * o[k] * dA[k] }          // dc_t = carried + dm ⊙ o ⊙ act'(c)
                            if hasPeepholes {
                                let dpO = DWO + u0
                                for k in 0..<len { dc[k] += dzO[k] * wO[u0 + k] }
                                for k in 0..<len { dpO[k] += dzO[k] * cNew[k] }
                            }
                            if let clipC {                                      // zero beyond the clip
                                let raw = CR + (r + u0)
                                for k in 0..<len { dc[k] *= clipGradient(raw[k], -clipC, clipC) }
                            }
                            for k in 0..<len { dzF[k] = dc[k] * cPrev[k] * gf[k] }             // dc ⊙ c_{t−1} ⊙ σ'(f)
                            for k in 0..<len { dzI[k] = dc[k] * j[k] * gi[k] }                 // dc ⊙ j ⊙ σ'(i)
                            for k in 0..<len { dzJ[k] = dc[k] * i[k] * gj[k] }                 // dc ⊙ i ⊙ act'(j)
                            for k in 0..<len { dc[k] = dc[k] * f[k] }                          // dc_{t−1} = dc ⊙ f
                            if hasPeepholes {
                                let (dpF, dpI) = (DWF + u0, DWI + u0)
                                for k in 0..<len { dc[k] += dzF[k] * wF[u0 + k] + dzI[k] * wI[u0 + k] }
                                for k in 0..<len { dpF[k] += dzF[k] * cPrev[k] }
                                for k in 0..<len { dpI[k] += dzI[k] * cPrev[k] }
                            }
                            addRun(dzI, into: DB + s0, len); addRun(dzJ, into: DB + (s0 + len), len)
                            addRun(dzF, into: DB + (s0 + 2 * len), len); addRun(dzO, into: DB + (s0 + 3 * len), len)
                        }
                        barrier.wait()                                  // every unit's dz_t
                        // dh_{t−1} = dz_t·W_hᵀ, this worker's columns, for live rows; dead rows keep the carried dh
                        packedGemm(m: batch, DZ + zt, lda: n4, whTPacked, accumulate: false, DHP + q.lowerBound, ldc: nP)
                        for b in 0..<batch where lengths.map({ t < $0[b] }) ?? true {
                            for j in q { DH[b * nP + j] = DHP[b * nP + j] }
                        }
                    }
                    // the chunk's weight gradients (this worker's units of each gate) and dX (its input
                    // features), GEMMs over the chunk's rows
                    let m = (tEnd - t0) * batch, r0 = t0 * batch
                    /// dW[:, this worker's units of each gate] += aᵀ·dz over `count` rows of the chunk from `row`
                    func addGradient(_ parts: [(block: WeightBlock, n: Int, offset: Int)], k: Int, _ a: UnsafePointer<T>, count: Int, row: Int) {
                        for (g, part) in parts.enumerated() {
                            part.block.accumulateGradient(into: GW[part.block.index].p, a, DZ + (row * n4 + s0 + g * len), ldd: n4,
                                                          m: count, k: k, n: n4, cols: (part.offset + u0)..<(part.offset + u0 + len))
                        }
                    }
                    addGradient(wxParts, k: nI, X + r0 * nI, count: m, row: 0)
                    // h_{t−1} of the chunk's rows: h_0, then the outputs
                    if t0 == 0 {
                        addGradient(whParts, k: nP, H0.p, count: batch, row: 0)
                        addGradient(whParts, k: nP, HS.p, count: m - batch, row: batch)
                    } else {
                        addGradient(whParts, k: nP, HS + (r0 - batch) * nP, count: m, row: 0)
                    }
                    if let pr = projection {
                        pr.accumulateGradient(into: GW[pr.index].p, MH + r0 * nH, DMR + q.lowerBound, ldd: nP, m: m, k: nH, n: nP, cols: q)
                    }
                    gemm(false, true, m: m, n: inputs.count, k: n4, DZ.p, lda: n4, WX + inputs.lowerBound * n4, ldb: n4, beta: 0,
                         DX + (r0 * nI + inputs.lowerBound), ldc: nI)
                    barrier.wait()                                      // before the next chunk writes dz again
                }
            }
        }
        }
        }
        }
        }
        }
        }
        }
        // the rest back in the framework's layout
        let dBiasGateMajor = workers.gateMajor(dBias.pointer, count: n4, offsets: offsets, units: nH)
        for bi in biases { for k in 0..<n4 { grads.tensors[bi].data[k] += dBiasGateMajor[k] } }
        if let ph = peepholes {
            for k in 0..<nH {
                grads.tensors[ph.i].data[k] += dwI[k]
                grads.tensors[ph.f].data[k] += dwF[k]
                grads.tensors[ph.o].data[k] += dwO[k]
            }
        }
        let dcOut = Array(UnsafeBufferPointer(start: dc.pointer, count: batch * nH))
        let dhOut = Array(UnsafeBufferPointer(start: dh.pointer, count: batch * nP))
        return SequenceGradients(dx: Tensor(uncheckedShape: [tCount, batch, nI], data: dx),
                                 dInitialState: w.joinState(c: dcOut, h: dhOut, batch: batch), dParameters: grads)
    }
}
