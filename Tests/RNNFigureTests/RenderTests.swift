import Foundation
import RNNFigures
import RNNTestSupport
import Testing
import ZIPFoundation

/// Every committed figure rendered to PNG by rsvg-convert (Debian's librsvg2-bin), as a reader's
/// viewer renders it; skipped only where the tool is absent. The text boxes the figure checks
/// measure are checked against the ink the renderer puts down: every text of every figure is set
/// alone on a specimen sheet, and its ink must lie inside the box the font metrics give it. So
/// "no two boxes overlap" (FigureTests) means no two texts overlap in the PNG.
@Suite("Figures rendered to PNG")
struct RenderTests {
    static let rsvg: String? = ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert"].first { FileManager.default.isExecutableFile(atPath: $0) }

    static let committed: [String] = {
        let dir = packageRoot.appendingPathComponent("Notebooks-md/figures")
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".svg") }.sorted()
    }()

    /// rsvg-convert's PNG of `svg`.
    static func render(_ svg: String) throws -> Data {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rnnref-render-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.svg"), output = dir.appendingPathComponent("out.png")
        try Data(svg.utf8).write(to: input)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: rsvg!)
        p.arguments = [input.path, "-o", output.path]
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw PNGError(description: "rsvg-convert exited with \(p.terminationStatus)") }
        return try Data(contentsOf: output)
    }

    @Test(.enabled(if: rsvg != nil, "rsvg-convert (librsvg2-bin) is not installed"), arguments: committed)
    func rendersAtItsSize(_ name: String) throws {
        let svg = try String(contentsOf: packageRoot.appendingPathComponent("Notebooks-md/figures").appendingPathComponent(name), encoding: .utf8)
        let f = try FigureCheck.inspect(svg)
        let png = try PNG(try Self.render(svg))
        #expect(png.width == Int(f.width.rounded(.up)) && png.height == Int(f.height.rounded(.up)), "\(name): \(png.width)×\(png.height)")
        // something was drawn besides the white background
        #expect(png.rgba.enumerated().contains { $0.offset % 4 != 3 && $0.element < 200 }, "\(name) renders blank")
    }

    @Test(.enabled(if: rsvg != nil, "rsvg-convert (librsvg2-bin) is not installed"))
    func everyTextsInkLiesInsideItsMeasuredBox() throws {
        var texts: [(String, Double)] = []
        var seen = Set<String>()
        for name in Self.committed {
            let svg = try String(contentsOf: packageRoot.appendingPathComponent("Notebooks-md/figures").appendingPathComponent(name), encoding: .utf8)
            for t in try FigureCheck.inspect(svg).texts where seen.insert("\(t.size)|\(t.text)").inserted { texts.append((t.text, t.size)) }
        }
        #expect(texts.count > 100)
        var checked = 0
        for start in stride(from: 0, to: texts.count, by: 150) {
            let chunk = Array(texts[start..<min(start + 150, texts.count)])
            // each text alone on its row: baseline at `base`, 8 px of air above and below
            var rows: [(text: String, size: Double, base: Double)] = []
            var y = 0.0
            for (s, size) in chunk {
                let base = y + 8 + TextMetrics.ascent(size: size)
                rows.append((s, size, base))
                y = base + TextMetrics.descent(size: size) + 8
            }
            let width = (chunk.map { TextMetrics.width($0.0, size: $0.1) }.max() ?? 0) + 40
            var sheet = SVG(width: width.rounded(.up), height: y.rounded(.up))
            for r in rows { sheet.text(r.text, x: 20, y: r.base, size: r.size) }
            let png = try PNG(try Self.render(sheet.document))
            for r in rows {
                let box = textBox(r.text, x: 20, y: r.base, size: r.size, anchor: .start, rotated: false)
                let band = (Int((box.y - 7).rounded(.down)), Int((box.maxY + 7).rounded(.up)))
                guard let ink = png.ink(rows: max(0, band.0)..<min(png.height, band.1)) else { continue }   // a blank (e.g. " ")
                let inside = ink.x >= box.x - 1 && ink.maxX <= box.maxX + 1 && ink.y >= box.y - 1 && ink.maxY <= box.maxY + 1
                #expect(inside, "'\(r.text)' at \(r.size) px: ink \(ink) outside its measured box \(box)")
                checked += 1
            }
        }
        #expect(checked > 100)
    }
}

