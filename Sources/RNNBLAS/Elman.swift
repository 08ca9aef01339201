import RNNCore

/// Reading and writing a `WeightBlock` (RNNCore) of a cell's parameters.
extension WeightBlock {

    /// Offset and leading dimension of the block for the logical W [k, n].
    @inline(__always)
    func layout(k: Int, n: Int) -> (offset: Int, ld: Int) {
        if transposed {
            let l = ld ?? k
            return (col * l + row, l)
        }
        let l = ld ?? n
        return (row * l + col, l)
    }

    /// Where element (i, col) of the logical W [k, n] is stored in its parameter.
    @inline(__always)
    func storageIndex(_ i: Int, _ col: Int, k: Int, n: Int) -> Int {
        let (o, l) = layout(k: k, n: n)
        return transposed ? o + col * l + i : o + i * l + col
    }

    /// Offset and leading dimension of columns `c0…` of the logical W [k, n] (rows of the
    /// stored matrix when it is stored transposed).
    @inline(__always)
    func columns(from c0: Int, k: Int, n: Int) -> (offset: Int, ld: Int) {
        let (o, l) = layout(k: k, n: n)
        return (transposed ? o + c0 * l : o + c0, l)
    }

    /// `c = a·W[:, cols] + beta·c` for the logical W [k, n] (stored at `w`); a [m, k] (rows
    /// `lda` apart), c [m, cols.count] (rows `ldc` apart).
    func multiply<T: RNNFloat>(_ w: UnsafePointer<T>, _ a: UnsafePointer<T>, lda: Int? = nil, m: Int, k: Int, n: Int, cols: Range<Int>,
                               beta: T, into c: UnsafeMutablePointer<T>, ldc: Int) {
        let (o, l) = columns(from: cols.lowerBound, k: k, n: n)
        gemm(false, transposed, m: m, n: cols.count, k: k, a, lda: lda ?? k, w + o, ldb: l, beta: beta, c, ldc: ldc)
    }

    /// `c = d·W[rows, :]ᵀ + beta·c` for the logical W [k, n] (stored at `w`): the columns `rows`
    /// of d·Wᵀ; d [m, n] (rows `ldd` apart), c [m, rows.count] (rows `ldc` apart).
    func multiplyTransposed<T: RNNFloat>(_ w: UnsafePointer<T>, _ d: UnsafePointer<T>, ldd: Int? = nil, m: Int, k: Int, n: Int,
                                         rows: Range<Int>, beta: T, into c: UnsafeMutablePointer<T>, ldc: Int) {
        let (o, l) = layout(k: k, n: n)
        let start = transposed ? o + rows.lowerBound : o + rows.lowerBound * l
        gemm(false, !transposed, m: m, n: rows.count, k: n, d, lda: ldd ?? n, w + start, ldb: l, beta: beta, c, ldc: ldc)
    }

    /// `dW[rows, cols] += aᵀ·d` for the logical W [k, n] whose gradient is stored at `g`: a
    /// worker's block of a weight gradient. a [m, rows.count] (rows `lda` apart), d
    /// [m, cols.count] (rows `ldd` apart), each from its first column used; `rows` all of W's by
    /// default. A transposed block (PyTorch's [4H, I]) gets `dᵀ·a` on its rows.
    func accumulateGradient<T: RNNFloat>(into g: UnsafeMutablePointer<T>, _ a: UnsafePointer<T>, lda: Int? = nil, _ d: UnsafePointer<T>,
                                         ldd: Int, m: Int, k: Int, n: Int, rows: Range<Int>? = nil, cols: Range<Int>) {
        let (o, l) = columns(from: cols.lowerBound, k: k, n: n), rows = rows ?? 0..<k
        if transposed {
            gemm(true, false, m: cols.count, n: rows.count, k: m, d, lda: ldd, a, ldb: lda ?? k, beta: 1, g + (o + rows.lowerBound), ldc: l)
        } else {
            gemm(true, false, m: rows.count, n: cols.count, k: m, a, lda: lda ?? k, d, ldb: ldd, beta: 1, g + (o + rows.lowerBound * l), ldc: l)
        }
    }

    /// `c = a·W + beta·c` for the logical W [k, n]; a [m, k].
    func multiply<T: RNNFloat>(_ p: Parameters<T>, _ a: [T], _ aOffset: Int = 0, m: Int, k: Int, n: Int, beta: T,
                               into c: inout [T], _ cOffset: Int = 0, ldc: Int? = nil) {
        let (o, l) = layout(k: k, n: n)
        gemm(false, transposed, m: m, n: n, k: k, a, aOffset, lda: k, p.tensors[index].data, o, ldb: l, beta: beta, &c, cOffset, ldc: ldc ?? n)
    }

