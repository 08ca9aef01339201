/// Text extents, measured with the font the figures are set in (DejaVu Sans, `FontMetrics.swift`),
/// so that labels can be kept apart before anything is drawn.
public enum TextMetrics {
    /// The font family every figure names; rsvg-convert (fontconfig) resolves it to the same file
    /// the widths were read from.
    public static let fontFamily = "DejaVu Sans"

    static let table: [UInt32: UInt16] = {
        var t: [UInt32: UInt16] = [:]
        for (first, widths) in DejaVuSans.advances {
            for (k, w) in widths.enumerated() where w > 0 { t[first + UInt32(k)] = w }
        }
        return t
    }()

    /// Whether the font has every character of `s` (an unmeasured character would make a
    /// renderer fall back to another font, whose widths we do not know).
    public static func isMeasured(_ s: String) -> Bool { s.unicodeScalars.allSatisfy { table[$0.value] != nil } }

    /// The advance width of `s` at `size` px: the sum of its characters' advances (kerning only
    /// ever narrows it). An unmeasured character counts as a full em.
    public static func width(_ s: String, size: Double) -> Double {
        let units = s.unicodeScalars.reduce(0.0) { $0 + Double(table[$1.value] ?? UInt16(DejaVuSans.unitsPerEm)) }
        return units / DejaVuSans.unitsPerEm * size
    }

    /// Above and below the baseline, in px (the font's ascender and descender).
    public static func ascent(size: Double) -> Double { DejaVuSans.ascender / DejaVuSans.unitsPerEm * size }
    public static func descent(size: Double) -> Double { DejaVuSans.descender / DejaVuSans.unitsPerEm * size }
    public static func lineHeight(size: Double) -> Double { ascent(size: size) + descent(size: size) }
    /// How far below a y the baseline goes for the line's box to be centred on that y.
    public static func centring(size: Double) -> Double { (ascent(size: size) - descent(size: size)) / 2 }

    /// Words of `s` broken into lines no wider than `width` at `size` (a word wider than the line
    /// keeps a line to itself).
    public static func wrap(_ s: String, width maxWidth: Double, size: Double) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in s.split(separator: " ", omittingEmptySubsequences: false).map(String.init) {
            let candidate = line.isEmpty ? word : line + " " + word
            if !line.isEmpty && width(candidate, size: size) > maxWidth { lines.append(line); line = word } else { line = candidate }
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}

/// An axis-aligned rectangle in SVG pixels (y grows downwards).
public struct Rect: Sendable, Equatable, CustomStringConvertible {
    public var x: Double, y: Double, width: Double, height: Double
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }
    public var maxX: Double { x + width }
    public var maxY: Double { y + height }
    /// Whether the two share an area (touching edges do not count).
    public func overlaps(_ o: Rect) -> Bool { x < o.maxX && o.x < maxX && y < o.maxY && o.y < maxY }
    public func contains(_ p: (Double, Double)) -> Bool { p.0 >= x && p.0 <= maxX && p.1 >= y && p.1 <= maxY }
    public func contains(_ r: Rect) -> Bool { r.x >= x - 1e-6 && r.maxX <= maxX + 1e-6 && r.y >= y - 1e-6 && r.maxY <= maxY + 1e-6 }
    public func insetBy(_ d: Double) -> Rect { Rect(x: x + d, y: y + d, width: width - 2 * d, height: height - 2 * d) }
    /// Whether the segment from `a` to `b` passes through the rectangle (Liang–Barsky clipping).
    public func intersects(segment a: (Double, Double), _ b: (Double, Double)) -> Bool {
        var (t0, t1) = (0.0, 1.0)
        let (dx, dy) = (b.0 - a.0, b.1 - a.1)
        for (p, q) in [(-dx, a.0 - x), (dx, maxX - a.0), (-dy, a.1 - y), (dy, maxY - a.1)] {
            if p == 0 { if q < 0 { return false }; continue }
            let r = q / p
            if p < 0 { if r > t1 { return false }; t0 = max(t0, r) } else { if r < t0 { return false }; t1 = min(t1, r) }
        }
        return t0 <= t1
    }
    public var description: String { "[\(SVG.num(x)), \(SVG.num(y)), \(SVG.num(width))×\(SVG.num(height))]" }
}

/// How a text element is placed: SVG's `text-anchor` and an optional quarter turn.
public enum Anchor: String, Sendable { case start, middle, end }

/// The box a text element's glyphs can occupy, from its SVG attributes: `x`, `y` (the baseline),
/// `font-size`, `text-anchor` and `rotate(-90 x y)`.
public func textBox(_ s: String, x: Double, y: Double, size: Double, anchor: Anchor, rotated: Bool) -> Rect {
    let w = TextMetrics.width(s, size: size)
    let x0 = anchor == .start ? 0 : (anchor == .middle ? -w / 2 : -w)
    let (top, bottom) = (-TextMetrics.ascent(size: size), TextMetrics.descent(size: size))
    if !rotated { return Rect(x: x + x0, y: y + top, width: w, height: bottom - top) }
    // rotate(-90) about (x, y): (x + dx, y + dy) goes to (x + dy, y − dx)
    return Rect(x: x + top, y: y - (x0 + w), width: bottom - top, height: w)
}
