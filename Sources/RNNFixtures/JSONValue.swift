import Foundation
import RNNCore
import RNNNumpy

/// A JSON document as a value. Numbers are kept as `Double` (fixture numbers are float64
/// values written in shortest round-trip form, so parsing is exact; integers up to 2^53 too).
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public var objectValue: [String: JSONValue]? { if case let .object(o) = self { return o } else { return nil } }
    public var arrayValue: [JSONValue]? { if case let .array(a) = self { return a } else { return nil } }
    public var stringValue: String? { if case let .string(s) = self { return s } else { return nil } }
    public var numberValue: Double? { if case let .number(n) = self { return n } else { return nil } }
    public var boolValue: Bool? { if case let .bool(b) = self { return b } else { return nil } }

    public subscript(key: String) -> JSONValue? { objectValue?[key] }

    /// Parses `data` as strict JSON (RFC 8259) plus the bare `NaN`, `Infinity` and `-Infinity`
    /// that Python's `json` module writes. Any syntax error, invalid UTF-8, duplicate key or
    /// nesting deeper than 256 becomes `RNNError.malformed` naming the line and column.
    ///
    /// Our own reader rather than `JSONDecoder.allowsJSON5`: Foundation's JSON5 scanner traps
    /// (instead of throwing) on invalid UTF-8 in a key and on some malformed numbers, both found
    /// by `Fuzz/run.sh json` (inputs in `Fuzz/regressions/`).
    public static func parse(_ data: Data) throws -> JSONValue {
        var p = JSONParser(bytes: [UInt8](data))
        return try p.document()
    }

    /// Compact JSON text with sorted keys; numbers in shortest round-trip form.
    public func serialized(indent: String? = nil) -> String {
        var out = ""
        write(into: &out, indent: indent, level: 0)
        return out
    }

    private func write(into out: inout String, indent: String?, level: Int) {
        let nl = indent == nil ? "" : "\n"
        let pad = { (l: Int) in String(repeating: indent ?? "", count: l) }
        switch self {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .number(n): out += JSONValue.format(n)
        case let .string(s): out += JSONValue.quote(s)
        case let .array(a):
            // arrays of numbers stay on one line
            if a.allSatisfy({ if case .number = $0 { return true } else { return false } }) || indent == nil {
                out += "["
                for (i, v) in a.enumerated() {
                    if i > 0 { out += indent == nil ? "," : ", " }
                    v.write(into: &out, indent: nil, level: 0)
                }
                out += "]"
            } else {
                out += "[" + nl
                for (i, v) in a.enumerated() {
                    out += pad(level + 1)
                    v.write(into: &out, indent: indent, level: level + 1)
                    out += (i + 1 < a.count ? "," : "") + nl
                }
                out += pad(level) + "]"
            }
        case let .object(o):
            out += "{" + nl
            let keys = o.keys.sorted()
            for (i, k) in keys.enumerated() {
                out += pad(level + 1) + JSONValue.quote(k) + (indent == nil ? ":" : ": ")
                o[k]!.write(into: &out, indent: indent, level: level + 1)
                out += (i + 1 < keys.count ? "," : "") + nl
            }
            out += pad(level) + "}"
        }
    }

    /// Integers as integers; other values by Swift's shortest round-trip `description`.
    public static func format(_ x: Double) -> String {
        if x.isNaN { return "NaN" }          // not JSON; only written when a result is NaN
        if x.isInfinite { return x > 0 ? "Infinity" : "-Infinity" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return x.description
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if c.value < 0x20 { out += String(format: "\\u%04x", c.value) } else { out.unicodeScalars.append(c) }
            }
        }
        return out + "\""
    }
}

/// Recursive-descent reader behind `JSONValue.parse`. Works on bytes; strings are decoded as
/// UTF-8 and refused if invalid.
struct JSONParser {
    let bytes: [UInt8]
    var i = 0
    var depth = 0
    static let maxDepth = 256

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func document() throws -> JSONValue {
        skipSpace()
        let v = try value()
        skipSpace()
        if i < bytes.count { throw fail("unexpected text after the JSON value") }
        return v
    }

    /// "not valid JSON (line L, column C: reason)"; columns count bytes from 1.
    func fail(_ reason: String) -> RNNError {
        var line = 1, col = 1, k = 0
        while k < min(i, bytes.count) { if bytes[k] == 0x0A { line += 1; col = 1 } else { col += 1 }; k += 1 }
        return RNNError(.malformed, "", "not valid JSON (line \(line), column \(col): \(reason))")
    }

    mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    mutating func literal(_ word: String) -> Bool {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, Array(bytes[i ..< i + w.count]) == w else { return false }
        i += w.count
        return true
    }

