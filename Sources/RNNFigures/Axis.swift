import Foundation

/// A chart axis: its title, linear or log, and optionally a fixed range (else the data's).
public struct Axis: Sendable {
    public enum Scale: Sendable { case linear, log }
    public var title: String
    public var scale: Scale
    /// A range the axis must cover besides the data (e.g. 0 for a bar chart).
    public var include: [Double]
    public init(_ title: String, scale: Scale = .linear, include: [Double] = []) {
        self.title = title; self.scale = scale; self.include = include
    }
}

/// An axis with its ticks chosen: the data range mapped onto [0, 1] (log axes in decades).
struct ResolvedAxis {
    var scale: Axis.Scale
    var lo: Double, hi: Double                // in axis units (log axes: log10 of the value)
    var ticks: [(at: Double, label: String)]  // in axis units

    func unit(_ v: Double) -> Double {
        let u = scale == .log ? Foundation.log10(v) : v
        return (u - lo) / (hi - lo)
    }
    func accepts(_ v: Double) -> Bool { v.isFinite && (scale == .linear || v > 0) }

    /// Ticks covering [a, b]: about `count` of them on a linear axis, at most `count` decades on a
    /// log one.
    static func make(_ scale: Axis.Scale, _ a: Double, _ b: Double, count: Int) -> ResolvedAxis {
        switch scale {
        case .linear:
            var (a, b) = (a, b)
            if !(b > a) { let d = a == 0 ? 1 : Swift.abs(a) * 0.1; a -= d; b += d }
            let (ticks, step) = Ticks.linear(a, b, count: count)
            return ResolvedAxis(scale: .linear, lo: ticks.first!, hi: ticks.last!, ticks: ticks.map { ($0, Ticks.label($0, step: step)) })
        case .log:
            let a = a > 0 ? a : 1e-300, b = b > a ? b : a * 10
            let es = Ticks.decades(a, b, maxCount: count)
            return ResolvedAxis(scale: .log, lo: Double(es.first!), hi: Double(es.last!), ticks: es.map { (Double($0), Ticks.decadeLabel($0)) })
        }
    }

    /// The data's extent along an axis (with the axis's forced values), skipping what it cannot show.
    static func extent(_ values: [Double], _ axis: Axis) -> (Double, Double) {
        let v = (values + axis.include).filter { $0.isFinite && (axis.scale == .linear || $0 > 0) }
        return (v.min() ?? (axis.scale == .log ? 0.1 : 0), v.max() ?? 1)
    }
}

/// Label sizes, gaps and the tick length shared by every chart.
enum Style {
    static let titleSize = 14.0
    static let labelSize = 12.0
    static let tickSize = 11.0
    static let tickLength = 5.0
    static let gap = 4.0
    static let pad = 10.0
    static let axisColor = "#444444"
    static let gridColor = "#E6E6E6"
}

extension SVG {
    /// The figure's title, wrapped to the width; returns the y below it.
    mutating func title(_ s: String?, width: Double, top: Double = Style.pad) -> Double {
        guard let s, !s.isEmpty else { return top }
        var y = top
        for line in TextMetrics.wrap(s, width: width - 2 * Style.pad, size: Style.titleSize) {
            y += TextMetrics.ascent(size: Style.titleSize)
            text(line, x: width / 2, y: y, size: Style.titleSize, anchor: .middle)
            y += TextMetrics.descent(size: Style.titleSize) + 2
        }
        return y + Style.gap
    }

    static func titleHeight(_ s: String?, width: Double) -> Double {
        guard let s, !s.isEmpty else { return 0 }
        let n = Double(TextMetrics.wrap(s, width: width - 2 * Style.pad, size: Style.titleSize).count)
        return n * (TextMetrics.lineHeight(size: Style.titleSize) + 2) + Style.gap
    }
}

/// Where a plot's axes go: the plot rectangle and both axes' ticks, with tick labels that fit.
struct AxesLayout {
    var plot: Rect
    var x: ResolvedAxis
    var y: ResolvedAxis

    func px(_ v: Double) -> Double { plot.x + x.unit(v) * plot.width }
    func py(_ v: Double) -> Double { plot.maxY - y.unit(v) * plot.height }

    /// The y axis's ticks whose labels stack with room between them, for a plot `height` tall.
    static func yTicks(_ axis: Axis, _ extent: (Double, Double), height: Double) -> ResolvedAxis {
        let room = TextMetrics.lineHeight(size: Style.tickSize) + 6
        var count = Swift.max(2, Swift.min(9, Int(height / 38) + 1))
        while true {
            let r = ResolvedAxis.make(axis.scale, extent.0, extent.1, count: count)
            if count <= 2 || height / Double(r.ticks.count - 1) >= room { return r }
            count -= 1
        }
    }

    /// The x axis's ticks whose labels sit side by side with at least 10 px between them.
    static func xTicks(_ axis: Axis, _ extent: (Double, Double), width: Double) -> ResolvedAxis {
        var count = Swift.max(2, Swift.min(11, Int(width / 55) + 1))
        while true {
            let r = ResolvedAxis.make(axis.scale, extent.0, extent.1, count: count)
            let xs = r.ticks.map { ($0.at - r.lo) / (r.hi - r.lo) * width }
            let ws = r.ticks.map { TextMetrics.width($0.label, size: Style.tickSize) }
            let fits = zip(xs.indices.dropFirst(), xs.indices).allSatisfy { k, j in xs[k] - xs[j] >= (ws[k] + ws[j]) / 2 + 10 }
            if count <= 2 || fits { return r }
            count -= 1
        }
    }

