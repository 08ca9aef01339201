import Foundation

/// A line chart as a standalone SVG file: the plots of the training programs and notebooks.
public struct LinePlot: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var points: [(Double, Double)]
        public var color: String
        public var dashed = false
        public init(name: String, points: [(Double, Double)], color: String, dashed: Bool = false) {
            self.name = name; self.points = points; self.color = color; self.dashed = dashed
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var logY = false

    public init(title: String, xLabel: String, yLabel: String, series: [Series], logY: Bool = false) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series; self.logY = logY
    }

    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// Numbers printed with 4 significant digits, so the file is stable across platforms.
    static func num(_ v: Double) -> String { String(format: "%.4g", v) }

    public var svg: String {
        let (w, h, left, right, top, bottom) = (640.0, 400.0, 70.0, 20.0, 40.0, 50.0)
        let ty: (Double) -> Double = { logY ? Foundation.log10(Swift.max($0, 1e-300)) : $0 }
        let all = series.flatMap(\.points).filter { $0.0.isFinite && $0.1.isFinite }
        var (x0, x1) = (all.map(\.0).min() ?? 0, all.map(\.0).max() ?? 1)
        var (y0, y1) = (all.map { ty($0.1) }.min() ?? 0, all.map { ty($0.1) }.max() ?? 1)
        if x1 == x0 { x1 = x0 + 1 }
        if y1 == y0 { y1 = y0 + 1; y0 -= 1 }
        let pad = (y1 - y0) * 0.05
        y0 -= pad; y1 += pad
        let px = { (x: Double) in left + (x - x0) / (x1 - x0) * (w - left - right) }
        let py = { (y: Double) in top + (1 - (ty(y) - y0) / (y1 - y0)) * (h - top - bottom) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<text x=\"\(Int(w / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">\(Self.esc(title))</text>\n"
        s += "<rect x=\"\(Int(left))\" y=\"\(Int(top))\" width=\"\(Int(w - left - right))\" height=\"\(Int(h - top - bottom))\" fill=\"none\" stroke=\"#888\"/>\n"
        for k in 0...4 {
            let fx = x0 + (x1 - x0) * Double(k) / 4, fy = y0 + (y1 - y0) * Double(k) / 4
            let yv = logY ? Foundation.pow(10, fy) : fy
            s += "<text x=\"\(Self.num(px(fx)))\" y=\"\(Int(h - bottom + 16))\" text-anchor=\"middle\">\(Self.num(fx))</text>\n"
            s += "<text x=\"\(Int(left - 6))\" y=\"\(Self.num(top + (1 - Double(k) / 4) * (h - top - bottom) + 4))\" text-anchor=\"end\">\(Self.num(yv))</text>\n"
        }
        s += "<text x=\"\(Int(w / 2))\" y=\"\(Int(h - 10))\" text-anchor=\"middle\">\(Self.esc(xLabel))</text>\n"
        s += "<text x=\"14\" y=\"\(Int(h / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(Int(h / 2)))\">\(Self.esc(yLabel))</text>\n"
        for (i, ser) in series.enumerated() {
            let pts = ser.points.filter { $0.0.isFinite && $0.1.isFinite }.map { "\(Self.num(px($0.0))),\(Self.num(py($0.1)))" }
            s += "<polyline fill=\"none\" stroke=\"\(ser.color)\" stroke-width=\"1.5\"\(ser.dashed ? " stroke-dasharray=\"5,3\"" : "") points=\"\(pts.joined(separator: " "))\"/>\n"
            let ly = top + 14 + Double(i) * 16
            s += "<line x1=\"\(Int(w - right - 150))\" y1=\"\(Int(ly - 4))\" x2=\"\(Int(w - right - 130))\" y2=\"\(Int(ly - 4))\" stroke=\"\(ser.color)\" stroke-width=\"2\"/>"
            s += "<text x=\"\(Int(w - right - 125))\" y=\"\(Int(ly))\">\(Self.esc(ser.name))</text>\n"
        }
        return s + "</svg>\n"
    }

    public func write(to path: String) throws {
        try svg.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
