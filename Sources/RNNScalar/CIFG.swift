import RNNCore

extension Implementation {
    /// The coupled input-forget gate LSTM (Greff et al. 2015), written as TF 1.x's
    /// `CoupledInputForgetGateLSTMCell.call` computes it (quoted in `CIFGConfig`), unit by unit:
    ///
    ///     z = concat([x, m_prev], 1)·W_0 (+ B without layer_norm)              z [B, 3H]: j, f, o
    ///     j, f, o = LN_transform(j), LN_forget(f), LN_output(o)                (with layer_norm)
    ///     f = σ(f + forget_bias [+ W_F_diag⊙c_prev])
    ///     c = f⊙c_prev + (1 − f)⊙act(j)            the input gate is 1 − f
    ///     c = LN_state(c)                                                       (with layer_norm)
    ///     m = σ(o [+ W_O_diag⊙c])⊙act(c)
    ///     m = clip(m·W_P_0, −proj_clip, proj_clip)                              (with num_proj)
    ///     return m, (c, m)
    ///
    /// LN(v) = (v − mean(v))/sqrt(var(v) + 1e-12)·gamma + beta over each row's H features.
    /// Shapes: x [B, I], c [B, H], m [B, P]. Cache, per step: `CIFGStepCache`.
    public enum CIFG: CIFGArithmetic {
        /// TF 1.x `layers.layer_norm`'s epsilon.
        static let epsilon = 1e-12

        /// Row `b` of `t`, columns `from..<from + H`, layer-normalised with `norm` (gamma, beta)
        /// as TF computes it (`nn.batch_normalization`): inv = gamma/sqrt(var + ε),
        /// y = v·inv + (beta − mean·inv). Without `norm`, the columns themselves.
        static func normalized<T: RNNFloat>(_ t: Tensor<T>, row b: Int, from: Int, _ norm: (gamma: Int, beta: Int)?,
                                            _ p: Parameters<T>, units nH: Int) -> [T] {
            let v = (0..<nH).map { t[b, from + $0] }
            guard let norm else { return v }
            let mean = v.reduce(0, +) / T(nH)
            let variance = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / T(nH)
            let r = 1 / (variance + T(epsilon)).squareRoot()
            return (0..<nH).map { u in
                let inv = r * p.tensors[norm.gamma].data[u]
                return v[u] * inv + (p.tensors[norm.beta].data[u] - mean * inv)
            }
        }

        /// The VJP of `normalized` from dy [H] (dL/dy): with x̂ = (v − mean)·r, r = 1/sqrt(var + ε),
        ///
        ///     dgamma += dy⊙x̂;  dbeta += dy;  dx̂ = dy⊙gamma;  dv = r·(dx̂ − mean(dx̂) − x̂·mean(dx̂⊙x̂))
        static func normalizedBackward<T: RNNFloat>(_ dy: [T], _ t: Tensor<T>, row b: Int, from: Int, _ norm: (gamma: Int, beta: Int)?,
                                                    _ p: Parameters<T>, units nH: Int, grads: inout Parameters<T>) -> [T] {
            guard let norm else { return dy }
            let v = (0..<nH).map { t[b, from + $0] }
            let mean = v.reduce(0, +) / T(nH)
            let variance = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / T(nH)
            let r = 1 / (variance + T(epsilon)).squareRoot()
            let xHat = v.map { ($0 - mean) * r }
            var dxHat = [T](repeating: 0, count: nH)
            for u in 0..<nH {
                grads.tensors[norm.gamma].data[u] += dy[u] * xHat[u]
                grads.tensors[norm.beta].data[u] += dy[u]
                dxHat[u] = dy[u] * p.tensors[norm.gamma].data[u]
            }
            let meanD = dxHat.reduce(0, +) / T(nH)
            let meanDX = zip(dxHat, xHat).reduce(0) { $0 + $1.0 * $1.1 } / T(nH)
            return (0..<nH).map { r * (dxHat[$0] - meanD - xHat[$0] * meanDX) }
        }

