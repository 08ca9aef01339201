import RNNCore

extension Implementation {
    /// The GRU step every flavor shares, vectorised (see RNNScalar's `GRU` for the equations and
    /// TF's `call` line by line): per gate one GEMM for the input part and one for the recurrent
    /// part into [B, 3H] buffers (blocks in role order r, u, c), fused passes for the gates and
    /// the update; backward the same in reverse. Same `GRUStepCache` as RNNScalar's.
    public enum GRU: GRUArithmetic {
        @_specialize(where T == Float)
        @_specialize(where T == Double)
        public static func forward<T: RNNFloat>(_ cell: GRUWeights<T>, x: Tensor<T>, h: Tensor<T>) -> CellStep<T> {
            let (config, p, inputSize) = (cell.config, cell.parameters, cell.inputSize)
            let (wx, wh, bx, bh) = (cell.layout.wx, cell.layout.wh, cell.layout.bx, cell.layout.bh)
            let (batch, nI, nH) = (x.shape[0], inputSize, config.units)
            let n3 = 3 * nH
            let act = config.activation, gate = config.recurrentActivation
            // xg = [x·W_r + b_r, x·W_u + b_u, x·W_c + b_c];  hg = [h·U_r + b_hr, h·U_u + b_hu, (candidate below)]
            var xg = [T](repeating: 0, count: batch * n3), hg = xg
            for g in GRUGate.allCases {
                let col = g.rawValue * nH
                wx[g.rawValue].multiply(p, x.data, m: batch, k: nI, n: nH, beta: 0, into: &xg, col, ldc: n3)
                addBias(p, bx[g.rawValue], into: &xg, rows: batch, col: col, ld: n3, units: nH)
                if g != .candidate || config.flavor.resetAfter {
                    wh[g.rawValue].multiply(p, h.data, m: batch, k: nH, n: nH, beta: 0, into: &hg, col, ldc: n3)
                    addBias(p, bh[g.rawValue], into: &hg, rows: batch, col: col, ld: n3, units: nH)
                }
            }
            let n = batch * nH
            var r = [T](repeating: 0, count: n), u = r, c = r, hc = r, hNew = r
            var pre = [T](repeating: 0, count: batch * n3)      // r's, u's, c's pre-activations per row
            let gateClip = config.gateClip.map { T($0) }
            var preRaw: [T] = gateClip == nil ? [] : pre
            /// ONNX: clip(activation input, −clip, clip), keeping the input for the backward pass.
            @inline(__always) func clipped(_ v: T, _ k: Int) -> T {
                guard let c = gateClip else { return v }
                preRaw[k] = v
                return clip(v, -c, c)
            }
            for b in 0..<batch {
                for j in 0..<nH {
                    let k = b * n3 + j
                    pre[k] = clipped(xg[k] + hg[k], k); pre[k + nH] = clipped(xg[k + nH] + hg[k + nH], k + nH)
                    r[b * nH + j] = gate.apply(pre[k])
                    u[b * nH + j] = gate.apply(pre[k + nH])
                }
            }
            if config.flavor.resetAfter {
                for b in 0..<batch { for j in 0..<nH { hc[b * nH + j] = hg[b * n3 + 2 * nH + j] } }
                for k in 0..<n {
                    let (b, j) = (k / nH, k % nH)
                    pre[b * n3 + 2 * nH + j] = clipped(xg[b * n3 + 2 * nH + j] + r[k] * hc[k], b * n3 + 2 * nH + j)
                    c[k] = act.apply(pre[b * n3 + 2 * nH + j])
                }
            } else {
                for k in 0..<n { hc[k] = r[k] * h.data[k] }                        // r_state = r * state
                var rc = [T](repeating: 0, count: n)
                wh[GRUGate.candidate.rawValue].multiply(p, hc, m: batch, k: nH, n: nH, beta: 0, into: &rc)
                addBias(p, bh[GRUGate.candidate.rawValue], into: &rc, rows: batch, col: 0, ld: nH, units: nH)   // ONNX's Rbh
                for k in 0..<n {
                    let (b, j) = (k / nH, k % nH)
                    pre[b * n3 + 2 * nH + j] = clipped(xg[b * n3 + 2 * nH + j] + rc[k], b * n3 + 2 * nH + j)
                    c[k] = act.apply(pre[b * n3 + 2 * nH + j])
                }
            }
            for k in 0..<n { hNew[k] = u[k] * h.data[k] + (1 - u[k]) * c[k] }
            let t = { (a: [T]) in Tensor(uncheckedShape: [batch, nH], data: a) }
            return CellStep(output: t(hNew), state: [t(hNew)], cache: .gru(GRUStepCache(r: t(r), u: t(u), c: t(c), hcOrRh: t(hc),
                                                                                              pre: Tensor(uncheckedShape: [batch, n3], data: pre),
                                                                                              preUnclipped: gateClip == nil ? nil : Tensor(uncheckedShape: [batch, n3], data: preRaw))))
        }

