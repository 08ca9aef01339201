import RNNCore

extension Implementation {
    /// The coupled input-forget gate LSTM, vectorised (see RNNScalar's `CIFG` for the equations
    /// and TF 1.x's `CoupledInputForgetGateLSTMCell.call` line by line). Per step: two GEMMs into
    /// one [B, 3H] buffer, one pass per row over layer norm and the gates, one GEMM for the
    /// projection; backward: one pass per row to dz [B, 3H], then GEMMs for dx, dm_prev and
    /// the weight gradients. Same `CIFGStepCache`.
    public enum CIFG: CIFGArithmetic {
        static let epsilon = 1e-12

        /// The mean of `v[from ..< from + H]` and 1/sqrt(var + ε) (the biased variance, as `nn.moments`).
        static func moments<T: RNNFloat>(_ v: [T], from: Int, units nH: Int) -> (mean: T, r: T) {
            var mean: T = 0, variance: T = 0
            for u in 0..<nH { mean += v[from + u] }
            mean /= T(nH)
            for u in 0..<nH { let d = v[from + u] - mean; variance += d * d }
            variance /= T(nH)
            return (mean, 1 / (variance + T(epsilon)).squareRoot())
        }

        /// Layer norm of `v[from ..< from + H]` in place (TF's `nn.batch_normalization` form:
        /// inv = gamma/sqrt(var + ε), y = v·inv + (beta − mean·inv)); nothing without `norm`.
        static func normalize<T: RNNFloat>(_ v: inout [T], from: Int, _ norm: (gamma: [T], beta: [T])?, units nH: Int) {
            guard let norm else { return }
            let (mean, r) = moments(v, from: from, units: nH)
            for u in 0..<nH {
                let inv = r * norm.gamma[u]
                v[from + u] = v[from + u] * inv + (norm.beta[u] - mean * inv)
            }
        }

        /// The VJP of `normalize`: `d[dFrom ..< dFrom + H]` (dL/dy) becomes dL/dv in place, for the
        /// pre-norm values `v[from ..< from + H]`; adds into dgamma and dbeta.
        static func normalizeBackward<T: RNNFloat>(_ d: inout [T], _ dFrom: Int, _ v: [T], from: Int, _ norm: (gamma: [T], beta: [T])?,
                                                   units nH: Int, dGamma: inout [T], dBeta: inout [T]) {
            guard let norm else { return }
            let (mean, r) = moments(v, from: from, units: nH)
            var meanD: T = 0, meanDX: T = 0
            for u in 0..<nH {
                let xHat = (v[from + u] - mean) * r, dy = d[dFrom + u]
                dGamma[u] += dy * xHat
                dBeta[u] += dy
                let dx = dy * norm.gamma[u]
                meanD += dx
                meanDX += dx * xHat
            }
            meanD /= T(nH); meanDX /= T(nH)
            for u in 0..<nH {
                let xHat = (v[from + u] - mean) * r
                d[dFrom + u] = r * (d[dFrom + u] * norm.gamma[u] - meanD - xHat * meanDX)
            }
        }

        /// The four (gamma, beta) pairs' values, or nil without layer norm.
        static func norms<T: RNNFloat>(_ w: CIFGWeights<T>) -> [(gamma: [T], beta: [T])]? {
            w.layout.norms?.map { (w.parameters.tensors[$0.gamma].data, w.parameters.tensors[$0.beta].data) }
        }

        @_specialize(where T == Float)
        @_specialize(where T == Double)
        public static func forward<T: RNNFloat>(_ w: CIFGWeights<T>, x: Tensor<T>, state: [Tensor<T>]) -> CellStep<T> {
            let (config, p, l) = (w.config, w.parameters, w.layout)
            let (cPrevT, mPrevT) = w.splitState(state)
            let (cPrev, mPrev) = (cPrevT.data, mPrevT.data)
            let (batch, nI, nH, nP) = (x.shape[0], w.inputSize, config.units, config.outputWidth)
            let n3 = 3 * nH
            // z = x·W_x + m_prev·W_h (+ B)
            var z = [T](repeating: 0, count: batch * n3)
            l.wx.multiply(p, x.data, m: batch, k: nI, n: n3, beta: 0, into: &z)
            l.wh.multiply(p, mPrev, m: batch, k: nP, n: n3, beta: 1, into: &z)
            let norm = norms(w)
            if norm == nil {
                let bias = p.tensors[l.bias].data
                for b in 0..<batch { for k in 0..<n3 { z[b * n3 + k] += bias[k] } }
            }
            let act = config.activation, forgetBias = T(config.forgetBias)
            let wF = l.peepholes.map { p.tensors[$0.f].data }, wO = l.peepholes.map { p.tensors[$0.o].data }
            let n = batch * nH
            var gg = [T](repeating: 0, count: n), gf = gg, go = gg, jPre = gg, cRaw = gg, c = gg, actC = gg, mh = gg
            var zn = z
            for b in 0..<batch {
                let zr = b * n3, r = b * nH
                for k in 0..<3 { normalize(&zn, from: zr + k * nH, norm?[k], units: nH) }
                for u in 0..<nH {
                    var zf = zn[zr + nH + u] + forgetBias
                    if let wF { zf += wF[u] * cPrev[r + u] }
                    let f = sigmoid(zf), g = act.apply(zn[zr + u])
                    gf[r + u] = f; gg[r + u] = g; jPre[r + u] = zn[zr + u]
                    cRaw[r + u] = f * cPrev[r + u] + (1 - f) * g
                }
                for u in 0..<nH { c[r + u] = cRaw[r + u] }
                normalize(&c, from: r, norm?[3], units: nH)
                for u in 0..<nH {
                    var zo = zn[zr + 2 * nH + u]
                    if let wO { zo += wO[u] * c[r + u] }
                    let o = sigmoid(zo), a = act.apply(c[r + u])
                    go[r + u] = o; actC[r + u] = a; mh[r + u] = o * a
                }
            }
            let (mRaw, m) = l.projection.map { project(mh, $0, p, rows: batch, units: nH, width: nP, clip: config.projClip) } ?? (mh, mh)
            let t = { (a: [T], w: Int) in Tensor(uncheckedShape: [batch, w], data: a) }
            return CellStep(output: t(m, nP), state: w.joinState(c: t(c, nH), h: t(m, nP)),
                            cache: .cifg(CIFGStepCache(z: t(z, n3), g: t(gg, nH), f: t(gf, nH), o: t(go, nH), j: t(jPre, nH), cRaw: t(cRaw, nH),
                                                       c: t(c, nH), actC: t(actC, nH), mh: t(mh, nH), mUnclipped: t(mRaw, nP))))
        }