        @_specialize(where T == Float)
        @_specialize(where T == Double)
        public static func forward<T: RNNFloat>(_ w: CIFGWeights<T>, x: Tensor<T>, state: [Tensor<T>]) -> CellStep<T> {
            let (config, p, l) = (w.config, w.parameters, w.layout)
            let (cPrev, mPrev) = w.splitState(state)
            let (batch, nI, nH, nP) = (x.shape[0], w.inputSize, config.units, config.outputWidth)
            let act = config.activation, forgetBias = T(config.forgetBias)
            var z = Tensor<T>(zeros: [batch, 3 * nH])
            var gg = Tensor<T>(zeros: [batch, nH]), gf = gg, go = gg, jPre = gg, cRaw = gg, c = gg, actC = gg, mh = gg
            for b in 0..<batch {
                // lstm_matrix = concat([inputs, m_prev], 1)·W_0 (+ B without layer_norm)
                for col in 0..<(3 * nH) {
                    var s: T = 0
                    for k in 0..<nI { s += x[b, k] * l.wx.at(p, k, col) }
                    for k in 0..<nP { s += mPrev[b, k] * l.wh.at(p, k, col) }
                    if l.norms == nil { s += p.tensors[l.bias].data[col] }
                    z[b, col] = s
                }
                // j, f, o = split(lstm_matrix, 3), each layer-normalised with layer_norm
                let j = normalized(z, row: b, from: 0, l.norms?[0], p, units: nH)
                let fPre = normalized(z, row: b, from: nH, l.norms?[1], p, units: nH)
                let oPre = normalized(z, row: b, from: 2 * nH, l.norms?[2], p, units: nH)
                for u in 0..<nH {
                    // f = σ(f + forget_bias + W_F_diag⊙c_prev);  c = f⊙c_prev + (1 − f)⊙act(j)
                    var zf = fPre[u] + forgetBias
                    if let ph = l.peepholes { zf += p.tensors[ph.f].data[u] * cPrev[b, u] }
                    let f = sigmoid(zf), g = act.apply(j[u])
                    gf[b, u] = f; gg[b, u] = g; jPre[b, u] = j[u]
                    cRaw[b, u] = f * cPrev[b, u] + (1 - f) * g
                }
                // c = LN_state(c)
                let cNew = normalized(cRaw, row: b, from: 0, l.norms?[3], p, units: nH)
                for u in 0..<nH {
                    // m = σ(o + W_O_diag⊙c)⊙act(c)
                    var zo = oPre[u]
                    if let ph = l.peepholes { zo += p.tensors[ph.o].data[u] * cNew[u] }
                    let o = sigmoid(zo), a = act.apply(cNew[u])
                    c[b, u] = cNew[u]; go[b, u] = o; actC[b, u] = a; mh[b, u] = o * a
                }
            }
            // m = clip(m·W_P_0, −proj_clip, proj_clip)
            let (mRaw, m) = l.projection.map { project(mh, $0, p, width: nP, clip: config.projClip) } ?? (mh, mh)
            return CellStep(output: m, state: w.joinState(c: c, h: m),
                            cache: .cifg(CIFGStepCache(z: z, g: gg, f: gf, o: go, j: jPre, cRaw: cRaw, c: c, actC: actC, mh: mh, mUnclipped: mRaw)))
        }

