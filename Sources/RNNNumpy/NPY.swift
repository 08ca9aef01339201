import Foundation
import RNNCore
import ZIPFoundation

/// An array read from or written to numpy's `.npy` format (NEP 1, format versions 1.0, 2.0 and
/// 3.0): float32, float64, int32 and int64 in either byte order, C or Fortran order. Values are
/// held as Double in C (row-major) order; `dtype` remembers what the file stored.
public struct NPYArray: Sendable, Equatable {
    public enum DType: String, Sendable { case float32 = "f4", float64 = "f8", int32 = "i4", int64 = "i8" }
    public var shape: [Int]
    public var values: [Double]
    public var dtype: DType

    public init(shape: [Int], values: [Double], dtype: DType) {
        self.shape = shape
        self.values = values
        self.dtype = dtype
    }

    public init<T: RNNFloat>(_ t: Tensor<T>) {
        self.init(shape: t.shape, values: t.data.map { Double($0) }, dtype: T.self == Float.self ? .float32 : .float64)
    }

    // MARK: reading

    /// Parses one `.npy` file; `what` names it in errors.
    public init(npy data: Data, what: String) throws {
        let bytes = [UInt8](data)
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw RNNError(.malformed, what, "not a .npy file (no \\x93NUMPY magic)") }
        let major = bytes[6]
        let headerLength: Int, start: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            start = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw RNNError(.malformed, what, "truncated header length") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            start = 12
        default:
            throw RNNError(.unsupported, what, "npy format version \(major).\(bytes[7]) (supported: 1.0, 2.0, 3.0)")
        }
        guard headerLength <= bytes.count - start else { throw RNNError(.malformed, what, "header length \(headerLength) exceeds the file") }
        guard let header = String(bytes: bytes[start..<(start + headerLength)], encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw RNNError(.malformed, what, "header is not text")
        }
        let (descr, fortran, shape) = try Self.parseHeader(header, what: what)
        guard let order = descr.first, "<>|=".contains(order) else { throw RNNError(.unsupported, what, "dtype '\(descr)' has no byte order mark") }
        guard let dt = DType(rawValue: String(descr.dropFirst())) else {
            throw RNNError(.unsupported, what, "dtype '\(descr)' (supported: float32, float64, int32, int64 in either byte order)")
        }
        let bigEndian = order == ">"
        // the product of the non-zero dimensions is bounded too: with a zero dimension the array
        // is empty, but its strides are still formed (a shape (4, 0, 6666666666, …) trapped in
        // fortranToC; found by Fuzz/run.sh npy)
        var extent = 1
        for d in shape where d != 0 {
            let (c, overflow) = extent.multipliedReportingOverflow(by: d)
            guard !overflow, c <= 1 << 31 else { throw RNNError(.invalid, what, "shape \(shape) is too large") }
            extent = c
        }
        let count = shape.contains(0) ? 0 : extent
        let width = dt == .float32 || dt == .int32 ? 4 : 8
        let body = start + headerLength
        guard bytes.count - body >= count * width else {
            throw RNNError(.malformed, what, "data holds \(bytes.count - body) bytes, shape \(shape) of \(descr) needs \(count * width)")
        }
        var v = [Double](repeating: 0, count: count)
        for i in 0..<count {
            var u: UInt64 = 0
            for b in 0..<width {
                let byte = UInt64(bytes[body + i * width + (bigEndian ? width - 1 - b : b)])
                u |= byte << (8 * UInt64(b))
            }
            switch dt {
            case .float32: v[i] = Double(Float(bitPattern: UInt32(truncatingIfNeeded: u)))
            case .float64: v[i] = Double(bitPattern: u)
            case .int32: v[i] = Double(Int32(bitPattern: UInt32(truncatingIfNeeded: u)))
            case .int64:
                // values are held as Double: an int64 beyond ±2^53 would be silently rounded
                let n = Int64(bitPattern: u)
                guard n.magnitude <= 1 << 53 else {
                    throw RNNError(.unsupported, what, "int64 value \(n) at index \(i) is beyond ±2^53 and cannot be held exactly")
                }
                v[i] = Double(n)
            }
        }
        if fortran && shape.count > 1 { v = Self.fortranToC(v, shape: shape) }
        self.init(shape: shape, values: v, dtype: dt)
    }

    /// The header dict: `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`.
    static func parseHeader(_ h: String, what: String) throws -> (String, Bool, [Int]) {
        func value(of key: String) throws -> Substring {
            guard let r = h.range(of: "'\(key)':") else { throw RNNError(.malformed, what, "header lacks '\(key)'") }
            return h[r.upperBound...].drop(while: { $0 == " " })
        }
        let d = try value(of: "descr")
        guard d.first == "'", let end = d.dropFirst().firstIndex(of: "'") else {
            throw RNNError(.unsupported, what, "descr is not a simple dtype string (structured arrays are not supported)")
        }
        let descr = String(d[d.index(after: d.startIndex)..<end])
        let f = try value(of: "fortran_order")
        let fortran: Bool
        if f.hasPrefix("True") { fortran = true } else if f.hasPrefix("False") { fortran = false } else {
            throw RNNError(.malformed, what, "fortran_order must be True or False")
        }
        let s = try value(of: "shape")
        guard s.first == "(", let close = s.firstIndex(of: ")") else { throw RNNError(.malformed, what, "shape must be a tuple") }
        let inner = s[s.index(after: s.startIndex)..<close]
        // Python's repr of a tuple of ints: "()", "(3,)", "(3, 4)" (Python 2 may write "3L");
        // an empty entry is allowed only after the last comma, and an entry is decimal digits
        var shape: [Int] = []
        let parts = inner.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        for (k, t) in parts.enumerated() {
            if t.isEmpty && k == parts.count - 1 && (k > 0 || parts.count == 1) { continue }
            let digits = t.hasSuffix("L") ? String(t.dropLast()) : t
            guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(digits) else {
                throw RNNError(.malformed, what, "shape entry '\(t)' is not a non-negative integer")
            }
            shape.append(n)
        }
        return (descr, fortran, shape)
    }

    static func fortranToC(_ v: [Double], shape: [Int]) -> [Double] {
        if v.isEmpty { return v }
        var out = [Double](repeating: 0, count: v.count)
        var cStrides = [Int](repeating: 1, count: shape.count), fStrides = cStrides
        for k in stride(from: shape.count - 2, through: 0, by: -1) { cStrides[k] = cStrides[k + 1] * shape[k + 1] }
        for k in 1..<shape.count { fStrides[k] = fStrides[k - 1] * shape[k - 1] }
        for c in 0..<v.count {
            var rem = c, f = 0
            for k in 0..<shape.count { let idx = rem / cStrides[k]; rem %= cStrides[k]; f += idx * fStrides[k] }
            out[c] = v[f]
        }
        return out
    }

    // MARK: writing

    static func saturated(_ v: Double, _ lo: Double, _ hi: Double) -> Double { v.isNaN ? 0 : Swift.min(Swift.max(v.rounded(.towardZero), lo), hi) }

    /// The array as a version 1.0 `.npy` file, little-endian, C order.
    public var npyData: Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<\(dtype.rawValue)', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
        out += Array(header.utf8)
        out.reserveCapacity(out.count + values.count * 8)
        for v in values {
            let u: UInt64, width: Int
            switch dtype {
            case .float32: u = UInt64(Float(v).bitPattern); width = 4
            case .float64: u = v.bitPattern; width = 8
            // integers saturate (NaN writes 0) rather than trap: arrays built in code may hold anything
            case .int32: u = UInt64(UInt32(bitPattern: Int32(Self.saturated(v, Double(Int32.min), Double(Int32.max))))); width = 4
            case .int64: u = UInt64(bitPattern: Int64(Self.saturated(v, -0x1p63, 0x1p63 - 1024))); width = 8
            }
            for b in 0..<width { out.append(UInt8(truncatingIfNeeded: u >> (8 * UInt64(b)))) }
        }
        return Data(out)
    }
}

