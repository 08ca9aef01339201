import CGSL
import RNNCore
import RNNNumpy
import RNNFixtures

/// One tensor's gradient check: the analytic gradient (from a hand-written backward pass)
/// against two numerical oracles on the same coordinates.
public struct GradCheckEntry: Sendable {
    public var name: String
    /// Coordinates checked, of `total`.
    public var checked: Int
    public var total: Int
    /// `relativeError(analytic, central differences)`.
    public var fdRelError: Double
    /// `relativeError(analytic, gsl_deriv_central)`, when GSL was asked too.
    public var gslRelError: Double?
    /// max |analytic|, to tell a vanishing gradient from a checked one.
    public var maxAbsGradient: Double
}

/// Which coordinates of a tensor of `count` elements to check: all of them up to `limit`,
/// else `limit` evenly spaced ones (first and last included). Deterministic.
public func checkedCoordinates(count: Int, limit: Int) -> [Int] {
    if count <= limit { return Array(0..<count) }
    if limit <= 1 { return [0] }
    var out: [Int] = []
    for k in 0..<limit {
        let i = Int((Double(k) * Double(count - 1) / Double(limit - 1)).rounded())
        if out.last != i { out.append(i) }
    }
    return out
}


/// Checks `analytic[name]` = ∂L/∂variables[name] for every variable, where `loss` evaluates
/// the scalar `L` (a VJP with fixed upstream cotangents) at the given variables, in Float64.
///
/// Oracle 1: central differences, `(L(v + h) − L(v − h)) / 2h` (`fourthOrder: false`) or the
/// five-point central stencil `(8(L(v+h) − L(v−h)) − (L(v+2h) − L(v−2h))) / 12h`. Oracle 2 (when `useGSL`): GSL's
/// `gsl_deriv_central`, which picks its own step from an error estimate.
///
/// The step is `h = relativeStep·max(1, |v|)`. The default 1e-5 balances truncation (O(h²),
/// about 1e-10) against rounding (O(ε·|L|/h), about 1e-11 for |L| ≈ 1) and rarely straddles a
/// ReLU or clip kink; a smooth loss of large magnitude (min-char-rnn's cross-entropy sums to
/// ≈ 90) wants a larger step, and then the fourth-order stencil to keep truncation at O(h⁴).
///
/// A tensor checked at sampled coordinates (`maxCoordinates` below its size) is also checked
/// at its largest analytic entry: the error is relative to the largest checked gradient, and
/// evenly spaced samples of a large recurrent kernel can all be 1e-7, where the differences'
/// rounding (1e-12) is already 1e-5 of them.
public func gradientCheck(variables: [(name: String, value: Tensor<Double>)], analytic: [String: Tensor<Double>],
                          maxCoordinates: Int, useGSL: Bool, relativeStep: Double = 1e-5, fourthOrder: Bool = false,
                          gslRelativeStep: Double = 1e-3, loss: ([String: Tensor<Double>]) throws -> Double) throws -> [GradCheckEntry] {
    var current = Dictionary(uniqueKeysWithValues: variables.map { ($0.name, $0.value) })
    var entries: [GradCheckEntry] = []
    for (name, value) in variables {
        guard let a = analytic[name] else { throw RNNError(.missing, name, "no analytic gradient to check") }
        var coords = checkedCoordinates(count: value.count, limit: maxCoordinates)
        if coords.count < value.count, let top = a.data.indices.max(by: { abs(a.data[$0]) < abs(a.data[$1]) }), !coords.contains(top) {
            coords = (coords + [top]).sorted()
        }
        var analyticPicked: [Double] = [], fd: [Double] = [], gsl: [Double] = []
        for i in coords {
            let v = value.data[i]
            let h = relativeStep * max(1, abs(v))
            func at(_ x: Double) throws -> Double {
                current[name]!.data[i] = x
                defer { current[name]!.data[i] = v }
                return try loss(current)
            }
            let d1 = try at(v + h) - at(v - h)
            analyticPicked.append(a.data[i])
            if fourthOrder {
                let d2 = try at(v + 2 * h) - at(v - 2 * h)
                fd.append((8 * d1 - d2) / (12 * h))
            } else {
                fd.append(d1 / (2 * h))
            }
            if useGSL {
                gsl.append(try gslCentralDerivative(at: v, step: gslRelativeStep * max(1, abs(v)), at))
            }
        }
        entries.append(GradCheckEntry(name: name, checked: coords.count, total: value.count,
                                      fdRelError: coords.isEmpty ? 0 : relativeError(analyticPicked, fd),
                                      gslRelError: useGSL ? (coords.isEmpty ? 0 : relativeError(analyticPicked, gsl)) : nil,
                                      maxAbsGradient: analyticPicked.map { abs($0) }.max() ?? 0))
    }
    return entries
}

