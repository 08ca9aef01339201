import RNNCore

extension Implementation {
    /// The GRU step every flavor shares (Cho et al. 2014), per gate role:
    ///
    ///     r = σ(x·W_r + b_r + h·U_r [+ b_hr])            reset
    ///     u = σ(x·W_u + b_u + h·U_u [+ b_hu])            update (Keras, PyTorch: z)
    ///     reset before (TF v1 GRUCell, Keras reset_after=False):
    ///         c = act(x·W_c + b_c + (r⊙h)·U_c)
    ///     reset after (Keras reset_after=True, PyTorch):
    ///         c = act(x·W_c + b_c + r⊙(h·U_c + b_hc))    (PyTorch: n)
    ///     h' = u⊙h + (1 − u)⊙c
    ///
    /// TF's `GRUCell.call` (rnn_cell_impl.py) reads, line for line:
    ///
    ///     gate_inputs = math_ops.matmul(array_ops.concat([inputs, state], 1), self._gate_kernel)
    ///     gate_inputs = nn_ops.bias_add(gate_inputs, self._gate_bias)
    ///     value = math_ops.sigmoid(gate_inputs)
    ///     r, u = array_ops.split(value=value, num_or_size_splits=2, axis=1)
    ///     r_state = r * state
    ///     candidate = math_ops.matmul(array_ops.concat([inputs, r_state], 1), self._candidate_kernel)
    ///     candidate = nn_ops.bias_add(candidate, self._candidate_bias)
    ///     c = self._activation(candidate)
    ///     new_h = u * state + (1 - u) * c
    ///
    /// ONNX's operator adds `clip`: each activation's input (r's, u's, c's) is clipped to
    /// [−clip, clip]; its reset-before form keeps a recurrent bias outside the reset product,
    /// `c = act(x·W_c + b_c + (r⊙h)·U_c + b_hc)`. Shapes: x [B, I], h [B, H]. Cache per step:
    /// `GRUStepCache` (`hcOrRh` is `h·U_c + b_hc` with the reset after, `r⊙h` with it before).
    public enum GRU: GRUArithmetic {
        @inline(__always)
        static func bias<T: RNNFloat>(_ p: Parameters<T>, _ b: BiasBlock?, _ j: Int) -> T {
            guard let b else { return 0 }
            return p.tensors[b.index].data[b.offset + j]
        }

        /// x·W_g + b_g for one row and unit (the input part of gate g).
        @inline(__always)
        static func inputPart<T: RNNFloat>(_ p: Parameters<T>, _ l: GRULayout, _ x: Tensor<T>, _ b: Int, _ g: GRUGate, _ j: Int) -> T {
            var s: T = 0
            for k in 0..<x.shape[1] { s += x[b, k] * l.wx[g.rawValue].at(p, k, j) }
            return s + bias(p, l.bx[g.rawValue], j)
        }

        /// v·U_g (+ b_hg) for one row of v and unit j (the recurrent part of gate g).
        @inline(__always)
        static func recurrentPart<T: RNNFloat>(_ p: Parameters<T>, _ l: GRULayout, _ v: Tensor<T>, _ b: Int, _ g: GRUGate, _ j: Int) -> T {
            var s: T = 0
            for k in 0..<v.shape[1] { s += v[b, k] * l.wh[g.rawValue].at(p, k, j) }
            return s + bias(p, l.bh[g.rawValue], j)
        }