struct PNGError: Error, CustomStringConvertible { var description: String }

/// An 8-bit RGBA or RGB PNG, decoded (zlib through ZIPFoundation; the five row filters here).
struct PNG {
    var width = 0, height = 0
    var rgba: [UInt8] = []

    init(_ data: Data) throws {
        let b = [UInt8](data)
        guard b.count > 8, b[0] == 0x89, b[1] == 0x50 else { throw PNGError(description: "not a PNG") }
        func u32(_ i: Int) -> Int { Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3]) }
        var i = 8, idat = Data(), channels = 4
        while i + 8 <= b.count {
            let n = u32(i), type = String(bytes: b[(i + 4)..<(i + 8)], encoding: .ascii) ?? ""
            let body = (i + 8)..<(i + 8 + n)
            if type == "IHDR" {
                width = u32(i + 8); height = u32(i + 12)
                guard b[i + 16] == 8, b[i + 17] == 6 || b[i + 17] == 2, b[i + 20] == 0 else { throw PNGError(description: "not 8-bit RGB(A), non-interlaced") }
                channels = b[i + 17] == 6 ? 4 : 3
            }
            if type == "IDAT" { idat.append(contentsOf: b[body]) }
            i = body.upperBound + 4
        }
        // a zlib stream: 2 header bytes, raw deflate, a 4-byte checksum
        let deflate = idat.subdata(in: 2..<(idat.count - 4))
        var raw = Data()
        _ = try Data.decompress(size: Int64(deflate.count), bufferSize: 1 << 16, skipCRC32: true, provider: { pos, size in
            deflate.subdata(in: Int(pos)..<min(Int(pos) + size, deflate.count))
        }, consumer: { raw.append($0) })
        let r = [UInt8](raw), stride = width * channels
        guard r.count >= height * (stride + 1) else { throw PNGError(description: "short image data") }
        var out = [UInt8](repeating: 0, count: height * stride)
        for y in 0..<height {
            let filter = r[y * (stride + 1)], src = y * (stride + 1) + 1
            for x in 0..<stride {
                let a = x >= channels ? Int(out[y * stride + x - channels]) : 0
                let up = y > 0 ? Int(out[(y - 1) * stride + x]) : 0
                let ul = y > 0 && x >= channels ? Int(out[(y - 1) * stride + x - channels]) : 0
                let v = Int(r[src + x])
                let pred: Int
                switch filter {
                case 0: pred = 0
                case 1: pred = a
                case 2: pred = up
                case 3: pred = (a + up) / 2
                case 4:
                    let p = a + up - ul, pa = abs(p - a), pb = abs(p - up), pc = abs(p - ul)
                    pred = pa <= pb && pa <= pc ? a : (pb <= pc ? up : ul)
                default: throw PNGError(description: "unknown filter \(filter)")
                }
                out[y * stride + x] = UInt8((v + pred) & 0xFF)
            }
        }
        if channels == 4 { rgba = out; return }
        rgba = [UInt8](repeating: 255, count: 4 * width * height)
        for k in 0..<(width * height) { for c in 0..<3 { rgba[4 * k + c] = out[3 * k + c] } }
    }

    /// The bounding box of the pixels darker than near-white within `rows`, or nil.
    func ink(rows: Range<Int>) -> Rect? {
        var (x0, x1, y0, y1) = (Int.max, -1, Int.max, -1)
        for y in rows {
            for x in 0..<width {
                let p = 4 * (y * width + x)
                let alpha = Int(rgba[p + 3])
                let dark = alpha > 40 && min(rgba[p], rgba[p + 1], rgba[p + 2]) < 215
                if dark { x0 = min(x0, x); x1 = max(x1, x); y0 = min(y0, y); y1 = max(y1, y) }
            }
        }
        return x1 < 0 ? nil : Rect(x: Double(x0), y: Double(y0), width: Double(x1 - x0 + 1), height: Double(y1 - y0 + 1))
    }
}
