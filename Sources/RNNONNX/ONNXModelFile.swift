import Foundation
import ONNXProto
import RNNCore
import RNNFixtures
import RNNNumpy
import SwiftProtobuf

/// Reads an ONNX model (`.onnx`, a serialised `onnx.ModelProto`) and turns each of its `LSTM`,
/// `GRU` and `RNN` nodes into a fixture description (`rnnref fixture`'s input): the node's
/// attributes as `model.attributes`, its inputs as `model.inputs` naming arrays, each array
/// from the graph's initializers or from the arrays the caller saved (a `.npz` keyed by the
/// graph's tensor names), and, where the `.npz` holds arrays named as the node's outputs, those
/// as `expected` (Y as `outputs`, Y_h and Y_c as `final_state`). A node whose input is neither
/// an initializer nor in the arrays is refused, naming it.
public enum ONNXModelFile {
    public struct NodeFixture: Sendable {
        /// `<model>-<node name or op and index>`.
        public var name: String
        public var description: JSONValue
        public var arrays: [String: NPYArray]
    }

    /// The recurrent nodes of `data`, in graph order. Errors name `what` (the file) and the
    /// node or tensor.
    public static func nodes(_ data: Data, arrays: [String: NPYArray], modelName: String, what: String) throws -> [NodeFixture] {
        let model: Onnx_ModelProto
        do { model = try Onnx_ModelProto(serializedBytes: data) } catch {
            throw RNNError(.malformed, what, "not an ONNX model (the protobuf does not parse: \(error))")
        }
        guard model.hasGraph else { throw RNNError(.malformed, what, "the model has no graph") }
        let graph = model.graph
        let (producer, version) = (model.producerName, model.producerVersion)
        var initializers: [String: Onnx_TensorProto] = [:]
        for t in graph.initializer { initializers[t.name] = t }
        var out: [NodeFixture] = []
        var count: [String: Int] = [:]
        for (k, node) in graph.node.enumerated() where ["LSTM", "GRU", "RNN"].contains(node.opType) {
            guard node.domain.isEmpty || node.domain == "ai.onnx" else { continue }
            // a file-name-safe label: the node's name (exporters write "/LSTM_1"), else op and index
            let cleaned = String(node.name.map { $0.isLetter || $0.isNumber ? $0 : "-" }).split(separator: "-").joined(separator: "-")
            let label = cleaned.isEmpty ? "\(node.opType.lowercased())\(count[node.opType, default: 0])" : cleaned
            count[node.opType, default: 0] += 1
            let nodeWhat = "\(what): node \(k) (\(node.opType) \"\(label)\")"
            let inputNames = ["X", "W", "R", "B", "sequence_lens", "initial_h"] + (node.opType == "LSTM" ? ["initial_c", "P"] : [])
            for (i, required) in ["X", "W", "R"].enumerated() where i >= node.input.count || node.input[i].isEmpty {
                throw RNNError(.missing, "\(nodeWhat): input \(required)", "the node has no \(required) (an \(node.opType) needs X, W and R)")
            }
            var inputs: [String: JSONValue] = [:], used: [String: NPYArray] = [:]
            for (i, tensorName) in node.input.enumerated() where !tensorName.isEmpty {
                guard i < inputNames.count else { throw RNNError(.malformed, nodeWhat, "has \(node.input.count) inputs; \(node.opType) takes \(inputNames.count)") }
                let key = tensorName
                if let a = arrays[tensorName] {
                    used[key] = a
                } else if let t = initializers[tensorName] {
                    do { used[key] = try array(t) } catch let e as RNNError { throw RNNError(e.kind, "\(what): initializer \"\(tensorName)\"", e.reason) }
                } else {
                    throw RNNError(.missing, "\(nodeWhat): input \(inputNames[i])",
                                   "\"\(tensorName)\" is neither an initializer of the graph nor an array in the arrays file")
                }
                inputs[inputNames[i]] = .string(key)
            }
            var attributes: [String: JSONValue] = [:]
            for a in node.attribute {
                switch a.type {
                case .int: attributes[a.name] = .number(Double(a.i))
                case .float: attributes[a.name] = .number(Double(a.f))
                case .string: attributes[a.name] = .string(String(decoding: a.s, as: UTF8.self))
                case .floats: attributes[a.name] = .array(a.floats.map { .number(Double($0)) })
                case .strings: attributes[a.name] = .array(a.strings.map { .string(String(decoding: $0, as: UTF8.self)) })
                case .ints: attributes[a.name] = .array(a.ints.map { .number(Double($0)) })
                default: throw RNNError(.unsupported, "\(nodeWhat): attribute \(a.name)", "attribute type \(a.type) is not one of the recurrent operators'")
                }
            }
            var nodeModel: [String: JSONValue] = ["kind": .string("onnx.\(node.opType)"), "attributes": .object(attributes), "inputs": .object(inputs)]
            // expected: the arrays named as the node's outputs
            var expected: [String: JSONValue] = [:]
            let outs = Array(node.output) + Array(repeating: "", count: 3)
            if !outs[0].isEmpty, arrays[outs[0]] != nil {
                expected["outputs"] = .string(outs[0]); used[outs[0]] = arrays[outs[0]]
            }
            let states = (node.opType == "LSTM" ? [outs[1], outs[2]] : [outs[1]]).map { n -> JSONValue in
                guard !n.isEmpty, let a = arrays[n] else { return .null }
                used[n] = a
                return .string(n)
            }
            if states.contains(where: { $0 != .null }) { expected["final_state"] = .array(states) }
            let dtype = used[node.input[0]]?.dtype == .float64 ? "float64" : "float32"
            let description: JSONValue = .object([
                "name": .string("\(modelName)-\(label)"),
                "about": .string("\(node.opType) node \"\(node.name)\" of \(modelName).onnx"),
                "dtype": .string(dtype),
                "provenance": .object(["generator": .string("rnnref fixture --onnx"), "model": .string(modelName + ".onnx"),
                                       "producer": .string("\(producer) \(version)")]),
                "model": .object(nodeModel),
                "expected": .object(expected),
            ])
            out.append(NodeFixture(name: "\(modelName)-\(label)", description: description, arrays: used))
        }
        if out.isEmpty { throw RNNError(.missing, what, "the graph has no LSTM, GRU or RNN node") }
        return out
    }