        @_specialize(where T == Float)
        @_specialize(where T == Double)
        public static func forward<T: RNNFloat>(_ cell: GRUWeights<T>, x: Tensor<T>, h: Tensor<T>) -> CellStep<T> {
            let (config, p, l) = (cell.config, cell.parameters, cell.layout)
            let (batch, nH) = (x.shape[0], config.units)
            let act = config.activation, gate = config.recurrentActivation
            var r = Tensor<T>(zeros: [batch, nH]), u = r, c = r, hc = r, hNew = r
            var pre = Tensor<T>(zeros: [batch, 3 * nH])      // r's, u's, c's pre-activations
            let gateClip = config.gateClip.map { T($0) }
            var preRaw: Tensor<T>? = gateClip == nil ? nil : pre
            /// ONNX: clip(activation input, −clip, clip), keeping the input for the backward pass.
            func clipped(_ v: T, _ b: Int, _ col: Int) -> T {
                guard let k = gateClip else { return v }
                preRaw![b, col] = v
                return clip(v, -k, k)
            }
            for b in 0..<batch {
                for j in 0..<nH {
                    pre[b, j] = clipped(inputPart(p, l, x, b, .reset, j) + recurrentPart(p, l, h, b, .reset, j), b, j)
                    pre[b, nH + j] = clipped(inputPart(p, l, x, b, .update, j) + recurrentPart(p, l, h, b, .update, j), b, nH + j)
                    r[b, j] = gate.apply(pre[b, j])
                    u[b, j] = gate.apply(pre[b, nH + j])
                }
                if !config.flavor.resetAfter {
                    for k in 0..<nH { hc[b, k] = r[b, k] * h[b, k] }          // r_state = r * state
                }
                for j in 0..<nH {
                    let xc = inputPart(p, l, x, b, .candidate, j)
                    if config.flavor.resetAfter {
                        hc[b, j] = recurrentPart(p, l, h, b, .candidate, j)      // h·U_c + b_hc
                        pre[b, 2 * nH + j] = clipped(xc + r[b, j] * hc[b, j], b, 2 * nH + j)
                    } else {
                        pre[b, 2 * nH + j] = clipped(xc + recurrentPart(p, l, hc, b, .candidate, j), b, 2 * nH + j)   // (r⊙h)·U_c [+ b_hc]
                    }
                    c[b, j] = act.apply(pre[b, 2 * nH + j])
                    hNew[b, j] = u[b, j] * h[b, j] + (1 - u[b, j]) * c[b, j]   // new_h = u*state + (1-u)*c
                }
            }
            return CellStep(output: hNew, state: [hNew], cache: .gru(GRUStepCache(r: r, u: u, c: c, hcOrRh: hc, pre: pre, preUnclipped: preRaw)))
        }

