import Foundation
import RNNCore
import RNNNumpy

/// A fixture tensor as stored: shape, values (as float64) and whether it is an integer tensor.
public struct TensorData: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Double]
    public var isInteger: Bool

    public init(shape: [Int], values: [Double], isInteger: Bool = false) {
        self.shape = shape
        self.values = values
        self.isInteger = isInteger
    }

    public init<T: RNNFloat>(_ t: Tensor<T>) {
        self.init(shape: t.shape, values: t.data.map { Double($0) })
    }

    public init(ints: [Int], shape: [Int]? = nil) {
        self.init(shape: shape ?? [ints.count], values: ints.map(Double.init), isInteger: true)
    }

    public init(scalar: Double) { self.init(shape: [], values: [scalar]) }

    /// The values in precision `T` (exact: float32 fixture values are float32 numbers).
    public func tensor<T: RNNFloat>(_: T.Type = T.self) -> Tensor<T> {
        Tensor(uncheckedShape: shape, data: values.map { T($0) })
    }

    public var ints: [Int] { values.map { Int($0) } }

    public var json: JSONValue {
        var o: [String: JSONValue] = ["shape": .array(shape.map { .number(Double($0)) }),
                                      "data": .array(values.map { .number($0) })]
        if isInteger { o["dtype"] = .string("int64") }
        return .object(o)
    }

    /// A tensor too large for JSON, stored as the numpy draws that made it:
    /// `{"seed": S, "dist": "uniform", "low": a, "high": b}` is
    /// `np.random.RandomState(S).uniform(a, b, size=shape)`, `{"seed": S, "dist": "randn",
    /// "scale": s}` is `RandomState(S).randn(*shape) * s` (cast to the fixture's dtype).
    static func generated(_ g: JSONValue, count: Int, what: String) throws -> [Double] {
        guard let o = g.objectValue, let seedValue = o["seed"]?.numberValue, let dist = o["dist"]?.stringValue else {
            throw RNNError(.malformed, what, "a numpy generator needs seed and dist")
        }
        guard count <= 50_000_000 else { throw RNNError(.invalid, what, "\(count) values is more than this reader generates") }
        var rng = try numpyRandomState(seed: Int(seedValue))
        switch dist {
        case "uniform":
            guard let lo = o["low"]?.numberValue, let hi = o["high"]?.numberValue else { throw RNNError(.malformed, what, "uniform needs low and high") }
            return (0..<count).map { _ in rng.uniform(lo, hi) }
        case "randn":
            let scale = o["scale"]?.numberValue ?? 1
            return (0..<count).map { _ in rng.randn() * scale }
        default:
            throw RNNError(.unknown, "\(what).dist", "unknown distribution \"\(dist)\" (uniform, randn)")
        }
    }

    /// Decodes `{"shape": [...], "data": [...], "dtype"?: "int64"}` (or a `numpy` generator
    /// instead of `data`); errors name `what`.
    public init(json: JSONValue, what: String) throws {
        guard let o = json.objectValue else { throw RNNError(.malformed, what, "a tensor must be an object with shape and data") }
        guard let s = o["shape"]?.arrayValue else { throw RNNError(.malformed, what, "tensor has no 'shape' list") }
        var shape: [Int] = []
        for d in s {
            guard let n = d.numberValue, n >= 0, n == n.rounded(), n < 1e9 else {
                throw RNNError(.malformed, "\(what).shape", "dimensions must be non-negative integers")
            }
            shape.append(Int(n))
        }
        var values: [Double] = []
        if let g = o["numpy"] {
            values = try TensorData.generated(g, count: shape.reduce(1, *), what: "\(what).numpy")
        } else {
            guard let d = o["data"]?.arrayValue else { throw RNNError(.malformed, what, "tensor has no 'data' list (nor a 'numpy' generator)") }
            values.reserveCapacity(d.count)
            for (i, v) in d.enumerated() {
                guard let n = v.numberValue else { throw RNNError(.malformed, "\(what).data[\(i)]", "not a number") }
                values.append(n)
            }
        }
        let n = shape.reduce(1, *)
        guard n == values.count else {
            throw RNNError(.shape, what, "shape \(shape) needs \(n) values, data has \(values.count)")
        }
        var isInt = false
        if let dt = o["dtype"] {
            switch dt.stringValue {
            case "int64"?, "int32"?:
                isInt = true
                if let bad = values.firstIndex(where: { $0 != $0.rounded() }) {
                    throw RNNError(.malformed, "\(what).data[\(bad)]", "integer tensor holds \(values[bad])")
                }
            case "float32"?, "float64"?: break
            default: throw RNNError(.unknown, "\(what).dtype", "unknown tensor dtype \(dt.serialized())")
            }
        }
        self.init(shape: shape, values: values, isInteger: isInt)
    }
}