        /// The backward pass of `forward`, in reverse (d· is dL/d·, σ' and act' from outputs):
        ///
        ///     dm_raw = dm ⊙ 1[|m_raw| ≤ proj_clip];  dW_P += mhᵀ·dm_raw;  dmh = dm_raw·W_Pᵀ
        ///     do = dmh ⊙ act(c) ⊙ σ'(o);  dc += dmh ⊙ o ⊙ act'(c) + do ⊙ W_O;  dW_O += Σ_b do ⊙ c
        ///     dc_raw = LN_stateᵀ(dc)
        ///     df = dc_raw ⊙ (c_prev − g) ⊙ σ'(f);  dj = dc_raw ⊙ (1 − f) ⊙ act'(g)
        ///     dc_prev = dc_raw ⊙ f + df ⊙ W_F;  dW_F += Σ_b df ⊙ c_prev
        ///     dz = [LN_transformᵀ(dj), LN_forgetᵀ(df), LN_outputᵀ(do)]
        ///     dW_0 += [x, m_prev]ᵀ·dz;  dB += Σ_b dz (without layer_norm);  [dx, dm_prev] = dz·W_0ᵀ
        ///
        /// where LNᵀ is `normalizedBackward` (and the identity without layer_norm).
        @_specialize(where T == Float)
        @_specialize(where T == Double)
        public static func backward<T: RNNFloat>(_ w: CIFGWeights<T>, step: CellStep<T>, x: Tensor<T>, state: [Tensor<T>],
                                                 dOutput: Tensor<T>, dState: [Tensor<T>], grads: inout Parameters<T>) -> CellStepGradients<T> {
            let (config, p, l) = (w.config, w.parameters, w.layout)
            let (cPrev, mPrev) = w.splitState(state)
            let (dcNext, dmState) = w.splitState(dState)
            let (batch, nI, nH, nP) = (x.shape[0], w.inputSize, config.units, config.outputWidth)
            let act = config.activation, gate = Activation.sigmoid
            let saved = step.cache.cifg
            // The output m and the state's m are one tensor: their cotangents add.
            var dm = dOutput
            dm.add(dmState)
            let dmh = l.projection.map { projectBackward(dm, raw: saved.mUnclipped, mh: saved.mh, $0, p, clip: config.projClip, grads: &grads) } ?? dm
            var dz = Tensor<T>(zeros: [batch, 3 * nH])
            var dcPrev = Tensor<T>(zeros: [batch, nH])
            for b in 0..<batch {
                var dc = [T](repeating: 0, count: nH), dO = dc
                for u in 0..<nH {
                    // m = o⊙act(c), o = σ(o + W_O⊙c)
                    let (o, a) = (saved.o[b, u], saved.actC[b, u])
                    dO[u] = dmh[b, u] * a * gate.derivative(fromOutput: o)
                    dc[u] = dcNext[b, u] + dmh[b, u] * o * act.derivative(z: saved.c[b, u], y: a)
                    if let ph = l.peepholes {
                        dc[u] += dO[u] * p.tensors[ph.o].data[u]
                        grads.tensors[ph.o].data[u] += dO[u] * saved.c[b, u]
                    }
                }
                // c = LN_state(c_raw)
                let dcRaw = normalizedBackward(dc, saved.cRaw, row: b, from: 0, l.norms?[3], p, units: nH, grads: &grads)
                var dJ = [T](repeating: 0, count: nH), dF = dJ
                for u in 0..<nH {
                    // c_raw = f⊙c_prev + (1 − f)⊙g
                    let (f, g, cp) = (saved.f[b, u], saved.g[b, u], cPrev[b, u])
                    dF[u] = dcRaw[u] * (cp - g) * gate.derivative(fromOutput: f)
                    dJ[u] = dcRaw[u] * (1 - f) * act.derivative(z: saved.j[b, u], y: g)
                    var dcp = dcRaw[u] * f
                    if let ph = l.peepholes {
                        dcp += dF[u] * p.tensors[ph.f].data[u]
                        grads.tensors[ph.f].data[u] += dF[u] * cp
                    }
                    dcPrev[b, u] = dcp
                }
                // j, f, o = LN(split(lstm_matrix, 3))
                for (k, d) in [dJ, dF, dO].enumerated() {
                    let dBlock = normalizedBackward(d, saved.z, row: b, from: k * nH, l.norms?[k], p, units: nH, grads: &grads)
                    for u in 0..<nH { dz[b, k * nH + u] = dBlock[u] }
                }
            }
            // lstm_matrix = [x, m_prev]·W_0 (+ B)
            let dx = l.wx.multiplyTransposed(p, dz, k: nI)           // dx = dz·W_xᵀ
            let dmPrev = l.wh.multiplyTransposed(p, dz, k: nP)       // dm_prev = dz·W_hᵀ
            l.wx.accumulateGradient(&grads, x, dz)                   // dW_x += xᵀ·dz
            l.wh.accumulateGradient(&grads, mPrev, dz)               // dW_h += m_prevᵀ·dz
            if l.norms == nil { addColumnSums(dz, into: &grads.tensors[l.bias]) }   // dB += Σ_b dz
            return CellStepGradients(dx: dx, dState: w.joinState(c: dcPrev, h: dmPrev))
        }
    }
}
