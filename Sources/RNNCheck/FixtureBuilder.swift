import Foundation
import RNNCore
import RNNNumpy
import RNNFixtures
import RNNScalar

/// `rnnref fixture`: a model description plus a `.npz` a user's own script wrote (weights,
/// inputs, states, and the framework's outputs and gradients) become one fixture, which
/// `rnnref check` then compares with both implementations.
///
/// The description is a JSON object with the fixture's own keys, where every tensor is named,
/// not given:
///
///     {"name": "my-lstm", "about": "…", "dtype": "float32",      (name, about, dtype optional)
///      "provenance": {"framework": "torch 2.15.0"},               (optional, copied)
///      "model": {… as in the fixture format; tensor names refer to arrays in the .npz …},
///      "expected": {"outputs": "out", "final_state": ["h_n", "c_n"],
///                   "gradients": {"weight_ih_l0": "grad/weight_ih_l0"}},
///      "tolerance": {"atol": 1e-6, "rtol": 1e-5}}                 (optional)
///
/// Inside `expected`, every string is replaced by the array of that name (any nesting of
/// lists and objects, as the fixture format's `expected` for the model kind). The other arrays
/// become `tensors`, inline, or stay in the `.npz` as the fixture's `tensors_file` (`sidecar`).
/// `dtype` defaults to the arrays' float type (all float arrays must agree). The result is
/// loaded and run once before it is returned, so a description that cannot be computed fails
/// here, with the fixture's own one-line error.
public enum FixtureBuilder {
    public static func build(description: JSONValue, arrays: [String: NPYArray], defaultName: String,
                             sidecar: String? = nil, npzName: String) throws -> JSONValue {
        guard let d = description.objectValue else { throw RNNError(.malformed, "", "a model description must be a JSON object") }
        let known: Set<String> = ["name", "about", "dtype", "provenance", "model", "expected", "tolerance"]
        if let k = d.keys.sorted().first(where: { !known.contains($0) }) {
            throw RNNError(.unknown, k, "unknown key (known: \(known.sorted().joined(separator: ", ")))")
        }
        guard d["model"]?.objectValue != nil else { throw RNNError(.missing, "model", "missing model object") }
        guard !arrays.isEmpty else { throw RNNError(.missing, npzName, "the archive holds no arrays") }
        // dtype: given, or the arrays' float type
        let floatTypes = Set(arrays.values.compactMap { a -> DType? in
            a.dtype == .float32 ? .float32 : a.dtype == .float64 ? .float64 : nil
        })
        let dtype: DType
        if let given = d["dtype"] {
            guard let s = given.stringValue, let t = DType(rawValue: s), t == .float32 || t == .float64 else {
                throw RNNError(.unknown, "dtype", "must be \"float32\" or \"float64\"")
            }
            dtype = t
        } else {
            guard floatTypes.count == 1, let t = floatTypes.first else {
                throw RNNError(.invalid, "dtype", floatTypes.isEmpty ? "the archive holds no float arrays" :
                                "the archive mixes float32 and float64 arrays; say which to compute in with \"dtype\"")
            }
            dtype = t
        }
        // expected: names → arrays
        var usedByExpected = Set<String>()
        func resolve(_ v: JSONValue, path: String) throws -> JSONValue {
            switch v {
            case let .string(name):
                guard let a = arrays[name] else {
                    throw RNNError(.missing, path, "no array '\(name)' in \(npzName) (it has: \(arrays.keys.sorted().prefix(12).joined(separator: ", "))\(arrays.count > 12 ? ", …" : ""))")
                }
                usedByExpected.insert(name)
                return a.tensorData.json
            case let .array(list): return .array(try list.enumerated().map { try resolve($1, path: "\(path)[\($0)]") })
            case let .object(o):
                var out: [String: JSONValue] = [:]
                for (k, x) in o { out[k] = try resolve(x, path: "\(path).\(k)") }
                return .object(out)
            default: throw RNNError(.malformed, path, "expected an array name (a string), a list or an object")
            }
        }
        var doc: [String: JSONValue] = [
            "format": .string(Fixture.format),
            "name": .string(d["name"]?.stringValue ?? defaultName),
            "dtype": .string(dtype.rawValue),
            "model": d["model"]!,
        ]
        if let a = d["about"] { doc["about"] = a }
        if let t = d["tolerance"] { doc["tolerance"] = t }
        var provenance = d["provenance"]?.objectValue ?? [:]
        provenance["generator"] = .string("rnnref fixture (arrays: \(npzName))")
        doc["provenance"] = .object(provenance)
        if let e = d["expected"] { doc["expected"] = try resolve(e, path: "expected") }
        if let sidecar {
            doc["tensors_file"] = .string(sidecar)
        } else {
            var tensors: [String: JSONValue] = [:]
            for (k, a) in arrays where !usedByExpected.contains(k) { tensors[k] = a.tensorData.json }
            doc["tensors"] = .object(tensors)
        }
        return .object(doc)
    }

    /// Loads the built document as a fixture (resolving a sidecar against `path`) and runs it
    /// once with the scalar implementation; returns the fixture.
    public static func validate(_ doc: JSONValue, path: String) throws -> Fixture {
        let f = try Fixture(source: path, json: doc)
        _ = try FixtureRunner.run(f, impl: RNNScalar.Implementation.self)
        return f
    }
}