/// Tolerances for comparing results: `|a − e| ≤ atol + rtol·|e|` elementwise (numpy's
/// `allclose`). Defaults: float64 atol 1e-10, rtol 1e-7; float32 atol 1e-5, rtol 1e-4.
public struct Tolerance: Sendable, Equatable {
    public var atol: Double
    public var rtol: Double
    public init(atol: Double, rtol: Double) {
        self.atol = atol
        self.rtol = rtol
    }
    public static func `default`(for dtype: DType) -> Tolerance {
        dtype == .float64 ? Tolerance(atol: 1e-10, rtol: 1e-7) : Tolerance(atol: 1e-5, rtol: 1e-4)
    }
}

/// One `rnnref-fixture/1` document (see Fixtures/FORMAT.md and Fixtures/README.md).
public struct Fixture: Sendable {
    public static let format = "rnnref-fixture/1"

    /// Where it came from (a path), for messages.
    public var source: String
    public var document: [String: JSONValue]
    public var name: String
    public var dtype: DType
    public var model: [String: JSONValue]
    public var kind: String
    public var tensors: [String: TensorData]
    public var tolerance: Tolerance

    /// Reads and validates a fixture file. Every error is one line: `file: key: reason`.
    public static func load(path: String) throws -> Fixture {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw RNNError(.io, path, "cannot read the file (\(error.localizedDescription))")
        }
        do {
            return try Fixture(source: path, json: try JSONValue.parse(data))
        } catch let e as RNNError {
            throw e.location.hasPrefix(path) ? e : e.within(path)
        }
    }

    public init(source: String, json: JSONValue) throws {
        guard let doc = json.objectValue else { throw RNNError(.malformed, "", "a fixture must be a JSON object") }
        guard let f = doc["format"]?.stringValue else { throw RNNError(.missing, "format", "missing key (expected \"\(Fixture.format)\")") }
        guard f == Fixture.format else { throw RNNError(.unknown, "format", "unknown format \"\(f)\" (expected \"\(Fixture.format)\")") }
        guard let dt = doc["dtype"]?.stringValue else { throw RNNError(.missing, "dtype", "missing key (float32 or float64)") }
        guard let dtype = DType(rawValue: dt) else { throw RNNError(.unknown, "dtype", "unknown dtype \"\(dt)\" (float32 or float64)") }
        guard let model = doc["model"]?.objectValue else { throw RNNError(.missing, "model", "missing model object") }
        guard let kind = model["kind"]?.stringValue else { throw RNNError(.missing, "model.kind", "missing model kind") }
        var tensors: [String: TensorData] = [:]
        if let t = doc["tensors"] {
            guard let to = t.objectValue else { throw RNNError(.malformed, "tensors", "must be an object of named tensors") }
            for (k, v) in to {
                var t = try TensorData(json: v, what: "tensors.\(k)")
                // float32 fixtures hold float32 numbers (generated ones are rounded as numpy's astype)
                if dtype == .float32 && !t.isInteger { t.values = t.values.map { Double(Float($0)) } }
                tensors[k] = t
            }
        }
        // a sidecar .npz beside the fixture (`"tensors_file": "NAME.npz"`): its arrays join
        // `tensors`; a name in both is an error, not a silent choice
        if let tf = doc["tensors_file"] {
            guard let file = tf.stringValue, !file.isEmpty else { throw RNNError(.malformed, "tensors_file", "must be a file name (a string)") }
            let url = file.hasPrefix("/") ? URL(fileURLWithPath: file)
                : URL(fileURLWithPath: source).deletingLastPathComponent().appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: url.path) else { throw RNNError(.io, "tensors_file", "no file \(url.path)") }
            let arrays: [String: NPYArray]
            do { arrays = try NPZ.read(url) } catch let e as RNNError { throw RNNError(e.kind, "tensors_file", e.description) }
            for (k, a) in arrays {
                guard tensors[k] == nil else { throw RNNError(.invalid, "tensors_file", "tensor '\(k)' is both in tensors and in \(file)") }
                var t = a.tensorData
                if dtype == .float32 && !t.isInteger { t.values = t.values.map { Double(Float($0)) } }
                tensors[k] = t
            }
        }
        var tol = Tolerance.default(for: dtype)
        if let t = doc["tolerance"] {
            guard let o = t.objectValue else { throw RNNError(.malformed, "tolerance", "must be an object with atol and rtol") }
            if let a = o["atol"] {
                guard let v = a.numberValue, v >= 0 else { throw RNNError(.malformed, "tolerance.atol", "must be a non-negative number") }
                tol.atol = v
            }
            if let r = o["rtol"] {
                guard let v = r.numberValue, v >= 0 else { throw RNNError(.malformed, "tolerance.rtol", "must be a non-negative number") }
                tol.rtol = v
            }
        }
        self.source = source
        self.document = doc
        self.name = doc["name"]?.stringValue ?? URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent
        self.dtype = dtype
        self.model = model
        self.kind = kind
        self.tensors = tensors
        self.tolerance = tol
    }

    /// The tensor named `name`, referenced from model key `key`.
    public func tensor(_ name: String, key: String) throws -> TensorData {
        guard let t = tensors[name] else { throw RNNError(.missing, key, "tensor \"\(name)\" is not in tensors") }
        if t.isInteger == false, !NonFinite.allowed, let bad = t.values.firstIndex(where: { !$0.isFinite }) {
            throw RNNError(.invalid, "tensors.\(name)", "non-finite value at index \(multiIndex(bad, shape: t.shape))")
        }
        return t
    }

    /// The tensor named by the string at model key `key` (nil when the key is absent).
    public func namedTensor(_ object: [String: JSONValue], _ key: String, path: String) throws -> (name: String, data: TensorData)? {
        guard let v = object[key] else { return nil }
        guard let name = v.stringValue else { throw RNNError(.malformed, "\(path).\(key)", "must be a tensor name (a string)") }
        return (name, try tensor(name, key: "\(path).\(key)"))
    }

    /// A list of tensor names at `key` (nil when absent).
    public func namedTensors(_ object: [String: JSONValue], _ key: String, path: String) throws -> [(name: String, data: TensorData)]? {
        guard let v = object[key] else { return nil }
        guard let a = v.arrayValue else { throw RNNError(.malformed, "\(path).\(key)", "must be a list of tensor names") }
        return try a.enumerated().map { i, e in
            guard let name = e.stringValue else { throw RNNError(.malformed, "\(path).\(key)[\(i)]", "must be a tensor name (a string)") }
            return (name, try tensor(name, key: "\(path).\(key)[\(i)]"))
        }
    }

    /// The expected results, flattened to `key/sub` paths (see `ResultSet`).
    public func expected() throws -> ResultSet? {
        guard let e = document["expected"] else { return nil }
        return try ResultSet(json: e, what: "expected", tensors: tensors)
    }

    /// The document with `expected` replaced by `results` (what `rnnref run` writes).
    public func withExpected(_ results: ResultSet, provenanceNote: String) -> JSONValue {
        var doc = document
        doc["expected"] = results.json
        var prov = doc["provenance"]?.objectValue ?? [:]
        prov["expected_by"] = .string(provenanceNote)
        doc["provenance"] = .object(prov)
        return .object(doc)
    }
}

