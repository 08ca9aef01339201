import RNNCore

extension Implementation {
    /// min-char-rnn's `lossFun` and `sample` (“基本概念” (002)) with the matrix-vector
    /// products in OpenBLAS (see RNNScalar's `MinCharRNN` for the line-by-line reference).
    ///
    /// Every operation is the one numpy performs, in numpy's order, so that `rnnref train
    /// min-char-rnn` reproduces a numpy run bit for bit as long as the two OpenBLAS `dgemv`
    /// kernels agree: `np.dot` of a matrix and a column is `cblas_dgemv` (no β-accumulation: the
    /// product is formed, then added), outer products are formed then added (no fused
    /// multiply-add as `dger` would do), and `np.sum` is numpy's pairwise sum.
    public enum MinCharRNN: MinCharRNNArithmetic {
        @_specialize(where T == Float)
        @_specialize(where T == Double)
        public static func lossFun<T: RNNFloat>(_ p: Parameters<T>, inputs: [Int], targets: [Int],
                                               hprev: Tensor<T>, clipGradients: Bool) -> MinCharRNNLoss<T> {
            let wxh = p.tensors[0].data, whh = p.tensors[1].data, why = p.tensors[2].data
            let bh = p.tensors[3].data, by = p.tensors[4].data
            let (nH, nV) = (p.tensors[0].shape[0], p.tensors[0].shape[1])
            var hs: [[T]] = [hprev.data]
            var ps: [[T]] = []
            var loss: T = 0
            for t in inputs.indices {
                var h = [T](repeating: 0, count: nH)                                  // Whh·hs[t-1]
                gemv(false, m: nH, n: nH, whh, lda: nH, hs[t], beta: 0, &h)
                for i in 0..<nH { h[i] = T.tanh(wxh[i * nV + inputs[t]] + h[i] + bh[i]) }  // Wxh·x is a column
                hs.append(h)
                var y = [T](repeating: 0, count: nV)                                  // Why·h + by
                gemv(false, m: nV, n: nH, why, lda: nH, h, beta: 0, &y)
                for v in 0..<nV { y[v] = T.exp(y[v] + by[v]) }
                let sum = numpyPairwiseSum(y[...])
                ps.append(y.map { $0 / sum })
                loss += -T.log(ps[t][targets[t]])
            }
            var g = Parameters<T>(zerosLike: p)
            var dhnext = [T](repeating: 0, count: nH)
            for t in inputs.indices.reversed() {
                var dy = ps[t]
                dy[targets[t]] -= 1
                for v in 0..<nV { for k in 0..<nH { g.tensors[2].data[v * nH + k] += dy[v] * hs[t + 1][k] } }   // dWhy += dy·hᵀ
                for v in 0..<nV { g.tensors[4].data[v] += dy[v] }
                var dh = [T](repeating: 0, count: nH)                                 // dh = Whyᵀ·dy + dhnext
                gemv(true, m: nV, n: nH, why, lda: nH, dy, beta: 0, &dh)
                for k in 0..<nH { dh[k] += dhnext[k] }
                var dhraw = dh
                for k in 0..<nH { dhraw[k] = (1 - hs[t + 1][k] * hs[t + 1][k]) * dh[k] }
                for i in 0..<nH {
                    g.tensors[3].data[i] += dhraw[i]
                    g.tensors[0].data[i * nV + inputs[t]] += dhraw[i]
                }
                for i in 0..<nH { for k in 0..<nH { g.tensors[1].data[i * nH + k] += dhraw[i] * hs[t][k] } }   // dWhh += dhraw·hs[t-1]ᵀ
                gemv(true, m: nH, n: nH, whh, lda: nH, dhraw, beta: 0, &dhnext)      // dhnext = Whhᵀ·dhraw
            }
            if clipGradients {
                for j in g.tensors.indices {
                    for i in g.tensors[j].data.indices { g.tensors[j].data[i] = clip(g.tensors[j].data[i], -5, 5) }
                }
            }
            return MinCharRNNLoss(loss: loss, gradients: g,
                                  lastHidden: Tensor(uncheckedShape: [nH, 1], data: hs[inputs.count]),
                                  dhprev: Tensor(uncheckedShape: [nH, 1], data: dhnext))
        }

        public static func sample<T: RNNFloat, S: UInt32Stream>(_ p: Parameters<T>, h h0: Tensor<T>, seedIx: Int, n: Int,
                                                               rng: inout NumpyLegacyRandom<S>) throws -> [Int] {
            let wxh = p.tensors[0].data, whh = p.tensors[1].data, why = p.tensors[2].data
            let bh = p.tensors[3].data, by = p.tensors[4].data
            let (nH, nV) = (p.tensors[0].shape[0], p.tensors[0].shape[1])
            var h = h0.data
            var ix = seedIx
            var ixes: [Int] = []
            for _ in 0..<n {
                var hNew = [T](repeating: 0, count: nH)
                gemv(false, m: nH, n: nH, whh, lda: nH, h, beta: 0, &hNew)
                for i in 0..<nH { hNew[i] = T.tanh(wxh[i * nV + ix] + hNew[i] + bh[i]) }
                h = hNew
                var y = [T](repeating: 0, count: nV)
                gemv(false, m: nV, n: nH, why, lda: nH, h, beta: 0, &y)
                for v in 0..<nV { y[v] = T.exp(y[v] + by[v]) }
                let sum = numpyPairwiseSum(y[...])
                ix = try rng.choice(nV, p: y.map { Double($0 / sum) })
                ixes.append(ix)
            }
            return ixes
        }
    }
}
