import RNNCore
import RNNNumpy

/// A `tf.nn.bidirectional_dynamic_rnn` fixture: `cells_fw`, `cells_bw`, `initial_state_fw`,
/// `initial_state_bw`; `expected.outputs` is `[output_fw, output_bw]` and `final_state` lists
/// the forward state's flattened tensors, then the backward state's.
public struct BidirectionalProblem: Sendable {
    public var cellsFw: [CellEntry]
    public var cellsBw: [CellEntry]
    public var timeMajor: Bool
    public var xName: String
    public var x: TensorData
    public var stateFwNames: [String]?
    public var stateBwNames: [String]?
    public var sequenceLength: [Int]?
    public var upstreamOutputs: [TensorData]?
    public var upstreamFinal: [TensorData]?
    public var tensors: [String: TensorData]

    public init(_ f: Fixture) throws {
        let m = f.model
        try rejectUnknownKeys(m, known: ["kind", "time_major", "cells_fw", "cells_bw", "x", "sequence_length", "initial_state_fw",
                                         "initial_state_bw", "upstream", "dtype", "parallel_iterations", "swap_memory", "scope"],
                              path: "model", kind: f.kind)
        tensors = f.tensors
        timeMajor = try boolKey(m, "time_major", path: "model", default: false)
        guard let (xn, xd) = try f.namedTensor(m, "x", path: "model") else { throw RNNError(.missing, "model.x", "missing input tensor name") }
        guard xd.rank == 3 else { throw RNNError(.shape, "tensors.\(xn)", "x must have rank 3, got shape \(xd.shape)") }
        xName = xn
        x = xd
        func cells(_ key: String) throws -> [CellEntry] {
            guard let cs = m[key]?.arrayValue, !cs.isEmpty else { throw RNNError(.missing, "model.\(key)", "needs a non-empty list of cells") }
            var input = xd.shape[2]
            var out: [CellEntry] = []
            for (k, c) in cs.enumerated() {
                guard let co = c.objectValue else { throw RNNError(.malformed, "model.\(key)[\(k)]", "must be an object") }
                let e = try decodeTFCell(co, inputSize: input, path: "model.\(key)[\(k)]")
                for (v, t) in e.weightNames { _ = try f.tensor(t, key: "model.\(key)[\(k)].weights.\(v)") }
                out.append(e)
                input = e.spec.outputSize
            }
            return out
        }
        cellsFw = try cells("cells_fw")
        cellsBw = try cells("cells_bw")
        stateFwNames = try f.namedTensors(m, "initial_state_fw", path: "model")?.map(\.name)
        stateBwNames = try f.namedTensors(m, "initial_state_bw", path: "model")?.map(\.name)
        if let (ln, l) = try f.namedTensor(m, "sequence_length", path: "model") {
            guard l.isInteger, l.rank == 1 else { throw RNNError(.malformed, "tensors.\(ln)", "sequence_length must be an int64 vector [B]") }
            sequenceLength = l.ints
        }
        if let u = m["upstream"]?.objectValue {
            if let o = u["outputs"] {
                guard let names = o.arrayValue?.compactMap(\.stringValue), names.count == 2 else {
                    throw RNNError(.malformed, "model.upstream.outputs", "must list two tensor names: [output_fw, output_bw]")
                }
                upstreamOutputs = try names.map { try f.tensor($0, key: "model.upstream.outputs") }
            }
            upstreamFinal = try f.namedTensors(u, "final_state", path: "model.upstream")?.map(\.data)
        }
    }
}
