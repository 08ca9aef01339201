import Foundation

/// One line of a chart: its points, and the colour and dash it is drawn with (by default the
/// palette's, by position).
public struct Series: Sendable {
    public var name: String
    public var points: [(Double, Double)]
    public var color: String?
    public var dash: String?
    public var width: Double
    public init(_ name: String, _ points: [(Double, Double)], color: String? = nil, dash: String? = nil, width: Double = 1.75) {
        self.name = name; self.points = points; self.color = color; self.dash = dash; self.width = width
    }
}

/// A legend: entries drawn as a line sample (or a filled swatch) and the series' name.
struct Legend {
    var entries: [(name: String, color: String, dash: String, swatch: Bool)]
    static let sample = 26.0
    static let rowHeight = TextMetrics.lineHeight(size: Style.tickSize) + 3
    var size: (Double, Double) {
        let w = (entries.map { TextMetrics.width($0.name, size: Style.tickSize) }.max() ?? 0) + Self.sample + 3 * Style.gap + 2 * Style.gap
        return (w, Double(entries.count) * Self.rowHeight + 2 * Style.gap)
    }

    /// Drawn in a column with its box at `at`.
    func draw(into svg: inout SVG, at: (Double, Double)) {
        let (w, h) = size
        svg.raw("<g class=\"legend\">")
        svg.rect(Rect(x: at.0, y: at.1, width: w, height: h), fill: "white", stroke: "#CCCCCC", extra: " fill-opacity=\"0.9\"")
        for (k, e) in entries.enumerated() {
            drawEntry(e, into: &svg, x: at.0 + 2 * Style.gap, mid: at.1 + Style.gap + (Double(k) + 0.5) * Self.rowHeight)
        }
        svg.raw("</g>")
    }

    /// One entry: its sample (a line in the series' colour and dash, or a swatch) starting at
    /// `x`, then its name, both centred on `mid`.
    func drawEntry(_ e: (name: String, color: String, dash: String, swatch: Bool), into svg: inout SVG, x: Double, mid: Double) {
        if e.swatch { svg.rect(Rect(x: x, y: mid - 5, width: Self.sample, height: 10), fill: e.color) }
        else { svg.line((x, mid), (x + Self.sample, mid), stroke: e.color, width: 2, dash: e.dash) }
        svg.text(e.name, x: x + Self.sample + Style.gap, y: mid + TextMetrics.centring(size: Style.tickSize),
                 size: Style.tickSize)
    }

    func entryWidth(_ k: Int) -> Double { Self.sample + Style.gap + TextMetrics.width(entries[k].name, size: Style.tickSize) }

    /// The entries split into rows no wider than `maxWidth` (with the box's padding).
    func rows(_ maxWidth: Double) -> [[Int]] {
        var rows: [[Int]] = [[]]
        var used = 4 * Style.gap
        for k in entries.indices {
            let w = entryWidth(k) + (rows[rows.count - 1].isEmpty ? 0 : 16)
            if !rows[rows.count - 1].isEmpty && used + w > maxWidth { rows.append([]); used = 4 * Style.gap }
            used += entryWidth(k) + (rows[rows.count - 1].isEmpty ? 0 : 16)
            rows[rows.count - 1].append(k)
        }
        return rows
    }

    /// The height of the legend drawn in rows (`drawRows`).
    func rowsHeight(_ maxWidth: Double) -> Double { Double(rows(maxWidth).count) * Self.rowHeight + 2 * Style.gap }

    /// Drawn in rows (outside a plot), centred at `centre`, its top at `top`, no wider than `maxWidth`.
    func drawRows(into svg: inout SVG, centre: Double, top: Double, maxWidth: Double) {
        let rows = self.rows(maxWidth)
        let widths = rows.map { r in r.map { entryWidth($0) }.reduce(0, +) + Double(r.count - 1) * 16 + 4 * Style.gap }
        let total = widths.max() ?? 0
        svg.raw("<g class=\"legend\">")
        svg.rect(Rect(x: centre - total / 2, y: top, width: total, height: rowsHeight(maxWidth)), fill: "white", stroke: "#CCCCCC")
        for (n, r) in rows.enumerated() {
            var x = centre - total / 2 + 2 * Style.gap
            let mid = top + Style.gap + (Double(n) + 0.5) * Self.rowHeight
            for k in r {
                drawEntry(entries[k], into: &svg, x: x, mid: mid)
                x += entryWidth(k) + 16
            }
        }
        svg.raw("</g>")
    }
}