/// Named results, each a tensor at a path like `outputs`, `final_state/0` or
/// `gradients/rnn/basic_rnn_cell/kernel` (the first component is the `expected` key; a list
/// element adds its index, an object member its name).
public struct ResultSet: Sendable {
    public struct Entry: Sendable {
        public var path: [String]
        public var value: TensorData
        /// A tolerance for this entry alone (e.g. the 8 digits a document printed).
        public var tolerance: Tolerance?
        public var key: String { path.joined(separator: "/") }
    }

    public var entries: [Entry] = []
    /// How the top-level keys nest: a list (`final_state`) or an object (`gradients`).
    public var listKeys: Set<String> = []

    public init() {}

    public mutating func add(_ path: [String], _ value: TensorData, tolerance: Tolerance? = nil) {
        entries.append(Entry(path: path, value: value, tolerance: tolerance))
    }

    public mutating func addList(_ key: String, _ values: [TensorData]) {
        listKeys.insert(key)
        for (i, v) in values.enumerated() { add([key, String(i)], v) }
    }

    public func entry(_ key: String) -> Entry? { entries.first { $0.key == key } }

    /// `tensors` resolve `{"tensor": NAME}` values: an expected array kept in the fixture's
    /// sidecar `.npz` (or its `tensors`) under NAME.
    init(json: JSONValue, what: String, tensors: [String: TensorData] = [:]) throws {
        guard let o = json.objectValue else { throw RNNError(.malformed, what, "must be an object") }
        for k in o.keys.sorted() { try flatten(o[k]!, path: [k], what: "\(what).\(k)", tensors: tensors) }
    }