        @_specialize(where T == Float)
        @_specialize(where T == Double)
        public static func backward<T: RNNFloat>(_ w: CIFGWeights<T>, step: CellStep<T>, x: Tensor<T>, state: [Tensor<T>],
                                                 dOutput: Tensor<T>, dState: [Tensor<T>], grads: inout Parameters<T>) -> CellStepGradients<T> {
            let (config, p, l) = (w.config, w.parameters, w.layout)
            let (cPrevT, mPrevT) = w.splitState(state)
            let (cPrev, mPrev) = (cPrevT.data, mPrevT.data)
            let (dcNextT, dmStateT) = w.splitState(dState)
            let (batch, nI, nH, nP) = (x.shape[0], w.inputSize, config.units, config.outputWidth)
            let n3 = 3 * nH
            let saved = step.cache.cifg
            let (z, gg, gf, go, cRaw, c, actC) = (saved.z.data, saved.g.data, saved.f.data, saved.o.data, saved.cRaw.data, saved.c.data, saved.actC.data)
            let act = config.activation, gate = Activation.sigmoid
            var dm = dOutput.data
            for k in dm.indices { dm[k] += dmStateT.data[k] }
            let dmh = l.projection.map {
                projectBackward(dm, raw: saved.mUnclipped.data, mh: saved.mh.data, $0, p, rows: batch, units: nH, width: nP,
                                clip: config.projClip, grads: &grads)
            } ?? dm
            let norm = norms(w)
            var dGamma = [[T]](repeating: [T](repeating: 0, count: nH), count: 4), dBeta = dGamma
            let wF = l.peepholes.map { p.tensors[$0.f].data }, wO = l.peepholes.map { p.tensors[$0.o].data }
            var dwF = [T](repeating: 0, count: nH), dwO = dwF
            var dz = [T](repeating: 0, count: batch * n3)
            var dc = [T](repeating: 0, count: batch * nH)
            var dcPrev = [T](repeating: 0, count: batch * nH)
            for b in 0..<batch {
                let zr = b * n3, r = b * nH
                for u in 0..<nH {
                    let k = r + u
                    let dO = dmh[k] * actC[k] * gate.derivative(fromOutput: go[k])
                    dc[k] = dcNextT.data[k] + dmh[k] * go[k] * act.derivative(z: c[k], y: actC[k])
                    if let wO { dc[k] += dO * wO[u]; dwO[u] += dO * c[k] }
                    dz[zr + 2 * nH + u] = dO
                }
                normalizeBackward(&dc, r, cRaw, from: r, norm?[3], units: nH, dGamma: &dGamma[3], dBeta: &dBeta[3])
                for u in 0..<nH {
                    let k = r + u
                    let (f, g, cp) = (gf[k], gg[k], cPrev[k])
                    let dF = dc[k] * (cp - g) * gate.derivative(fromOutput: f)
                    dz[zr + u] = dc[k] * (1 - f) * act.derivative(z: saved.j.data[k], y: g)
                    dz[zr + nH + u] = dF
                    var dcp = dc[k] * f
                    if let wF { dcp += dF * wF[u]; dwF[u] += dF * cp }
                    dcPrev[k] = dcp
                }
                for k in 0..<3 { normalizeBackward(&dz, zr + k * nH, z, from: zr + k * nH, norm?[k], units: nH, dGamma: &dGamma[k], dBeta: &dBeta[k]) }
            }
            if let ph = l.peepholes {
                for u in 0..<nH { grads.tensors[ph.f].data[u] += dwF[u]; grads.tensors[ph.o].data[u] += dwO[u] }
            }
            if let ns = l.norms {
                for (k, n) in ns.enumerated() {
                    for u in 0..<nH { grads.tensors[n.gamma].data[u] += dGamma[k][u]; grads.tensors[n.beta].data[u] += dBeta[k][u] }
                }
            }
            var dx = [T](repeating: 0, count: batch * nI), dmPrev = [T](repeating: 0, count: batch * nP)
            l.wx.multiplyTransposed(p, dz, m: batch, k: nI, n: n3, beta: 0, into: &dx)
            l.wh.multiplyTransposed(p, dz, m: batch, k: nP, n: n3, beta: 0, into: &dmPrev)
            l.wx.accumulateGradient(&grads, x.data, dz, m: batch, k: nI, n: n3)
            l.wh.accumulateGradient(&grads, mPrev, dz, m: batch, k: nP, n: n3)
            if norm == nil { addColumnSums(dz, rows: batch, cols: n3, into: &grads.tensors[l.bias].data) }
            return CellStepGradients(dx: Tensor(uncheckedShape: [batch, nI], data: dx),
                                     dState: w.joinState(c: Tensor(uncheckedShape: [batch, nH], data: dcPrev), h: Tensor(uncheckedShape: [batch, nP], data: dmPrev)))
        }
    }
}
