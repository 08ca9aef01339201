import Foundation

/// A diagram drawn on a fixed canvas: boxes with centred lines of text, arrows with labels, free
/// text. The caller places everything; every text is measured as it is placed, so the figure
/// tests find any two that collide.
public struct Diagram: Sendable {
    public var svg: SVG
    public let top: Double

    public init(title: String?, width: Double, height: Double) {
        svg = SVG(width: width, height: height)
        top = svg.title(title, width: width)
    }

    /// A box with `lines` centred in it.
    public mutating func box(_ r: Rect, fill: String, stroke: String = "#555555", lines: [String], size: Double = 12, textColor: String? = nil) {
        svg.rect(r, fill: fill, stroke: stroke, data: true)
        let lh = TextMetrics.lineHeight(size: size) + 1
        var y = r.y + (r.height - Double(lines.count) * lh) / 2 + TextMetrics.ascent(size: size)
        for l in lines {
            svg.text(l, x: r.x + r.width / 2, y: y, size: size, anchor: .middle, color: textColor)
            y += lh
        }
    }

    /// An arrow, with `label` beside its middle: above a horizontal arrow, right of a vertical one
    /// (or left, with `leftOf`).
    public mutating func arrow(_ a: (Double, Double), _ b: (Double, Double), label: String? = nil, size: Double = 11, leftOf: Bool = false,
                               color: String = "#333333") {
        svg.arrow(a, b, stroke: color)
        guard let label else { return }
        let mid = ((a.0 + b.0) / 2, (a.1 + b.1) / 2)
        if Swift.abs(b.1 - a.1) <= Swift.abs(b.0 - a.0) {
            svg.text(label, x: mid.0, y: mid.1 - 5, size: size, anchor: .middle, color: color)
        } else {
            let y = mid.1 + TextMetrics.centring(size: size)
            svg.text(label, x: leftOf ? mid.0 - 6 : mid.0 + 6, y: y, size: size, anchor: leftOf ? .end : .start, color: color)
        }
    }

    public mutating func text(_ s: String, x: Double, y: Double, size: Double = 12, anchor: Anchor = .start, color: String? = nil) {
        svg.text(s, x: x, y: y, size: size, anchor: anchor, color: color)
    }

    public var document: String { svg.document }
}