    private mutating func flatten(_ v: JSONValue, path: [String], what: String, tensors: [String: TensorData]) throws {
        if let o = v.objectValue {
            if o["shape"] != nil && o["data"] != nil {
                add(path, try TensorData(json: v, what: what))
            } else if o.count == 1, let name = o["tensor"]?.stringValue {
                guard let t = tensors[name] else { throw RNNError(.missing, "\(what).tensor", "tensor \"\(name)\" is not in tensors (nor in the tensors_file)") }
                add(path, t)
            } else {
                for k in o.keys.sorted() { try flatten(o[k]!, path: path + [k], what: "\(what).\(k)", tensors: tensors) }
            }
        } else if let a = v.arrayValue {
            if path.count == 1 { listKeys.insert(path[0]) }
            if a.allSatisfy({ $0.numberValue != nil }) {
                add(path, TensorData(shape: [a.count], values: a.map { $0.numberValue! }))
            } else {
                for (i, e) in a.enumerated() { try flatten(e, path: path + [String(i)], what: "\(what)[\(i)]", tensors: tensors) }
            }
        } else if let n = v.numberValue {
            add(path, TensorData(scalar: n))
        } else if v.stringValue != nil || v.boolValue != nil || v == .null {
            // notes and flags are not results
        } else {
            throw RNNError(.malformed, what, "unexpected value")
        }
    }

    /// Back to the `expected` object: lists for list keys, objects otherwise.
    public var json: JSONValue {
        var root: [String: JSONValue] = [:]
        var groups: [String: [Entry]] = [:]
        var order: [String] = []
        for e in entries {
            if groups[e.path[0]] == nil { order.append(e.path[0]) }
            groups[e.path[0], default: []].append(e)
        }
        for k in order {
            let g = groups[k]!
            if g.count == 1 && g[0].path.count == 1 {
                root[k] = g[0].value.json
            } else if listKeys.contains(k) {
                root[k] = .array(g.map { $0.value.json })
            } else {
                var o: [String: JSONValue] = [:]
                for e in g { o[e.path.dropFirst().joined(separator: "/")] = e.value.json }
                root[k] = .object(o)
            }
        }
        return .object(root)
    }
}

extension TensorData {
    public var rank: Int { shape.count }
}

extension NPYArray {
    /// The array as a fixture tensor (integer dtypes stay integer).
    public var tensorData: TensorData { TensorData(shape: shape, values: values, isInteger: dtype == .int32 || dtype == .int64) }
}
