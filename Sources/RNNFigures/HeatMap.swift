import Foundation

/// A heat map: a value per (row, column) as a colour, with a colour bar.
///
/// Sequential values use viridis; signed values a diverging map centred on 0; values spanning
/// decades can be coloured by their logarithm. A cell may be blank (nil): drawn light grey, with
/// `blankLabel` saying what that means beside the colour bar.
public struct HeatMap: Sendable {
    public enum Colors: Sendable { case sequential, diverging, log }
    public var title: String?
    public var rows: Axis
    public var columns: Axis
    public var values: [[Double?]]           // [row][column]
    public var rowLabels: [String]?          // else the row index, at nice steps
    public var columnLabels: [String]?
    public var colors: Colors
    public var colorTitle: String
    public var blankLabel: String?
    public var width: Double
    public var height: Double

    public init(title: String?, rows: Axis, columns: Axis, values: [[Double?]], rowLabels: [String]? = nil, columnLabels: [String]? = nil,
                colors: Colors = .sequential, colorTitle: String, blankLabel: String? = nil, width: Double = 640, height: Double = 360) {
        self.title = title; self.rows = rows; self.columns = columns; self.values = values; self.rowLabels = rowLabels
        self.columnLabels = columnLabels; self.colors = colors; self.colorTitle = colorTitle; self.blankLabel = blankLabel
        self.width = width; self.height = height
    }

    public var svg: String { HeatMaps(title: title, panels: [("", self)], width: width, height: height).svg }
}

/// Heat maps side by side on one colour scale (and one colour bar), each with its own title.
public struct HeatMaps: Sendable {
    public var title: String?
    public var panels: [(title: String, map: HeatMap)]
    public var width: Double
    public var height: Double
    public init(title: String?, panels: [(title: String, map: HeatMap)], width: Double = 720, height: Double = 360) {
        self.title = title; self.panels = panels; self.width = width; self.height = height
    }

    /// The colour scale over every panel's values: its axis (ticks for the colour bar) and the colour of a value.
    func scale() -> (ResolvedAxis, (Double) -> String) {
        let kind = panels.first?.map.colors ?? .sequential
        let all = panels.flatMap { $0.map.values.flatMap { $0.compactMap { $0 } } }.filter(\.isFinite)
        switch kind {
        case .sequential:
            let r = ResolvedAxis.make(.linear, all.min() ?? 0, all.max() ?? 1, count: 6)
            return (r, { Palette.sequential(r.unit($0)) })
        case .log:
            let pos = all.filter { $0 > 0 }
            let r = ResolvedAxis.make(.log, pos.min() ?? 1e-3, pos.max() ?? 1, count: 7)
            return (r, { $0 > 0 ? Palette.sequential(r.unit($0)) : Palette.sequential(0) })
        case .diverging:
            let m = all.map { Swift.abs($0) }.max() ?? 1
            let r = ResolvedAxis.make(.linear, -(m > 0 ? m : 1), m > 0 ? m : 1, count: 5)
            let half = Swift.max(Swift.abs(r.lo), Swift.abs(r.hi))
            let sym = ResolvedAxis(scale: .linear, lo: -half, hi: half, ticks: r.ticks.filter { Swift.abs($0.at) <= half + 1e-12 })
            return (sym, { Palette.divergent(sym.unit($0)) })
        }
    }