        @_specialize(where T == Float)
        @_specialize(where T == Double)
        public static func backward<T: RNNFloat>(_ cell: GRUWeights<T>, step: CellStep<T>, x: Tensor<T>, h: Tensor<T>,
                                                 dhNew: Tensor<T>, grads: inout Parameters<T>) -> (dx: Tensor<T>, dh: Tensor<T>) {
            let (config, p, inputSize) = (cell.config, cell.parameters, cell.inputSize)
            let (wx, wh, bx, bh) = (cell.layout.wx, cell.layout.wh, cell.layout.bx, cell.layout.bh)
            let (batch, nI, nH) = (x.shape[0], inputSize, config.units)
            let n3 = 3 * nH, n = batch * nH
            let act = config.activation, gate = config.recurrentActivation
            let saved = step.cache.gru
            let (r, u, c, hc, pre) = (saved.r.data, saved.u.data, saved.c.data, saved.hcOrRh.data, saved.pre.data)
            let gateClip = config.gateClip.map { T($0) }, preRaw = saved.preUnclipped?.data
            /// 1, or 0 where ONNX's clip bound the activation input at flat index `k`.
            @inline(__always) func passed(_ k: Int) -> T {
                guard let cl = gateClip, let preRaw else { return 1 }
                return clipGradient(preRaw[k], -cl, cl)
            }
            var dz = [T](repeating: 0, count: batch * n3)          // [dz_r | dz_u | dz_c] per row
            var dh = [T](repeating: 0, count: n)
            var dHC = [T](repeating: 0, count: n)
            for k in 0..<n {
                let (b, j) = (k / nH, k % nH), g = dhNew.data[k]
                dz[b * n3 + nH + j] = g * (h.data[k] - c[k]) * gate.derivative(z: pre[b * n3 + nH + j], y: u[k]) * passed(b * n3 + nH + j)
                dz[b * n3 + 2 * nH + j] = g * (1 - u[k]) * act.derivative(z: pre[b * n3 + 2 * nH + j], y: c[k]) * passed(b * n3 + 2 * nH + j)
                dh[k] = g * u[k]
            }
            if config.flavor.resetAfter {
                for k in 0..<n {
                    let (b, j) = (k / nH, k % nH), dzc = dz[b * n3 + 2 * nH + j]
                    dHC[k] = dzc * r[k]
                    dz[b * n3 + j] = dzc * hc[k] * gate.derivative(z: pre[b * n3 + j], y: r[k]) * passed(b * n3 + j)
                }
            } else {
                wh[GRUGate.candidate.rawValue].multiplyTransposed(p, dz, 2 * nH, m: batch, k: nH, n: nH, beta: 0, into: &dHC, ldd: n3)
                for k in 0..<n {
                    let (b, j) = (k / nH, k % nH)
                    dz[b * n3 + j] = dHC[k] * h.data[k] * gate.derivative(z: pre[b * n3 + j], y: r[k]) * passed(b * n3 + j)
                    dh[k] += dHC[k] * r[k]
                }
                wh[GRUGate.candidate.rawValue].accumulateGradient(&grads, hc, dz, 2 * nH, m: batch, k: nH, n: nH, ldd: n3)
                if let bb = bh[GRUGate.candidate.rawValue] {          // ONNX's Rbh, outside the reset product
                    for b in 0..<batch { for j in 0..<nH { grads.tensors[bb.index].data[bb.offset + j] += dz[b * n3 + 2 * nH + j] } }
                }
            }
            var dx = [T](repeating: 0, count: batch * nI)
            for g in GRUGate.allCases {
                let col = g.rawValue * nH
                wx[g.rawValue].multiplyTransposed(p, dz, col, m: batch, k: nI, n: nH, beta: 1, into: &dx, ldd: n3)
                wx[g.rawValue].accumulateGradient(&grads, x.data, dz, col, m: batch, k: nI, n: nH, ldd: n3)
                if let bb = bx[g.rawValue] {
                    for b in 0..<batch { for j in 0..<nH { grads.tensors[bb.index].data[bb.offset + j] += dz[b * n3 + col + j] } }
                }
            }
            for g in [GRUGate.reset, .update] {
                let col = g.rawValue * nH
                wh[g.rawValue].multiplyTransposed(p, dz, col, m: batch, k: nH, n: nH, beta: 1, into: &dh, ldd: n3)
                wh[g.rawValue].accumulateGradient(&grads, h.data, dz, col, m: batch, k: nH, n: nH, ldd: n3)
                if let bb = bh[g.rawValue] {
                    for b in 0..<batch { for j in 0..<nH { grads.tensors[bb.index].data[bb.offset + j] += dz[b * n3 + col + j] } }
                }
            }
            if config.flavor.resetAfter {
                let w = wh[GRUGate.candidate.rawValue]
                w.multiplyTransposed(p, dHC, m: batch, k: nH, n: nH, beta: 1, into: &dh)
                w.accumulateGradient(&grads, h.data, dHC, m: batch, k: nH, n: nH)
                if let bb = bh[GRUGate.candidate.rawValue] { addColumnSums(dHC, rows: batch, cols: nH, into: &grads.tensors[bb.index].data, bb.offset) }
            }
            return (Tensor(uncheckedShape: [batch, nI], data: dx), Tensor(uncheckedShape: [batch, nH], data: dh))
        }
    }
}
