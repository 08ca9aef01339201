import Foundation

/// Colours a reader with any common colour-vision deficiency can tell apart, and line styles as a
/// second cue (a figure printed in grey still reads).
public enum Palette {
    /// Okabe and Ito's palette ("Color Universal Design", 2008), without its yellow (too pale on
    /// white), in the order series take them.
    public static let colors = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
    /// SVG `stroke-dasharray`s, in the order series take them ("" is solid).
    public static let dashes = ["", "7,3", "2,2", "9,3,2,3", "4,4", "1,3", "12,3"]
    public static let grey = "#BBBBBB"

    public static func color(_ k: Int) -> String { colors[k % colors.count] }
    public static func dash(_ k: Int) -> String { dashes[k % dashes.count] }

    /// viridis (Smith and van der Walt, matplotlib 2.0: perceptually uniform, colour-blind safe),
    /// nine stops.
    static let viridis: [(Double, Double, Double)] = [
        (68, 1, 84), (71, 44, 122), (59, 81, 139), (44, 113, 142), (33, 144, 141),
        (39, 173, 129), (92, 200, 99), (170, 220, 50), (253, 231, 37),
    ]
    /// ColorBrewer's RdBu, seven classes (colour-blind safe), blue for negative.
    static let diverging: [(Double, Double, Double)] = [
        (33, 102, 172), (103, 169, 207), (209, 229, 240), (247, 247, 247), (253, 219, 199), (239, 138, 98), (178, 24, 43),
    ]

    static func interpolate(_ stops: [(Double, Double, Double)], _ u: Double) -> String {
        let v = Swift.min(Swift.max(u.isNaN ? 0 : u, 0), 1) * Double(stops.count - 1)
        let k = Swift.min(Int(v), stops.count - 2)
        let f = v - Double(k)
        let (a, b) = (stops[k], stops[k + 1])
        let c = [a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f, a.2 + (b.2 - a.2) * f].map { Int($0.rounded()) }
        return String(format: "#%02X%02X%02X", c[0], c[1], c[2])
    }

    /// The sequential map at `u` in [0, 1].
    public static func sequential(_ u: Double) -> String { interpolate(viridis, u) }
    /// The diverging map at `u` in [0, 1] (0.5 is white).
    public static func divergent(_ u: Double) -> String { interpolate(diverging, u) }
}
