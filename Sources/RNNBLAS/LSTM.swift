import RNNCore

extension Implementation {
    /// The LSTM step every flavor shares, vectorised (see RNNScalar's `LSTM` for the equations
    /// and TF's `LSTMCell.call` line by line). Per step: two GEMMs into one [B, 4H] gate buffer,
    /// one fused pass over the gates, one GEMM for the projection; backward: one fused pass to
    /// dz [B, 4H], then GEMMs for dx, dh_prev and the weight gradients. Same `LSTMStepCache`.
    public enum LSTM: LSTMArithmetic {
        @_specialize(where T == Float)
        @_specialize(where T == Double)
        public static func forward<T: RNNFloat>(_ w: LSTMWeights<T>, x: Tensor<T>, state: [Tensor<T>]) -> CellStep<T> {
            let (config, p, inputSize) = (w.config, w.parameters, w.inputSize)
            let (wx, wh, biases, projection) = (w.layout.wx, w.layout.wh, w.layout.biases, w.layout.projection)
            let (cPrev, hPrev) = flat(w.splitState(state))
            let (batch, nI, nH, nP) = (x.shape[0], inputSize, config.units, config.outputWidth)
            let n4 = 4 * nH
            // z = x·W_x + h·W_h (+ biases below)
            var z = [T](repeating: 0, count: batch * n4)
            wx.multiply(p, x.data, m: batch, k: nI, n: n4, beta: 0, into: &z)
            wh.multiply(p, hPrev, m: batch, k: nP, n: n4, beta: 1, into: &z)
            let (ci, cj, cf, co) = config.gateOffsets
            let act = config.activation, gate = config.recurrentActivation, outAct = config.cellOutputActivation
            let forgetBias = T(config.forgetBias)
            let clipC = config.cellClip.map { T($0) }
            let gateClip = config.gateClip.map { T($0) }
            var bias = [T](repeating: 0, count: n4)
            for bi in biases { for k in 0..<n4 { bias[k] += p.tensors[bi].data[k] } }
            let peep = w.peepholeVectors
            let (wI, wF, wO) = (peep?.i, peep?.f, peep?.o)
            let n = batch * nH
            var gi = [T](repeating: 0, count: n), gf = gi, gg = gi, go = gi, cRaw = gi, c = gi, actC = gi, mh = gi
            var pre = [T](repeating: 0, count: batch * n4)
            var preRaw: [T] = gateClip == nil ? [] : pre
            // one fused pass over the gates
            for b in 0..<batch {
                let zr = b * n4, r = b * nH
                for u in 0..<nH {
                    let cp = cPrev[r + u]
                    var zi = z[zr + ci + u] + bias[ci + u]
                    var zf = z[zr + cf + u] + bias[cf + u] + forgetBias
                    if let wI, let wF { zi += wI[u] * cp; zf += wF[u] * cp }
                    var zj = z[zr + cj + u] + bias[cj + u]
                    if let k = gateClip {                    // ONNX: clip(gate input, −clip, clip)
                        preRaw[zr + ci + u] = zi; preRaw[zr + cj + u] = zj; preRaw[zr + cf + u] = zf
                        (zi, zj, zf) = (clip(zi, -k, k), clip(zj, -k, k), clip(zf, -k, k))
                    }
                    let i = gate.apply(zi), g = act.apply(zj)
                    let f = config.inputForget ? 1 - i : gate.apply(zf)      // ONNX input_forget
                    let raw = f * cp + i * g
                    let cNew = clipC.map { clip(raw, -$0, $0) } ?? raw
                    var zo = z[zr + co + u] + bias[co + u]
                    if let wO { zo += wO[u] * cNew }
                    if let k = gateClip { preRaw[zr + co + u] = zo; zo = clip(zo, -k, k) }
                    let o = gate.apply(zo), a = outAct.apply(cNew)
                    gi[r + u] = i; gf[r + u] = f; gg[r + u] = g; go[r + u] = o
                    pre[zr + ci + u] = zi; pre[zr + cj + u] = zj; pre[zr + cf + u] = zf; pre[zr + co + u] = zo
                    cRaw[r + u] = raw; c[r + u] = cNew; actC[r + u] = a; mh[r + u] = o * a
                }
            }
            let (mRaw, m) = projection.map { project(mh, $0, p, rows: batch, units: nH, width: nP, clip: config.projClip) } ?? (mh, mh)
            let t = { (a: [T], w: Int) in Tensor(uncheckedShape: [batch, w], data: a) }
            return CellStep(output: t(m, nP), state: w.joinState(c: c, h: m, batch: batch),
                            cache: .lstm(LSTMStepCache(i: t(gi, nH), f: t(gf, nH), g: t(gg, nH), o: t(go, nH), pre: t(pre, n4), cUnclipped: t(cRaw, nH),
                                                       c: t(c, nH), actC: t(actC, nH), mh: t(mh, nH), mUnclipped: t(mRaw, nP),
                                                       preUnclipped: gateClip == nil ? nil : t(preRaw, n4))))
        }

