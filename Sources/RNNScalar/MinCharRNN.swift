import RNNCore

extension Implementation {
    /// min-char-rnn's `lossFun` and `sample` (“基本概念” (002)), line for line, in the
    /// document's column-vector convention: `Wxh` [H, V], `Whh` [H, H], `Why` [V, H],
    /// `bh` [H, 1], `by` [V, 1], `hs[t]` [H, 1]. Like the document, the softmax is
    /// `exp(y) / sum(exp(y))` without a max shift (its weights are small).
    public enum MinCharRNN: MinCharRNNArithmetic {
        /// `loss, dWxh, dWhh, dWhy, dbh, dby, hs[len(inputs)-1] = lossFun(inputs, targets, hprev)`,
        /// with `clipGradients` applying the document's `np.clip(dparam, -5, 5)`.
        @_specialize(where T == Float)
        @_specialize(where T == Double)
        public static func lossFun<T: RNNFloat>(_ p: Parameters<T>, inputs: [Int], targets: [Int],
                                               hprev: Tensor<T>, clipGradients: Bool) -> MinCharRNNLoss<T> {
            let wxh = p.tensors[0], whh = p.tensors[1], why = p.tensors[2], bh = p.tensors[3], by = p.tensors[4]
            let (nH, nV) = (wxh.shape[0], wxh.shape[1])
            var hs: [[T]] = [hprev.data]          // hs[t + 1] is the document's hs[t]
            var ps: [[T]] = []
            var loss: T = 0
            // forward pass
            for t in inputs.indices {
                // hs[t] = tanh(Wxh·xs[t] + Whh·hs[t-1] + bh); Wxh·xs[t] is column inputs[t] of Wxh
                var h = [T](repeating: 0, count: nH)
                for i in 0..<nH {
                    var s = wxh[i, inputs[t]]
                    for k in 0..<nH { s += whh[i, k] * hs[t][k] }
                    h[i] = T.tanh(s + bh.data[i])
                }
                hs.append(h)
                // ys[t] = Why·hs[t] + by;  ps[t] = exp(ys[t]) / sum(exp(ys[t]))
                var e = [T](repeating: 0, count: nV)
                var sum: T = 0
                for v in 0..<nV {
                    var s: T = 0
                    for k in 0..<nH { s += why[v, k] * h[k] }
                    e[v] = T.exp(s + by.data[v])
                    sum += e[v]
                }
                ps.append(e.map { $0 / sum })
                // loss += -log(ps[t][targets[t], 0])
                loss += -T.log(ps[t][targets[t]])
            }
            // backward pass
            var g = Parameters<T>(zerosLike: p)
            var dhnext = [T](repeating: 0, count: nH)
            for t in inputs.indices.reversed() {
                var dy = ps[t]
                dy[targets[t]] -= 1                                   // backprop into y
                for v in 0..<nV {
                    for k in 0..<nH { g.tensors[2][v, k] += dy[v] * hs[t + 1][k] }   // dWhy += dy·hs[t]ᵀ
                    g.tensors[4].data[v] += dy[v]                                      // dby += dy
                }
                var dhraw = [T](repeating: 0, count: nH)
                for k in 0..<nH {
                    var dh = dhnext[k]                                 // dh = Whyᵀ·dy + dhnext
                    for v in 0..<nV { dh += why[v, k] * dy[v] }
                    dhraw[k] = (1 - hs[t + 1][k] * hs[t + 1][k]) * dh  // backprop through tanh
                }
                for i in 0..<nH {
                    g.tensors[3].data[i] += dhraw[i]                   // dbh += dhraw
                    g.tensors[0][i, inputs[t]] += dhraw[i]             // dWxh += dhraw·xs[t]ᵀ
                    for k in 0..<nH { g.tensors[1][i, k] += dhraw[i] * hs[t][k] }   // dWhh += dhraw·hs[t-1]ᵀ
                }
                for k in 0..<nH {                                      // dhnext = Whhᵀ·dhraw
                    var s: T = 0
                    for i in 0..<nH { s += whh[i, k] * dhraw[i] }
                    dhnext[k] = s
                }
            }
            if clipGradients {
                for j in g.tensors.indices {                           // np.clip(dparam, -5, 5)
                    for i in g.tensors[j].data.indices { g.tensors[j].data[i] = clip(g.tensors[j].data[i], -5, 5) }
                }
            }
            return MinCharRNNLoss(loss: loss, gradients: g,
                                  lastHidden: Tensor(uncheckedShape: [nH, 1], data: hs[inputs.count]),
                                  dhprev: Tensor(uncheckedShape: [nH, 1], data: dhnext))
        }

        /// `sample(h, seed_ix, n)`: n ids, each drawn with `np.random.choice(range(vocab_size), p=p.ravel())`.
        public static func sample<T: RNNFloat, S: UInt32Stream>(_ p: Parameters<T>, h h0: Tensor<T>, seedIx: Int, n: Int,
                                                               rng: inout NumpyLegacyRandom<S>) throws -> [Int] {
            let wxh = p.tensors[0], whh = p.tensors[1], why = p.tensors[2], bh = p.tensors[3], by = p.tensors[4]
            let (nH, nV) = (wxh.shape[0], wxh.shape[1])
            var h = h0.data
            var ix = seedIx
            var ixes: [Int] = []
            for _ in 0..<n {
                // h = tanh(Wxh·x + Whh·h + bh)
                var hNew = [T](repeating: 0, count: nH)
                for i in 0..<nH {
                    var s = wxh[i, ix]
                    for k in 0..<nH { s += whh[i, k] * h[k] }
                    hNew[i] = T.tanh(s + bh.data[i])
                }
                h = hNew
                // (the same softmax as lossFun's, written again as the document's `sample` writes it again)
                // y = Why·h + by;  p = exp(y) / sum(exp(y))
                var e = [T](repeating: 0, count: nV)
                var sum: T = 0
                for v in 0..<nV {
                    var s: T = 0
                    for k in 0..<nH { s += why[v, k] * h[k] }
                    e[v] = T.exp(s + by.data[v])
                    sum += e[v]
                }
                ix = try rng.choice(nV, p: e.map { Double($0 / sum) })
                ixes.append(ix)
            }
            return ixes
        }
    }
}
