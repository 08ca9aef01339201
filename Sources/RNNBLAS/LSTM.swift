import RNNCore

/// The LSTM step every flavor shares, vectorised (see RNNScalar's `LSTM` for the equations
/// and TF's `LSTMCell.call` line by line). Per step: two GEMMs into one [B, 4H] gate buffer,
/// one fused pass over the gates, one GEMM for the projection; backward: one fused pass to
/// dz [B, 4H], then GEMMs for dx, dh_prev and the weight gradients. Same cache layout:
/// `[i, f, g, o, c_unclipped, c, act(c), mh, m_unclipped]`.
struct LSTM<Scalar: RNNFloat>: Sendable {
    static var cacheNames: [String] { ["i", "f", "g", "o", "c_unclipped", "c", "act_c", "mh", "m_unclipped"] }

    var config: LSTMConfig
    var inputSize: Int
    var wx: WeightBlock
    var wh: WeightBlock
    var biases: [Int]
    var peepholes: (i: Int, f: Int, o: Int)?
    var projection: WeightBlock?

    init(_ config: LSTMConfig, inputSize: Int, parameters: Parameters<Scalar>) {
        self.config = config
        self.inputSize = inputSize
        let layout = LSTMLayout(config, inputSize: inputSize, names: parameters.names)
        wx = layout.wx
        wh = layout.wh
        biases = layout.biases
        peepholes = layout.peepholes
        projection = layout.projection
    }

    /// (c_prev, h_prev) as flat arrays from the framework's state list.
    func split(_ state: [Tensor<Scalar>]) -> (c: [Scalar], h: [Scalar]) {
        let (nH, nP) = (config.units, config.outputWidth)
        if !config.stateIsTuple {
            let s = state[0], batch = s.shape[0]
            var c = [Scalar](), h = [Scalar]()
            c.reserveCapacity(batch * nH)
            h.reserveCapacity(batch * nP)
            for b in 0..<batch {
                c.append(contentsOf: s.data[(b * (nH + nP))..<(b * (nH + nP) + nH)])
                h.append(contentsOf: s.data[(b * (nH + nP) + nH)..<((b + 1) * (nH + nP))])
            }
            return (c, h)
        }
        return config.flavor.cellStateFirst ? (state[0].data, state[1].data) : (state[1].data, state[0].data)
    }

