import RNNCore
import RNNNumpy

/// A `keras.RNN` fixture whose cell is 003's `NestedCell` (RNNLayers' `KerasNestedRNN`):
///
///     {"kind": "keras.RNN", "cell": {"kind": "NestedCell", "unit_1", "unit_2", "unit_3",
///      "weights": {"kernel_1": …, "kernel_2_3": …}}, "return_sequences", "return_state",
///      "go_backwards", "mask", "zero_output_for_mask", "x": [feature1, feature2],
///      "initial_state": [state1, state2], "upstream": {"outputs": [o1, o23], "final_state": […]}}
///
/// `x` lists the nested input in the cell's flattening order ([B, T, I1] and [B, T, I2, I3]);
/// `expected.outputs` lists the nested output ([B, (T,) U1] and [B, (T,) U2, U3]).
public struct KerasNestedProblem: Sendable {
    public var config: NestedConfig
    public var returnSequences: Bool
    public var returnState: Bool
    public var goBackwards: Bool
    public var zeroOutputForMask: Bool
    /// Keras' mask [B][T].
    public var mask: [[Bool]]?
    /// `kernel_1`, `kernel_2_3` → tensor names.
    public var weightNames: [String: String]
    public var xNames: [String]
    public var initialStateNames: [String]?
    public var upstreamOutputs: [TensorData]?
    public var upstreamFinal: [TensorData]?
    public var tensors: [String: TensorData]

    /// Whether `model` is a `keras.RNN` over a `NestedCell` (the registry's choice).
    public static func isNested(_ f: Fixture) -> Bool {
        f.model["cell"]?.objectValue?["kind"]?.stringValue == NestedConfig.kind
    }

    public init(_ f: Fixture) throws {
        let m = f.model
        try rejectUnknownKeys(m, known: ["kind", "cell", "return_sequences", "return_state", "go_backwards", "stateful", "unroll",
                                         "mask", "zero_output_for_mask", "x", "initial_state", "upstream"], path: "model", kind: f.kind)
        if try boolKey(m, "stateful", path: "model", default: false) {
            throw RNNError(.unsupported, "model.stateful", "a stateful NestedCell layer is not supported in this version")
        }
        guard let c = m["cell"]?.objectValue else { throw RNNError(.missing, "model.cell", "keras.RNN needs its cell object") }
        try rejectUnknownKeys(c, known: ["kind", "unit_1", "unit_2", "unit_3", "weights"], path: "model.cell", kind: NestedConfig.kind)
        guard let xs = m["x"]?.arrayValue else {
            throw RNNError(.malformed, "model.x", "NestedCell takes a nested input: list its two tensors (feature1, feature2)")
        }
        guard xs.count == 2 else { throw RNNError(.shape, "model.x", "NestedCell takes two inputs (feature1, feature2), got \(xs.count)") }
        xNames = try xs.enumerated().map { k, v in
            guard let s = v.stringValue else { throw RNNError(.malformed, "model.x[\(k)]", "must be a tensor name") }
            return s
        }
        let (x1, x2) = (try f.tensor(xNames[0], key: "model.x[0]"), try f.tensor(xNames[1], key: "model.x[1]"))
        guard x1.rank == 3 else { throw RNNError(.shape, "model.x[0]", "feature1 must be [B, T, I1], got \(x1.shape)") }
        guard x2.rank == 4, Array(x2.shape.prefix(2)) == Array(x1.shape.prefix(2)) else {
            throw RNNError(.shape, "model.x[1]", "feature2 must be [B, T, I2, I3] with feature1's B and T \(Array(x1.shape.prefix(2))), got \(x2.shape)")
        }
        config = NestedConfig(unit1: try intKey(c, "unit_1", path: "model.cell"), unit2: try intKey(c, "unit_2", path: "model.cell"),
                              unit3: try intKey(c, "unit_3", path: "model.cell"), input1: x1.shape[2], input2: x2.shape[2], input3: x2.shape[3])
        do { try CellSpec.kerasNested(config).validate(inputSize: config.flatInput) } catch let e as RNNError {
            throw RNNError(e.kind, "model.cell", e.reason)
        }
        weightNames = try RNNFixtures.weightNames(c, spec: .kerasNested(config), inputSize: config.flatInput, path: "model.cell")
        for (v, t) in weightNames { _ = try f.tensor(t, key: "model.cell.weights.\(v)") }
        returnSequences = try boolKey(m, "return_sequences", path: "model", default: false)
        returnState = try boolKey(m, "return_state", path: "model", default: false)
        goBackwards = try boolKey(m, "go_backwards", path: "model", default: false)
        zeroOutputForMask = try boolKey(m, "zero_output_for_mask", path: "model", default: false)
        tensors = f.tensors
        if let (mn, md) = try f.namedTensor(m, "mask", path: "model") {
            let (b, t) = (x1.shape[0], x1.shape[1])
            guard md.isInteger, md.shape == [b, t] else {
                throw RNNError(.shape, "tensors.\(mn)", "a Keras mask is an integer (0/1) tensor [B, T] = [\(b), \(t)], got \(md.shape)")
            }
            mask = (0..<b).map { r in (0..<t).map { md.ints[r * t + $0] != 0 } }
        }
        if let s = try f.namedTensors(m, "initial_state", path: "model") {
            guard s.count == 2 else { throw RNNError(.shape, "model.initial_state", "NestedCell's state is (state1, state2), got \(s.count) tensors") }
            initialStateNames = s.map(\.name)
        }
        if let u = m["upstream"]?.objectValue {
            upstreamOutputs = try f.namedTensors(u, "outputs", path: "model.upstream")?.map(\.data)
            upstreamFinal = try f.namedTensors(u, "final_state", path: "model.upstream")?.map(\.data)
        }
    }
}
