import Foundation
import RNNFigures
import RNNNotebooks
import RNNTestSupport
import Testing

/// Every notebook figure, generated afresh: well-formed XML, every text measured and on the
/// canvas, no two texts overlapping, no legend over data, the same bytes on a second run, and the
/// committed file up to date. And the checks themselves fail on figures made to break them.
@Suite("Figures")
struct FigureTests {
    static let figures: [Notebooks.GeneratedFigure] = {
        (try? Notebooks.figures(root: packageRoot, extra: TrainingNotebooks.outputs)) ?? []
    }()

    @Test func everyNotebookHasAFigure() throws {
        let dir = packageRoot.appendingPathComponent("Notebooks-md")
        let notebooks = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".md") }.sorted()
        #expect(notebooks.count == 13)
        for n in notebooks { #expect(Self.figures.contains { $0.notebook == n }, "\(n) has no figure") }
    }

    /// The README's top (before its first section) shows a figure the notebooks generate.
    @Test func theReadmeOpensWithAFigure() throws {
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let top = readme.components(separatedBy: "\n## ").first ?? ""
        let shown = Self.figures.filter { top.contains("](Notebooks-md/\($0.path))") }
        #expect(shown.count == 1, "the README's top shows \(shown.map(\.path))")
    }

    @Test(arguments: figures.map(\.path))
    func figureIsSound(_ path: String) throws {
        let f = try #require(Self.figures.first { $0.path == path })
        #expect(FigureCheck.problems(f.svg) == [], "\(path)")
        let inspection = try FigureCheck.inspect(f.svg)
        #expect(!inspection.texts.isEmpty && (!inspection.points.isEmpty || !inspection.marks.isEmpty), "\(path) shows no data")
        let committed = try String(contentsOf: packageRoot.appendingPathComponent("Notebooks-md").appendingPathComponent(path), encoding: .utf8)
        #expect(committed == f.svg, "\(path) is stale — run `rnnref notebooks --write`")
    }

    @Test func theSameInputGivesTheSameBytes() throws {
        let again = try Notebooks.figures(root: packageRoot, extra: TrainingNotebooks.outputs)
        #expect(again.map(\.svg) == Self.figures.map(\.svg))
    }

    // MARK: - the checks fail where they should

    static func svg(_ body: String, width: Int = 200, height: Int = 100) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" font-family=\"DejaVu Sans\">\n\(body)\n</svg>\n"
    }

    @Test func overlappingTextsAreFound() {
        let clear = Self.svg("<text x=\"10\" y=\"20\" font-size=\"12\">0.5</text><text x=\"10\" y=\"40\" font-size=\"12\">1.0</text>")
        #expect(FigureCheck.problems(clear) == [])
        // "0.5" is 19.1 px wide at 12 px in DejaVu Sans (advances 1303 + 651 + 1303 of 2048 units
        // per em): a second label 18 px to its right overlaps it, 20 px does not
        let close = Self.svg("<text x=\"10\" y=\"20\" font-size=\"12\">0.5</text><text x=\"28\" y=\"20\" font-size=\"12\">1.0</text>")
        #expect(FigureCheck.problems(close).count == 1)
        let apart = Self.svg("<text x=\"10\" y=\"20\" font-size=\"12\">0.5</text><text x=\"30\" y=\"20\" font-size=\"12\">1.0</text>")
        #expect(FigureCheck.problems(apart) == [])
        // a y title turned a quarter over tick labels beside it
        let rotated = Self.svg("<text x=\"40\" y=\"50\" font-size=\"12\" text-anchor=\"end\">0.25</text>" +
                               "<text x=\"30\" y=\"50\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 30 50)\">value</text>")
        #expect(FigureCheck.problems(rotated).count == 1)
        let offCanvas = Self.svg("<text x=\"190\" y=\"20\" font-size=\"12\">1.756e+13</text>")
        #expect(FigureCheck.problems(offCanvas).count == 1)
        let unmeasured = Self.svg("<text x=\"10\" y=\"20\" font-size=\"12\">日本</text>")
        #expect(FigureCheck.problems(unmeasured).count == 1)
    }

    @Test func aLegendOverDataIsFound() {
        let legend = "<g class=\"legend\"><rect x=\"100\" y=\"10\" width=\"80\" height=\"30\" fill=\"white\"/></g>"
        let under = Self.svg(legend + "<polyline class=\"data\" points=\"10,80 120,25 190,90\"/>")
        #expect(FigureCheck.problems(under).count == 1)
        let clear = Self.svg(legend + "<polyline class=\"data\" points=\"10,80 120,75 190,90\"/>")
        #expect(FigureCheck.problems(clear) == [])
        let bar = Self.svg(legend + "<rect class=\"data\" x=\"20\" y=\"30\" width=\"90\" height=\"10\"/>")
        #expect(FigureCheck.problems(bar).count == 1)
    }

    @Test func aFaceTheMetricsDoNotMeasureIsFound() {
        #expect(FigureCheck.problems(Self.svg("<text x=\"10\" y=\"20\" font-size=\"12\" font-weight=\"bold\">title</text>")).count == 1)
        let serif = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"50\" font-family=\"serif\"><text x=\"1\" y=\"20\" font-size=\"12\">a</text></svg>"
        #expect(FigureCheck.problems(serif).count == 1)
    }

    @Test func malformedXMLIsFound() {
        #expect(FigureCheck.problems("<svg><text x=\"1\" y=\"2\" font-size=\"3\">a < b</text></svg>").count == 1)
        #expect(FigureCheck.problems("<svg><g></svg>").count == 1)
    }

    /// The legend goes where no line runs; with lines everywhere, above the plot.
    @Test func theLegendAvoidsTheLines() throws {
        let wave = (0...200).map { (Double($0), Foundation.sin(Double($0) / 10)) }
        let rising = (0...200).map { (Double($0), Double($0) / 100 - 1) }
        let chart = LineChart(title: "two lines", x: Axis("t"), y: Axis("v"), series: [Series("sin", wave), Series("ramp", rising)])
        let f = try FigureCheck.inspect(chart.svg)
        #expect(f.legends.count == 1)
        #expect(FigureCheck.problems(chart.svg) == [])
        // a band of lines that fills the whole plot: no corner is free
        func zigzag(_ k: Int) -> [(Double, Double)] { (0...100).map { (t: Int) -> (Double, Double) in (Double(t), Double((t * 7 + k * 13) % 23)) } }
        let band = (0..<12).map { k in Series("line \(k)", zigzag(k)) }
        let crowded = LineChart(title: "crowded", x: Axis("t"), y: Axis("v"), series: band)
        let g = try FigureCheck.inspect(crowded.svg)
        #expect(g.legends.count == 1)
        #expect(FigureCheck.problems(crowded.svg) == [])
        #expect(g.legends[0].maxY <= (g.points.map { $0.1 }.min() ?? 0), "the legend should sit above the plot")
    }

    static let triangle: [[Double?]] = (0..<5).map { (r: Int) -> [Double?] in
        (0..<40).map { (c: Int) -> Double? in c > 30 - r ? nil : Double(r * c) - 50 }
    }

    @Test func barsHeatMapsAndSmallMultiplesAreSound() {
        let bars = BarChart(title: "ratios", categories: ["lstm f32 forward", "gru f64 train", "rnn"],
                            series: [("torch / ours", [0.76, 1.1, nil]), ("ort / ours", [0.74, nil, 2.43])],
                            value: Axis("ratio", include: [0]), reference: (1, "1 = as fast"))
        #expect(FigureCheck.problems(bars.svg) == [])
        let heat = HeatMap(title: "a map", rows: Axis("row"), columns: Axis("step t"),
                           values: Self.triangle,
                           colors: .diverging, colorTitle: "value", blankLabel: "past the row's length")
        #expect(FigureCheck.problems(heat.svg) == [])
        let multiples = SmallMultiples(title: "panels", x: Axis("t"), y: Axis("v"),
                                       panels: (0..<4).map { k in ("panel \(k)", [Series("a", (0...20).map { (Double($0), Double($0 * k)) })]) }, columns: 2)
        #expect(FigureCheck.problems(multiples.svg) == [])
    }
}
