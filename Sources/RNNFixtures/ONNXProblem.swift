import RNNCore

/// An ONNX recurrent-operator fixture (opset 22), in ONNX's vocabulary:
///
///     {"kind": "onnx.LSTM",
///      "attributes": {"hidden_size": 3, "direction": "bidirectional", "layout": 0,
///                     "activations": [...], "activation_alpha": [...], "activation_beta": [...],
///                     "clip": 2.0, "input_forget": 1},
///      "inputs": {"X": "X", "W": "W", "R": "R", "B": "B", "sequence_lens": "sequence_lens",
///                 "initial_h": "initial_h", "initial_c": "initial_c", "P": "P"},
///      "upstream": {"outputs": "upstream/Y", "final_state": ["upstream/Y_h", "upstream/Y_c"]}}
///
/// Absent attributes and inputs take ONNX's defaults (no B: zero biases; no P: no peepholes;
/// no initial state: zeros; no sequence_lens: every row T steps). `expected.outputs` is Y,
/// `expected.final_state` `[Y_h, Y_c]`, gradients are keyed by the input tensors' names.
/// Decoding checks every shape and reads the activations; it runs no math.
public struct ONNXProblem: Sendable {
    public enum Operator: String, Sendable {
        case lstm = "onnx.LSTM"
        case gru = "onnx.GRU"
        case rnn = "onnx.RNN"

        /// Gate blocks in W's and R's rows.
        public var gates: Int { self == .lstm ? 4 : self == .gru ? 3 : 1 }
        /// Activations per direction (LSTM f, g, h; GRU f, g; RNN f), and their defaults.
        public var defaultActivations: [String] {
            switch self {
            case .lstm: return ["Sigmoid", "Tanh", "Tanh"]
            case .gru: return ["Sigmoid", "Tanh"]
            case .rnn: return ["Tanh"]
            }
        }
        public var activationsPerDirection: Int { defaultActivations.count }
        public var stateNames: [String] { self == .lstm ? ["initial_h", "initial_c"] : ["initial_h"] }
        /// The attributes beyond the common ones.
        public var ownAttributes: [String] {
            switch self {
            case .lstm: return ["input_forget"]
            case .gru: return ["linear_before_reset"]
            case .rnn: return []
            }
        }
    }

    public var op: Operator
    public var hiddenSize: Int
    public var inputSize: Int
    public var direction: ONNXDirection
    public var layout: Int
    /// One cell spec per direction (forward, then reverse).
    public var specs: [CellSpec]
    /// Input tensor names by ONNX input name (`X`, `W`, `R`, and those given of `B`,
    /// `sequence_lens`, `initial_h`, `initial_c`, `P`).
    public var inputs: [String: String]
    public var sequenceLens: [Int]?
    public var upstreamOutputs: TensorData?
    public var upstreamFinal: [TensorData]?
    public var tensors: [String: TensorData]