/// A Swift closure behind GSL's C callback.
private final class GSLClosureBox {
    let f: (Double) throws -> Double
    var error: Error?
    init(_ f: @escaping (Double) throws -> Double) { self.f = f }
}

/// `gsl_deriv_central(f, x, h)`: GSL's adaptive 5-point central difference.
public func gslCentralDerivative(at x: Double, step h: Double, _ f: (Double) throws -> Double) throws -> Double {
    try withoutActuallyEscaping(f) { esc in
        let box = GSLClosureBox(esc)
        let unmanaged = Unmanaged.passRetained(box)
        defer { unmanaged.release() }
        var fn = gsl_function(function: { x, params in
            let b = Unmanaged<GSLClosureBox>.fromOpaque(params!).takeUnretainedValue()
            do { return try b.f(x) } catch { b.error = error; return .nan }
        }, params: unmanaged.toOpaque())
        var result = 0.0, abserr = 0.0
        let status = gsl_deriv_central(&fn, x, h, &result, &abserr)
        if let e = box.error { throw e }
        guard status == 0 else { throw RNNError(.invalid, "gsl_deriv_central", "GSL status \(status)") }
        return result
    }
}

/// `gradientCheck` of the tensors `names` of a model whose loss reads all its tensors `t`: each
/// perturbation replaces the checked tensor in a copy of `t` (every fixture model's check).
func gradientCheck(_ names: [String], of t: [String: Tensor<Double>], analytic: [String: Tensor<Double>],
                   maxCoordinates: Int, useGSL: Bool, relativeStep: Double = 1e-5, gslRelativeStep: Double = 1e-3,
                   loss: ([String: Tensor<Double>]) throws -> Double) throws -> [GradCheckEntry] {
    var variables: [(name: String, value: Tensor<Double>)] = []
    for n in names {
        guard let v = t[n] else { throw RNNError(.missing, n, "no tensor of that name to check") }
        variables.append((n, v))
    }
    return try gradientCheck(variables: variables, analytic: analytic, maxCoordinates: maxCoordinates, useGSL: useGSL,
                             relativeStep: relativeStep, gslRelativeStep: gslRelativeStep) { perturbed in
        try loss(t.merging(perturbed) { $1 })
    }
}

/// How many coordinates per tensor a fixture's gradient check takes: each costs two forward
/// passes, so a model whose tensors hold over 200,000 values (001's [100, 400, 300] stack, 003's
/// models at the document's sizes) checks a couple per tensor; its scaled-down twins check all.
func coordinateBudget(_ tensors: [String: TensorData], _ maxCoordinates: Int) -> Int {
    tensors.values.reduce(0) { $0 + $1.values.count } > 200_000 ? min(maxCoordinates, 2) : maxCoordinates
}

/// A fixture's float tensors in precision `T` (integer tensors, such as ids and lengths, are
/// read where they are used).
func floatTensors<T: RNNFloat>(_ tensors: [String: TensorData], _: T.Type) -> [String: Tensor<T>] {
    tensors.filter { !$0.value.isInteger }.mapValues { $0.tensor(T.self) }
}
