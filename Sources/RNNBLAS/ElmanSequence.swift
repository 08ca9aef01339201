import RNNCore

/// The BLAS tanh RNN over a whole sequence, scheduled for speed (same numbers as stepping
/// `Elman.forward` T times, see RNNCore's `stepwiseForwardSequence`): `Z = X·W_x + b` for all
/// T·B rows in one GEMM, then per step one GEMM `z_t += h_{t−1}·W_h` and one pass
/// `h_t = act(z_t)`; backward per step one pass for dz_t and one GEMM `dh_{t−1} = dz_t·W_hᵀ`;
/// dW_x, dW_h, db and dX are single GEMMs (or one column sum) per chunk of
/// `backwardChunkSteps` steps. The tape is an `ElmanTape`.
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
        var z = [T](repeating: 0, count: rows * nH)
        wx.multiply(p, x.data, m: rows, k: nI, n: nH, beta: 0, into: &z)
        if let b = biasSum(p, l) {
            for r in 0..<rows { for j in 0..<nH { z[r * nH + j] += b[j] } }
        }
        var h = [T](repeating: 0, count: (tCount + 1) * nBH)
        for k in 0..<nBH { h[k] = initialState[0].data[k] }
        var outputs = [T](repeating: 0, count: rows * nH)
        for t in 0..<tCount {
            let hp = t * nBH, hn = (t + 1) * nBH
            wh.multiply(p, h, hp, m: batch, k: nH, n: nH, beta: 1, into: &z, hp)
            for b in 0..<batch {
                if lengths.map({ t < $0[b] }) ?? true {
                    for j in 0..<nH { h[hn + b * nH + j] = z[hp + b * nH + j] }
                    activation.applyInPlace(&h, hn + b * nH, nH)
                    for j in 0..<nH { outputs[hp + b * nH + j] = h[hn + b * nH + j] }
                } else {
                    for j in 0..<nH { h[hn + b * nH + j] = h[hp + b * nH + j] }
                }
            }
        }
        let hT = Tensor(uncheckedShape: [batch, nH], data: Array(h[(tCount * nBH)...]))
        return SequenceForward(outputs: Tensor(uncheckedShape: [tCount, batch, nH], data: outputs),
                               finalState: [hT], inputs: [], statesBefore: [], steps: [],
                               sequenceLength: lengths, tape: .elman(ElmanTape(h: h, x: x.data)))
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
        var grads = Parameters<T>(zerosLike: p)
        var dh = dFinalState[0].data
        var dz = [T](repeating: 0, count: chunk * nBH)      // one chunk; row (t − t0)·B + b
        var dhPrev = [T](repeating: 0, count: nBH)
        var dx = [T](repeating: 0, count: rows * nI)
        var tEnd = tCount
        for t in stride(from: tCount - 1, through: 0, by: -1) {
            let hp = t * nBH, hn = (t + 1) * nBH, t0 = (t / chunk) * chunk, zl = (t - t0) * nBH
            for b in 0..<batch {
                let live = lengths.map { t < $0[b] } ?? true
                for j in 0..<nH {
                    let k = b * nH + j
                    dz[zl + k] = live ? (dOutputs.data[hp + k] + dh[k]) * activation.derivative(fromOutput: tape.h[hn + k]) : 0
                }
            }
            wh.multiplyTransposed(p, dz, zl, m: batch, k: nH, n: nH, beta: 0, into: &dhPrev)
            for b in 0..<batch where lengths.map({ t < $0[b] }) ?? true {
                for j in 0..<nH { dh[b * nH + j] = dhPrev[b * nH + j] }
            }
            if t == t0 {                                    // the chunk's GEMMs over its rows
                let m = (tEnd - t0) * batch, r0 = t0 * batch
                wx.accumulateGradient(&grads, tape.x, dz, m: m, k: nI, n: nH, aOffset: r0 * nI)
                wh.accumulateGradient(&grads, tape.h, dz, m: m, k: nH, n: nH, aOffset: r0 * nH)
                for bi in l.biases { addColumnSums(dz, rows: m, cols: nH, into: &grads.tensors[bi].data) }
                wx.multiplyTransposed(p, dz, m: m, k: nI, n: nH, beta: 0, into: &dx, r0 * nI)
                tEnd = t0
            }
        }
        return SequenceGradients(dx: Tensor(uncheckedShape: [tCount, batch, nI], data: dx),
                                 dInitialState: [Tensor(uncheckedShape: [batch, nH], data: dh)], dParameters: grads)
    }
}