    mutating func value() throws -> JSONValue {
        guard i < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): if literal("true") { return .bool(true) }
        case UInt8(ascii: "f"): if literal("false") { return .bool(false) }
        case UInt8(ascii: "n"): if literal("null") { return .null }
        case UInt8(ascii: "N"): if literal("NaN") { return .number(.nan) }
        case UInt8(ascii: "I"): if literal("Infinity") { return .number(.infinity) }
        case UInt8(ascii: "-"), UInt8(ascii: "0") ... UInt8(ascii: "9"): return .number(try number())
        default: break
        }
        throw fail("unexpected character")
    }

    mutating func nested<T>(_ body: (inout JSONParser) throws -> T) throws -> T {
        depth += 1
        if depth > JSONParser.maxDepth { throw fail("nested deeper than \(JSONParser.maxDepth)") }
        defer { depth -= 1 }
        return try body(&self)
    }

    mutating func object() throws -> JSONValue {
        try nested { p in
            p.i += 1
            var out: [String: JSONValue] = [:]
            p.skipSpace()
            if p.i < p.bytes.count, p.bytes[p.i] == UInt8(ascii: "}") { p.i += 1; return .object(out) }
            while true {
                p.skipSpace()
                guard p.i < p.bytes.count, p.bytes[p.i] == UInt8(ascii: "\"") else { throw p.fail("expected a string key") }
                let keyAt = p.i
                let key = try p.string()
                p.skipSpace()
                guard p.i < p.bytes.count, p.bytes[p.i] == UInt8(ascii: ":") else { throw p.fail("expected ':' after a key") }
                p.i += 1
                p.skipSpace()
                let v = try p.value()
                if out[key] != nil { p.i = keyAt; throw p.fail("duplicate key \"\(key)\"") }
                out[key] = v
                if try !p.another(close: "}", in: "an object") { return .object(out) }
            }
        }
    }

    mutating func array() throws -> JSONValue {
        try nested { p in
            p.i += 1
            var out: [JSONValue] = []
            p.skipSpace()
            if p.i < p.bytes.count, p.bytes[p.i] == UInt8(ascii: "]") { p.i += 1; return .array(out) }
            while true {
                p.skipSpace()
                out.append(try p.value())
                if try !p.another(close: "]", in: "an array") { return .array(out) }
            }
        }
    }

    /// After an element of an object or array: consumes ',' and returns true (another element
    /// follows), or consumes `close` and returns false.
    mutating func another(close: Unicode.Scalar, in what: String) throws -> Bool {
        skipSpace()
        guard i < bytes.count else { throw fail("unexpected end of input in \(what)") }
        if bytes[i] == UInt8(ascii: ",") { i += 1; return true }
        if bytes[i] == UInt8(ascii: close) { i += 1; return false }
        throw fail("expected ',' or '\(close)' in \(what)")
    }

    /// A string starting at the opening quote; escapes per RFC 8259, including surrogate pairs.
    mutating func string() throws -> String {
        i += 1
        var out: [UInt8] = []
        while true {
            guard i < bytes.count else { throw fail("unterminated string") }
            let c = bytes[i]
            if c == UInt8(ascii: "\"") { i += 1; break }
            if c < 0x20 { throw fail("control character in a string") }
            if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
            i += 1
            guard i < bytes.count else { throw fail("unterminated escape") }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800 ..< 0xDC00).contains(scalar) {
                    guard literal("\\u") else { throw fail("unpaired surrogate escape") }
                    let low = try hex4()
                    guard (0xDC00 ..< 0xE000).contains(low) else { throw fail("unpaired surrogate escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00 ..< 0xE000).contains(scalar) {
                    throw fail("unpaired surrogate escape")
                }
                out.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
            default: i -= 1; throw fail("invalid escape")
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw fail("string is not valid UTF-8") }
        return s
    }

    mutating func hex4() throws -> UInt32 {
        guard i + 4 <= bytes.count else { throw fail("short \\u escape") }
        var v: UInt32 = 0
        for _ in 0 ..< 4 {
            let c = bytes[i]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0") ... UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a") ... UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A") ... UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
            default: throw fail("invalid \\u escape")
            }
            v = v * 16 + UInt32(d)
            i += 1
        }
        return v
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, or `-Infinity`; the validated
    /// text is converted by `Double(_:)` (correctly rounded). Errors point at the number's start.
    mutating func number() throws -> Double {
        let start = i
        if bytes[i] == UInt8(ascii: "-") {
            i += 1
            if literal("Infinity") { return -.infinity }
        }
        func digits(_ p: inout JSONParser) -> Int {
            let s = p.i
            while p.i < p.bytes.count, (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(p.bytes[p.i]) { p.i += 1 }
            return p.i - s
        }
        guard i < bytes.count else { i = start; throw fail("unexpected end of input in a number") }
        if bytes[i] == UInt8(ascii: "0") { i += 1 } else if digits(&self) == 0 { i = start; throw fail("invalid number") }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            if digits(&self) == 0 { i = start; throw fail("invalid number: no digits after '.'") }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            if digits(&self) == 0 { i = start; throw fail("invalid number: no digits in the exponent") }
        }
        let text = String(decoding: bytes[start ..< i], as: UTF8.self)
        guard let v = Double(text) else { i = start; throw fail("invalid number") }
        return v
    }
}
