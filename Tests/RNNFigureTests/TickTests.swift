import Foundation
import PropertyBased
import RNNFigures
import Testing

/// Ticks: nice numbers (1, 2 or 5 × 10^k, each a multiple of its step) that cover the data, and
/// decade labels. The niceness check here is written independently of `Ticks`.
@Suite("Axis ticks")
struct TickTests {
    /// Whether `ticks` are equally spaced by 1, 2 or 5 × 10^k and each is an integer multiple of it.
    static func nice(_ ticks: [Double]) -> Bool {
        guard ticks.count >= 2 else { return false }
        let d = ticks[1] - ticks[0]
        let e = Foundation.floor(Foundation.log10(d))
        let m = d / Foundation.pow(10, e)
        guard [1.0, 2.0, 5.0, 10.0].contains(where: { Swift.abs($0 - m) < 1e-9 }) else { return false }
        for (a, b) in zip(ticks, ticks.dropFirst()) where Swift.abs((b - a) - d) > 1e-9 * d { return false }
        return ticks.allSatisfy { Swift.abs($0 / d - ($0 / d).rounded()) < 1e-6 }
    }

    @Test func niceTicksCoverTheData() async {
        await propertyCheck(count: 2000, input: Gen.double(in: -6...6), Gen.double(in: -1...1), Gen.double(in: 1e-3...50), Gen.int(in: 2...10)) { e, start, span, count in
            let scale = Foundation.pow(10, e)
            let lo = start * scale, hi = lo + span * scale
            let (ticks, step) = Ticks.linear(lo, hi, count: count)
            #expect(Self.nice(ticks), "\(ticks) for [\(lo), \(hi)]")
            #expect(ticks.first! <= lo && ticks.last! >= hi, "\(ticks) does not cover [\(lo), \(hi)]")
            #expect(ticks.count <= 2 * count + 2, "\(ticks.count) ticks for \(count) asked")
            // the covering ticks go at most one step beyond the data on either side
            #expect(ticks.first! > lo - step.value * 1.000001 && ticks.last! < hi + step.value * 1.000001)
            let labels = ticks.map { Ticks.label($0, step: step) }
            #expect(Set(labels).count == labels.count, "labels repeat: \(labels)")
        }
    }

    /// The ranges behind the bad labels (`24.75`, `0.5497`, `-0.0002083`, `1.756e+13`)
    /// get labels of one or two significant digits.
    @Test func labelsAreRound() {
        for (lo, hi) in [(0.5497, 24.75), (-0.0002083, 0.0004), (0, 1.756e13), (8.163e-08, 3.1e-7)] {
            let (t, step) = Ticks.linear(lo, hi, count: 6)
            let labels = t.map { Ticks.label($0, step: step) }
            for l in labels {
                let digits = l.split(separator: "×").first!.filter(\.isNumber).drop { $0 == "0" }
                #expect(digits.count <= 2, "\(l) in \(labels)")
            }
        }
        let (t, step) = Ticks.linear(0, 1.756e13, count: 5)
        #expect(t.map { Ticks.label($0, step: step) } == ["0", "5×10¹²", "1×10¹³", "1.5×10¹³", "2×10¹³"])
    }

    @Test func decadesCoverAndReadAsPowersOfTen() {
        #expect(Ticks.decadeLabel(-8) == "10⁻⁸")
        #expect(Ticks.decadeLabel(13) == "10¹³")
        #expect(Ticks.decadeLabel(0) == "10⁰")
        #expect(Ticks.decades(8.163e-08, 3.2, maxCount: 10) == [-8, -7, -6, -5, -4, -3, -2, -1, 0, 1])
        let wide = Ticks.decades(1e-30, 1e3, maxCount: 8)
        #expect(wide.count <= 8 && wide.first! <= -30 && wide.last! >= 3, "\(wide)")
        #expect(Set(zip(wide, wide.dropFirst()).map { $1 - $0 }).count == 1)
    }
}
