import Foundation
import PropertyBased
import RNNCore
import RNNCheck
import RNNFixtures
import RNNNumpy
import RNNTestSupport
import Testing

/// The fixture reader: strict JSON (RFC 8259) plus Python's bare NaN / Infinity / -Infinity.
/// Expected values come from RFC 8259 and from what Python's `json.dumps` writes.
@Suite("JSON reader")
struct JSONTests {
    static func parse(_ s: String) throws -> JSONValue { try JSONValue.parse(Data(s.utf8)) }

    /// RFC 8259 §13, the first example, plus the escapes Python's `json.dumps` writes by default
    /// (`ensure_ascii=True`: "é" as \u00e9, "😀" as the surrogate pair \ud83d\ude00).
    @Test func acceptsTheRFCExampleAndPythonOutput() throws {
        let rfc = """
        {
          "Image": {
              "Width":  800,
              "Height": 600,
              "Title":  "View from 15th Floor",
              "Thumbnail": {
                  "Url":    "http://www.example.com/image/481989943",
                  "Height": 125,
                  "Width":  100
              },
              "Animated" : false,
              "IDs": [116, 943, 234, 38793]
            }
        }
        """
        let v = try Self.parse(rfc)
        #expect(v["Image"]?["Width"] == .number(800))
        #expect(v["Image"]?["Title"] == .string("View from 15th Floor"))
        #expect(v["Image"]?["Thumbnail"]?["Url"] == .string("http://www.example.com/image/481989943"))
        #expect(v["Image"]?["Animated"] == .bool(false))
        #expect(v["Image"]?["IDs"] == .array([116, 943, 234, 38793].map { .number($0) }))

        // json.dumps([float("nan"), float("inf"), -float("inf"), -0.0, 1e-05, 5e-324, None, "\u00e9\U0001F600\t/"])
        let py = #"[NaN, Infinity, -Infinity, -0.0, 1e-05, 5e-324, null, "\u00e9\ud83d\ude00\t\/"]"#
        guard case let .array(a) = try Self.parse(py), a.count == 8 else { Issue.record("not an array of 8"); return }
        #expect(a[0].numberValue?.isNaN == true)
        #expect(a[1] == .number(.infinity))
        #expect(a[2] == .number(-.infinity))
        #expect(a[3].numberValue.map { $0 == 0 && $0.sign == .minus } == true)
        #expect(a[4] == .number(1e-05))
        #expect(a[5] == .number(Double.leastNonzeroMagnitude))
        #expect(a[6] == .null)
        #expect(a[7] == .string("é😀\t/"))
    }

    /// Each of these is refused with a one-line "not valid JSON (line L, column C: reason)".
    /// The first three are the shapes of numbers that made Foundation's JSON5 scanner trap.
    @Test(arguments: [
        ("[1e]", "no digits in the exponent"), ("[1.]", "no digits after '.'"), ("[-]", "invalid number"),
        ("[01]", "expected ',' or ']'"), ("[.5]", "unexpected character"), ("[+1]", "unexpected character"),
        ("[1,]", "unexpected character"), (#"{"a":1,}"#, "expected a string key"), ("['a']", "unexpected character"),
        ("[", "unexpected end of input"), (#"["\x"]"#, "invalid escape"), (#"["\ud800"]"#, "unpaired surrogate"),
        ("[nul]", "unexpected character"), ("[1] x", "unexpected text after"), (#"{"a":1,"a":2}"#, "duplicate key \"a\""),
        ("[\"a\tb\"]", "control character"), ("[nan]", "unexpected character"), ("[\"abc", "unterminated string"),
        ("", "unexpected end of input"), ("[1 2]", "expected ',' or ']'"),
    ])
    func refusesMalformedText(_ text: String, _ reason: String) {
        do {
            _ = try Self.parse(text)
            Issue.record("accepted \(text)")
        } catch let e as RNNError {
            #expect(e.description.hasPrefix("not valid JSON (line 1, column "), "\(e)")
            #expect(e.description.contains(reason), "\(text): \(e)")
            #expect(!e.description.contains("\n"))
        } catch { Issue.record("\(error)") }
    }

    @Test func reportsLineAndColumn() {
        #expect(throws: RNNError(.malformed, "", "not valid JSON (line 3, column 8: invalid number: no digits in the exponent)")) {
            try Self.parse("{\n  \"a\": [1,\n    2, 3e]\n}")
        }
    }

    @Test func refusesInvalidUTF8AndDeepNesting() {
        #expect(throws: RNNError.self) { try JSONValue.parse(Data([0x5B, 0x22, 0xFF, 0x22, 0x5D])) }   // ["\xff"]
        #expect(throws: RNNError.self) { try JSONValue.parse(Data([0x7B, 0x22, 0xC3, 0x22, 0x3A, 0x31, 0x7D])) }   // {"\xc3":1}
        #expect((try? Self.parse(String(repeating: "[", count: 256) + String(repeating: "]", count: 256))) != nil)
        do {
            _ = try Self.parse(String(repeating: "[", count: 100_000))
            Issue.record("100,000 open brackets accepted")
        } catch let e as RNNError {
            #expect(e.description.contains("nested deeper than 256"))
        } catch { Issue.record("\(error)") }
    }

    /// Any finite double survives our writer and reader bit for bit (shortest round-trip text,
    /// correctly rounded parse), and so does any tree of values.
    @Test func roundTripsEveryDoubleAndRandomTrees() async {
        await propertyCheck(count: 2000, input: Gen.uint64()) { bits in
            let x = Double(bitPattern: bits)
            guard x.isFinite else { return }
            let back = try Self.parse("[" + JSONValue.array([.number(x)]).serialized() + "]")
            let y = back.arrayValue?.first?.arrayValue?.first?.numberValue
            #expect(y?.bitPattern == x.bitPattern || (x == 0 && y == 0), "\(x) came back as \(String(describing: y))")
        }
        await propertyCheck(count: 300, input: Gen.int(in: 0 ... 1_000_000)) { seed in
            var rng = SplitMix(seed: UInt64(seed))
            let v = Self.randomValue(&rng, depth: 0)
            let compact = try Self.parse(v.serialized()), indented = try Self.parse(v.serialized(indent: "  "))
            #expect(compact == v)
            #expect(indented == v)
        }
    }

    static func randomValue(_ rng: inout SplitMix, depth: Int) -> JSONValue {
        let pool: [Character] = ["a", "é", "😀", "\"", "\\", "\n", "\u{01}", " ", "/", "z"]
        func str() -> String { String((0 ..< Int.random(in: 0 ... 6, using: &rng)).map { _ in pool.randomElement(using: &rng)! }) }
        switch Int.random(in: 0 ..< (depth > 4 ? 4 : 6), using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .number(Double.random(in: -1e6 ... 1e6, using: &rng) * (Bool.random(using: &rng) ? 1 : 1e-300))
        case 3: return .string(str())
        case 4: return .array((0 ..< Int.random(in: 0 ... 4, using: &rng)).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            var o: [String: JSONValue] = [:]
            for _ in 0 ..< Int.random(in: 0 ... 4, using: &rng) { o[str()] = randomValue(&rng, depth: depth + 1) }
            return .object(o)
        }
    }
}