        @_specialize(where T == Float)
        @_specialize(where T == Double)
        public static func backward<T: RNNFloat>(_ w: LSTMWeights<T>, step: CellStep<T>, x: Tensor<T>, state: [Tensor<T>],
                                                 dOutput: Tensor<T>, dState: [Tensor<T>], grads: inout Parameters<T>) -> CellStepGradients<T> {
            let (config, p, inputSize) = (w.config, w.parameters, w.inputSize)
            let (wx, wh, biases, peepholes, projection) = (w.layout.wx, w.layout.wh, w.layout.biases, w.layout.peepholes, w.layout.projection)
            let (cPrev, hPrev) = flat(w.splitState(state))
            let (dcNext, dmState) = flat(w.splitState(dState))
            let (batch, nI, nH, nP) = (x.shape[0], inputSize, config.units, config.outputWidth)
            let n4 = 4 * nH
            let saved = step.cache.lstm
            let (gi, gf, gg, go) = (saved.i.data, saved.f.data, saved.g.data, saved.o.data)
            let (cRaw, c, actC, mh, mRaw) = (saved.cUnclipped.data, saved.c.data, saved.actC.data, saved.mh.data, saved.mUnclipped.data)
            let pre = saved.pre.data
            let (ci, cj, cf, co) = config.gateOffsets
            let act = config.activation, gate = config.recurrentActivation, outAct = config.cellOutputActivation
            let gateClip = config.gateClip.map { T($0) }, preRaw = saved.preUnclipped?.data
            /// 1, or 0 where ONNX's clip bound the gate input at flat index `k`.
            @inline(__always) func passed(_ k: Int) -> T {
                guard let c = gateClip, let preRaw else { return 1 }
                return clipGradient(preRaw[k], -c, c)
            }
            var dm = dOutput.data
            for k in dm.indices { dm[k] += dmState[k] }
            let dmh = projection.map {
                projectBackward(dm, raw: mRaw, mh: mh, $0, p, rows: batch, units: nH, width: nP, clip: config.projClip, grads: &grads)
            } ?? dm
            let peep = w.peepholeVectors
            let (wI, wF, wO) = (peep?.i, peep?.f, peep?.o)
            var dwI = [T](repeating: 0, count: nH), dwF = dwI, dwO = dwI
            let clipC = config.cellClip.map { T($0) }
            var dz = [T](repeating: 0, count: batch * n4)
            var dcPrev = [T](repeating: 0, count: batch * nH)
            for b in 0..<batch {
                let zr = b * n4, r = b * nH
                for u in 0..<nH {
                    let k = r + u
                    let (i, f, g, o) = (gi[k], gf[k], gg[k], go[k])
                    let dzo = dmh[k] * actC[k] * gate.derivative(z: pre[zr + co + u], y: o) * passed(zr + co + u)
                    var dc = dcNext[k] + dmh[k] * o * outAct.derivative(z: c[k], y: actC[k])
                    if let wO { dc += dzo * wO[u]; dwO[u] += dzo * c[k] }
                    if let clipC { dc *= clipGradient(cRaw[k], -clipC, clipC) }
                    let dzf = config.inputForget ? 0 : dc * cPrev[k] * gate.derivative(z: pre[zr + cf + u], y: f) * passed(zr + cf + u)
                    let di = config.inputForget ? dc * (g - cPrev[k]) : dc * g           // f = 1 − i: df/di = −1
                    let dzi = di * gate.derivative(z: pre[zr + ci + u], y: i) * passed(zr + ci + u)
                    let dzj = dc * i * act.derivative(z: pre[zr + cj + u], y: g) * passed(zr + cj + u)
                    var dcp = dc * f
                    if let wI, let wF {
                        dcp += dzf * wF[u] + dzi * wI[u]
                        dwF[u] += dzf * cPrev[k]
                        dwI[u] += dzi * cPrev[k]
                    }
                    dcPrev[k] = dcp
                    dz[zr + ci + u] = dzi; dz[zr + cj + u] = dzj; dz[zr + cf + u] = dzf; dz[zr + co + u] = dzo
                }
            }
            if let ph = peepholes {
                for u in 0..<nH {
                    grads.tensors[ph.i].data[u] += dwI[u]
                    grads.tensors[ph.f].data[u] += dwF[u]
                    grads.tensors[ph.o].data[u] += dwO[u]
                }
            }
            var dx = [T](repeating: 0, count: batch * nI), dhPrev = [T](repeating: 0, count: batch * nP)
            wx.multiplyTransposed(p, dz, m: batch, k: nI, n: n4, beta: 0, into: &dx)
            wh.multiplyTransposed(p, dz, m: batch, k: nP, n: n4, beta: 0, into: &dhPrev)
            wx.accumulateGradient(&grads, x.data, dz, m: batch, k: nI, n: n4)
            wh.accumulateGradient(&grads, hPrev, dz, m: batch, k: nP, n: n4)
            for bi in biases { addColumnSums(dz, rows: batch, cols: n4, into: &grads.tensors[bi].data) }
            return CellStepGradients(dx: Tensor(uncheckedShape: [batch, nI], data: dx), dState: w.joinState(c: dcPrev, h: dhPrev, batch: batch))
        }

