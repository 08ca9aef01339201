import RNNCore

// The few matrix loops the backward passes are written with, named like RNNBLAS's (`BLAS.swift`
// and the `WeightBlock` helpers in its `Elman.swift`), so that a backward pass reads like its
// equation: `dW += xᵀ·dz; dx = dz·Wᵀ` is `wx.accumulateGradient(&grads, x, dz)` and
// `wx.multiplyTransposed(p, dz, k: I)`. Plain loops, one sum per element, in a fixed order.

/// Reading and writing a `WeightBlock` (RNNCore) of a cell's parameters: the logical matrix
/// W [K, N] a block stands for, wherever and however the framework stores it.
extension WeightBlock {
    /// Element (k, j) of W.
    @inline(__always)
    func at<T: RNNFloat>(_ p: Parameters<T>, _ k: Int, _ j: Int) -> T {
        transposed ? p.tensors[index][col + j, row + k] : p.tensors[index][row + k, col + j]
    }

    /// dW[k, j] += v.
    @inline(__always)
    func add<T: RNNFloat>(_ g: inout Parameters<T>, _ k: Int, _ j: Int, _ v: T) {
        if transposed { g.tensors[index][col + j, row + k] += v } else { g.tensors[index][row + k, col + j] += v }
    }

    /// `d·Wᵀ` for d [M, N]: [M, K], each element `Σ_j d[m, j]·W[k, j]`.
    func multiplyTransposed<T: RNNFloat>(_ p: Parameters<T>, _ d: Tensor<T>, k nK: Int) -> Tensor<T> {
        let (nM, nN) = (d.shape[0], d.shape[1])
        var out = Tensor<T>(zeros: [nM, nK])
        for m in 0..<nM {
            for k in 0..<nK {
                var s: T = 0
                for j in 0..<nN { s += d[m, j] * at(p, k, j) }
                out[m, k] = s
            }
        }
        return out
    }

    /// `dW += aᵀ·d` for a [M, K], d [M, N]: each element `Σ_m a[m, k]·d[m, j]`.
    func accumulateGradient<T: RNNFloat>(_ g: inout Parameters<T>, _ a: Tensor<T>, _ d: Tensor<T>) {
        let (nM, nK, nN) = (a.shape[0], a.shape[1], d.shape[1])
        for k in 0..<nK {
            for j in 0..<nN {
                var s: T = 0
                for m in 0..<nM { s += a[m, k] * d[m, j] }
                add(&g, k, j, s)
            }
        }
    }
}

/// `db += Σ_m d[m, ·]` for d [M, N], into `b` from `offset` (a bias's gradient).
func addColumnSums<T: RNNFloat>(_ d: Tensor<T>, into b: inout Tensor<T>, offset: Int = 0) {
    let (nM, nN) = (d.shape[0], d.shape[1])
    for j in 0..<nN {
        var s: T = 0
        for m in 0..<nM { s += d[m, j] }
        b.data[offset + j] += s
    }
}

/// An LSTM's output projection (TF's `num_proj`, PyTorch's `proj_size`, the coupled-gate cell's
/// `W_P_0`): `m_raw = mh·W_P` [B, P] and `m = clip(m_raw, −proj_clip, proj_clip)`.
func project<T: RNNFloat>(_ mh: Tensor<T>, _ pr: WeightBlock, _ p: Parameters<T>, width nP: Int, clip projClip: Double?) -> (raw: Tensor<T>, m: Tensor<T>) {
    let (batch, nH) = (mh.shape[0], mh.shape[1])
    var raw = Tensor<T>(zeros: [batch, nP])
    for b in 0..<batch {
        for q in 0..<nP {
            var s: T = 0
            for u in 0..<nH { s += mh[b, u] * pr.at(p, u, q) }
            raw[b, q] = s
        }
    }
    var m = raw
    if let pc = projClip {
        for k in m.data.indices { m.data[k] = clip(m.data[k], T(-pc), T(pc)) }
    }
    return (raw, m)
}

/// Its backward: `dm_raw = dm ⊙ 1[|m_raw| ≤ proj_clip]`, `dW_P += mhᵀ·dm_raw`, returns
/// `dmh = dm_raw·W_Pᵀ`.
func projectBackward<T: RNNFloat>(_ dm: Tensor<T>, raw: Tensor<T>, mh: Tensor<T>, _ pr: WeightBlock, _ p: Parameters<T>,
                                  clip projClip: Double?, grads: inout Parameters<T>) -> Tensor<T> {
    var dmRaw = dm
    if let pc = projClip {
        for k in dmRaw.data.indices { dmRaw.data[k] *= clipGradient(raw.data[k], T(-pc), T(pc)) }
    }
    pr.accumulateGradient(&grads, mh, dmRaw)                   // dW_proj += mhᵀ·dm_raw
    return pr.multiplyTransposed(p, dmRaw, k: mh.shape[1])      // dmh = dm_raw·W_projᵀ
}
