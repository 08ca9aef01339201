import RNNCore

/// Reading and writing a `WeightBlock` (RNNCore) of a cell's parameters.
extension WeightBlock {

    /// Element (k, j) of the logical matrix W [K, N].
    @inline(__always)
    func at<T: RNNFloat>(_ p: Parameters<T>, _ k: Int, _ j: Int) -> T {
        transposed ? p.tensors[index][col + j, row + k] : p.tensors[index][row + k, col + j]
    }

    /// dW[k, j] += v.
    @inline(__always)
    func add<T: RNNFloat>(_ g: inout Parameters<T>, _ k: Int, _ j: Int, _ v: T) {
        if transposed { g.tensors[index][col + j, row + k] += v } else { g.tensors[index][row + k, col + j] += v }
    }
}

extension Implementation {
    /// The step every tanh-RNN here shares (Elman, 1990):
    ///
    ///     z  = x·W_x + h·W_h + b        x [B, I], h [B, H], W_x [I, H], W_h [H, H], b [H]
    ///     h' = act(z)
    ///
    /// The cells differ only in where W_x, W_h and b are stored (`ElmanLayout`). This is the
    /// reference: plain loops, one sum per output element, written as the equation reads.
    public enum Elman: ElmanArithmetic {
        /// Returns (z, h') for one step.
        @_specialize(where T == Float)
        @_specialize(where T == Double)
        public static func forward<T: RNNFloat>(_ p: Parameters<T>, _ l: ElmanLayout, x: Tensor<T>, h: Tensor<T>) -> (z: Tensor<T>, h: Tensor<T>) {
            let (batch, nI, nH) = (x.shape[0], x.shape[1], l.units)
            let wxT = p.tensors[l.wx.index], whT = p.tensors[l.wh.index]
            var z = Tensor<T>(zeros: [batch, nH])
            var hNew = Tensor<T>(zeros: [batch, nH])
            for b in 0..<batch {
                for j in 0..<nH {
                    // z[b, j] = Σ_i x[b, i]·W_x[i, j] + Σ_k h[b, k]·W_h[k, j] + b[j]
                    var s: T = 0
                    for i in 0..<nI { s += x[b, i] * wxT[l.wx.row + i, j] }
                    for k in 0..<nH { s += h[b, k] * whT[l.wh.row + k, j] }
                    if let bi = l.bias { s += p.tensors[bi].data[j] }
                    z[b, j] = s
                    hNew[b, j] = l.activation.apply(s)
                }
            }
            return (z, hNew)
        }

        /// Backward of `forward` given dL/dh' (`dhNew`): with dz = dh' ⊙ act'(h'),
        ///
        ///     dW_x += xᵀ·dz    dW_h += hᵀ·dz    db += Σ_b dz    dx = dz·W_xᵀ    dh = dz·W_hᵀ
        @_specialize(where T == Float)
        @_specialize(where T == Double)
        public static func backward<T: RNNFloat>(_ p: Parameters<T>, _ l: ElmanLayout, x: Tensor<T>, h: Tensor<T>, hNew: Tensor<T>,
                                                 dhNew: Tensor<T>, grads: inout Parameters<T>) -> (dx: Tensor<T>, dh: Tensor<T>) {
            let (batch, nI, nH) = (x.shape[0], x.shape[1], l.units)
            let wxT = p.tensors[l.wx.index], whT = p.tensors[l.wh.index]
            var dz = Tensor<T>(zeros: [batch, nH])
            for b in 0..<batch {
                for j in 0..<nH { dz[b, j] = dhNew[b, j] * l.activation.derivative(fromOutput: hNew[b, j]) }
            }
            var dx = Tensor<T>(zeros: [batch, nI])
            var dh = Tensor<T>(zeros: [batch, nH])
            for b in 0..<batch {
                for i in 0..<nI {
                    var s: T = 0
                    for j in 0..<nH { s += dz[b, j] * wxT[l.wx.row + i, j] }
                    dx[b, i] = s
                }
                for k in 0..<nH {
                    var s: T = 0
                    for j in 0..<nH { s += dz[b, j] * whT[l.wh.row + k, j] }
                    dh[b, k] = s
                }
            }
            for i in 0..<nI {
                for j in 0..<nH {
                    var s: T = 0
                    for b in 0..<batch { s += x[b, i] * dz[b, j] }
                    grads.tensors[l.wx.index][l.wx.row + i, j] += s
                }
            }
            for k in 0..<nH {
                for j in 0..<nH {
                    var s: T = 0
                    for b in 0..<batch { s += h[b, k] * dz[b, j] }
                    grads.tensors[l.wh.index][l.wh.row + k, j] += s
                }
            }
            if let bi = l.bias {
                for j in 0..<nH {
                    var s: T = 0
                    for b in 0..<batch { s += dz[b, j] }
                    grads.tensors[bi].data[j] += s
                }
            }
            return (dx, dh)
        }
    }
}