    func join(c: [Scalar], h: [Scalar], batch: Int) -> [Tensor<Scalar>] {
        let (nH, nP) = (config.units, config.outputWidth)
        let ct = Tensor(uncheckedShape: [batch, nH], data: c), ht = Tensor(uncheckedShape: [batch, nP], data: h)
        if !config.stateIsTuple {
            var s = [Scalar]()
            s.reserveCapacity(batch * (nH + nP))
            for b in 0..<batch {
                s.append(contentsOf: c[(b * nH)..<((b + 1) * nH)])
                s.append(contentsOf: h[(b * nP)..<((b + 1) * nP)])
            }
            return [Tensor(uncheckedShape: [batch, nH + nP], data: s)]
        }
        return config.flavor.cellStateFirst ? [ct, ht] : [ht, ct]
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func forward(_ p: Parameters<Scalar>, x: Tensor<Scalar>, state: [Tensor<Scalar>]) -> CellStep<Scalar> {
        let (cPrev, hPrev) = split(state)
        let (batch, nI, nH, nP) = (x.shape[0], inputSize, config.units, config.outputWidth)
        let n4 = 4 * nH
        // z = x·W_x + h·W_h (+ biases below)
        var z = [Scalar](repeating: 0, count: batch * n4)
        wx.multiply(p, x.data, m: batch, k: nI, n: n4, beta: 0, into: &z)
        wh.multiply(p, hPrev, m: batch, k: nP, n: n4, beta: 1, into: &z)
        let (ci, cj, cf, co) = (config.columns(.input).lowerBound, config.columns(.candidate).lowerBound,
                                config.columns(.forget).lowerBound, config.columns(.output).lowerBound)
        let act = config.activation, gate = config.recurrentActivation
        let forgetBias = Scalar(config.forgetBias)
        let clipC = config.cellClip.map { Scalar($0) }
        var bias = [Scalar](repeating: 0, count: n4)
        for bi in biases { for k in 0..<n4 { bias[k] += p.tensors[bi].data[k] } }
        let wI = peepholes.map { p.tensors[$0.i].data }, wF = peepholes.map { p.tensors[$0.f].data }
        let wO = peepholes.map { p.tensors[$0.o].data }
        let n = batch * nH
        var gi = [Scalar](repeating: 0, count: n), gf = gi, gg = gi, go = gi, cRaw = gi, c = gi, actC = gi, mh = gi
        // one fused pass over the gates
        for b in 0..<batch {
            let zr = b * n4, r = b * nH
            for u in 0..<nH {
                let cp = cPrev[r + u]
                var zi = z[zr + ci + u] + bias[ci + u]
                var zf = z[zr + cf + u] + bias[cf + u] + forgetBias
                if let wI, let wF { zi += wI[u] * cp; zf += wF[u] * cp }
                let i = gate.apply(zi), f = gate.apply(zf), g = act.apply(z[zr + cj + u] + bias[cj + u])
                let raw = f * cp + i * g
                let cNew = clipC.map { clip(raw, -$0, $0) } ?? raw
                var zo = z[zr + co + u] + bias[co + u]
                if let wO { zo += wO[u] * cNew }
                let o = gate.apply(zo), a = act.apply(cNew)
                gi[r + u] = i; gf[r + u] = f; gg[r + u] = g; go[r + u] = o
                cRaw[r + u] = raw; c[r + u] = cNew; actC[r + u] = a; mh[r + u] = o * a
            }
        }
        var mRaw = mh, m = mh
        if let pr = projection {
            mRaw = [Scalar](repeating: 0, count: batch * nP)
            pr.multiply(p, mh, m: batch, k: nH, n: nP, beta: 0, into: &mRaw)
            m = mRaw
            if let pc = config.projClip.map({ Scalar($0) }) { for k in m.indices { m[k] = clip(m[k], -pc, pc) } }
        }
        let t = { (a: [Scalar], w: Int) in Tensor(uncheckedShape: [batch, w], data: a) }
        return CellStep(output: t(m, nP), state: join(c: c, h: m, batch: batch),
                        cache: [t(gi, nH), t(gf, nH), t(gg, nH), t(go, nH), t(cRaw, nH), t(c, nH), t(actC, nH), t(mh, nH), t(mRaw, nP)])
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func backward(_ p: Parameters<Scalar>, step: CellStep<Scalar>, x: Tensor<Scalar>, state: [Tensor<Scalar>],
                  dOutput: Tensor<Scalar>, dState: [Tensor<Scalar>], grads: inout Parameters<Scalar>) -> CellStepGradients<Scalar> {
        let (cPrev, hPrev) = split(state)
        let (dcNext, dmState) = split(dState)
        let (batch, nI, nH, nP) = (x.shape[0], inputSize, config.units, config.outputWidth)
        let n4 = 4 * nH
        let (gi, gf, gg, go) = (step.cache[0].data, step.cache[1].data, step.cache[2].data, step.cache[3].data)
        let (cRaw, c, actC, mh, mRaw) = (step.cache[4].data, step.cache[5].data, step.cache[6].data, step.cache[7].data, step.cache[8].data)
        let (ci, cj, cf, co) = (config.columns(.input).lowerBound, config.columns(.candidate).lowerBound,
                                config.columns(.forget).lowerBound, config.columns(.output).lowerBound)
        let act = config.activation, gate = config.recurrentActivation
        var dm = dOutput.data
        for k in dm.indices { dm[k] += dmState[k] }
        var dmh = dm
        if let pr = projection {
            if let pc = config.projClip.map({ Scalar($0) }) {
                for k in dm.indices { dm[k] *= clipGradient(mRaw[k], -pc, pc) }
            }
            dmh = [Scalar](repeating: 0, count: batch * nH)
            pr.multiplyTransposed(p, dm, m: batch, k: nH, n: nP, beta: 0, into: &dmh)
            pr.accumulateGradient(&grads, mh, dm, m: batch, k: nH, n: nP)
        }
        let wI = peepholes.map { p.tensors[$0.i].data }, wF = peepholes.map { p.tensors[$0.f].data }
        let wO = peepholes.map { p.tensors[$0.o].data }
        var dwI = [Scalar](repeating: 0, count: nH), dwF = dwI, dwO = dwI
        let clipC = config.cellClip.map { Scalar($0) }
        var dz = [Scalar](repeating: 0, count: batch * n4)
        var dcPrev = [Scalar](repeating: 0, count: batch * nH)
        for b in 0..<batch {
            let zr = b * n4, r = b * nH
            for u in 0..<nH {
                let k = r + u
                let (i, f, g, o) = (gi[k], gf[k], gg[k], go[k])
                let dzo = dmh[k] * actC[k] * gate.derivative(fromOutput: o)
                var dc = dcNext[k] + dmh[k] * o * act.derivative(fromOutput: actC[k])
                if let wO { dc += dzo * wO[u]; dwO[u] += dzo * c[k] }
                if let clipC { dc *= clipGradient(cRaw[k], -clipC, clipC) }
                let dzf = dc * cPrev[k] * gate.derivative(fromOutput: f)
                let dzi = dc * g * gate.derivative(fromOutput: i)
                let dzj = dc * i * act.derivative(fromOutput: g)
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
        var dx = [Scalar](repeating: 0, count: batch * nI), dhPrev = [Scalar](repeating: 0, count: batch * nP)
        wx.multiplyTransposed(p, dz, m: batch, k: nI, n: n4, beta: 0, into: &dx)
        wh.multiplyTransposed(p, dz, m: batch, k: nP, n: n4, beta: 0, into: &dhPrev)
        wx.accumulateGradient(&grads, x.data, dz, m: batch, k: nI, n: n4)
        wh.accumulateGradient(&grads, hPrev, dz, m: batch, k: nP, n: n4)
        for bi in biases { addColumnSums(dz, rows: batch, cols: n4, into: &grads.tensors[bi].data) }
        return CellStepGradients(dx: Tensor(uncheckedShape: [batch, nI], data: dx), dState: join(c: dcPrev, h: dhPrev, batch: batch))
    }
}

/// A cell that is one LSTM step in some flavor.
protocol LSTMCellProtocol: RecurrentCell {
    var lstm: LSTM<Scalar> { get }
}

extension LSTMCellProtocol {
    public func step(_ x: Tensor<Scalar>, state: [Tensor<Scalar>]) -> CellStep<Scalar> {
        lstm.forward(parameters, x: x, state: state)
    }

    public func stepBackward(_ step: CellStep<Scalar>, x: Tensor<Scalar>, state: [Tensor<Scalar>],
                             dOutput: Tensor<Scalar>, dState: [Tensor<Scalar>],
                             grads: inout Parameters<Scalar>) -> CellStepGradients<Scalar> {
        lstm.backward(parameters, step: step, x: x, state: state, dOutput: dOutput, dState: dState, grads: &grads)
    }
}
