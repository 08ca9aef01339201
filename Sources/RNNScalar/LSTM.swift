import RNNCore

extension Implementation {
    /// The LSTM step every flavor shares (Hochreiter & Schmidhuber 1997; forget gate: Gers et al.
    /// 2000; peepholes: Gers & Schmidhuber 2000; projection: Sak et al. 2014), written as
    /// TensorFlow's `LSTMCell.call` computes it (tensorflow/python/keras/layers/legacy_rnn/
    /// rnn_cell_impl.py), gate by gate:
    ///
    ///     lstm_matrix = concat([inputs, m_prev], 1)·kernel + bias           z [B, 4H]
    ///     i, j, f, o = split(lstm_matrix, 4)                                (Keras/PyTorch: i, f, c|g, o)
    ///     c = σ(f + forget_bias + w_f_diag⊙c_prev)⊙c_prev + σ(i + w_i_diag⊙c_prev)⊙act(j)
    ///     c = clip(c, −cell_clip, cell_clip)
    ///     m = σ(o + w_o_diag⊙c)⊙act(c)
    ///     m = clip(m·projection/kernel, −proj_clip, proj_clip)              (with num_proj)
    ///     return m, (c, m)
    ///
    /// (the peephole terms only with `use_peepholes`). σ is the gate activation (Keras'
    /// `recurrent_activation`). ONNX's operator adds three options: `clip` bounds every gate's
    /// input after its bias and peephole terms, `input_forget` makes f = 1 − i, and a third
    /// activation h replaces act in m = o⊙h(c). Shapes: x [B, I], c [B, H], m and h [B, P]
    /// (P = H without a projection). Cache, per step: `LSTMStepCache` (g = act(j); mh = o⊙act(c)
    /// is the output before the projection).
    public enum LSTM: LSTMArithmetic {
        @_specialize(where T == Float)
        @_specialize(where T == Double)
        public static func forward<T: RNNFloat>(_ w: LSTMWeights<T>, x: Tensor<T>, state: [Tensor<T>]) -> CellStep<T> {
            let (config, p, inputSize) = (w.config, w.parameters, w.inputSize)
            let (wx, wh, biases, peepholes, projection) = (w.layout.wx, w.layout.wh, w.layout.biases, w.layout.peepholes, w.layout.projection)
            let (cPrev, hPrev) = w.splitState(state)
            let (batch, nI, nH, nP) = (x.shape[0], inputSize, config.units, config.outputWidth)
            let (ci, cj, cf, co) = config.gateOffsets
            let act = config.activation, gate = config.recurrentActivation, outAct = config.cellOutputActivation
            let forgetBias = T(config.forgetBias)
            let gateClip = config.gateClip.map { T($0) }
            var gi = Tensor<T>(zeros: [batch, nH]), gf = gi, gg = gi, go = gi
            var cRaw = gi, c = gi, actC = gi, mh = gi
            var pre = Tensor<T>(zeros: [batch, 4 * nH])
            var preRaw: Tensor<T>? = gateClip == nil ? nil : pre
            var z = [T](repeating: 0, count: 4 * nH)
            for b in 0..<batch {
                // lstm_matrix = concat([inputs, m_prev], 1)·kernel + bias
                for col in 0..<(4 * nH) {
                    var s: T = 0
                    for k in 0..<nI { s += x[b, k] * wx.at(p, k, col) }
                    for k in 0..<nP { s += hPrev[b, k] * wh.at(p, k, col) }
                    for bi in biases { s += p.tensors[bi].data[col] }
                    z[col] = s
                }
                for u in 0..<nH {
                    let cp = cPrev[b, u]
                    // i = σ(i + w_i_diag⊙c_prev);  f = σ(f + forget_bias + w_f_diag⊙c_prev);  g = act(j)
                    var zi = z[ci + u], zf = z[cf + u] + forgetBias
                    if let ph = peepholes {
                        zi += p.tensors[ph.i].data[u] * cp
                        zf += p.tensors[ph.f].data[u] * cp
                    }
                    var zj = z[cj + u]
                    if let k = gateClip {                    // ONNX: clip(gate input, −clip, clip)
                        preRaw![b, ci + u] = zi; preRaw![b, cj + u] = zj; preRaw![b, cf + u] = zf
                        (zi, zj, zf) = (clip(zi, -k, k), clip(zj, -k, k), clip(zf, -k, k))
                    }
                    let i = gate.apply(zi), g = act.apply(zj)
                    let f = config.inputForget ? 1 - i : gate.apply(zf)      // ONNX input_forget: f = 1 − i
                    // c = f⊙c_prev + i⊙g, then clip(c, −cell_clip, cell_clip)
                    let raw = f * cp + i * g
                    let cNew = config.cellClip.map { clip(raw, T(-$0), T($0)) } ?? raw
                    // m = σ(o + w_o_diag⊙c)⊙act(c)
                    var zo = z[co + u]
                    if let ph = peepholes { zo += p.tensors[ph.o].data[u] * cNew }
                    if let k = gateClip { preRaw![b, co + u] = zo; zo = clip(zo, -k, k) }
                    let o = gate.apply(zo), a = outAct.apply(cNew)
                    gi[b, u] = i; gf[b, u] = f; gg[b, u] = g; go[b, u] = o
                    pre[b, ci + u] = zi; pre[b, cj + u] = zj; pre[b, cf + u] = zf; pre[b, co + u] = zo
                    cRaw[b, u] = raw; c[b, u] = cNew; actC[b, u] = a; mh[b, u] = o * a
                }
            }
            // m = clip(m·projection/kernel, −proj_clip, proj_clip)
            let (mRaw, m) = projection.map { project(mh, $0, p, width: nP, clip: config.projClip) } ?? (mh, mh)
            return CellStep(output: m, state: w.joinState(c: c, h: m),
                            cache: .lstm(LSTMStepCache(i: gi, f: gf, g: gg, o: go, pre: pre, cUnclipped: cRaw, c: c, actC: actC, mh: mh,
                                                       mUnclipped: mRaw, preUnclipped: preRaw)))
        }