/// numpy's `.npz`: a ZIP archive of `NAME.npy` files (`np.savez`, stored; `np.savez_compressed`,
/// deflated), through ZIPFoundation.
public enum NPZ {
    /// Every array of the archive at `url`, by name (the entry name without `.npy`).
    public static func read(_ url: URL) throws -> [String: NPYArray] {
        let what = url.path
        // From the file, not from memory: ZIPFoundation's in-memory archive traps on truncated
        // archives (found by Fuzz/run.sh npz), its file-backed one reports them.
        let archive: Archive
        do { archive = try Archive(url: url, accessMode: .read) } catch {
            throw RNNError(.malformed, what, "not a readable .npz (zip) archive")
        }
        var out: [String: NPYArray] = [:]
        // ZIPFoundation's iterator ends quietly at the first entry it cannot read; the count
        // the end-of-central-directory record declares tells a damaged archive from a short one.
        let listed = declaredEntryCount(url)
        var seen = 0
        for entry in archive {
            seen += 1
            guard entry.type == .file else { continue }
            guard entry.path.hasSuffix(".npy") else { continue }
            guard entry.uncompressedSize <= 1 << 34 else { throw RNNError(.invalid, "\(what): \(entry.path)", "entry too large") }
            var data = Data()
            do {
                _ = try archive.extract(entry, skipCRC32: false) { data.append($0) }
            } catch {
                throw RNNError(.malformed, "\(what): \(entry.path)", "cannot be extracted (\(error))")
            }
            out[String(entry.path.dropLast(4))] = try NPYArray(npy: data, what: "\(what): \(entry.path)")
        }
        if let listed, seen < listed {
            throw RNNError(.malformed, what, "damaged archive: its directory lists \(listed) entries, \(seen) can be read")
        }
        return out
    }