    public init(_ f: Fixture) throws {
        guard let op = Operator(rawValue: f.kind) else { throw RNNError(.unknown, "model.kind", "not an ONNX operator kind: \(f.kind)") }
        self.op = op
        let m = f.model
        try rejectUnknownKeys(m, known: ["kind", "attributes", "inputs", "upstream"], path: "model", kind: f.kind)
        let a = m["attributes"]?.objectValue ?? [:]
        try rejectUnknownKeys(a, known: Set(["hidden_size", "direction", "layout", "activations", "activation_alpha", "activation_beta",
                                             "clip"] + op.ownAttributes), path: "model.attributes", kind: f.kind)
        guard let io = m["inputs"]?.objectValue else { throw RNNError(.missing, "model.inputs", "needs the operator's inputs (X, W, R, …)") }
        let known = ["X", "W", "R", "B", "sequence_lens", "initial_h"] + (op == .lstm ? ["initial_c", "P"] : [])
        try rejectUnknownKeys(io, known: Set(known), path: "model.inputs", kind: f.kind)
        var names: [String: String] = [:]
        var data: [String: TensorData] = [:]
        for k in known {
            guard let v = io[k], v != .null else { continue }
            guard let n = v.stringValue else { throw RNNError(.malformed, "model.inputs.\(k)", "must be a tensor name (a string)") }
            if n.isEmpty { continue }                              // ONNX's "" for an absent optional input
            names[k] = n
            data[k] = try f.tensor(n, key: "model.inputs.\(k)")
        }
        for k in ["X", "W", "R"] where names[k] == nil { throw RNNError(.missing, "model.inputs.\(k)", "the operator needs \(k)") }
        inputs = names
        tensors = f.tensors

        // attributes
        let dirName = try a["direction"].map { v -> String in
            guard let s = v.stringValue else { throw RNNError(.malformed, "model.attributes.direction", "must be a string") }
            return s
        } ?? "forward"
        guard let dir = ONNXDirection(rawValue: dirName) else {
            throw RNNError(.invalid, "model.attributes.direction", "must be forward, reverse or bidirectional, got \"\(dirName)\"")
        }
        direction = dir
        let d = dir == .bidirectional ? 2 : 1
        layout = try intKey(a, "layout", path: "model.attributes", default: 0)
        guard layout == 0 || layout == 1 else { throw RNNError(.invalid, "model.attributes.layout", "must be 0 or 1, got \(layout)") }

        // shapes
        let x = data["X"]!, r = data["R"]!
        guard !x.isInteger, x.rank == 3 else { throw RNNError(.shape, "tensors.\(names["X"]!)", "X must be a float tensor of rank 3, got \(x.shape)") }
        let (steps, batch, inSize) = layout == 0 ? (x.shape[0], x.shape[1], x.shape[2]) : (x.shape[1], x.shape[0], x.shape[2])
        guard r.rank == 3, r.shape[0] == d, r.shape[1] % op.gates == 0, r.shape[1] / op.gates == r.shape[2], r.shape[2] > 0 else {
            throw RNNError(.shape, "tensors.\(names["R"]!)", "R must be [num_directions = \(d), \(op.gates)·H, H], got \(r.shape)")
        }
        let h = r.shape[2]
        if a["hidden_size"] != nil {
            let hs = try intKey(a, "hidden_size", path: "model.attributes")
            guard hs == h else { throw RNNError(.shape, "model.attributes.hidden_size", "is \(hs), but R is [\(d), \(op.gates)·\(h), \(h)]") }
        }
        (hiddenSize, inputSize) = (h, inSize)
        func expect(_ k: String, _ shape: [Int]) throws {
            guard let t = data[k] else { return }
            guard !t.isInteger, t.shape == shape else {
                throw RNNError(.shape, "tensors.\(names[k]!)", "\(k) must be a float tensor of shape \(shape), got \(t.isInteger ? "int64 " : "")\(t.shape)")
            }
        }
        try expect("W", [d, op.gates * h, inSize])
        try expect("B", [d, 2 * op.gates * h])
        try expect("P", [d, 3 * h])
        for k in op.stateNames { try expect(k, layout == 0 ? [d, batch, h] : [batch, d, h]) }
        if let s = data["sequence_lens"] {
            guard s.isInteger, s.shape == [batch] else {
                throw RNNError(.shape, "tensors.\(names["sequence_lens"]!)", "sequence_lens must be int [B] = [\(batch)], got \(s.isInteger ? "int " : "float ")\(s.shape)")
            }
            if let bad = s.ints.firstIndex(where: { $0 < 0 || $0 > steps }) {
                throw RNNError(.invalid, "tensors.\(names["sequence_lens"]!)", "sequence_lens[\(bad)] = \(s.ints[bad]) is outside 0…\(steps) (X's sequence length)")
            }
            sequenceLens = s.ints
        }

        // activations: f, g, h per direction (forward's, then reverse's), alpha/beta read as onnxruntime reads them
        let actNames: [String]
        if let v = a["activations"] {
            guard let list = v.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else {
                throw RNNError(.malformed, "model.attributes.activations", "must be a list of activation names")
            }
            actNames = list.map { $0.stringValue! }
            guard actNames.count == op.activationsPerDirection * d else {
                throw RNNError(.invalid, "model.attributes.activations", "a \(dir.rawValue) \(op.rawValue) needs \(op.activationsPerDirection * d) activations (\(op.activationsPerDirection) per direction), got \(actNames.count)")
            }
        } else {
            actNames = Array(Array(repeating: op.defaultActivations, count: d).joined())
        }
        func numbers(_ k: String) throws -> [Double] {
            guard let v = a[k] else { return [] }
            guard let list = v.arrayValue, list.allSatisfy({ $0.numberValue != nil }) else {
                throw RNNError(.malformed, "model.attributes.\(k)", "must be a list of numbers")
            }
            return list.map { $0.numberValue! }
        }
        let acts: [Activation]
        do { acts = try ONNXActivations.parse(actNames, alpha: try numbers("activation_alpha"), beta: try numbers("activation_beta")) } catch let e as RNNError {
            throw RNNError(e.kind, "model.attributes.\(e.location)", e.reason)
        }
        let clip = try optionalNumber(a, "clip", path: "model.attributes")
        if let c = clip, !(c > 0) { throw RNNError(.invalid, "model.attributes.clip", "must be positive, got \(c)") }
        func flag(_ k: String) throws -> Bool {
            let v = try intKey(a, k, path: "model.attributes", default: 0)
            guard v == 0 || v == 1 else { throw RNNError(.invalid, "model.attributes.\(k)", "must be 0 or 1, got \(v)") }
            return v == 1
        }
        let (inputForget, linearBeforeReset) = (try flag("input_forget"), try flag("linear_before_reset"))
        let gateClip = clip.map { Double(Float($0)) }                     // a float attribute
        let n = op.activationsPerDirection
        specs = (0..<d).map { k in
            let per = Array(acts[(k * n)..<(k * n + n)])
            switch op {
            case .lstm:
                var c = LSTMConfig(flavor: .onnx, units: h)
                (c.recurrentActivation, c.activation) = (per[0], per[1])
                c.outputActivation = per[2] == per[1] ? nil : per[2]
                (c.gateClip, c.inputForget) = (gateClip, inputForget)
                c.useBias = data["B"] != nil
                c.usePeepholes = data["P"] != nil
                return .lstm(c)
            case .gru:
                var c = GRUConfig(flavor: linearBeforeReset ? .onnxLinearBeforeReset : .onnx, units: h)
                (c.recurrentActivation, c.activation, c.gateClip, c.useBias) = (per[0], per[1], gateClip, data["B"] != nil)
                return .gru(c)
            case .rnn:
                return .onnxRNN(hiddenSize: h, activation: per[0], bias: data["B"] != nil, clip: gateClip)
            }
        }
        for s in specs { do { try s.validate(inputSize: inSize) } catch let e as RNNError { throw RNNError(e.kind, "model.attributes", e.reason) } }

        // upstream: L = Σ Y ⊙ upstream.outputs + Σ_k Y_state[k] ⊙ upstream.final_state[k]
        if let u = m["upstream"]?.objectValue {
            let yShape = layout == 0 ? [steps, d, batch, h] : [batch, steps, d, h]
            if let (n, t) = try f.namedTensor(u, "outputs", path: "model.upstream") {
                guard t.shape == yShape else { throw RNNError(.shape, "tensors.\(n)", "upstream.outputs must have Y's shape \(yShape), got \(t.shape)") }
                upstreamOutputs = t
            }
            if let list = try f.namedTensors(u, "final_state", path: "model.upstream") {
                guard list.count == op.stateNames.count else {
                    throw RNNError(.shape, "model.upstream.final_state", "expected \(op.stateNames.count) tensors (Y_h, Y_c), got \(list.count)")
                }
                for (n, t) in list where t.shape != (layout == 0 ? [d, batch, h] : [batch, d, h]) {
                    throw RNNError(.shape, "tensors.\(n)", "upstream.final_state must have Y_h's shape, got \(t.shape)")
                }
                upstreamFinal = list.map(\.data)
            }
        }
    }