        /// The backward pass of `forward`, gate by gate in reverse (d· is dL/d·):
        ///
        ///     dm_raw = dm ⊙ 1[|m_raw| ≤ proj_clip];  dW_proj += mhᵀ·dm_raw;  dmh = dm_raw·W_projᵀ
        ///     do = dmh ⊙ act(c);  dc += dmh ⊙ o ⊙ act'(c);  dz_o = do ⊙ σ'(o)
        ///     dc += dz_o ⊙ w_o;   dw_o += Σ_b dz_o ⊙ c            (peepholes)
        ///     dc_raw = dc ⊙ 1[|c_raw| ≤ cell_clip]
        ///     dz_f = dc_raw ⊙ c_prev ⊙ σ'(f);  dz_i = dc_raw ⊙ g ⊙ σ'(i);  dz_j = dc_raw ⊙ i ⊙ act'(g)
        ///     dc_prev = dc_raw ⊙ f + dz_f ⊙ w_f + dz_i ⊙ w_i;  dw_f += Σ_b dz_f ⊙ c_prev;  dw_i += Σ_b dz_i ⊙ c_prev
        ///     dkernel += [x, m_prev]ᵀ·dz;  dbias += Σ_b dz;  [dx, dm_prev] = dz·kernelᵀ
        ///
        /// ONNX: with `clip` each dz is masked by 1[|gate input| ≤ clip]; with `input_forget`
        /// (f = 1 − i) dz_f = 0 and dz_i = dc_raw ⊙ (g − c_prev) ⊙ σ'(i).
        /// where σ' and act' are taken from outputs (or, for an activation whose derivative needs
    /// its input, from the cached pre-activations). The clip masks follow TF's
        /// `_ClipByValueGrad`: zero only strictly outside the bounds.
        @_specialize(where T == Float)
        @_specialize(where T == Double)
        public static func backward<T: RNNFloat>(_ w: LSTMWeights<T>, step: CellStep<T>, x: Tensor<T>, state: [Tensor<T>],
                                                 dOutput: Tensor<T>, dState: [Tensor<T>], grads: inout Parameters<T>) -> CellStepGradients<T> {
            let (config, p, inputSize) = (w.config, w.parameters, w.inputSize)
            let (wx, wh, biases, peepholes, projection) = (w.layout.wx, w.layout.wh, w.layout.biases, w.layout.peepholes, w.layout.projection)
            let (cPrev, hPrev) = w.splitState(state)
            let (dcNext, dmState) = w.splitState(dState)
            let (batch, nI, nH, nP) = (x.shape[0], inputSize, config.units, config.outputWidth)
            let saved = step.cache.lstm
            let (gi, gf, gg, go, cRaw, c, actC, mh, mRaw) = (saved.i, saved.f, saved.g, saved.o, saved.cUnclipped, saved.c, saved.actC, saved.mh, saved.mUnclipped)
            let pre = saved.pre
            let (ci, cj, cf, co) = config.gateOffsets
            let act = config.activation, gate = config.recurrentActivation, outAct = config.cellOutputActivation
            let gateClip = config.gateClip.map { T($0) }
            /// 1, or 0 where ONNX's clip bound the gate input in column `col`.
            func passed(_ b: Int, _ col: Int) -> T {
                guard let k = gateClip, let raw = saved.preUnclipped else { return 1 }
                return clipGradient(raw[b, col], -k, k)
            }
            // The output m and the state's m are one tensor: their cotangents add.
            var dm = dOutput
            dm.add(dmState)
            let dmh = projection.map { projectBackward(dm, raw: mRaw, mh: mh, $0, p, clip: config.projClip, grads: &grads) } ?? dm
            var dz = Tensor<T>(zeros: [batch, 4 * nH])
            var dcPrev = Tensor<T>(zeros: [batch, nH])
            for b in 0..<batch {
                for u in 0..<nH {
                    let (i, f, g, o) = (gi[b, u], gf[b, u], gg[b, u], go[b, u])
                    // m = o⊙act(c)
                    let dzo = dmh[b, u] * actC[b, u] * gate.derivative(z: pre[b, co + u], y: o) * passed(b, co + u)
                    var dc = dcNext[b, u] + dmh[b, u] * o * outAct.derivative(z: c[b, u], y: actC[b, u])
                    if let ph = peepholes {
                        dc += dzo * p.tensors[ph.o].data[u]
                        grads.tensors[ph.o].data[u] += dzo * c[b, u]
                    }
                    // c = clip(c_raw)
                    if let cc = config.cellClip { dc *= clipGradient(cRaw[b, u], T(-cc), T(cc)) }
                    // c_raw = f⊙c_prev + i⊙g
                    let dzf = config.inputForget ? 0 : dc * cPrev[b, u] * gate.derivative(z: pre[b, cf + u], y: f) * passed(b, cf + u)
                    let di = config.inputForget ? dc * (g - cPrev[b, u]) : dc * g          // f = 1 − i: df/di = −1
                    let dzi = di * gate.derivative(z: pre[b, ci + u], y: i) * passed(b, ci + u)
                    let dzj = dc * i * act.derivative(z: pre[b, cj + u], y: g) * passed(b, cj + u)
                    var dcp = dc * f
                    if let ph = peepholes {
                        dcp += dzf * p.tensors[ph.f].data[u] + dzi * p.tensors[ph.i].data[u]
                        grads.tensors[ph.f].data[u] += dzf * cPrev[b, u]
                        grads.tensors[ph.i].data[u] += dzi * cPrev[b, u]
                    }
                    dcPrev[b, u] = dcp
                    dz[b, ci + u] = dzi; dz[b, cj + u] = dzj; dz[b, cf + u] = dzf; dz[b, co + u] = dzo
                }
            }
            // lstm_matrix = [x, m_prev]·kernel + bias
            let dx = wx.multiplyTransposed(p, dz, k: nI)            // dx = dz·W_xᵀ
            let dhPrev = wh.multiplyTransposed(p, dz, k: nP)        // dm_prev = dz·W_hᵀ
            wx.accumulateGradient(&grads, x, dz)                    // dW_x += xᵀ·dz
            wh.accumulateGradient(&grads, hPrev, dz)                // dW_h += m_prevᵀ·dz
            for bi in biases { addColumnSums(dz, into: &grads.tensors[bi]) }   // dbias += Σ_b dz
            return CellStepGradients(dx: dx, dState: w.joinState(c: dcPrev, h: dhPrev))
        }
    }
}