    /// The entry count in the archive's end-of-central-directory record (nil when it cannot be
    /// found or is a ZIP64 placeholder).
    static func declaredEntryCount(_ url: URL) -> Int? {
        guard let h = try? FileHandle(forReadingFrom: url), let size = try? h.seekToEnd(), size >= 22 else { return nil }
        defer { try? h.close() }
        guard (try? h.seek(toOffset: size - min(size, 65_557))) != nil, let d = try? h.readToEnd() else { return nil }
        let b = [UInt8](d)
        var i = b.count - 22
        while i >= 0 {
            if b[i] == 0x50, b[i + 1] == 0x4B, b[i + 2] == 0x05, b[i + 3] == 0x06 {
                let n = Int(b[i + 10]) | Int(b[i + 11]) << 8
                return n == 0xFFFF ? nil : n
            }
            i -= 1
        }
        return nil
    }

    /// Writes `arrays` as an uncompressed `.npz` (what `np.savez` writes), replacing `url`.
    public static func write(_ arrays: [String: NPYArray], to url: URL) throws {
        try? FileManager.default.removeItem(at: url)
        let archive: Archive
        do { archive = try Archive(url: url, accessMode: .create) } catch {
            throw RNNError(.invalid, url.path, "cannot create the archive (\(error))")
        }
        for name in arrays.keys.sorted() {
            let d = arrays[name]!.npyData
            do {
                try archive.addEntry(with: name + ".npy", type: .file, uncompressedSize: Int64(d.count), compressionMethod: .none) { pos, size in
                    d.subdata(in: Int(pos)..<(Int(pos) + size))
                }
            } catch {
                throw RNNError(.invalid, "\(url.path): \(name)", "cannot write (\(error))")
            }
        }
    }
}