    /// `c = d·Wᵀ + beta·c` for the logical W [k, n]; d [m, n] (rows `ldd` apart), c [m, k] (from `cOffset`).
    func multiplyTransposed<T: RNNFloat>(_ p: Parameters<T>, _ d: [T], _ dOffset: Int = 0, m: Int, k: Int, n: Int, beta: T,
                                         into c: inout [T], _ cOffset: Int = 0, ldd: Int? = nil) {
        let (o, l) = layout(k: k, n: n)
        gemm(false, !transposed, m: m, n: k, k: n, d, dOffset, lda: ldd ?? n, p.tensors[index].data, o, ldb: l, beta: beta, &c, cOffset, ldc: k)
    }

    /// `dW += aᵀ·d` for the logical W [k, n]; a [m, k] (from `aOffset`), d [m, n] (rows `ldd` apart).
    func accumulateGradient<T: RNNFloat>(_ g: inout Parameters<T>, _ a: [T], _ d: [T], _ dOffset: Int = 0, m: Int, k: Int, n: Int,
                                         ldd: Int? = nil, aOffset: Int = 0) {
        let (o, l) = layout(k: k, n: n)
        if transposed {
            gemm(true, false, m: n, n: k, k: m, d, dOffset, lda: ldd ?? n, a, aOffset, ldb: k, beta: 1, &g.tensors[index].data, o, ldc: l)
        } else {
            gemm(true, false, m: k, n: n, k: m, a, aOffset, lda: k, d, dOffset, ldb: ldd ?? n, beta: 1, &g.tensors[index].data, o, ldc: l)
        }
    }
}

/// Columns `cols` of several logical matrices [k, ·] of the parameters side by side,
/// [k, parts.count·cols.count]: part g is columns `offset + cols` of `block` (logical [k, n]).
/// A worker's slice of the recurrent weights (the schedules keep it with the cell's weights,
/// `PreparedWeights`).
func packColumns<T: RNNFloat>(_ p: Parameters<T>, _ parts: [(block: WeightBlock, n: Int, offset: Int)], k: Int, cols: Range<Int>) -> [T] {
    let len = cols.count, nc = parts.count * len
    var out = [T](repeating: 0, count: k * nc)
    out.withUnsafeMutableBufferPointer { op in
        for (g, part) in parts.enumerated() {
            // element (i, j) of the block's columns: stored at o + i·rs + j·cs
            let (o, l) = part.block.columns(from: part.offset + cols.lowerBound, k: k, n: part.n)
            let (rs, cs) = part.block.transposed ? (1, l) : (l, 1)
            p.tensors[part.block.index].data.withUnsafeBufferPointer { wp in
                for i in 0..<k { for j in 0..<len { op[i * nc + g * len + j] = wp[o + i * rs + j * cs] } }
            }
        }
    }
    return out
}

/// `packColumns`' matrix packed for `packedGemm`, each part read where it is stored (no dense
/// copy first): a worker's columns of several gates' weights, packed once per cell (kept in its
/// `PreparedWeights`).
func packedColumns<T: RNNFloat>(_ p: Parameters<T>, _ parts: [(block: WeightBlock, n: Int, offset: Int)], k: Int,
                                cols: Range<Int>) -> PackedMatrix<T> {
    let len = cols.count
    let packed = PackedMatrix<T>(k: k, n: parts.count * len)
    for (g, part) in parts.enumerated() {
        let (o, l) = part.block.columns(from: part.offset + cols.lowerBound, k: k, n: part.n)
        let (rs, cs) = part.block.transposed ? (1, l) : (l, 1)
        p.tensors[part.block.index].data.withUnsafeBufferPointer { wp in
            guard let base = wp.baseAddress else { return }
            packed.place(base + o, rowStride: rs, columnStride: cs, cols: len, column: g * len)
        }
    }
    return packed
}

/// Column ranges of several weights (each a logical [k, n] block) one above the other, then
/// transposed: B [Σ columns.count, rows.count] with B[kk, j] = the piece's W[rows.lowerBound + j,
/// column kk of its range], packed for `packedGemm` and read where stored: a worker's columns of
/// d·Wᵀ (dh_{t−1} or dX) when d's columns are those pieces in that order.
func packedTransposed<T: RNNFloat>(_ p: Parameters<T>, _ pieces: [(block: WeightBlock, n: Int, columns: Range<Int>)], k: Int,
                                   rows: Range<Int>) -> PackedMatrix<T> {
    let packed = PackedMatrix<T>(k: pieces.reduce(0) { $0 + $1.columns.count }, n: rows.count)
    var at = 0
    for piece in pieces {
        // element (r, c) of the piece's columns: stored at o + r·l + c (or o + c·l + r transposed)
        let (o, l) = piece.block.columns(from: piece.columns.lowerBound, k: k, n: piece.n)
        let t = piece.block.transposed
        p.tensors[piece.block.index].data.withUnsafeBufferPointer { wp in
            guard let base = wp.baseAddress else { return }
            packed.place(base + o + rows.lowerBound * (t ? 1 : l), rowStride: t ? l : 1, columnStride: t ? 1 : l,
                         rows: piece.columns.count, cols: rows.count, at: at, column: 0)
        }
        at += piece.columns.count
    }
    return packed
}