/// A line chart: series over a shared pair of axes, with horizontal reference lines if asked.
///
/// The legend goes in the first corner of the plot (top right, top left, bottom right, bottom
/// left) where its box meets no line; where every corner is taken, in a row above the plot.
public struct LineChart: Sendable {
    public var title: String?
    public var x: Axis
    public var y: Axis
    public var series: [Series]
    /// Horizontal lines at these y values, dashed grey, with a label at their right end.
    public var references: [(y: Double, label: String)]
    public var width: Double
    public var height: Double

    public init(title: String?, x: Axis, y: Axis, series: [Series], references: [(y: Double, label: String)] = [],
                width: Double = 640, height: Double = 400) {
        self.title = title; self.x = x; self.y = y; self.series = series; self.references = references
        self.width = width; self.height = height
    }

    var legend: Legend {
        Legend(entries: series.enumerated().map { k, s in (s.name, s.color ?? Palette.color(k), s.dash ?? Palette.dash(k), false) })
    }

    var extents: ((Double, Double), (Double, Double)) {
        let pts = series.flatMap(\.points)
        return (ResolvedAxis.extent(pts.map(\.0), x), ResolvedAxis.extent(pts.map(\.1) + references.map(\.y), y))
    }

    /// The series in pixels, split where a point cannot be shown (not finite, or ≤ 0 on a log axis).
    static func paths(_ s: Series, _ a: AxesLayout) -> [[(Double, Double)]] {
        var out: [[(Double, Double)]] = [[]]
        for p in s.points {
            if a.x.accepts(p.0) && a.y.accepts(p.1) { out[out.count - 1].append((a.px(p.0), a.py(p.1))) }
            else if !out[out.count - 1].isEmpty { out.append([]) }
        }
        return out.filter { !$0.isEmpty }
    }

    /// Whether a legend box at `r` stays clear of every line (vertices and segments), with a margin.
    static func isClear(_ r: Rect, _ paths: [[(Double, Double)]]) -> Bool {
        let grown = r.insetBy(-4)
        for p in paths {
            if p.contains(where: { grown.contains($0) }) { return false }
            for (a, b) in zip(p, p.dropFirst()) where grown.intersects(segment: a, b) { return false }
        }
        return true
    }

    public var svg: String {
        var svg = SVG(width: width, height: height)
        let top0 = svg.title(title, width: width)
        let (xe, ye) = extents
        let showLegend = series.count > 1 || !(series.first?.name.isEmpty ?? true)
        let legend = self.legend
        var frame = Rect(x: 0, y: top0, width: width, height: height - top0)
        var layout = AxesLayout.fit(frame: frame, xAxis: x, yAxis: y, xExtent: xe, yExtent: ye)
        var paths = series.map { Self.paths($0, layout) }.flatMap { $0 }
        var legendAt: (Double, Double)? = nil
        var legendRow = false
        if showLegend {
            let (w, h) = legend.size
            let p = layout.plot.insetBy(6)
            let corners = [(p.maxX - w, p.y), (p.x, p.y), (p.maxX - w, p.maxY - h), (p.x, p.maxY - h)]
            legendAt = corners.first { Self.isClear(Rect(x: $0.0, y: $0.1, width: w, height: h), paths) }
            if legendAt == nil {
                legendRow = true
                let h = legend.rowsHeight(width - 2 * Style.pad)
                frame = Rect(x: 0, y: top0 + h + Style.gap, width: width, height: height - top0 - h - Style.gap)
                layout = AxesLayout.fit(frame: frame, xAxis: x, yAxis: y, xExtent: xe, yExtent: ye)
                paths = series.map { Self.paths($0, layout) }.flatMap { $0 }
            }
        }
        layout.draw(into: &svg, xAxis: x, yAxis: y)
        for r in references where layout.y.accepts(r.y) {
            let yy = layout.py(r.y)
            svg.line((layout.plot.x, yy), (layout.plot.maxX, yy), stroke: "#777777", width: 1, dash: "4,3")
            svg.text(r.label, x: layout.plot.maxX - Style.gap, y: yy - Style.gap, size: Style.tickSize, anchor: .end, color: "#555555")
        }
        for (k, s) in series.enumerated() {
            for p in Self.paths(s, layout) {
                svg.polyline(p, stroke: s.color ?? Palette.color(k), width: s.width, dash: s.dash ?? Palette.dash(k))
            }
        }
        if let at = legendAt { legend.draw(into: &svg, at: at) }
        if legendRow { legend.drawRows(into: &svg, centre: width / 2, top: top0, maxWidth: width - 2 * Style.pad) }
        return svg.document
    }
}

