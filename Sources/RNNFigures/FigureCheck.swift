import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// What a figure's SVG shows, read back from the SVG text with an XML parser: every text's box
/// (from its attributes and the font's widths), the data marks, the legends' boxes.
public struct FigureInspection: Sendable {
    public var width = 0.0, height = 0.0
    public var texts: [(text: String, box: Rect, size: Double)] = []
    /// Vertices of the data lines (`<polyline class="data">`).
    public var points: [(Double, Double)] = []
    /// Bars and heat-map cells (`<rect class="data">`).
    public var marks: [Rect] = []
    /// Each legend's box (the first `<rect>` of a `<g class="legend">`).
    public var legends: [Rect] = []
}

/// The checks every figure must pass (run by the figure tests and by `rnnref notebooks`).
public enum FigureCheck {
    public struct Malformed: Error, CustomStringConvertible { public var description: String }

    /// Parses `svg` as XML and reads it back; throws if it is not well-formed XML or a text's
    /// attributes cannot be read.
    public static func inspect(_ svg: String) throws -> FigureInspection {
        let reader = Reader()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = reader
        guard parser.parse(), reader.depth == 0, reader.sawRoot else {
            throw Malformed(description: "not well-formed XML (line \(parser.lineNumber): \(parser.parserError.map { "\($0)" } ?? "?"))")
        }
        if let e = reader.error { throw Malformed(description: e) }
        return reader.result
    }

    /// Every problem with `svg`, one line each; empty when the figure is sound:
    /// not XML; a character the font metrics do not cover; a text outside the canvas; two texts
    /// whose boxes overlap; a legend covering a data point or mark.
    public static func problems(_ svg: String) -> [String] {
        let f: FigureInspection
        do { f = try inspect(svg) } catch { return ["\(error)"] }
        var out: [String] = []
        let canvas = Rect(x: 0, y: 0, width: f.width, height: f.height)
        for (s, box, _) in f.texts {
            if !TextMetrics.isMeasured(s) { out.append("'\(s)' has a character the font metrics do not cover") }
            if !canvas.contains(box) { out.append("'\(s)' \(box) leaves the canvas \(canvas)") }
        }
        for i in f.texts.indices {
            for j in f.texts.indices where j > i && f.texts[i].box.overlaps(f.texts[j].box) {
                out.append("'\(f.texts[i].text)' \(f.texts[i].box) overlaps '\(f.texts[j].text)' \(f.texts[j].box)")
            }
        }
        for legend in f.legends {
            if let p = f.points.first(where: { legend.contains($0) }) {
                out.append("the legend \(legend) covers the data point (\(SVG.num(p.0)), \(SVG.num(p.1)))")
            }
            if let m = f.marks.first(where: { legend.overlaps($0) }) { out.append("the legend \(legend) covers the mark \(m)") }
        }
        return out
    }

    final class Reader: NSObject, XMLParserDelegate {
        var result = FigureInspection()
        var error: String?
        var pending: (x: Double, y: Double, size: Double, anchor: Anchor, rotated: Bool)?
        var content = ""
        var legendDepth = 0       // > 0 inside a legend group
        var depth = 0
        var sawRoot = false
        var legendWaitingForBox = false

        func number(_ a: [String: String], _ k: String) -> Double? { a[k].flatMap { Double($0) } }

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes a: [String: String] = [:]) {
            depth += 1
            switch name {
            case "svg":
                sawRoot = true
                if a["font-family"] != TextMetrics.fontFamily { error = "the figure is not set in \(TextMetrics.fontFamily)" }
                result.width = number(a, "width") ?? 0
                result.height = number(a, "height") ?? 0
            case "g" where a["class"] == "legend":
                legendWaitingForBox = true
            case "rect":
                if legendWaitingForBox, let x = number(a, "x"), let y = number(a, "y"), let w = number(a, "width"), let h = number(a, "height") {
                    result.legends.append(Rect(x: x, y: y, width: w, height: h))
                    legendWaitingForBox = false
                } else if a["class"] == "data", let x = number(a, "x"), let y = number(a, "y"), let w = number(a, "width"), let h = number(a, "height") {
                    result.marks.append(Rect(x: x, y: y, width: w, height: h))
                }
            case "polyline" where a["class"] == "data":
                for pair in (a["points"] ?? "").split(separator: " ") {
                    let xy = pair.split(separator: ",").compactMap { Double($0) }
                    if xy.count == 2 { result.points.append((xy[0], xy[1])) } else { error = "a data polyline has the point '\(pair)'" }
                }
            case "text":
                guard let x = number(a, "x"), let y = number(a, "y"), let size = number(a, "font-size") else {
                    error = "a text lacks x, y or font-size"; return
                }
                for k in ["font-weight", "font-style", "font-family", "font-stretch", "letter-spacing"] where a[k] != nil {
                    error = "a text sets \(k): the metrics are DejaVu Sans's regular face"; return
                }
                let anchor = Anchor(rawValue: a["text-anchor"] ?? "start") ?? .start
                var rotated = false
                if let t = a["transform"] {
                    guard t == "rotate(-90 \(a["x"]!) \(a["y"]!))" else { error = "a text has the transform '\(t)'"; return }
                    rotated = true
                }
                pending = (x, y, size, anchor, rotated)
                content = ""
            default: break
            }
        }

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) { error = error ?? "not well-formed XML: \(parseError)" }

        func parser(_ parser: XMLParser, foundCharacters string: String) { if pending != nil { content += string } }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            depth -= 1
            if name == "text", let p = pending {
                result.texts.append((content, textBox(content, x: p.x, y: p.y, size: p.size, anchor: p.anchor, rotated: p.rotated), p.size))
                pending = nil
            }
        }
    }
}