    /// An initializer's values: float, double, int32 or int64, from its typed field or its raw
    /// little-endian bytes. External data is refused.
    static func array(_ t: Onnx_TensorProto) throws -> NPYArray {
        let shape = t.dims.map { Int($0) }
        // every partial product bounded (a later 0 must not hide an overflow before it)
        var n = 1
        for d in shape {
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard d >= 0, !overflow, p < 1 << 31 else {
                throw RNNError(.shape, "dims", "\(t.dims.count) dimensions \(t.dims.prefix(6))\(t.dims.count > 6 ? "…" : ""): negative, or over 2^31 elements")
            }
            n = p
        }
        if t.dataLocation == .external { throw RNNError(.unsupported, "data_location", "external data is not read; save the model with its weights inside") }
        let raw = t.rawData
        func fromRaw(_ size: Int, _ conv: (UnsafeRawBufferPointer, Int) -> Double) throws -> [Double] {
            guard raw.count == n * size else { throw RNNError(.shape, "raw_data", "holds \(raw.count) bytes; the shape \(shape) needs \(n * size)") }
            return raw.withUnsafeBytes { b in (0..<n).map { conv(b, $0 * size) } }
        }
        var values: [Double]
        let dtype: NPYArray.DType
        switch Int(t.dataType) {
        case 1:
            dtype = .float32
            values = raw.isEmpty ? t.floatData.map(Double.init)
                : try fromRaw(4) { b, o in Double(Float(bitPattern: UInt32(littleEndian: b.loadUnaligned(fromByteOffset: o, as: UInt32.self)))) }
        case 11:
            dtype = .float64
            values = raw.isEmpty ? t.doubleData
                : try fromRaw(8) { b, o in Double(bitPattern: UInt64(littleEndian: b.loadUnaligned(fromByteOffset: o, as: UInt64.self))) }
        case 6:
            dtype = .int32
            values = raw.isEmpty ? t.int32Data.map(Double.init)
                : try fromRaw(4) { b, o in Double(Int32(littleEndian: b.loadUnaligned(fromByteOffset: o, as: Int32.self))) }
        case 7:
            dtype = .int64
            values = raw.isEmpty ? t.int64Data.map(Double.init)
                : try fromRaw(8) { b, o in Double(Int64(littleEndian: b.loadUnaligned(fromByteOffset: o, as: Int64.self))) }
        default:
            throw RNNError(.unsupported, "data_type", "element type \(t.dataType) (float, double, int32 and int64 are read)")
        }
        guard values.count == n else { throw RNNError(.shape, "data", "holds \(values.count) values; the shape \(shape) needs \(n)") }
        return NPYArray(shape: shape, values: values, dtype: dtype)
    }
}
