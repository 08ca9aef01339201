import CVectorMath
import RNNCore

// The gate passes' activations over contiguous runs: exp, tanh and sigmoid are CVectorMath's
// (Cephes' polynomials, vectorised, compiled for AVX-512, AVX2 and baseline x86-64 and chosen
// when the program loads; within a few ulp of libm, tested in VectorMathTests); relu and linear
// are written here; every other activation is applied element by element as the scalar
// reference applies it.

extension Activation {
    /// Applies the activation in place to `a[offset ..< offset + count]`.
    @inline(__always)
    func applyInPlace<T: RNNFloat>(_ a: inout [T], _ offset: Int, _ count: Int) {
        guard count > 0 else { return }
        a.withUnsafeMutableBufferPointer { buf in applyInPlace(buf.baseAddress! + offset, count) }
    }

    /// Applies the activation in place to `p[0 ..< count]`.
    @inline(__always)
    func applyInPlace<T: RNNFloat>(_ p: UnsafeMutablePointer<T>, _ count: Int) {
        guard count > 0 else { return }
        let raw = UnsafeMutableRawPointer(p)
        switch self {
        case .tanh, .sigmoid:
            if T.self == Float.self {
                let f = raw.assumingMemoryBound(to: Float.self)
                if self == .tanh { rnnref_tanh_f32(f, count) } else { rnnref_sigmoid_f32(f, count) }
            } else if T.self == Double.self {
                let d = raw.assumingMemoryBound(to: Double.self)
                if self == .tanh { rnnref_tanh_f64(d, count) } else { rnnref_sigmoid_f64(d, count) }
            } else {
                for k in 0..<count { p[k] = apply(p[k]) }
            }
        case .relu: for k in 0..<count { p[k] = p[k] < 0 ? 0 : p[k] }   // NaN stays NaN
        case .linear: break
        default: for k in 0..<count { p[k] = apply(p[k]) }
        }
    }

    /// `derivative(fromOutput:)` over a run: `d[k] = dy/dz` at the outputs `y[k]`, k < count, with
    /// the same formulas (tanh 1 − y², sigmoid y(1 − y)), in loops the compiler vectorises.
    @inline(__always)
    func derivativeFromOutput<T: RNNFloat>(_ y: UnsafePointer<T>, into d: UnsafeMutablePointer<T>, _ count: Int) {
        switch self {
        case .tanh: for k in 0..<count { d[k] = 1 - y[k] * y[k] }
        case .sigmoid: for k in 0..<count { d[k] = y[k] * (1 - y[k]) }
        case .linear: for k in 0..<count { d[k] = 1 }
        default: for k in 0..<count { d[k] = derivative(fromOutput: y[k]) }
        }
    }
}

/// The LSTM's gate pass over one row's run of `n` units in one sweep (CVectorMath's
/// `rnnref_lstm_gates`: the same bits as the separate passes, each element read once), for σ
/// and tanh without peepholes or clip: z [i | j | f | o] (blocks of n) holds the pre-activations
/// without bias and receives the activated gates; `c_next = f ⊙ c_prev + i ⊙ j`,
/// `h = o ⊙ tanh(c_next)`. False (nothing done) for a T other than Float and Double.
@inline(__always)
func lstmGatesInOneSweep<T: RNNFloat>(_ z: UnsafeMutablePointer<T>, bias: UnsafePointer<T>, cPrev: UnsafePointer<T>,
                                       cNext: UnsafeMutablePointer<T>, h: UnsafeMutablePointer<T>, _ n: Int) -> Bool {
    let (rz, rb, rp, rn, rh) = (UnsafeMutableRawPointer(z), UnsafeRawPointer(bias), UnsafeRawPointer(cPrev),
                                UnsafeMutableRawPointer(cNext), UnsafeMutableRawPointer(h))
    if T.self == Float.self {
        rnnref_lstm_gates_f32(rz.assumingMemoryBound(to: Float.self), rb.assumingMemoryBound(to: Float.self),
                              rp.assumingMemoryBound(to: Float.self), rn.assumingMemoryBound(to: Float.self),
                              rh.assumingMemoryBound(to: Float.self), n)
    } else if T.self == Double.self {
        rnnref_lstm_gates_f64(rz.assumingMemoryBound(to: Double.self), rb.assumingMemoryBound(to: Double.self),
                              rp.assumingMemoryBound(to: Double.self), rn.assumingMemoryBound(to: Double.self),
                              rh.assumingMemoryBound(to: Double.self), n)
    } else {
        return false
    }
    return true
}

