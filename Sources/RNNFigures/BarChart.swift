import Foundation

/// Grouped horizontal bars: one group per category (its label on the left, read without turning
/// the head), one bar per series, a value axis along the bottom, and an optional reference line
/// (a ratio's 1.0). The legend sits in a row above the plot, where it covers no bar.
public struct BarChart: Sendable {
    public var title: String?
    public var categories: [String]
    /// Per series: its name and one value per category (nil: no bar).
    public var series: [(name: String, values: [Double?])]
    public var value: Axis
    public var reference: (at: Double, label: String)?
    public var width: Double
    public var barHeight: Double

    public init(title: String?, categories: [String], series: [(name: String, values: [Double?])], value: Axis,
                reference: (at: Double, label: String)? = nil, width: Double = 720, barHeight: Double = 9) {
        self.title = title; self.categories = categories; self.series = series; self.value = value
        self.reference = reference; self.width = width; self.barHeight = barHeight
    }

    public var svg: String {
        let groupHeight = Double(series.count) * barHeight + 8
        let legend = Legend(entries: series.enumerated().map { k, s in (s.name, Palette.color(k), "", true) })
        let titleHeight = SVG.titleHeight(title, width: width) + Style.pad
        let referenceRoom = reference == nil ? 0 : TextMetrics.lineHeight(size: Style.tickSize) + Style.gap
        let top = titleHeight + legend.rowsHeight(width - 2 * Style.pad) + Style.gap + referenceRoom
        let plotHeight = Double(categories.count) * groupHeight
        let height = top + plotHeight + AxesLayout.bottomMargin
        var svg = SVG(width: width, height: height)
        _ = svg.title(title, width: width)
        legend.drawRows(into: &svg, centre: width / 2, top: titleHeight, maxWidth: width - 2 * Style.pad)
        let left = Style.pad + (categories.map { TextMetrics.width($0, size: Style.tickSize) }.max() ?? 0) + Style.gap + Style.tickLength
        let plot = Rect(x: left, y: top, width: width - left - 3 * Style.pad, height: plotHeight)
        let values = series.flatMap { $0.values.compactMap { $0 } } + (reference.map { [$0.at] } ?? [])
        let xr = AxesLayout.xTicks(value, ResolvedAxis.extent(values, value), width: plot.width)
        let layout = AxesLayout(plot: plot, x: xr, y: ResolvedAxis(scale: .linear, lo: 0, hi: 1, ticks: []))
        layout.draw(into: &svg, xAxis: value, yAxis: Axis(""))
        let base = value.scale == .log ? layout.plot.x : layout.px(Swift.max(0, xr.lo))
        for (c, name) in categories.enumerated() {
            let g = plot.y + Double(c) * groupHeight + 4
            svg.text(name, x: plot.x - Style.tickLength - Style.gap,
                     y: g + Double(series.count) * barHeight / 2 + (TextMetrics.ascent(size: Style.tickSize) - TextMetrics.descent(size: Style.tickSize)) / 2,
                     size: Style.tickSize, anchor: .end)
            for (k, s) in series.enumerated() {
                guard c < s.values.count, let v = s.values[c], xr.accepts(v) else { continue }
                let end = layout.px(v)
                svg.rect(Rect(x: Swift.min(base, end), y: g + Double(k) * barHeight, width: Swift.abs(end - base), height: barHeight - 1),
                         fill: Palette.color(k), data: true)
            }
        }
        if let r = reference, xr.accepts(r.at) {
            let xx = layout.px(r.at)
            svg.line((xx, plot.y - 2), (xx, plot.maxY), stroke: "#222222", width: 1.25, dash: "5,3")
            svg.text(r.label, x: xx, y: plot.y - 2 - Style.gap - TextMetrics.descent(size: Style.tickSize), size: Style.tickSize, anchor: .middle)
        }
        return svg.document
    }
}

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
            func ticks(_ n: Int, _ labels: [String]?, _ room: Double, _ along: Double) -> [(Int, String)] {
                if let labels {
                    // every k-th label, so that they do not crowd
                    let need = labels.map { along == 0 ? TextMetrics.lineHeight(size: Style.tickSize) + 2 : TextMetrics.width($0, size: Style.tickSize) + 10 }.max() ?? 1
                    let every = Swift.max(1, Int(Foundation.ceil(need / room)))
                    return stride(from: 0, to: n, by: every).map { ($0, labels[$0]) }
                }
                var count = 11
                while true {
                    let (t, step) = Ticks.linear(0, Double(Swift.max(n - 1, 1)), count: count)
                    let usable = t.filter { $0 >= 0 && $0 <= Double(n - 1) && $0 == $0.rounded() }
                    let spacing = room * (t.count > 1 ? (t[1] - t[0]) : 1)
                    let widest = usable.map { along == 0 ? TextMetrics.lineHeight(size: Style.tickSize) + 2 : TextMetrics.width(Ticks.label($0, step: step), size: Style.tickSize) + 10 }.max() ?? 0
                    if (spacing >= widest && (t.count < 2 || t[1] - t[0] >= 1)) || count <= 2 { return usable.map { (Int($0), Ticks.label($0, step: step)) } }
                    count -= 1
                }
            }
            let xt = ticks(nc, m.columnLabels, cw, 1), yt = ticks(nr, m.rowLabels, ch, 0)
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
        let tickAscent = TextMetrics.ascent(size: Style.tickSize), tickDescent = TextMetrics.descent(size: Style.tickSize)
        for t in scale.ticks {
            let yy = bar.maxY - (t.at - scale.lo) / (scale.hi - scale.lo) * bar.height
            svg.line((bar.maxX, yy), (bar.maxX + Style.tickLength, yy), stroke: Style.axisColor)
            svg.text(t.label, x: bar.maxX + Style.tickLength + Style.gap, y: yy + (tickAscent - tickDescent) / 2, size: Style.tickSize)
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
