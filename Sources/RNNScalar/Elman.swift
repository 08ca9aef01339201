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

/// The step every tanh-RNN here shares (Elman, 1990):
///
///     z  = x·W_x + h·W_h + b        x [B, I], h [B, H], W_x [I, H], W_h [H, H], b [H]
///     h' = act(z)
///
/// The cells differ only in where W_x, W_h and b are stored (see each cell's file). This is
/// the reference: plain loops, one sum per output element, written as the equation reads.
struct Elman<Scalar: RNNFloat>: Sendable {
    var inputSize: Int
    var units: Int
    var activation: Activation
    var wx: WeightBlock
    var wh: WeightBlock
    var bias: Int?

    /// Returns (z, h') for one step.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func forward(_ p: Parameters<Scalar>, x: Tensor<Scalar>, h: Tensor<Scalar>) -> (z: Tensor<Scalar>, h: Tensor<Scalar>) {
        let (batch, nI, nH) = (x.shape[0], inputSize, units)
        let wxT = p.tensors[wx.index], whT = p.tensors[wh.index]
        var z = Tensor<Scalar>(zeros: [batch, nH])
        var hNew = Tensor<Scalar>(zeros: [batch, nH])
        for b in 0..<batch {
            for j in 0..<nH {
                // z[b, j] = Σ_i x[b, i]·W_x[i, j] + Σ_k h[b, k]·W_h[k, j] + b[j]
                var s: Scalar = 0
                for i in 0..<nI { s += x[b, i] * wxT[wx.row + i, j] }
                for k in 0..<nH { s += h[b, k] * whT[wh.row + k, j] }
                if let bi = bias { s += p.tensors[bi].data[j] }
                z[b, j] = s
                hNew[b, j] = activation.apply(s)
            }
        }
        return (z, hNew)
    }

    /// Backward of `forward` given dL/dh' (`dhNew`): with dz = dh' ⊙ act'(h'),
    ///
    ///     dW_x += xᵀ·dz    dW_h += hᵀ·dz    db += Σ_b dz    dx = dz·W_xᵀ    dh = dz·W_hᵀ
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func backward(_ p: Parameters<Scalar>, x: Tensor<Scalar>, h: Tensor<Scalar>, hNew: Tensor<Scalar>,
                  dhNew: Tensor<Scalar>, grads: inout Parameters<Scalar>) -> (dx: Tensor<Scalar>, dh: Tensor<Scalar>) {
        let (batch, nI, nH) = (x.shape[0], inputSize, units)
        let wxT = p.tensors[wx.index], whT = p.tensors[wh.index]
        var dz = Tensor<Scalar>(zeros: [batch, nH])
        for b in 0..<batch {
            for j in 0..<nH { dz[b, j] = dhNew[b, j] * activation.derivative(fromOutput: hNew[b, j]) }
        }
        var dx = Tensor<Scalar>(zeros: [batch, nI])
        var dh = Tensor<Scalar>(zeros: [batch, nH])
        for b in 0..<batch {
            for i in 0..<nI {
                var s: Scalar = 0
                for j in 0..<nH { s += dz[b, j] * wxT[wx.row + i, j] }
                dx[b, i] = s
            }
            for k in 0..<nH {
                var s: Scalar = 0
                for j in 0..<nH { s += dz[b, j] * whT[wh.row + k, j] }
                dh[b, k] = s
            }
        }
        for i in 0..<nI {
            for j in 0..<nH {
                var s: Scalar = 0
                for b in 0..<batch { s += x[b, i] * dz[b, j] }
                grads.tensors[wx.index][wx.row + i, j] += s
            }
        }
        for k in 0..<nH {
            for j in 0..<nH {
                var s: Scalar = 0
                for b in 0..<batch { s += h[b, k] * dz[b, j] }
                grads.tensors[wh.index][wh.row + k, j] += s
            }
        }
        if let bi = bias {
            for j in 0..<nH {
                var s: Scalar = 0
                for b in 0..<batch { s += dz[b, j] }
                grads.tensors[bi].data[j] += s
            }
        }
        return (dx, dh)
    }
}

/// A cell that is exactly one Elman step: output = new state = h'.
protocol ElmanCell: RecurrentCell {
    var elman: Elman<Scalar> { get }
}

extension ElmanCell {
    public func step(_ x: Tensor<Scalar>, state: [Tensor<Scalar>]) -> CellStep<Scalar> {
        let (_, h) = elman.forward(parameters, x: x, h: state[0])
        return CellStep(output: h, state: [h], cache: [])
    }

    public func stepBackward(_ step: CellStep<Scalar>, x: Tensor<Scalar>, state: [Tensor<Scalar>],
                             dOutput: Tensor<Scalar>, dState: [Tensor<Scalar>],
                             grads: inout Parameters<Scalar>) -> CellStepGradients<Scalar> {
        // The output and the new state are the same tensor: their cotangents add.
        var dh = dOutput
        dh.add(dState[0])
        let g = elman.backward(parameters, x: x, h: state[0], hNew: step.output, dhNew: dh, grads: &grads)
        return CellStepGradients(dx: g.dx, dState: [g.dh])
    }
}