/// Small multiples: line charts side by side on shared axes (the same ticks in every panel, tick
/// labels on the left column and the bottom row), one legend above them all.
public struct SmallMultiples: Sendable {
    public var title: String?
    public var panels: [(title: String, series: [Series])]
    public var x: Axis
    public var y: Axis
    public var columns: Int
    public var width: Double
    public var panelHeight: Double

    public init(title: String?, x: Axis, y: Axis, panels: [(title: String, series: [Series])], columns: Int, width: Double = 720, panelHeight: Double = 220) {
        self.title = title; self.x = x; self.y = y; self.panels = panels; self.columns = columns
        self.width = width; self.panelHeight = panelHeight
    }

    public var svg: String {
        let rows = (panels.count + columns - 1) / columns
        let legend = Legend(entries: (panels.first?.series ?? []).enumerated().map { k, s in (s.name, s.color ?? Palette.color(k), s.dash ?? Palette.dash(k), false) })
        let headHeight = TextMetrics.lineHeight(size: Style.labelSize) + Style.gap
        let top0 = SVG.titleHeight(title, width: width) + Style.pad + legend.rowsHeight(width - 2 * Style.pad) + Style.gap
        let height = top0 + Double(rows) * (panelHeight + headHeight)
        var svg = SVG(width: width, height: height)
        _ = svg.title(title, width: width)
        legend.drawRows(into: &svg, centre: width / 2, top: SVG.titleHeight(title, width: width) + Style.pad, maxWidth: width - 2 * Style.pad)
        let all = panels.flatMap { $0.series.flatMap(\.points) }
        let xe = ResolvedAxis.extent(all.map(\.0), x), ye = ResolvedAxis.extent(all.map(\.1), y)
        // one layout for every panel: the left column's margin, used by all so the plots align
        let cellWidth = width / Double(columns)
        let first = AxesLayout.fit(frame: Rect(x: 0, y: 0, width: cellWidth, height: panelHeight), xAxis: x, yAxis: y, xExtent: xe, yExtent: ye)
        let left = first.plot.x
        let between = 34.0     // room between panels for the tick labels' overhang
        let plotWidth = (width - left - Style.pad - between * Double(columns - 1)) / Double(columns)
        for (k, panel) in panels.enumerated() {
            let (r, c) = (k / columns, k % columns)
            let top = top0 + Double(r) * (panelHeight + headHeight)
            var layout = first
            layout.plot = Rect(x: left + Double(c) * (plotWidth + between), y: top + headHeight + Style.gap, width: plotWidth, height: first.plot.height)
            layout.x = AxesLayout.xTicks(x, xe, width: plotWidth)
            svg.text(panel.title, x: layout.plot.x + plotWidth / 2, y: top + TextMetrics.ascent(size: Style.labelSize), size: Style.labelSize, anchor: .middle)
            let bottomRow = r == rows - 1 || k + columns >= panels.count
            layout.draw(into: &svg, xAxis: x, yAxis: y, xLabels: bottomRow, yLabels: c == 0, xTitle: bottomRow, yTitle: c == 0)
            for (j, s) in panel.series.enumerated() {
                for p in LineChart.paths(s, layout) { svg.polyline(p, stroke: s.color ?? Palette.color(j), width: s.width, dash: s.dash ?? Palette.dash(j)) }
            }
        }
        return svg.document
    }
}
