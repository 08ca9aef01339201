import Foundation

/// SVG text built element by element (each text returns the box its glyphs can occupy).
///
/// The output is deterministic: coordinates are printed with at most two decimals (trailing zeros
/// dropped), attributes in a fixed order, so the same figure gives the same bytes on every run.
/// Conventions the inspector (`FigureCheck`) relies on: every text is one `<text>` element with
/// `x`, `y`, `font-size`, `text-anchor` and at most `rotate(-90 x y)`, in the regular face (the
/// metrics are the regular face's: no bold, no italics); data marks carry
/// `class="data"`; a legend is a `<g class="legend">` whose first child is its box.
public struct SVG: Sendable {
    public let width: Double
    public let height: Double
    var body: [String] = []

    public init(width: Double, height: Double) { self.width = width; self.height = height }

    /// A coordinate or size: two decimals at most, no trailing zeros, never `-0`.
    public static func num(_ v: Double) -> String {
        var s = String(format: "%.2f", v)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s == "-0" ? "0" : s
    }

    public static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    public mutating func raw(_ s: String) { body.append(s) }

    /// The same drawing on a canvas `height` tall (a diagram that learns its height as it goes).
    public func resized(height: Double) -> SVG {
        var s = SVG(width: width, height: height)
        s.body = body
        return s
    }

    /// A text element; returns its box.
    @discardableResult
    public mutating func text(_ s: String, x: Double, y: Double, size: Double = 12, anchor: Anchor = .start, rotated: Bool = false,
                              color: String? = nil) -> Rect {
        var a = "<text x=\"\(Self.num(x))\" y=\"\(Self.num(y))\" font-size=\"\(Self.num(size))\""
        if anchor != .start { a += " text-anchor=\"\(anchor.rawValue)\"" }
        if rotated { a += " transform=\"rotate(-90 \(Self.num(x)) \(Self.num(y)))\"" }
        if let color { a += " fill=\"\(color)\"" }
        body.append(a + ">\(Self.escape(s))</text>")
        return textBox(s, x: x, y: y, size: size, anchor: anchor, rotated: rotated)
    }

    public mutating func rect(_ r: Rect, fill: String, stroke: String? = nil, strokeWidth: Double = 1, data: Bool = false, extra: String = "") {
        var a = "<rect\(data ? " class=\"data\"" : "") x=\"\(Self.num(r.x))\" y=\"\(Self.num(r.y))\" width=\"\(Self.num(r.width))\" height=\"\(Self.num(r.height))\" fill=\"\(fill)\""
        if let stroke { a += " stroke=\"\(stroke)\" stroke-width=\"\(Self.num(strokeWidth))\"" }
        body.append(a + extra + "/>")
    }

    public mutating func line(_ a: (Double, Double), _ b: (Double, Double), stroke: String, width: Double = 1, dash: String = "") {
        var s = "<line x1=\"\(Self.num(a.0))\" y1=\"\(Self.num(a.1))\" x2=\"\(Self.num(b.0))\" y2=\"\(Self.num(b.1))\" stroke=\"\(stroke)\" stroke-width=\"\(Self.num(width))\""
        if !dash.isEmpty { s += " stroke-dasharray=\"\(dash)\"" }
        body.append(s + "/>")
    }

    public mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 1.75, dash: String = "", data: Bool = true) {
        guard !points.isEmpty else { return }
        var s = "<polyline\(data ? " class=\"data\"" : "") fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(Self.num(width))\" stroke-linejoin=\"round\""
        if !dash.isEmpty { s += " stroke-dasharray=\"\(dash)\"" }
        body.append(s + " points=\"\(points.map { "\(Self.num($0.0)),\(Self.num($0.1))" }.joined(separator: " "))\"/>")
    }

    /// An arrow from `a` to `b` with its head at `b`.
    public mutating func arrow(_ a: (Double, Double), _ b: (Double, Double), stroke: String = "#333333", width: Double = 1.5) {
        line(a, b, stroke: stroke, width: width)
        let (dx, dy) = (b.0 - a.0, b.1 - a.1)
        let n = Swift.max((dx * dx + dy * dy).squareRoot(), 1e-9)
        let (ux, uy) = (dx / n, dy / n)
        let p1 = (b.0 - 9 * ux + 4 * uy, b.1 - 9 * uy - 4 * ux), p2 = (b.0 - 9 * ux - 4 * uy, b.1 - 9 * uy + 4 * ux)
        body.append("<polygon points=\"\(Self.num(b.0)),\(Self.num(b.1)) \(Self.num(p1.0)),\(Self.num(p1.1)) \(Self.num(p2.0)),\(Self.num(p2.1))\" fill=\"\(stroke)\"/>")
    }

    public var document: String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.num(width))\" height=\"\(Self.num(height))\" viewBox=\"0 0 \(Self.num(width)) \(Self.num(height))\" font-family=\"\(TextMetrics.fontFamily)\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" + body.joined(separator: "\n") + "\n</svg>\n"
    }
}

/// A figure: anything that renders to a standalone SVG document.
public protocol Figure: Sendable {
    var svg: String { get }
}

extension Figure {
    public func write(to path: String) throws { try svg.write(toFile: path, atomically: true, encoding: .utf8) }
}

extension LineChart: Figure {}
extension SmallMultiples: Figure {}
extension BarChart: Figure {}
extension HeatMap: Figure {}
extension HeatMaps: Figure {}
