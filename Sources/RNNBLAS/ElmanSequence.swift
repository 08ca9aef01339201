import RNNCore

/// The BLAS tanh RNN over a whole sequence, scheduled for speed (same numbers as stepping
/// `Elman.forward` T times up to rounding, see RNNCore's `stepwiseForwardSequence`), on the step
/// workers (`StepWorkers`), each owning a slice of the units: its columns of `X·W_x` for all T·B
/// rows in one GEMM, written straight into the output rows; then per step one GEMM
/// `z_t += h_{t−1}·W_h` on its columns and `h_t = act(z_t + b)` for its units, in place, and a
/// barrier. Backward per step its units' dz_t, a barrier, and its columns of
/// `dh_{t−1} = dz_t·W_hᵀ`; dW_x, dW_h and dX are one GEMM per chunk of `backwardChunkSteps`
/// steps over its columns (its input features for dX), db summed by the workers. The tape is an
/// `ElmanTape`.
extension Implementation.Elman {
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func forwardSequence<T: RNNFloat>(_ w: ElmanWeights<T>, x: Tensor<T>, initialState: [Tensor<T>],
                                                    lengths: [Int]?) -> SequenceForward<T>? {
        // the schedule keeps outputs only; an activation whose derivative needs its input steps
        guard ![w.layout.activation].contains(where: \.derivativeNeedsInput) else { return nil }
        guard w.layout.clip == nil else { return nil }           // ONNX's clip: the step path
        let (p, l) = (w.parameters, w.layout)
        let (wx, wh, activation) = (l.wx, l.wh, l.activation)
        let (tCount, batch, nI, nH) = (x.shape[0], x.shape[1], w.inputSize, l.units)
        let rows = tCount * batch, nBH = batch * nH
        let workers = StepWorkers(batch: batch, units: nH, width: nH, gates: 1)
        let bias = biasSum(p, l) ?? [T](repeating: 0, count: nH)
        let h0 = initialState[0].data
        var outputs = [T](repeating: 0, count: rows * nH)
        withBases([x.data, h0, p.tensors[wx.index].data, bias]) { ptrs in
            let (X, H0, WX, BIAS) = (ptrs[0], ptrs[1], ptrs[2], ptrs[3])
            outputs.withUnsafeMutableBufferPointer { ob in
                let out = Shared(ob.baseAddress ?? X.p)                 // z_t, then h_t, in output row t
                workers.run { worker, barrier in
                    let u = workers.slice(worker, of: nH)
                    wx.multiply(WX.p, X.p, m: rows, k: nI, n: nH, cols: u, beta: 0, into: out + u.lowerBound, ldc: nH)
                    let whPacked = w.prepared.value(PreparedKey(.elmanWh, workers: workers.count, worker: worker)) {    // this worker's columns of W_h, once
                        packedColumns(p, [(wh, nH, 0)], k: nH, cols: u)
                    }
                    for t in 0..<tCount {
                        let hPrev = t == 0 ? H0.p : out + (t - 1) * nBH
                        packedGemm(m: batch, hPrev, lda: nH, whPacked, accumulate: true, out + (t * nBH + u.lowerBound), ldc: nH)
                        for b in 0..<batch {
                            let r = t * nBH + b * nH
                            if lengths.map({ t < $0[b] }) ?? true {
                                addRun(BIAS + u.lowerBound, into: out + (r + u.lowerBound), u.count)
                                activation.applyInPlace(out + (r + u.lowerBound), u.count)
                            } else {                            // past the row's length: output zero
                                for j in u { out[r + j] = 0 }
                            }
                        }
                        barrier.wait()                          // every unit's h_t
                    }
                }
            }
        }
        let hT = finalState(h0: h0, outputs: outputs, lengths: lengths, steps: tCount, batch: batch, width: nH)
        return SequenceForward(outputs: Tensor(uncheckedShape: [tCount, batch, nH], data: outputs),
                               finalState: [Tensor(uncheckedShape: [batch, nH], data: hT)], inputs: [], statesBefore: [], steps: [],
                               sequenceLength: lengths, tape: .elman(ElmanTape(h0: h0, outputs: outputs, x: x.data)))
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func backwardSequence<T: RNNFloat>(_ w: ElmanWeights<T>, _ fwd: SequenceForward<T>, dOutputs: Tensor<T>,
                                                     dFinalState: [Tensor<T>]) -> SequenceGradients<T> {
        let (p, l) = (w.parameters, w.layout)
        let (wx, wh, activation) = (l.wx, l.wh, l.activation)
        guard let tape = fwd.tape?.elman else { preconditionFailure("a tanh-RNN sequence backward needs its forward tape") }
        let (tCount, batch, nI, nH) = (dOutputs.shape[0], dOutputs.shape[1], w.inputSize, l.units)
        let rows = tCount * batch, nBH = batch * nH
        let chunk = backwardChunkSteps(batch: batch, steps: tCount)
        let lengths = fwd.sequenceLength
        let workers = StepWorkers(batch: batch, units: nH, width: nH, gates: 1)
        let dh = TapeBuffer<T>(count: nBH), dz = TapeBuffer<T>(count: chunk * nBH)      // dz: one chunk; row (t − t0)·B + b
        for k in 0..<nBH { dh.pointer[k] = dFinalState[0].data[k] }
        let dhPrev = TapeBuffer<T>(count: nBH), dBias = TapeBuffer<T>(count: nH)
        var dx = [T](repeating: 0, count: rows * nI)
        // the gradients, in the layer's parameters' shapes: the workers write W_x's and W_h's straight into them
        var grads = Parameters<T>(zerosLike: p)
        let (DZ, DH, DHP, DB) = (Shared(dz), Shared(dh), Shared(dhPrev), Shared(dBias))
        withMutableBases(&grads.tensors) { GB in
        withBases([tape.h0, tape.outputs, tape.x, dOutputs.data, p.tensors[wx.index].data]) { ptrs in
            let (H0, HS, X, DO, WX) = (ptrs[0], ptrs[1], ptrs[2], ptrs[3], ptrs[4])
            dx.withUnsafeMutableBufferPointer { dxb in
                let DX = Shared(dxb.baseAddress ?? X.p)                    // T·B·I = 0: never written
                workers.run { worker, barrier in
                    let u = workers.slice(worker, of: nH), inputs = workers.slice(worker, of: nI)
                    let whTPacked = w.prepared.value(PreparedKey(.elmanWhT, workers: workers.count, worker: worker)) {   // W_hᵀ's columns for this worker's dh, once
                        packedTransposed(p, [(block: wh, n: nH, columns: 0..<nH)], k: nH, rows: u)
                    }
                    let (u0, len) = (u.lowerBound, u.count)
                    let dAct = TapeBuffer<T>(count: len)                 // act'(z) of one row's units
                    for (t0, tEnd) in backwardChunks(steps: tCount, chunk: chunk) {      // the chunk is steps t0 ..< tEnd
                        for t in stride(from: tEnd - 1, through: t0, by: -1) {
                            let hp = t * nBH, zl = (t - t0) * nBH
                            // dz_t = (dy_t + dh_t) ⊙ act'(z_t), this worker's units, a run per row
                            for b in 0..<batch {
                                let k0 = b * nH + u0, dz = DZ + (zl + k0)
                                guard lengths.map({ t < $0[b] }) ?? true else {     // past the row's length: dz is 0
                                    for k in 0..<len { dz[k] = 0 }
                                    continue
                                }
                                activation.derivativeFromOutput(HS + (hp + k0), into: dAct.pointer, len)
                                let (dy, dh, dA, db) = (DO + (hp + k0), DH + k0, dAct.pointer, DB + u0)
                                for k in 0..<len { dz[k] = (dy[k] + dh[k]) * dA[k] }
                                for k in 0..<len { db[k] += dz[k] }
                            }
                            barrier.wait()                          // every unit's dz_t
                            packedGemm(m: batch, DZ + zl, lda: nH, whTPacked, accumulate: false, DHP + u0, ldc: nH)
                            for b in 0..<batch where lengths.map({ t < $0[b] }) ?? true {   // dh_{t−1}; past the length it passes through
                                (DH + (b * nH + u0)).update(from: DHP + (b * nH + u0), count: len)
                            }
                        }
                        // the chunk's GEMMs over its rows: this worker's columns of dW, its input features of dX
                        let m = (tEnd - t0) * batch, r0 = t0 * batch
                        wx.accumulateGradient(into: GB[wx.index].p, X + r0 * nI, DZ + u.lowerBound, ldd: nH, m: m, k: nI, n: nH, cols: u)
                        if t0 == 0 {                                // h_{t−1}: h_0, then the outputs
                            wh.accumulateGradient(into: GB[wh.index].p, H0.p, DZ + u.lowerBound, ldd: nH, m: batch, k: nH, n: nH, cols: u)
                            wh.accumulateGradient(into: GB[wh.index].p, HS.p, DZ + (nBH + u.lowerBound), ldd: nH, m: m - batch, k: nH, n: nH, cols: u)
                        } else {
                            wh.accumulateGradient(into: GB[wh.index].p, HS + (r0 - batch) * nH, DZ + u.lowerBound, ldd: nH, m: m, k: nH, n: nH, cols: u)
                        }
                        wx.multiplyTransposed(WX.p, DZ.p, m: m, k: nI, n: nH, rows: inputs, beta: 0, into: DX + (r0 * nI + inputs.lowerBound), ldc: nI)
                        barrier.wait()                              // before the next chunk writes dz again
                    }
                }
            }
        }
        }
        for bi in l.biases { for j in 0..<nH { grads.tensors[bi].data[j] += dBias[j] } }
        let dhOut = Array(UnsafeBufferPointer(start: dh.pointer, count: nBH))
        return SequenceGradients(dx: Tensor(uncheckedShape: [tCount, batch, nI], data: dx),
                                 dInitialState: [Tensor(uncheckedShape: [batch, nH], data: dhOut)], dParameters: grads)
    }
}
