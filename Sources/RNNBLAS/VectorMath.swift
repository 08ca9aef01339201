import RNNCore

// Activations over contiguous runs of a buffer, written so that the compiler vectorises them
// (no libm calls, no branches: selects and integer bit tricks only). The scalar reference
// calls libm's `exp`/`tanh`; these agree with libm to a few units in the last place (tested in
// VectorMathTests), which is what lets the BLAS cells match the scalar ones to 1e-12 in Double.
//
// exp: Cephes' `expf`/`exp` (S. L. Moshier): n = round(x·log2 e), r = x − n·ln 2 in two parts,
// e^r by a polynomial (Float) or the Padé form 1 + 2r·P(r²)/(Q(r²) − r·P(r²)) (Double), then
// scaled by 2^n built in the exponent bits. The argument is clamped to the range where 2^n is a
// normal number, so e^x is exact-ish to ±88 (Float) and ±708 (Double) and saturates beyond.
// tanh: Cephes' odd polynomial (Float) or rational (Double) form for |x| < 0.625, else
// 1 − 2/(e^{2|x|} + 1) with the sign of x. sigmoid: 1/(1 + e^{−x}).

@inline(__always)
func vexp(_ x: Float) -> Float {
    let x = Swift.min(Swift.max(x, -87.33654), 88.37626)
    let magic: Float = 12_582_912                       // 1.5·2²³: adding it rounds to an integer
    let shifted = x * 1.442_695_040_888_963_4 + magic
    let n = shifted - magic
    var r = x - n * 0.693_359_375
    r = r - n * -2.121_944_4e-4
    let z = r * r
    var p: Float = 1.987_569_150_0e-4
    p = p * r + 1.398_199_950_7e-3
    p = p * r + 8.333_451_907_3e-3
    p = p * r + 4.166_579_589_4e-2
    p = p * r + 1.666_666_545_9e-1
    p = p * r + 5.000_000_120_1e-1
    p = p * z + r + 1
    let scale = Float(bitPattern: (shifted.bitPattern &- magic.bitPattern &+ 127) << 23)
    return p * scale
}

@inline(__always)
func vexp(_ x: Double) -> Double {
    let x = Swift.min(Swift.max(x, -708.3), 708.3)
    let magic: Double = 6_755_399_441_055_744           // 1.5·2⁵²
    let shifted = x * 1.442_695_040_888_963_407_4 + magic
    let n = shifted - magic
    var r = x - n * 6.931_457_519_531_25e-1
    r = r - n * 1.428_606_820_309_417_232_12e-6
    let rr = r * r
    var p = 1.261_771_930_748_105_908_78e-4
    p = p * rr + 3.029_944_077_074_419_613_00e-2
    p = p * rr + 9.999_999_999_999_999_999_10e-1
    p *= r
    var q = 3.001_985_051_386_644_550_42e-6
    q = q * rr + 2.524_483_403_496_841_041_92e-3
    q = q * rr + 2.272_655_482_081_550_287_66e-1
    q = q * rr + 2.000_000_000_000_000_000_09
    let e = 1 + 2 * (p / (q - p))
    let scale = Double(bitPattern: (shifted.bitPattern &- magic.bitPattern &+ 1023) << 52)
    return e * scale
}

@inline(__always)
func vtanh(_ x: Float) -> Float {
    let a = Swift.abs(x)
    let z = x * x
    var p: Float = -5.704_988_727_45e-3
    p = p * z + 2.063_908_879_54e-2
    p = p * z - 5.373_971_555_31e-2
    p = p * z + 1.333_144_220_36e-1
    p = p * z - 3.333_328_194_22e-1
    let small = p * z * x + x
    let big = Float(signOf: x, magnitudeOf: 1 - 2 / (vexp(2 * a) + 1))
    return a < 0.625 ? small : big
}

@inline(__always)
func vtanh(_ x: Double) -> Double {
    let a = Swift.abs(x)
    let z = x * x
    var p = -9.643_991_794_250_522_386_28e-1
    p = p * z - 9.928_772_310_019_185_865_64e1
    p = p * z - 1.614_687_684_417_084_479_52e3
    var q = z + 1.128_116_784_916_329_314_02e2
    q = q * z + 2.235_488_390_601_004_485_83e3
    q = q * z + 4.844_063_053_251_254_860_48e3
    let small = x + x * z * (p / q)
    let big = Double(signOf: x, magnitudeOf: 1 - 2 / (vexp(2 * a) + 1))
    return a < 0.625 ? small : big
}

@inline(__always) func vsigmoid(_ x: Float) -> Float { 1 / (1 + vexp(-x)) }
@inline(__always) func vsigmoid(_ x: Double) -> Double { 1 / (1 + vexp(-x)) }

// One overload per precision on purpose: each calls that precision's vectorised vexp/vtanh,
// which a generic body would not reach.
private func applyRun(_ act: Activation, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
    switch act {
    case .tanh: for k in 0..<n { p[k] = vtanh(p[k]) }
    case .sigmoid: for k in 0..<n { p[k] = vsigmoid(p[k]) }
    case .relu: for k in 0..<n { p[k] = p[k] < 0 ? 0 : p[k] }   // NaN stays NaN
    case .linear: break
    default: for k in 0..<n { p[k] = act.apply(p[k]) }
    }
}

private func applyRun(_ act: Activation, _ p: UnsafeMutablePointer<Double>, _ n: Int) {
    switch act {
    case .tanh: for k in 0..<n { p[k] = vtanh(p[k]) }
    case .sigmoid: for k in 0..<n { p[k] = vsigmoid(p[k]) }
    case .relu: for k in 0..<n { p[k] = p[k] < 0 ? 0 : p[k] }   // NaN stays NaN
    case .linear: break
    default: for k in 0..<n { p[k] = act.apply(p[k]) }
    }
}

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
        let raw = UnsafeMutableRawPointer(p)
        if T.self == Float.self {
            applyRun(self, raw.assumingMemoryBound(to: Float.self), count)
        } else if T.self == Double.self {
            applyRun(self, raw.assumingMemoryBound(to: Double.self), count)
        } else {
            for k in 0..<count { p[k] = apply(p[k]) }
        }
    }

    /// The activation of one value with the vectorisable kernels (same numbers as `applyInPlace`).
    @inline(__always)
    func fast<T: RNNFloat>(_ z: T) -> T {
        if T.self == Float.self {
            let x = Float(z)
            switch self {
            case .tanh: return T(vtanh(x))
            case .sigmoid: return T(vsigmoid(x))
            default: return apply(z)
            }
        } else if T.self == Double.self {
            let x = Double(z)
            switch self {
            case .tanh: return T(vtanh(x))
            case .sigmoid: return T(vsigmoid(x))
            default: return apply(z)
            }
        }
        return apply(z)
    }
}

/// Test access to the kernels.
public enum VectorMath {
    public static func exp(_ x: Float) -> Float { vexp(x) }
    public static func exp(_ x: Double) -> Double { vexp(x) }
    public static func tanh(_ x: Float) -> Float { vtanh(x) }
    public static func tanh(_ x: Double) -> Double { vtanh(x) }
    public static func sigmoid(_ x: Float) -> Float { vsigmoid(x) }
    public static func sigmoid(_ x: Double) -> Double { vsigmoid(x) }
}