    public var svg: String {
        var svg = SVG(width: width, height: height)
        let top0 = svg.title(title, width: width)
        let (scale, color) = self.scale()
        // the colour bar on the right: its ticks' widest label sets its width
        let barWidth = 14.0
        let tickWidest = scale.ticks.map { TextMetrics.width($0.label, size: Style.tickSize) }.max() ?? 0
        let blank = panels.compactMap(\.map.blankLabel).first
        let colorTitleRoom = TextMetrics.lineHeight(size: Style.labelSize) + 2 * Style.gap
        let barRoom = barWidth + Style.tickLength + Style.gap + tickWidest + colorTitleRoom + Style.pad
        let headHeight = panels.contains { !$0.title.isEmpty } ? TextMetrics.lineHeight(size: Style.labelSize) + Style.gap : 0
        let blankRoom = blank == nil ? 0 : TextMetrics.lineHeight(size: Style.tickSize) + 2 * Style.gap
        let panelWidth = (width - barRoom) / Double(panels.count)
        var plots: [Rect] = []
        for (k, p) in panels.enumerated() {
            let m = p.map
            let nr = m.values.count, nc = m.values.first?.count ?? 0
            let frame = Rect(x: Double(k) * panelWidth, y: top0 + headHeight, width: panelWidth, height: height - top0 - headHeight - blankRoom)
            // index axes: ticks at cell centres; the row axis runs downwards (row 0 at the top)
            var layout = AxesLayout.fit(frame: frame, xAxis: m.columns, yAxis: m.rows, xExtent: (0, Double(Swift.max(nc - 1, 1))),
                                        yExtent: (0, Double(Swift.max(nr - 1, 1))), yLabels: true)
            if let labels = m.rowLabels {
                let widest = labels.map { TextMetrics.width($0, size: Style.tickSize) }.max() ?? 0
                let left = Style.pad + (m.rows.title.isEmpty ? 0 : TextMetrics.lineHeight(size: Style.labelSize) + 2 * Style.gap) + widest + Style.gap + Style.tickLength
                layout.plot = Rect(x: frame.x + left, y: layout.plot.y, width: frame.width - left - Style.pad, height: layout.plot.height)
            }
            let cw = layout.plot.width / Double(Swift.max(nc, 1)), ch = layout.plot.height / Double(Swift.max(nr, 1))
            func ticks(_ n: Int, _ labels: [String]?, _ room: Double, vertical: Bool) -> [(Int, String)] {
                if let labels {
                    // every k-th label, so that they do not crowd
                    let need = labels.map { vertical ? TextMetrics.lineHeight(size: Style.tickSize) + 2 : TextMetrics.width($0, size: Style.tickSize) + 10 }.max() ?? 1
                    let every = Swift.max(1, Int(Foundation.ceil(need / room)))
                    return stride(from: 0, to: n, by: every).map { ($0, labels[$0]) }
                }
                var count = 11
                while true {
                    let (t, step) = Ticks.linear(0, Double(Swift.max(n - 1, 1)), count: count)
                    let usable = t.filter { $0 >= 0 && $0 <= Double(n - 1) && $0 == $0.rounded() }
                    let spacing = room * (t.count > 1 ? (t[1] - t[0]) : 1)
                    let widest = usable.map { vertical ? TextMetrics.lineHeight(size: Style.tickSize) + 2 : TextMetrics.width(Ticks.label($0, step: step), size: Style.tickSize) + 10 }.max() ?? 0
                    if (spacing >= widest && (t.count < 2 || t[1] - t[0] >= 1)) || count <= 2 { return usable.map { (Int($0), Ticks.label($0, step: step)) } }
                    count -= 1
                }
            }
            let xt = ticks(nc, m.columnLabels, cw, vertical: false), yt = ticks(nr, m.rowLabels, ch, vertical: true)
            layout.x = ResolvedAxis(scale: .linear, lo: -0.5, hi: Double(nc) - 0.5, ticks: xt.map { (Double($0.0), $0.1) })
            // rows downwards: the axis value of row r is nr − 1 − r
            layout.y = ResolvedAxis(scale: .linear, lo: -0.5, hi: Double(nr) - 0.5, ticks: yt.map { (Double(nr - 1 - $0.0), $0.1) })
            for r in 0..<nr {
                for c in 0..<nc {
                    let cell = Rect(x: layout.plot.x + Double(c) * cw, y: layout.plot.y + Double(r) * ch, width: cw, height: ch)
                    if let v = m.values[r][c], v.isFinite { svg.rect(cell, fill: color(v), data: true) }
                    else { svg.rect(cell, fill: "#E0E0E0", data: true) }
                }
            }
            if !p.title.isEmpty {
                svg.text(p.title, x: layout.plot.x + layout.plot.width / 2, y: top0 + TextMetrics.ascent(size: Style.labelSize), size: Style.labelSize, anchor: .middle)
            }
            layout.draw(into: &svg, xAxis: m.columns, yAxis: m.rows, grid: false)
            plots.append(layout.plot)
        }
        // the colour bar, as tall as the plots
        guard let plot = plots.first else { return svg.document }
        let bar = Rect(x: width - barRoom + Style.gap, y: plot.y, width: barWidth, height: plot.height)
        let n = 64
        for k in 0..<n {
            let u0 = Double(k) / Double(n)
            let v = scale.lo + (u0 + 0.5 / Double(n)) * (scale.hi - scale.lo)
            let value = scale.scale == .log ? Foundation.pow(10, v) : v
            svg.rect(Rect(x: bar.x, y: bar.maxY - (u0 + 1 / Double(n)) * bar.height, width: bar.width, height: bar.height / Double(n) + 0.2), fill: color(value))
        }
        svg.rect(bar, fill: "none", stroke: Style.axisColor)
        for t in scale.ticks {
            let yy = bar.maxY - (t.at - scale.lo) / (scale.hi - scale.lo) * bar.height
            svg.line((bar.maxX, yy), (bar.maxX + Style.tickLength, yy), stroke: Style.axisColor)
            svg.text(t.label, x: bar.maxX + Style.tickLength + Style.gap, y: yy + TextMetrics.centring(size: Style.tickSize), size: Style.tickSize)
        }
        let title = panels.first?.map.colorTitle ?? ""
        svg.text(title, x: bar.maxX + Style.tickLength + Style.gap + tickWidest + 2 * Style.gap + TextMetrics.ascent(size: Style.labelSize),
                 y: bar.y + bar.height / 2, size: Style.labelSize, anchor: .middle, rotated: true)
        if let blank {
            let y = height - Style.pad
            svg.rect(Rect(x: plot.x, y: y - 10, width: 12, height: 10), fill: "#E0E0E0", stroke: "#999999")
            svg.text(blank, x: plot.x + 12 + Style.gap, y: y - 1, size: Style.tickSize)
        }
        return svg.document
    }
}