    /// Space left of the plot for the y tick labels and the y title.
    static func leftMargin(_ y: ResolvedAxis, title: String, labels: Bool = true) -> Double {
        let widest = labels ? (y.ticks.map { TextMetrics.width($0.label, size: Style.tickSize) }.max() ?? 0) : 0
        let titleRoom = title.isEmpty ? 0 : TextMetrics.lineHeight(size: Style.labelSize) + 2 * Style.gap
        return Style.pad + titleRoom + widest + Style.gap + Style.tickLength
    }

    static var bottomMargin: Double {
        Style.tickLength + Style.gap + TextMetrics.lineHeight(size: Style.tickSize) + 2 * Style.gap + TextMetrics.lineHeight(size: Style.labelSize) + Style.pad
    }

    /// Lays out axes in `frame` (the area for the plot with its tick labels and axis titles).
    static func fit(frame: Rect, xAxis: Axis, yAxis: Axis, xExtent: (Double, Double), yExtent: (Double, Double),
                    xLabels: Bool = true, yLabels: Bool = true, xTitle: Bool = true, yTitle: Bool = true) -> AxesLayout {
        let bottom = xLabels || xTitle ? bottomMargin : Style.pad
        let plotHeight = frame.height - bottom - Style.gap
        let y = yTicks(yAxis, yExtent, height: plotHeight)
        let left = leftMargin(y, title: yTitle ? yAxis.title : "", labels: yLabels)
        // room on the right for half the last tick label (the labels are centred on their ticks)
        var plotWidth = frame.width - left - Style.pad
        var x = xTicks(xAxis, xExtent, width: plotWidth)
        for _ in 0..<3 {
            let half = xLabels ? TextMetrics.width(x.ticks.last?.label ?? "", size: Style.tickSize) / 2 + 2 : 0
            let fitted = frame.width - left - Swift.max(Style.pad, half)
            if fitted == plotWidth { break }
            plotWidth = fitted
            x = xTicks(xAxis, xExtent, width: plotWidth)
        }
        return AxesLayout(plot: Rect(x: frame.x + left, y: frame.y + Style.gap, width: plotWidth, height: plotHeight), x: x, y: y)
    }

    /// Grid, frame, ticks, tick labels and axis titles.
    func draw(into svg: inout SVG, xAxis: Axis, yAxis: Axis, xLabels: Bool = true, yLabels: Bool = true,
              xTitle: Bool = true, yTitle: Bool = true, grid: Bool = true) {
        let tickAscent = TextMetrics.ascent(size: Style.tickSize)
        for t in y.ticks {
            let yy = plot.maxY - (t.at - y.lo) / (y.hi - y.lo) * plot.height
            if grid { svg.line((plot.x, yy), (plot.maxX, yy), stroke: Style.gridColor) }
            svg.line((plot.x - Style.tickLength, yy), (plot.x, yy), stroke: Style.axisColor)
            if yLabels {
                svg.text(t.label, x: plot.x - Style.tickLength - Style.gap, y: yy + TextMetrics.centring(size: Style.tickSize), size: Style.tickSize, anchor: .end)
            }
        }
        for t in x.ticks {
            let xx = plot.x + (t.at - x.lo) / (x.hi - x.lo) * plot.width
            if grid { svg.line((xx, plot.y), (xx, plot.maxY), stroke: Style.gridColor) }
            svg.line((xx, plot.maxY), (xx, plot.maxY + Style.tickLength), stroke: Style.axisColor)
            if xLabels {
                svg.text(t.label, x: xx, y: plot.maxY + Style.tickLength + Style.gap + tickAscent, size: Style.tickSize, anchor: .middle)
            }
        }
        svg.line((plot.x, plot.y), (plot.x, plot.maxY), stroke: Style.axisColor)
        svg.line((plot.x, plot.maxY), (plot.maxX, plot.maxY), stroke: Style.axisColor)
        if xTitle && !xAxis.title.isEmpty {
            let base = plot.maxY + Style.tickLength + Style.gap + TextMetrics.lineHeight(size: Style.tickSize) + 2 * Style.gap
            svg.text(xAxis.title, x: plot.x + plot.width / 2, y: base + TextMetrics.ascent(size: Style.labelSize), size: Style.labelSize, anchor: .middle)
        }
        if yTitle && !yAxis.title.isEmpty {
            let widest = yLabels ? (y.ticks.map { TextMetrics.width($0.label, size: Style.tickSize) }.max() ?? 0) : 0
            let right = plot.x - Style.tickLength - Style.gap - widest - 2 * Style.gap
            svg.text(yAxis.title, x: right - TextMetrics.descent(size: Style.labelSize), y: plot.y + plot.height / 2,
                     size: Style.labelSize, anchor: .middle, rotated: true)
        }
    }
}
