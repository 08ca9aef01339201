import Foundation
import RNNCore

/// A JSON document as a value. Numbers are kept as `Double` (fixture numbers are float64
/// values written in shortest round-trip form, so parsing is exact; integers up to 2^53 too).
public enum JSONValue: Sendable, Equatable, Decodable {
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

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        if let n = try? c.decode(Double.self) { self = .number(n); return }
        if let s = try? c.decode(String.self) { self = .string(s); return }
        if let a = try? c.decode([JSONValue].self) { self = .array(a); return }
        if let o = try? c.decode([String: JSONValue].self) { self = .object(o); return }
        throw DecodingError.dataCorruptedError(in: c, debugDescription: "unsupported JSON value")
    }

    /// Parses `data`; a syntax error becomes `RNNError.malformed` with the parser's reason.
    public static func parse(_ data: Data) throws -> JSONValue {
        // Foundation's JSON5 scanner traps on invalid UTF-8 inside a key (found by
        // Fuzz/run.sh json), so the bytes are validated first.
        guard String(data: data, encoding: .utf8) != nil else { throw RNNError(.malformed, "", "not valid JSON (not UTF-8 text)") }
        do {
            let decoder = JSONDecoder()
            decoder.allowsJSON5 = true   // accepts the bare NaN and Infinity Python's json module writes
            return try decoder.decode(JSONValue.self, from: data)
        } catch let e as DecodingError {
            switch e {
            case let .dataCorrupted(ctx):
                let detail = (ctx.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
                throw RNNError(.malformed, "", "not valid JSON (\(detail ?? ctx.debugDescription))")
            default:
                throw RNNError(.malformed, "", "not valid JSON (\(e))")
            }
        }
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
    static func format(_ x: Double) -> String {
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