        /// Backward of `forward`: with dh' the cotangent of h',
        ///
        ///     du = dh'⊙(h − c);  dc = dh'⊙(1 − u);  dh = dh'⊙u;  dz_c = dc⊙act'(c)
        ///     reset after:  dhc = dz_c⊙r;  dr = dz_c⊙hc;  dU_c += hᵀ·dhc;  db_hc += Σ dhc;  dh += dhc·U_cᵀ
        ///     reset before: d(rh) = dz_c·U_cᵀ;  dU_c += (r⊙h)ᵀ·dz_c;  dr = d(rh)⊙h;  dh += d(rh)⊙r
        ///     dz_r = dr⊙σ'(r);  dz_u = du⊙σ'(u)
        ///     for each gate g: dW_g += xᵀ·dz_g;  db_g += Σ dz_g;  dx += dz_g·W_gᵀ
        ///     for r, u:        dU_g += hᵀ·dz_g;  db_hg += Σ dz_g;  dh += dz_g·U_gᵀ
        ///
        /// (with ONNX's `clip`, each dz masked by 1[|activation input| ≤ clip])
        @_specialize(where T == Float)
        @_specialize(where T == Double)
        public static func backward<T: RNNFloat>(_ cell: GRUWeights<T>, step: CellStep<T>, x: Tensor<T>, h: Tensor<T>,
                                                 dhNew: Tensor<T>, grads: inout Parameters<T>) -> (dx: Tensor<T>, dh: Tensor<T>) {
            let (config, p, wx, wh, bx, bh) = (cell.config, cell.parameters, cell.layout.wx, cell.layout.wh, cell.layout.bx, cell.layout.bh)
            let (batch, nI, nH) = (x.shape[0], cell.inputSize, config.units)
            let act = config.activation, gate = config.recurrentActivation
            let saved = step.cache.gru
            let (r, u, c, hc, pre) = (saved.r, saved.u, saved.c, saved.hcOrRh, saved.pre)
            let (ir, iu, ic) = (GRUGate.reset.rawValue, GRUGate.update.rawValue, GRUGate.candidate.rawValue)
            let gateClip = config.gateClip.map { T($0) }
            /// 1, or 0 where ONNX's clip bound the activation input in column `col`.
            func passed(_ b: Int, _ col: Int) -> T {
                guard let k = gateClip, let raw = saved.preUnclipped else { return 1 }
                return clipGradient(raw[b, col], -k, k)
            }
            var dz = [Tensor<T>](repeating: Tensor(zeros: [batch, nH]), count: 3)   // by role
            var dh = Tensor<T>(zeros: [batch, nH])
            // h' = u⊙h + (1 − u)⊙c
            for b in 0..<batch {
                for j in 0..<nH {
                    let g = dhNew[b, j]
                    dz[iu][b, j] = g * (h[b, j] - c[b, j]) * gate.derivative(z: pre[b, nH + j], y: u[b, j]) * passed(b, nH + j)
                    dz[ic][b, j] = g * (1 - u[b, j]) * act.derivative(z: pre[b, 2 * nH + j], y: c[b, j]) * passed(b, 2 * nH + j)
                    dh[b, j] = g * u[b, j]
                }
            }
            // dhc (reset after: c = act(… + r⊙hc)) or d(r⊙h) (reset before: c = act(… + (r⊙h)·U_c))
            var dHC = Tensor<T>(zeros: [batch, nH])
            if config.flavor.resetAfter {
                for b in 0..<batch {
                    for j in 0..<nH {
                        dHC[b, j] = dz[ic][b, j] * r[b, j]
                        dz[ir][b, j] = dz[ic][b, j] * hc[b, j] * gate.derivative(z: pre[b, j], y: r[b, j]) * passed(b, j)
                    }
                }
            } else {
                dHC = wh[ic].multiplyTransposed(p, dz[ic], k: nH)          // d(r⊙h) = dz_c·U_cᵀ
                for b in 0..<batch {
                    for k in 0..<nH {
                        dz[ir][b, k] = dHC[b, k] * h[b, k] * gate.derivative(z: pre[b, k], y: r[b, k]) * passed(b, k)
                        dh[b, k] += dHC[b, k] * r[b, k]
                    }
                }
            }
            // the input parts: every gate sees x
            var dx = Tensor<T>(zeros: [batch, nI])
            for g in GRUGate.allCases {
                dx.add(wx[g.rawValue].multiplyTransposed(p, dz[g.rawValue], k: nI))           // dx += dz_g·W_gᵀ
                wx[g.rawValue].accumulateGradient(&grads, x, dz[g.rawValue])                  // dW_g += xᵀ·dz_g
                if let bb = bx[g.rawValue] { addColumnSums(dz[g.rawValue], into: &grads.tensors[bb.index], offset: bb.offset) }
            }
            // the recurrent parts: r and u see h; the candidate sees h (after) or r⊙h (before)
            for g in GRUGate.allCases {
                let d = g == .candidate && config.flavor.resetAfter ? dHC : dz[g.rawValue]
                let v = g == .candidate && !config.flavor.resetAfter ? hc : h
                wh[g.rawValue].accumulateGradient(&grads, v, d)                               // dU_g += vᵀ·d
                if let bb = bh[g.rawValue] { addColumnSums(d, into: &grads.tensors[bb.index], offset: bb.offset) }
                if g == .candidate && !config.flavor.resetAfter { continue }   // reached h through r⊙h above
                dh.add(wh[g.rawValue].multiplyTransposed(p, d, k: nH))                         // dh += d·U_gᵀ
            }
            return (dx, dh)
        }
    }
}
