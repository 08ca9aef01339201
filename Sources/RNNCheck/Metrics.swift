import RNNCore
import RNNNumpy
import RNNFixtures

/// The project's relative error between two arrays of the same size:
///
///     rel(a, b) = max_i |a_i − b_i| / max(1e-8, max_i |a_i| + max_i |b_i|)
///
/// Scale-free for a whole tensor, 0 for identical arrays, and not blown up by one tiny element
/// (an elementwise ratio is: FD noise on a 1e-12 entry would read as 100%).
public func relativeError(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "relativeError: size mismatch")
    var num = 0.0, ma = 0.0, mb = 0.0
    let equalNaN = NonFinite.allowed          // a task-local: read once, not per element
    for i in a.indices where !(equalNaN && matchingNonFinite(a[i], b[i])) {
        num = max(num, abs(a[i] - b[i]))
        ma = max(ma, abs(a[i]))
        mb = max(mb, abs(b[i]))
    }
    if num.isNaN || ma.isNaN || mb.isNaN { return .nan }
    return num / max(1e-8, ma + mb)
}

/// `max_i |a_i − b_i|`.
public func maxAbsError(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "maxAbsError: size mismatch")
    var m = 0.0
    let equalNaN = NonFinite.allowed
    for i in a.indices where !(equalNaN && matchingNonFinite(a[i], b[i])) {
        let d = abs(a[i] - b[i])
        if d.isNaN { return .nan }
        m = max(m, d)
    }
    return m
}

/// numpy's `allclose(actual, expected, rtol, atol)`: `|a − e| ≤ atol + rtol·|e|` everywhere.
/// Returns the first failing index, or nil.
public func firstNotClose(_ actual: [Double], _ expected: [Double], _ tol: Tolerance) -> Int? {
    let equalNaN = NonFinite.allowed
    for i in actual.indices where !(equalNaN && matchingNonFinite(actual[i], expected[i])) {
        let d = abs(actual[i] - expected[i])
        if !(d <= tol.atol + tol.rtol * abs(expected[i])) { return i }
    }
    return nil
}

/// A NaN against a NaN, or an infinity against the same infinity. While `NonFinite.allowed`
/// such pairs match (numpy's `allclose(..., equal_nan=True)`) and are left out of the errors
/// above; otherwise a non-finite value never matches.
@inline(__always)
func matchingNonFinite(_ a: Double, _ b: Double) -> Bool {
    (a.isNaN && b.isNaN) || (a.isInfinite && a == b)
}