/// The LSTM's backward gate pass over one row's run of `n` units in one sweep (CVectorMath's
/// `rnnref_lstm_dgates`: the same bits as the separate runs), for σ and tanh without peepholes
/// or clip: `g` [i | j | f | o] the activated gates, `dm` the gradient at h_t, `dc` dc_t in and
/// dc_{t−1} out; `dz` [i | j | f | o] receives the pre-activation gradients,
/// with `a = tanh(c_t)`: `dz_o = dm ⊙ a ⊙ σ'(o)`, `dc = dc + dm ⊙ o ⊙ tanh'(a)`,
/// `dz_f = dc ⊙ c_{t−1} ⊙ σ'(f)`, `dz_i = dc ⊙ j ⊙ σ'(i)`, `dz_j = dc ⊙ i ⊙ tanh'(j)`,
/// `dc_{t−1} = dc ⊙ f` (derivatives at the outputs: σ'(y) = y(1 − y), tanh'(y) = 1 − y²), and
/// `dBias` accumulates them. False (nothing done) for a T other than Float and Double.
@inline(__always)
func lstmGateDerivativesInOneSweep<T: RNNFloat>(_ g: UnsafePointer<T>, cPrev: UnsafePointer<T>, c: UnsafePointer<T>,
                                                dm: UnsafePointer<T>, dc: UnsafeMutablePointer<T>, dz: UnsafeMutablePointer<T>,
                                                dBias: UnsafeMutablePointer<T>, _ n: Int) -> Bool {
    let (rg, rp, rc, rm) = (UnsafeRawPointer(g), UnsafeRawPointer(cPrev), UnsafeRawPointer(c), UnsafeRawPointer(dm))
    let (rdc, rdz, rdb) = (UnsafeMutableRawPointer(dc), UnsafeMutableRawPointer(dz), UnsafeMutableRawPointer(dBias))
    if T.self == Float.self {
        rnnref_lstm_dgates_f32(rg.assumingMemoryBound(to: Float.self), rp.assumingMemoryBound(to: Float.self),
                               rc.assumingMemoryBound(to: Float.self), rm.assumingMemoryBound(to: Float.self),
                               rdc.assumingMemoryBound(to: Float.self), rdz.assumingMemoryBound(to: Float.self),
                               rdb.assumingMemoryBound(to: Float.self), n)
    } else if T.self == Double.self {
        rnnref_lstm_dgates_f64(rg.assumingMemoryBound(to: Double.self), rp.assumingMemoryBound(to: Double.self),
                               rc.assumingMemoryBound(to: Double.self), rm.assumingMemoryBound(to: Double.self),
                               rdc.assumingMemoryBound(to: Double.self), rdz.assumingMemoryBound(to: Double.self),
                               rdb.assumingMemoryBound(to: Double.self), n)
    } else {
        return false
    }
    return true
}

/// Test access to the kernels (one value through the same run function the gate passes call).
public enum VectorMath {
    public static func exp(_ x: Float) -> Float { var v = x; rnnref_exp_f32(&v, 1); return v }
    public static func exp(_ x: Double) -> Double { var v = x; rnnref_exp_f64(&v, 1); return v }
    public static func tanh(_ x: Float) -> Float { var v = x; rnnref_tanh_f32(&v, 1); return v }
    public static func tanh(_ x: Double) -> Double { var v = x; rnnref_tanh_f64(&v, 1); return v }
    public static func sigmoid(_ x: Float) -> Float { var v = x; rnnref_sigmoid_f32(&v, 1); return v }
    public static func sigmoid(_ x: Double) -> Double { var v = x; rnnref_sigmoid_f64(&v, 1); return v }
    /// A whole run, as the gate passes call the kernels (the vectorised loop, not its remainder).
    public static func tanh(_ xs: [Float]) -> [Float] { var v = xs; rnnref_tanh_f32(&v, v.count); return v }
    public static func tanh(_ xs: [Double]) -> [Double] { var v = xs; rnnref_tanh_f64(&v, v.count); return v }
    public static func sigmoid(_ xs: [Float]) -> [Float] { var v = xs; rnnref_sigmoid_f32(&v, v.count); return v }
    public static func sigmoid(_ xs: [Double]) -> [Double] { var v = xs; rnnref_sigmoid_f64(&v, v.count); return v }
    public static func exp(_ xs: [Float]) -> [Float] { var v = xs; rnnref_exp_f32(&v, v.count); return v }
    public static func exp(_ xs: [Double]) -> [Double] { var v = xs; rnnref_exp_f64(&v, v.count); return v }
}
