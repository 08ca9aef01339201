import RNNCore

extension Implementation {
    /// The step every tanh-RNN here shares (Elman, 1990):
    ///
    ///     z  = x·W_x + h·W_h + Σ b       x [B, I], h [B, H], W_x [I, H], W_h [H, H], each b [H]
    ///     h' = act(z)
    ///
    /// The cells differ only in where W_x, W_h and the biases are stored (`ElmanLayout`;
    /// PyTorch has two, `bias_ih` and `bias_hh`). ONNX's operator may clip z first:
    /// h' = act(clip(z, −clip, clip)). This is the reference: plain loops, one sum per output
    /// element, written as the equation reads.
    public enum Elman: ElmanArithmetic {
        /// Returns (z, h') for one step.
        @_specialize(where T == Float)
        @_specialize(where T == Double)
        public static func forward<T: RNNFloat>(_ p: Parameters<T>, _ l: ElmanLayout, x: Tensor<T>, h: Tensor<T>) -> (z: Tensor<T>, h: Tensor<T>) {
            let (batch, nI, nH) = (x.shape[0], x.shape[1], l.units)
            var z = Tensor<T>(zeros: [batch, nH])
            var hNew = Tensor<T>(zeros: [batch, nH])
            for b in 0..<batch {
                for j in 0..<nH {
                    // z[b, j] = Σ_i x[b, i]·W_x[i, j] + Σ_k h[b, k]·W_h[k, j] + Σ b[j]
                    var s: T = 0
                    for i in 0..<nI { s += x[b, i] * l.wx.at(p, i, j) }
                    for k in 0..<nH { s += h[b, k] * l.wh.at(p, k, j) }
                    for bi in l.biases { s += p.tensors[bi].data[j] }
                    z[b, j] = s
                    hNew[b, j] = l.activation.apply(l.clip.map { clip(s, T(-$0), T($0)) } ?? s)
                }
            }
            return (z, hNew)
        }

        /// Backward of `forward` given dL/dh' (`dhNew`): with dz = dh' ⊙ act'(h'),
        ///
        ///     dW_x += xᵀ·dz    dW_h += hᵀ·dz    db += Σ_b dz (each b)    dx = dz·W_xᵀ    dh = dz·W_hᵀ
        ///
        /// (with ONNX's clip, dz = dh' ⊙ act'(clip(z)) ⊙ 1[|z| ≤ clip])
        @_specialize(where T == Float)
        @_specialize(where T == Double)
        public static func backward<T: RNNFloat>(_ p: Parameters<T>, _ l: ElmanLayout, x: Tensor<T>, h: Tensor<T>, z: Tensor<T>, hNew: Tensor<T>,
                                                 dhNew: Tensor<T>, grads: inout Parameters<T>) -> (dx: Tensor<T>, dh: Tensor<T>) {
            let (batch, nI, nH) = (x.shape[0], x.shape[1], l.units)
            var dz = Tensor<T>(zeros: [batch, nH])
            for b in 0..<batch {
                for j in 0..<nH {
                    if let c = l.clip.map({ T($0) }) {
                        dz[b, j] = dhNew[b, j] * l.activation.derivative(z: clip(z[b, j], -c, c), y: hNew[b, j]) * clipGradient(z[b, j], -c, c)
                    } else {
                        dz[b, j] = dhNew[b, j] * l.activation.derivative(z: z[b, j], y: hNew[b, j])
                    }
                }
            }
            let dx = l.wx.multiplyTransposed(p, dz, k: nI)          // dx = dz·W_xᵀ
            let dh = l.wh.multiplyTransposed(p, dz, k: nH)          // dh = dz·W_hᵀ
            l.wx.accumulateGradient(&grads, x, dz)                  // dW_x += xᵀ·dz
            l.wh.accumulateGradient(&grads, h, dz)                  // dW_h += hᵀ·dz
            for bi in l.biases { addColumnSums(dz, into: &grads.tensors[bi]) }   // db += Σ_b dz
            return (dx, dh)
        }
    }
}
