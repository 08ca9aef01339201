import Foundation

/// Axis ticks at round values.
///
/// Linear axes use Heckbert's loose labelling ("Nice numbers for graph labels", Graphics Gems,
/// 1990): the step is a "nice" number, 1, 2 or 5 times a power of ten, near (max − min)/(n − 1),
/// and the ticks run from the multiple of the step at or below the data's minimum to the one at or
/// above its maximum, so they cover the data. Log axes tick whole decades (every k-th where there
/// are many), labelled `10⁻⁸`.
public enum Ticks {
    /// A tick step: `mantissa` × 10^`exponent`, mantissa 1, 2 or 5 (10 is written as 1 × 10^(e+1)).
    public struct Step: Sendable, Equatable {
        public var mantissa: Int
        public var exponent: Int
        public var value: Double { Double(mantissa) * Ticks.pow10(exponent) }
    }

    /// 10^e, exact for the decimal exponents an axis uses.
    static func pow10(_ e: Int) -> Double { e >= 0 ? Foundation.pow(10, Double(e)) : 1 / Foundation.pow(10, Double(-e)) }

    /// Heckbert's `nicenum`: the nice number near `x` (rounded, or the one at or above it).
    public static func niceStep(_ x: Double, round: Bool) -> Step {
        let e = Int(Foundation.floor(Foundation.log10(x)))
        let f = x / pow10(e)
        let m: Int
        if round { m = f < 1.5 ? 1 : (f < 3 ? 2 : (f < 7 ? 5 : 10)) } else { m = f <= 1 ? 1 : (f <= 2 ? 2 : (f <= 5 ? 5 : 10)) }
        return m == 10 ? Step(mantissa: 1, exponent: e + 1) : Step(mantissa: m, exponent: e)
    }

    /// About `count` ticks covering [lo, hi] (lo < hi), at multiples of a nice step.
    public static func linear(_ lo: Double, _ hi: Double, count: Int) -> (ticks: [Double], step: Step) {
        let range = niceStep(hi - lo, round: false).value
        let step = niceStep(range / Double(max(count - 1, 1)), round: true)
        let d = step.value
        let k0 = Int(Foundation.floor(lo / d + 1e-9)), k1 = Int(Foundation.ceil(hi / d - 1e-9))
        // k·m·10^e computed as an integer times an exact power of ten: no drift across ticks
        let ticks = (k0...max(k1, k0 + 1)).map { Double($0 * step.mantissa) * pow10(step.exponent) }
        return (ticks, step)
    }

    /// Decades covering [lo, hi] (0 < lo < hi) as exponents, every `every`-th so that there are at
    /// most `maxCount`.
    public static func decades(_ lo: Double, _ hi: Double, maxCount: Int) -> [Int] {
        var e0 = Int(Foundation.floor(Foundation.log10(lo) + 1e-9)), e1 = Int(Foundation.ceil(Foundation.log10(hi) - 1e-9))
        if e1 == e0 { e1 += 1 }
        let every = max(1, Int(Foundation.ceil(Double(e1 - e0) / Double(max(maxCount - 1, 1)))))
        e0 = Int(Foundation.floor(Double(e0) / Double(every))) * every
        var out: [Int] = []
        var e = e0
        while true { out.append(e); if e >= e1 { break }; e += every }
        return out
    }

    static let superscripts: [Character: Character] = ["0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵",
                                                       "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻"]

    /// `10⁻⁸` for −8.
    public static func decadeLabel(_ e: Int) -> String { "10" + String(String(e).map { superscripts[$0]! }) }

    /// A linear tick's label: as many decimals as the step needs, a true minus sign; very large or
    /// very small values as `2.5×10⁻⁷`.
    public static func label(_ v: Double, step: Step) -> String {
        if v == 0 { return "0" }
        let magnitude = Swift.abs(v)
        if magnitude >= 1e6 || step.exponent < -4 {
            let e = Int(Foundation.floor(Foundation.log10(magnitude) + 1e-9))
            let digits = max(0, e - step.exponent)
            var m = String(format: "%.\(digits)f", v / pow10(e))
            if m.contains(".") { while m.hasSuffix("0") { m.removeLast() }; if m.hasSuffix(".") { m.removeLast() } }
            return m.replacingOccurrences(of: "-", with: "−") + "×" + decadeLabel(e)
        }
        let decimals = max(0, -step.exponent)
        return String(format: "%.\(decimals)f", v).replacingOccurrences(of: "-", with: "−")
    }
}
