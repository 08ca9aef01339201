import Foundation
import RNNCore
import RNNCheck
import RNNFixtures
import RNNNumpy
import RNNTestSupport
import Testing

/// `.npy` and `.npz` files written by numpy (Fixtures/generate/npy_files.py) read back to the
/// values numpy lists in `expected.json`; what rnnref does not read is refused with a reason.
@Suite("NPY and NPZ")
struct NPYTests {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/npy")

    static func expected() throws -> [String: JSONValue] {
        try JSONValue.parse(Data(contentsOf: dir.appendingPathComponent("expected.json"))).objectValue ?? [:]
    }

    static func values(_ v: JSONValue) -> (shape: [Int], data: [Double]) {
        let o = v.objectValue!
        return (o["shape"]!.arrayValue!.map { Int($0.numberValue!) }, o["data"]!.arrayValue!.map { $0.numberValue! })
    }

    /// Every dtype, byte order, memory order and format version numpy writes.
    @Test func everyLayoutNumpyWrites() throws {
        let e = try Self.expected()
        let files = e.keys.filter { $0.hasSuffix(".npy") }
        #expect(files.count == 51)
        for name in files.sorted() {
            let a = try NPYArray(npy: Data(contentsOf: Self.dir.appendingPathComponent(name)), what: name)
            let (shape, data) = Self.values(e[name]!)
            #expect(a.shape == shape, "\(name)")
            #expect(a.values == data, "\(name)")
        }
    }

    @Test(arguments: ["stored.npz", "compressed.npz"])
    func archives(_ name: String) throws {
        let e = try Self.expected()
        let arrays = try NPZ.read(Self.dir.appendingPathComponent(name))
        #expect(Set(arrays.keys) == ["kernel", "bias", "ids"])
        for (k, a) in arrays {
            let (shape, data) = Self.values(e["npz:" + k]!)
            #expect(a.shape == shape && a.values == data, "\(name): \(k)")
        }
        #expect(arrays["bias"]!.dtype == .float32 && arrays["ids"]!.dtype == .int64)
    }

    /// Written by us, read by us: every dtype round-trips exactly (numpy reads these files in
    /// the training programs' `--save`; the layout is the version 1.0 one numpy writes).
    @Test func writeThenRead() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rnnref-npz-\(getpid()).npz")
        defer { try? FileManager.default.removeItem(at: url) }
        let arrays: [String: NPYArray] = [
            "a": NPYArray(shape: [2, 3], values: [1.5, -2, 3e300, 4, 5, 6], dtype: .float64),
            "b": NPYArray(shape: [3], values: [Double(Float(0.1)), Double(Float(0.2)), Double(Float(0.3))], dtype: .float32),
            "c": NPYArray(shape: [2], values: [-5, 1_099_511_627_776], dtype: .int64),
            "d": NPYArray(shape: [], values: [7], dtype: .int32),
        ]
        try NPZ.write(arrays, to: url)
        #expect(try NPZ.read(url) == arrays)
        // the header is numpy's: magic, version 1.0, a dict, padded to 64 bytes
        let d = arrays["a"]!.npyData
        #expect(d.prefix(8) == Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0]))
        let headerLength = Int(d[8]) | Int(d[9]) << 8
        #expect((10 + headerLength) % 64 == 0)
        #expect(String(data: d[10 ..< 10 + headerLength], encoding: .ascii)!.hasPrefix("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"))
    }

    @Test(arguments: [("bad-complex.npy", "dtype '<c16'"), ("bad-bool.npy", "dtype '|b1'"), ("bad-structured.npy", "structured"),
                      ("bad-object.npy", "dtype '|O'"), ("bad-magic.npy", "no \\x93NUMPY magic"), ("bad-truncated.npy", "data holds")])
    func refusals(_ file: String, _ reason: String) throws {
        let data = try Data(contentsOf: Self.dir.appendingPathComponent(file))
        do {
            _ = try NPYArray(npy: data, what: file)
            Issue.record("\(file) was read")
        } catch let e as RNNError {
            #expect(e.description.contains(reason), "\(file): \(e.description)")
            #expect(!e.description.contains("\n"))
        }
    }

    /// Hand-made headers: shape tuples numpy would never write, and an empty array whose other
    /// dimensions are so large that its strides overflow (found by Fuzz/run.sh npy).
    @Test(arguments: [("(2, , 3)", "shape entry ''"), ("(+2, 3)", "shape entry '+2'"), ("(2, -3)", "shape entry '-3'"),
                      ("(,)", "shape entry ''"), ("(4, 0, 9999999999, 9999999999)", "is too large"), ("(2, 3x)", "shape entry '3x'")])
    func malformedShapes(_ shape: String, _ reason: String) throws {
        for fortran in ["False", "True"] {
            var header = "{'descr': '<f8', 'fortran_order': \(fortran), 'shape': \(shape), }"
            header += String(repeating: " ", count: 63 - (10 + header.utf8.count) % 64) + "\n"
            let data = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]) + Data(header.utf8)
            do {
                _ = try NPYArray(npy: data, what: "hand-made.npy")
                Issue.record("shape \(shape) was read")
            } catch let e as RNNError {
                #expect(e.description.contains(reason), "\(shape): \(e.description)")
            }
        }
        // the tuples numpy writes still parse
        for (text, dims) in [("()", [Int]()), ("(3,)", [3]), ("(3, 4)", [3, 4]), ("(0, 5)", [0, 5]), ("(3L, 4L)", [3, 4])] {
            var header = "{'descr': '<f8', 'fortran_order': False, 'shape': \(text), }"
            header += String(repeating: " ", count: 63 - (10 + header.utf8.count) % 64) + "\n"
            let n = dims.reduce(1, *)
            let data = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
                + Data(header.utf8) + Data(repeating: 0, count: 8 * n)
            #expect(try NPYArray(npy: data, what: "ok.npy").shape == dims)
        }
    }

    @Test func notAnArchive() throws {
        #expect(throws: RNNError.self) { try NPZ.read(Self.dir.appendingPathComponent("expected.json")) }
    }
}
