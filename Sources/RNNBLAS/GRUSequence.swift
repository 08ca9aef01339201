import RNNCore

/// The BLAS GRU over a whole sequence, scheduled for speed (same numbers as stepping
/// `GRU.forward` T times up to rounding, see RNNCore's `stepwiseForwardSequence`), on the step
/// workers (`StepWorkers`), each owning a slice of the units with their columns of all three
/// gates:
///
/// - forward: the input parts, `X·[W_r W_u W_c]`, are one GEMM per chunk of steps, each worker
///   taking a share of the rows; per step one GEMM over the worker's packed slice of the recurrent
///   matrices (`h·[U_r U_u U_c]` when the reset acts after the matmul, else `h·[U_r U_u]`) and at
///   once the gates (+ biases) and h' of its units; a reset-before GRU (TF v1, Keras
///   `reset_after=False`) needs every unit's r⊙h for its candidate GEMM `(r⊙h)·U_c`: a barrier,
///   then the worker's columns of it. One barrier per step (two reset before);
/// - backward: per step each worker gives its units' dz = [dz_r, dz_u, dz_c] and the direct part
///   of dh_{t−1} (reset before: after a barrier, its units of d(r⊙h) = dz_c·U_cᵀ, then dz_r);
///   after a barrier the GEMMs `dz_g·U_gᵀ` add its columns of the rest; per chunk of
///   `backwardChunkSteps` steps, each gate's block of each weight gradient is one GEMM over the
///   worker's rows of it (its input features of dW_x, its units of dW_h), written straight into
///   the framework's layout, and dX one over its share of the chunk's rows; the bias gradients
///   are summed by the workers;
/// - every buffer is allocated once per call, before the time loop (a `TapeBuffer`: from the
///   memory that the last call of the same shape freed, `KeptBuffers`).
///
/// The tape is a `GRUTape`. The input parts are computed a chunk of `backwardChunkSteps` steps
/// at a time, just before the steps read them (at one worker with a second thread free, on a
/// helper thread a piece of steps ahead: `InputProjection`). Inference (`inferSequence`, see
/// `TapedSchedule`) keeps no tape: one chunk's buffer for the input parts, and r⊙h (reset
/// before) for one step.
extension Implementation.GRU: TapedSchedule {
    /// Adds bias block `b` to `rows` rows of the column block at `col` (rows `ld` apart).
    static func addBias<T: RNNFloat>(_ p: Parameters<T>, _ b: BiasBlock?, into m: inout [T], rows: Int, offset: Int = 0, col: Int, ld: Int,
                                     units: Int) {
        guard let b else { return }
        let v = p.tensors[b.index].data
        for r in 0..<rows { for j in 0..<units { m[offset + r * ld + col + j] += v[b.offset + j] } }
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func schedule<T: RNNFloat>(_ cell: GRUWeights<T>, x: Tensor<T>, initialState: [Tensor<T>], lengths: [Int]?,
                                      keepTape: Bool) -> SequenceForward<T>? {
        // the schedule keeps outputs only; an activation whose derivative needs its input steps
        guard ![cell.config.activation, cell.config.recurrentActivation].contains(where: \.derivativeNeedsInput) else { return nil }
        // ONNX's operator (clip, the reset-before form's outside bias): the step path
        guard !cell.config.flavor.isONNX else { return nil }
        let (config, p, inputSize) = (cell.config, cell.parameters, cell.inputSize)
        let (wx, wh) = (cell.layout.wx, cell.layout.wh)
        let (tCount, batch, nI, nH) = (x.shape[0], x.shape[1], inputSize, config.units)
        let n3 = 3 * nH, rows = tCount * batch, nBH = batch * nH
        let resetAfter = config.flavor.resetAfter
        let act = config.activation, gate = config.recurrentActivation
        let (cr, cu, cc) = (0, nH, 2 * nH)
        let workers = StepWorkers(batch: batch, units: nH, width: nH, gates: 3)
        let (bxv, bhv) = biasVectors(cell)
        // the input parts are computed a chunk of steps at a time, just before the steps read them;
        // the steps whose gates and hc are in memory at once: all (a tape), or a chunk and one
        let chunkSteps = backwardChunkSteps(batch: batch, steps: tCount)
        let gateSteps = keepTape ? max(1, tCount) : chunkSteps
        let gRow = StepRows(kept: gateSteps, width: batch * n3), hcRow = StepRows(kept: keepTape ? max(1, tCount) : 1, width: nBH)
        let gates = TapeBuffer<T>(count: gateSteps * batch * n3), hc = TapeBuffer<T>(count: keepTape ? rows * nH : (resetAfter ? 0 : nBH))
        let h0 = initialState[0].data
        var outputs = [T](repeating: 0, count: rows * nH)
        // each worker's columns of the recurrent blocks (all three when the reset acts after the
        // matmul, else r and u), side by side [H, n·len]
        let recurrent: [GRUGate] = resetAfter ? [.reset, .update, .candidate] : [.reset, .update]
        let wc = wh[GRUGate.candidate.rawValue]
        // W_x's three blocks side by side [I, 3H] (r, u, c): one GEMM per worker over its rows,
        // OpenBLAS's; with one worker (small steps) ours, where OpenBLAS would wake its threads
        let wxParts = GRUGate.allCases.map { (wx[$0.rawValue], nH, 0) }
        let wxPacked = workers.count == 1 ? cell.prepared.value(PreparedKey(.gruWx, workers: 1)) { packedColumns(p, wxParts, k: nI, cols: 0..<nH) } : nil
        let wxAll = wxPacked == nil ? StepWorkers(count: 1).keptSliceMajor(cell, .gruWxSliceMajor, wxParts, k: nI, units: nH) : []
        let (G, HC) = (Shared(gates), Shared(hc))
        withBases([x.data, h0, wxAll, bxv, bhv]) { ptrs in
            let (X, H0, WXA, BX, BH) = (ptrs[0], ptrs[1], ptrs[2], ptrs[3], ptrs[4])
            outputs.withUnsafeMutableBufferPointer { ob in
                let out = Shared(ob.baseAddress ?? X.p)                // h_t is the output row (index t − 1)
                // worker w's rows of the input parts of some steps, X·W_x (the biases join in the gate
                // pass); every worker needs every row, as each owns its columns: a barrier after
                let inputs = InputProjection(workers, batch: batch, steps: tCount, chunk: chunkSteps, kept: gateSteps,
                                             barrierAfter: true) { steps, worker in
                    let t = steps.lowerBound, rs = workers.slice(worker, of: steps.count * batch)
                    if let wxPacked {
                        packedGemm(m: rs.count, X + (t * batch + rs.lowerBound) * nI, lda: nI, wxPacked, accumulate: false,
                                   G + (gRow(t) + rs.lowerBound * n3), ldc: n3)
                    } else {
                        gemm(false, false, m: rs.count, n: n3, k: nI, X + (t * batch + rs.lowerBound) * nI, lda: nI, WXA.p,
                             ldb: n3, beta: 0, G + (gRow(t) + rs.lowerBound * n3), ldc: n3)
                    }
                }
                workers.run(inputs) { worker, barrier in
                    let u = workers.slice(worker, of: nH)
                    let (u0, len) = (u.lowerBound, u.count), nc = recurrent.count * len
                    var zBuf = [T](repeating: 0, count: batch * nc), rcBuf = [T](repeating: 0, count: resetAfter ? 1 : batch * len)
                    // this worker's recurrent columns, and (reset before) its columns of U_c, packed once
                    let wsPacked = cell.prepared.value(PreparedKey(.gruRecurrent, workers: workers.count, worker: worker)) {
                        packedColumns(p, recurrent.map { (wh[$0.rawValue], nH, 0) }, k: nH, cols: u)
                    }
                    let wcPacked = resetAfter ? nil : cell.prepared.value(PreparedKey(.gruCandidate, workers: workers.count, worker: worker)) { packedColumns(p, [(wc, nH, 0)], k: nH, cols: u) }
                    zBuf.withUnsafeMutableBufferPointer { zb in
                        rcBuf.withUnsafeMutableBufferPointer { rb in
                            let (z, rc) = (zb.baseAddress ?? X.p, rb.baseAddress!)
                            for t in 0..<tCount {
                                inputs.before(t, worker: worker, barrier)
                                let hPrev = t == 0 ? H0.p : out + (t - 1) * nBH
                                // this step's recurrent parts for the worker's columns
                                packedGemm(m: batch, hPrev, lda: nH, wsPacked, accumulate: false, z, ldc: nc)
                                for b in 0..<batch {
                                    let zr = gRow(t) + b * n3, zs = b * nc, r = (t * batch + b) * nH + u0, hb = b * nH + u0
                                    let hr = hcRow(t) + b * nH + u0
                                    let (gr, gu, gc) = (G + (zr + cr + u0), G + (zr + cu + u0), G + (zr + cc + u0))
                                    let (zR, zU, zC) = (z + zs, z + (zs + len), z + (zs + 2 * len))
                                    let (bxR, bxU, bxC) = (BX + (cr + u0), BX + (cu + u0), BX + (cc + u0))
                                    let (bhR, bhU, bhC) = (BH + (cr + u0), BH + (cu + u0), BH + (cc + u0))
                                    let (hp, h, hcr) = (hPrev + hb, out + r, HC + hr)
                                    for k in 0..<len {
                                        gr[k] += zR[k] + bxR[k] + bhR[k]
                                        gu[k] += zU[k] + bxU[k] + bhU[k]
                                    }
                                    gate.applyInPlace(gr, len)
                                    gate.applyInPlace(gu, len)
                                    if resetAfter {
                                        if keepTape {
                                            for k in 0..<len { hcr[k] = zC[k] + bhC[k] }               // h·U_c + b_hc
                                            for k in 0..<len { gc[k] += bxC[k] + gr[k] * hcr[k] }      // r ⊙ (h·U_c + b_hc)
                                        } else {
                                            for k in 0..<len { gc[k] += bxC[k] + gr[k] * (zC[k] + bhC[k]) }
                                        }
                                        act.applyInPlace(gc, len)
                                        for k in 0..<len { h[k] = gu[k] * hp[k] + (1 - gu[k]) * gc[k] }
                                    } else {
                                        for k in 0..<len { hcr[k] = gr[k] * hp[k] }                   // r_state = r * state
                                    }
                                }
                                if !resetAfter {
                                    barrier.wait()                              // every unit's r⊙h
                                    if let wcPacked { packedGemm(m: batch, HC + hcRow(t), lda: nH, wcPacked, accumulate: false, rc, ldc: len) }
                                    for b in 0..<batch {
                                        let zr = gRow(t) + b * n3, r = (t * batch + b) * nH + u0, hb = b * nH + u0
                                        let (gu, gc) = (G + (zr + cu + u0), G + (zr + cc + u0))
                                        let (bxC, rcb, hp, h) = (BX + (cc + u0), rc + b * len, hPrev + hb, out + r)
                                        for k in 0..<len { gc[k] += bxC[k] + rcb[k] }
                                        act.applyInPlace(gc, len)
                                        for k in 0..<len { h[k] = gu[k] * hp[k] + (1 - gu[k]) * gc[k] }
                                    }
                                }
                                // rows past their length output zero (their h is read from the last live output at the end)
                                for b in 0..<batch where !(lengths.map { t < $0[b] } ?? true) {
                                    for k in u { out[(t * batch + b) * nH + k] = 0 }
                                }
                                barrier.wait()                                  // every unit's h_t
                                inputs.after(t)
                            }
                        }
                    }
                }
            }
        }
        let hT = finalState(h0: h0, outputs: outputs, lengths: lengths, steps: tCount, batch: batch, width: nH)
        let tape = keepTape ? GRUTape(workers: workers.count, gates: gates, h0: h0, outputs: outputs, hc: hc, x: x.data) : nil
        return SequenceForward(outputs: Tensor(uncheckedShape: [tCount, batch, nH], data: outputs),
                               finalState: [Tensor(uncheckedShape: [batch, nH], data: hT)], inputs: [], statesBefore: [], steps: [],
                               sequenceLength: lengths, tape: tape.map { .gru($0) })
    }

    /// The input and recurrent bias vectors [3H] in role order (r, u, c), 0 where a layout has none.
    static func biasVectors<T: RNNFloat>(_ cell: GRUWeights<T>) -> (x: [T], h: [T]) {
        let nH = cell.config.units
        func vector(_ blocks: [BiasBlock?]) -> [T] {
            var v = [T](repeating: 0, count: 3 * nH)
            for g in GRUGate.allCases {
                guard let b = blocks[g.rawValue] else { continue }
                for j in 0..<nH { v[g.rawValue * nH + j] = cell.parameters.tensors[b.index].data[b.offset + j] }
            }
            return v
        }
        var bh = vector(cell.layout.bh)
        // the reset-before schedules add no recurrent bias to the candidate (no such layout has one)
        if !cell.config.flavor.resetAfter { for j in 0..<nH { bh[2 * nH + j] = 0 } }
        return (vector(cell.layout.bx), bh)
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
        let workers = StepWorkers(count: tape.workers)
        let dh = TapeBuffer<T>(count: nBH)
        for k in 0..<nBH { dh.pointer[k] = dFinalState[0].data[k] }
        // dz = [dz_r | dz_u | dz_c] and the cotangent of hc, for one chunk of steps; row (t − t0)·B + b
        let dz = TapeBuffer<T>(count: chunk * batch * n3), dHC = TapeBuffer<T>(count: chunk * nBH)
        let dhPrev = TapeBuffer<T>(count: nBH), dBx = TapeBuffer<T>(count: n3), dBh = TapeBuffer<T>(count: n3)
        var dx = [T](repeating: 0, count: rows * nI)
        let wc = wh[GRUGate.candidate.rawValue]
        let wxParts = GRUGate.allCases.map { (wx[$0.rawValue], nH, 0) }
        let wxAll = StepWorkers(count: 1).keptSliceMajor(cell, .gruWxSliceMajor, wxParts, k: nI, units: nH)     // [I, 3H], r, u, c
        // the gradients, in the framework's layout: the workers write W_x's and W_h's straight into them
        var grads = Parameters<T>(zerosLike: p)
        let (G, HC, DZ, DHC, DHP, DH, DBX, DBH) = (Shared(tape.gates), Shared(tape.hc), Shared(dz), Shared(dHC), Shared(dhPrev), Shared(dh),
                                                   Shared(dBx), Shared(dBh))
        withMutableBases(&grads.tensors) { GW in
        withBases([tape.h0, tape.outputs, tape.x, dOutputs.data, wxAll]) { ptrs in
            let (H0, HS, X, DO, WXA) = (ptrs[0], ptrs[1], ptrs[2], ptrs[3], ptrs[4])
            dx.withUnsafeMutableBufferPointer { dxb in
                let DX = Shared(dxb.baseAddress ?? X.p)                    // T·B·I = 0: never written
                workers.run { worker, barrier in
                    let u = workers.slice(worker, of: nH)
                    // packed once: [U_r; U_u]ᵀ's columns for this worker's units ([dz_r | dz_u] is one
                    // row of dz, so their two products are one GEMM with k = 2H), and U_cᵀ's
                    let ruPacked = cell.prepared.value(PreparedKey(.gruResetUpdateT, workers: workers.count, worker: worker)) {
                        packedTransposed(p, [GRUGate.reset, .update].map { (block: wh[$0.rawValue], n: nH, columns: 0..<nH) }, k: nH, rows: u)
                    }
                    let ucPacked = cell.prepared.value(PreparedKey(.gruCandidateT, workers: workers.count, worker: worker)) {
                        packedTransposed(p, [(block: wc, n: nH, columns: 0..<nH)], k: nH, rows: u)
                    }
                    // one row's derivatives at the outputs, run by run: σ'(r), σ'(u), act'(c) of this worker's units
                    let (u0, len) = (u.lowerBound, u.count)
                    let dGates = TapeBuffer<T>(count: 3 * len)
                    let (dR, dU, dC) = (dGates.pointer - u0, dGates.pointer + (len - u0), dGates.pointer + (2 * len - u0))
                    let dhRow = TapeBuffer<T>(count: len)                  // dh_t of one row
                    for (t0, tEnd) in backwardChunks(steps: tCount, chunk: chunk) {      // the chunk is steps t0 ..< tEnd
                        for t in stride(from: tEnd - 1, through: t0, by: -1) {
                            let hp = t * nBH, z0 = (t - t0) * batch * n3, hl = (t - t0) * nBH
                            let hPrev = t == 0 ? H0.p : HS + (t - 1) * nBH
                            // dz_u, dz_c, the direct part of dh_{t−1}; reset after: dz_r too (this worker's units),
                            // each a run over the row's units
                            for b in 0..<batch {
                                let zz = z0 + b * n3, zg = (t * batch + b) * n3, k0 = b * nH + u0
                                let (dzR, dzU, dzC) = (DZ + (zz + cr + u0), DZ + (zz + cu + u0), DZ + (zz + cc + u0))
                                let (dhp, dhc) = (DHP + k0, DHC + (hl + k0))
                                guard lengths.map({ t < $0[b] }) ?? true else {     // dz is 0; dh passes through
                                    for k in 0..<len { dhp[k] = 0; dhc[k] = 0; dzR[k] = 0; dzU[k] = 0; dzC[k] = 0 }
                                    continue
                                }
                                let (r, uu, c) = (G + (zg + cr + u0), G + (zg + cu + u0), G + (zg + cc + u0))
                                if resetAfter { gate.derivativeFromOutput(r, into: dR + u0, len) }   // else after d(r⊙h)
                                gate.derivativeFromOutput(uu, into: dU + u0, len)
                                act.derivativeFromOutput(c, into: dC + u0, len)
                                let (g, hPrevRow, dUp, dCp) = (dhRow.pointer, hPrev + k0, dU + u0, dC + u0)
                                let (dOut, dhCarried) = (DO + (hp + k0), DH + k0)
                                for k in 0..<len { g[k] = dOut[k] + dhCarried[k] }                     // dh_t
                                for k in 0..<len { dzU[k] = g[k] * (hPrevRow[k] - c[k]) * dUp[k] }     // dh ⊙ (h_{t−1} − c) ⊙ σ'(u)
                                for k in 0..<len { dzC[k] = g[k] * (1 - uu[k]) * dCp[k] }              // dh ⊙ (1 − u) ⊙ act'(c)
                                for k in 0..<len { dhp[k] = g[k] * uu[k] }                             // dh ⊙ u
                                addRun(dzU, into: DBX + (cu + u0), len); addRun(dzC, into: DBX + (cc + u0), len)
                                addRun(dzU, into: DBH + (cu + u0), len)
                                if resetAfter {
                                    let (hc, dRp) = (HC + (hp + k0), dR + u0)
                                    for k in 0..<len { dhc[k] = dzC[k] * r[k] }                        // d(h·U_c + b_hc) = dz_c ⊙ r
                                    for k in 0..<len { dzR[k] = dzC[k] * hc[k] * dRp[k] }              // dz_c ⊙ hc ⊙ σ'(r)
                                    addRun(dzR, into: DBX + (cr + u0), len); addRun(dzR, into: DBH + (cr + u0), len)
                                    addRun(dhc, into: DBH + (cc + u0), len)
                                }
                            }
                            if !resetAfter {
                                barrier.wait()                              // every unit's dz_c
                                // d(r⊙h) = dz_c·U_cᵀ, then dz_r and the reset path into dh_{t−1}
                                packedGemm(m: batch, DZ + (z0 + cc), lda: n3, ucPacked, accumulate: false, DHC + (hl + u.lowerBound), ldc: nH)
                                for b in 0..<batch {
                                    let zz = z0 + b * n3, zg = (t * batch + b) * n3
                                    gate.derivativeFromOutput(G + (zg + cr + u0), into: dR + u0, len)
                                    for j in u {
                                        let k = b * nH + j, r = G[zg + cr + j]
                                        let dzr = DHC[hl + k] * hPrev[k] * dR[j]
                                        DZ[zz + cr + j] = dzr
                                        DBX[cr + j] += dzr; DBH[cr + j] += dzr
                                        DHP[k] += DHC[hl + k] * r
                                    }
                                }
                            }
                            barrier.wait()                                  // every unit's dz (and dhc)
                            // dh_{t−1} += dz_r·U_rᵀ + dz_u·U_uᵀ (+ dhc·U_cᵀ when the reset acts after), this worker's units
                            packedGemm(m: batch, DZ + (z0 + cr), lda: n3, ruPacked, accumulate: true, DHP + u.lowerBound, ldc: nH)
                            if resetAfter {
                                packedGemm(m: batch, DHC + hl, lda: nH, ucPacked, accumulate: true, DHP + u.lowerBound, ldc: nH)
                            }
                            for b in 0..<batch where lengths.map({ t < $0[b] }) ?? true {
                                for j in u { DH[b * nH + j] = DHP[b * nH + j] }
                            }
                        }
                        // the chunk's weight gradients (this worker's rows of each: its input features of
                        // dW_x, its units of dW_h) and dX (its rows), each one GEMM over the chunk's rows
                        let m = (tEnd - t0) * batch, r0 = t0 * batch
                        let (fs, hs, rs) = (workers.slice(worker, of: nI), u, workers.slice(worker, of: m))
                        /// dW[fs or hs, :] of one gate's block += aᵀ·d over `count` of the chunk's rows
                        func addGradient(_ block: WeightBlock, k: Int, rows: Range<Int>, _ a: UnsafePointer<T>, _ d: UnsafePointer<T>, ldd: Int, count: Int) {
                            block.accumulateGradient(into: GW[block.index].p, a + rows.lowerBound, lda: k, d, ldd: ldd, m: count, k: k, n: nH,
                                                     rows: rows, cols: 0..<nH)
                        }
                        for (g, block) in wx.enumerated() { addGradient(block, k: nI, rows: fs, X + r0 * nI, DZ + g * nH, ldd: n3, count: m) }
                        /// dW_h[hs, :] += h_{t−1}[:, hs]ᵀ·d over the chunk's rows (h_0, then the outputs)
                        func recurrentGradient(_ block: WeightBlock, _ d: UnsafeMutablePointer<T>, ldd: Int) {
                            if t0 == 0 {
                                addGradient(block, k: nH, rows: hs, H0.p, d, ldd: ldd, count: batch)
                                addGradient(block, k: nH, rows: hs, HS.p, d + batch * ldd, ldd: ldd, count: m - batch)
                            } else {
                                addGradient(block, k: nH, rows: hs, HS + (r0 - batch) * nH, d, ldd: ldd, count: m)
                            }
                        }
                        recurrentGradient(wh[GRUGate.reset.rawValue], DZ + cr, ldd: n3)
                        recurrentGradient(wh[GRUGate.update.rawValue], DZ + cu, ldd: n3)
                        if resetAfter {
                            recurrentGradient(wc, DHC.p, ldd: nH)                           // U_c from d(h·U_c + b_hc)
                        } else {                                                            // U_c from (r⊙h)ᵀ·dz_c
                            addGradient(wc, k: nH, rows: hs, HC + r0 * nH, DZ + cc, ldd: n3, count: m)
                        }
                        gemm(false, true, m: rs.count, n: nI, k: n3, DZ + rs.lowerBound * n3, lda: n3, WXA.p, ldb: n3, beta: 0,
                             DX + (r0 + rs.lowerBound) * nI, ldc: nI)
                        barrier.wait()                                      // before the next chunk writes dz again
                    }
                }
            }
        }
        }
        for g in GRUGate.allCases {
            if let b = bx[g.rawValue] { for j in 0..<nH { grads.tensors[b.index].data[b.offset + j] += dBx[g.rawValue * nH + j] } }
            if let b = bh[g.rawValue] { for j in 0..<nH { grads.tensors[b.index].data[b.offset + j] += dBh[g.rawValue * nH + j] } }
        }
        let dhOut = Array(UnsafeBufferPointer(start: dh.pointer, count: nBH))
        return SequenceGradients(dx: Tensor(uncheckedShape: [tCount, batch, nI], data: dx),
                                 dInitialState: [Tensor(uncheckedShape: [batch, nH], data: dhOut)], dParameters: grads)
    }
}
