import Foundation
import RNNBLAS
import RNNCore
import RNNTestSupport
import Testing

/// The BLAS module's vectorisable exp, tanh and sigmoid against libm (what the scalar
/// reference calls), in units of the result's last place, on a dense grid over the range
/// where the cells evaluate them and beyond (saturation), plus the special points.
@Suite("Vector math")
struct VectorMathTests {
    static func ulps<T: BinaryFloatingPoint>(_ a: T, _ b: T) -> Double {
        if a == b { return 0 }
        return Double(abs(a - b)) / Double(max(b.magnitude.ulp, T.leastNormalMagnitude))
    }

    static func grid(_ lo: Double, _ hi: Double, _ n: Int) -> [Double] {
        (0...n).map { lo + (hi - lo) * Double($0) / Double(n) } + [0, -0.0, 1e-30, -1e-30, 0.625, -0.625, 0.6249999, 1e-8]
    }

    /// Each grid as one run (the kernels' vectorised loop, with the widest instruction set this
    /// CPU has) and value by value.
    @Test func float32WithinFourULP() {
        var worst = (exp: 0.0, tanh: 0.0, sigmoid: 0.0)
        let xs = Self.grid(-80, 80, 400_000).map { Float($0) }
        let (e, t, s) = (VectorMath.exp(xs), VectorMath.tanh(xs), VectorMath.sigmoid(xs))
        for (k, x) in xs.enumerated() {
            worst.exp = max(worst.exp, Self.ulps(e[k], Foundation.exp(x)), Self.ulps(VectorMath.exp(x), Foundation.exp(x)))
            worst.tanh = max(worst.tanh, Self.ulps(t[k], Foundation.tanh(x)), Self.ulps(VectorMath.tanh(x), Foundation.tanh(x)))
            worst.sigmoid = max(worst.sigmoid, Self.ulps(s[k], sigmoid(x)), Self.ulps(VectorMath.sigmoid(x), sigmoid(x)))
        }
        #expect(worst.exp <= 4, "exp: \(worst.exp) ulp")
        #expect(worst.tanh <= 4, "tanh: \(worst.tanh) ulp")
        #expect(worst.sigmoid <= 4, "sigmoid: \(worst.sigmoid) ulp")
    }

    @Test func float64WithinFourULP() {
        var worst = (exp: 0.0, tanh: 0.0, sigmoid: 0.0)
        let xs = Self.grid(-700, 700, 400_000) + Self.grid(-3, 3, 400_000)
        let (e, t, s) = (VectorMath.exp(xs), VectorMath.tanh(xs), VectorMath.sigmoid(xs))
        for (k, x) in xs.enumerated() {
            worst.exp = max(worst.exp, Self.ulps(e[k], Foundation.exp(x)), Self.ulps(VectorMath.exp(x), Foundation.exp(x)))
            worst.tanh = max(worst.tanh, Self.ulps(t[k], Foundation.tanh(x)), Self.ulps(VectorMath.tanh(x), Foundation.tanh(x)))
            worst.sigmoid = max(worst.sigmoid, Self.ulps(s[k], sigmoid(x)), Self.ulps(VectorMath.sigmoid(x), sigmoid(x)))
        }
        #expect(worst.exp <= 4, "exp: \(worst.exp) ulp")
        #expect(worst.tanh <= 4, "tanh: \(worst.tanh) ulp")
        #expect(worst.sigmoid <= 4, "sigmoid: \(worst.sigmoid) ulp")
    }

    /// Far outside the exp range: tanh saturates to ±1, sigmoid as libm's does (to within the
    /// smallest normal number), exp to a finite value or 0; never NaN or Inf for finite input.
    @Test func saturation() {
        for x in [1e4, -1e4, 1e30, -1e30, 100, -100, 1e300, -1e300] {
            #expect(VectorMath.tanh(x) == (x > 0 ? 1 : -1))
            #expect(VectorMath.tanh(Float(x)) == (x > 0 ? 1 : -1))
            #expect(Self.ulps(VectorMath.sigmoid(x), sigmoid(x)) <= 4 || abs(VectorMath.sigmoid(x) - sigmoid(x)) <= 1e-300)
            #expect(Self.ulps(VectorMath.sigmoid(Float(x)), sigmoid(Float(x))) <= 4 || abs(VectorMath.sigmoid(Float(x)) - sigmoid(Float(x))) <= 1e-37)
            #expect(VectorMath.exp(x).isFinite && VectorMath.exp(Float(x)).isFinite)
        }
        #expect(VectorMath.tanh(Double.nan).isNaN && VectorMath.sigmoid(Float.nan).isNaN)
    }
}
