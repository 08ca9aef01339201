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
                     y: g + Double(series.count) * barHeight / 2 + TextMetrics.centring(size: Style.tickSize),
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