        /// (c, h) as flat arrays.
        @inline(__always)
        static func flat<T: RNNFloat>(_ s: (c: Tensor<T>, h: Tensor<T>)) -> (c: [T], h: [T]) { (s.c.data, s.h.data) }
    }
}

/// An LSTM's output projection over flat rows (see RNNScalar's `project`): `m_raw = mh·W_P`
/// [B, P] and `m = clip(m_raw, ±proj_clip)`.
func project<T: RNNFloat>(_ mh: [T], _ pr: WeightBlock, _ p: Parameters<T>, rows: Int, units nH: Int, width nP: Int,
                          clip projClip: Double?) -> (raw: [T], m: [T]) {
    var raw = [T](repeating: 0, count: rows * nP)
    pr.multiply(p, mh, m: rows, k: nH, n: nP, beta: 0, into: &raw)
    var m = raw
    if let pc = projClip.map({ T($0) }) { for k in m.indices { m[k] = clip(m[k], -pc, pc) } }
    return (raw, m)
}

/// Its backward: `dm_raw = dm ⊙ 1[|m_raw| ≤ proj_clip]`, `dW_P += mhᵀ·dm_raw`, returns
/// `dmh = dm_raw·W_Pᵀ`.
func projectBackward<T: RNNFloat>(_ dm: [T], raw: [T], mh: [T], _ pr: WeightBlock, _ p: Parameters<T>, rows: Int, units nH: Int,
                                  width nP: Int, clip projClip: Double?, grads: inout Parameters<T>) -> [T] {
    var dmRaw = dm
    if let pc = projClip.map({ T($0) }) { for k in dmRaw.indices { dmRaw[k] *= clipGradient(raw[k], -pc, pc) } }
    var dmh = [T](repeating: 0, count: rows * nH)
    pr.multiplyTransposed(p, dmRaw, m: rows, k: nH, n: nP, beta: 0, into: &dmh)
    pr.accumulateGradient(&grads, mh, dmRaw, m: rows, k: nH, n: nP)
    return dmh
}