    public var directions: Int { direction == .bidirectional ? 2 : 1 }
    public var hasUpstream: Bool { upstreamOutputs != nil || upstreamFinal != nil }

    /// Direction `d`'s parameters, by the cell's names, cut from the operator's inputs:
    /// W[d] [4H, I], R[d] [4H, H], B[d] = [Wb, Rb], P[d] = [P_i, P_o, P_f].
    public func parameters<T: RNNFloat>(_ t: [String: Tensor<T>], direction d: Int) -> [String: Tensor<T>] {
        let h = hiddenSize, g = op.gates
        var p = ["W": t[inputs["W"]!]!.slice(d), "R": t[inputs["R"]!]!.slice(d)]
        func part(_ v: Tensor<T>, _ k: Int, _ n: Int) -> Tensor<T> { Tensor(uncheckedShape: [n], data: Array(v.data[(k * n)..<((k + 1) * n)])) }
        if let b = inputs["B"].map({ t[$0]!.slice(d) }) { (p["Wb"], p["Rb"]) = (part(b, 0, g * h), part(b, 1, g * h)) }
        if let ph = inputs["P"].map({ t[$0]!.slice(d) }) { (p["P_i"], p["P_o"], p["P_f"]) = (part(ph, 0, h), part(ph, 1, h), part(ph, 2, h)) }
        return p
    }
}