/// The sum of a tanh RNN's bias vectors [H] (nil without bias; PyTorch's `bias_ih + bias_hh`
/// added in that order, elementwise).
func biasSum<T: RNNFloat>(_ p: Parameters<T>, _ l: ElmanLayout) -> [T]? {
    guard let first = l.biases.first else { return nil }
    var b = p.tensors[first].data
    for bi in l.biases.dropFirst() { for j in b.indices { b[j] += p.tensors[bi].data[j] } }
    return b
}

extension Implementation {
    /// The tanh-RNN step (Elman, 1990), vectorised:
    ///
    ///     z  = x·W_x + h·W_h + Σ b      two GEMMs into one [B, H] buffer, then bias + act fused
    ///     h' = act(z)
    ///
    /// Same layout and results as RNNScalar's `Elman`; the sums run inside OpenBLAS.
    public enum Elman: ElmanArithmetic {
        @_specialize(where T == Float)
        @_specialize(where T == Double)
        public static func forward<T: RNNFloat>(_ p: Parameters<T>, _ l: ElmanLayout, x: Tensor<T>, h: Tensor<T>) -> (z: Tensor<T>, h: Tensor<T>) {
            let (batch, nI, nH) = (x.shape[0], x.shape[1], l.units)
            let (wx, wh, activation) = (l.wx, l.wh, l.activation)
            var z = [T](repeating: 0, count: batch * nH)
            wx.multiply(p, x.data, m: batch, k: nI, n: nH, beta: 0, into: &z)        // z = x·W_x
            wh.multiply(p, h.data, m: batch, k: nH, n: nH, beta: 1, into: &z)        // z += h·W_h
            var hNew = z
            let b = biasSum(p, l)
            for r in 0..<batch {
                for j in 0..<nH {
                    let s = z[r * nH + j] + (b?[j] ?? 0)
                    z[r * nH + j] = s
                    hNew[r * nH + j] = activation.apply(l.clip.map { clip(s, T(-$0), T($0)) } ?? s)      // ONNX clip
                }
            }
            return (Tensor(uncheckedShape: [batch, nH], data: z), Tensor(uncheckedShape: [batch, nH], data: hNew))
        }

        @_specialize(where T == Float)
        @_specialize(where T == Double)
        public static func backward<T: RNNFloat>(_ p: Parameters<T>, _ l: ElmanLayout, x: Tensor<T>, h: Tensor<T>, z: Tensor<T>, hNew: Tensor<T>,
                                                 dhNew: Tensor<T>, grads: inout Parameters<T>) -> (dx: Tensor<T>, dh: Tensor<T>) {
            let (batch, nI, nH) = (x.shape[0], x.shape[1], l.units)
            let (wx, wh, activation) = (l.wx, l.wh, l.activation)
            var dz = dhNew.data
            if let c = l.clip.map({ T($0) }) {
                for i in dz.indices { dz[i] *= activation.derivative(z: clip(z.data[i], -c, c), y: hNew.data[i]) * clipGradient(z.data[i], -c, c) }
            } else {
                for i in dz.indices { dz[i] *= activation.derivative(z: z.data[i], y: hNew.data[i]) }
            }
            var dx = [T](repeating: 0, count: batch * nI)
            var dh = [T](repeating: 0, count: batch * nH)
            wx.multiplyTransposed(p, dz, m: batch, k: nI, n: nH, beta: 0, into: &dx)    // dx = dz·W_xᵀ
            wh.multiplyTransposed(p, dz, m: batch, k: nH, n: nH, beta: 0, into: &dh)    // dh = dz·W_hᵀ
            wx.accumulateGradient(&grads, x.data, dz, m: batch, k: nI, n: nH)            // dW_x += xᵀ·dz
            wh.accumulateGradient(&grads, h.data, dz, m: batch, k: nH, n: nH)            // dW_h += hᵀ·dz
            for bi in l.biases { addColumnSums(dz, rows: batch, cols: nH, into: &grads.tensors[bi].data) }   // db += Σ_b dz
            return (Tensor(uncheckedShape: [batch, nI], data: dx), Tensor(uncheckedShape: [batch, nH], data: dh))
        }
    }
}
