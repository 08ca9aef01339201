import RNNCore

/// A Flax linen fixture, in Flax's vocabulary (flax 0.12.8):
///
///     {"kind": "flax.linen.RNN",
///      "cell": {"kind": "flax.linen.LSTMCell", "features": 3, "gate_fn": "sigmoid", "activation_fn": "tanh"},
///      "time_major": false, "return_carry": true, "reverse": true, "keep_order": true,
///      "params": {"cell/ii/kernel": "params/cell/ii/kernel", ...},
///      "inputs": "inputs", "seq_lengths": "seq_lengths", "initial_carry": ["initial_carry/0", "initial_carry/1"],
///      "upstream": {"outputs": "upstream/outputs", "final_state": ["upstream/carry/0", "upstream/carry/1"]}}
///
///     {"kind": "flax.linen.Bidirectional", "forward_rnn": {"cell": {...}}, "backward_rnn": {"cell": {...}},
///      "time_major": false, "return_carry": true, "params": {"forward_rnn/cell/ii/kernel": ..., "backward_rnn/cell/...": ...}, ...}
///
/// `params` maps each parameter's path in Flax's `params` collection
/// (`flax.traverse_util.flatten_dict(variables["params"], sep="/")`) to a tensor name; every
/// path the cell has must be there. Absent flags take Flax's defaults; no `initial_carry`:
/// zeros (`initialize_carry`); no `seq_lengths`: none. `expected.outputs` is the output
/// sequence, `expected.final_state` the carry's leaves in Flax's order (`jax.tree_util.
/// tree_leaves(carry)`: LSTM `c, h`; a Bidirectional's forward carry, then backward), present
/// only with `return_carry`; gradients are keyed by tensor name. Decoding runs no math.
public struct FlaxProblem: Sendable {
    public enum Kind: String, Sendable {
        case rnn = "flax.linen.RNN"
        case bidirectional = "flax.linen.Bidirectional"
    }

    /// Flax's cell class names.
    public static let cellKinds: [(name: String, kind: FlaxCellConfig.Kind)] = [
        ("flax.linen.LSTMCell", .lstm), ("flax.linen.OptimizedLSTMCell", .optimizedLSTM),
        ("flax.linen.GRUCell", .gru), ("flax.linen.SimpleCell", .simple), ("flax.linen.MGUCell", .mgu),
    ]

    public var kind: Kind
    /// One cell (an RNN) or two (a Bidirectional's forward and backward RNNs), with the prefix
    /// of their parameter paths (`cell/`, `forward_rnn/cell/`, `backward_rnn/cell/`).
    public var cells: [(config: FlaxCellConfig, prefix: String)]
    public var inputSize: Int
    public var timeMajor: Bool
    public var returnCarry: Bool
    public var reverse: Bool
    public var keepOrder: Bool
    /// Parameter path → tensor name.
    public var params: [String: String]
    public var inputsName: String
    public var seqLengths: [Int]?
    public var initialCarryNames: [String]?
    public var upstreamOutputs: TensorData?
    public var upstreamCarry: [TensorData]?
    public var tensors: [String: TensorData]

    public init(_ f: Fixture) throws {
        guard let kind = Kind(rawValue: f.kind) else { throw RNNError(.unknown, "model.kind", "not a Flax kind: \(f.kind)") }
        self.kind = kind
        let m = f.model
        let layerKeys = kind == .rnn ? ["cell", "reverse", "keep_order"] : ["forward_rnn", "backward_rnn"]
        try rejectUnknownKeys(m, known: Set(["kind", "time_major", "return_carry", "params", "inputs", "seq_lengths", "initial_carry", "upstream"] + layerKeys),
                              path: "model", kind: f.kind)
        guard let (xName, x) = try f.namedTensor(m, "inputs", path: "model") else { throw RNNError(.missing, "model.inputs", "needs the input sequence") }
        timeMajor = try boolKey(m, "time_major", path: "model", default: false)
        returnCarry = try boolKey(m, "return_carry", path: "model", default: false)
        reverse = try boolKey(m, "reverse", path: "model", default: false)
        keepOrder = try boolKey(m, "keep_order", path: "model", default: false)
        guard !x.isInteger, x.rank == 3 else {
            throw RNNError(.shape, "tensors.\(xName)", "inputs must be a float tensor [B, T, I] (time-major [T, B, I]), got \(x.shape)")
        }
        let (steps, batch, inSize) = timeMajor ? (x.shape[0], x.shape[1], x.shape[2]) : (x.shape[1], x.shape[0], x.shape[2])
        (inputsName, inputSize, tensors) = (xName, inSize, f.tensors)

        // the cells
        func cell(_ o: JSONValue?, path: String) throws -> FlaxCellConfig {
            guard let c = o?.objectValue else { throw RNNError(.missing, path, "needs the cell: {\"kind\": \"flax.linen.LSTMCell\", \"features\": H}") }
            guard let name = c["kind"]?.stringValue else { throw RNNError(.missing, "\(path).kind", "missing cell kind") }
            guard let k = Self.cellKinds.first(where: { $0.name == name })?.kind else {
                throw RNNError(.unsupported, "\(path).kind", "unknown Flax cell \"\(name)\" (known: \(Self.cellKinds.map(\.name).joined(separator: ", ")))")
            }
            let own = k == .simple ? ["residual"] : k == .mgu ? ["gate_fn", "reset_gate"] : ["gate_fn"]
            try rejectUnknownKeys(c, known: Set(["kind", "features", "activation_fn", "carry_init", "param_dtype"] + own), path: path, kind: name)
            var config = FlaxCellConfig(kind: k, features: try intKey(c, "features", path: path))
            guard config.features > 0 else { throw RNNError(.invalid, "\(path).features", "must be positive, got \(config.features)") }
            config.gateFn = try activationKey(c, path: path, default: .sigmoid, key: "gate_fn")
            config.activationFn = try activationKey(c, path: path, default: .tanh, key: "activation_fn")
            config.residual = try boolKey(c, "residual", path: path, default: false)
            if k == .mgu, try !boolKey(c, "reset_gate", path: path, default: true) {
                throw RNNError(.unsupported, "\(path).reset_gate", "MGUCell(reset_gate=False) is not supported (its candidate sees h·W_hn unreset: no GRU computes that)")
            }
            if let ci = c["carry_init"]?.stringValue, ci != "zeros" {
                throw RNNError(.unsupported, "\(path).carry_init", "only zeros (the default) is supported; give initial_carry instead")
            }
            return config
        }
        if kind == .rnn {
            cells = [(try cell(m["cell"], path: "model.cell"), "cell/")]
        } else {
            cells = try ["forward_rnn", "backward_rnn"].map { r in
                guard let o = m[r]?.objectValue else { throw RNNError(.missing, "model.\(r)", "needs {\"cell\": {...}}") }
                try rejectUnknownKeys(o, known: ["cell", "time_major", "return_carry", "reverse", "keep_order"], path: "model.\(r)", kind: f.kind)
                return (try cell(o["cell"], path: "model.\(r).cell"), "\(r)/cell/")
            }
        }
        for (c, _) in cells {
            do { try c.spec.validate(inputSize: inSize) } catch let e as RNNError { throw RNNError(e.kind, "model", e.reason) }
        }

        // parameters: exactly the cells' paths
        guard let p = m["params"]?.objectValue else { throw RNNError(.missing, "model.params", "needs every parameter path (e.g. \"cell/ii/kernel\") → tensor name") }
        var names: [String: String] = [:]
        for (c, prefix) in cells {
            for (n, shape) in c.parameterShapes(inputSize: inSize) {
                let path = prefix + n
                guard let v = p[path] else {
                    throw RNNError(.missing, "model.params.\(path)", "\(Self.cellKinds.first { $0.kind == c.kind }!.name) needs \(path) \(shape)")
                }
                guard let tn = v.stringValue else { throw RNNError(.malformed, "model.params.\(path)", "must be a tensor name (a string)") }
                let t = try f.tensor(tn, key: "model.params.\(path)")
                guard !t.isInteger, t.shape == shape else { throw RNNError(.shape, "tensors.\(tn)", "\(path) must be a float tensor of shape \(shape), got \(t.shape)") }
                names[path] = tn
            }
        }
        if let extra = p.keys.sorted().first(where: { names[$0] == nil }) {
            throw RNNError(.unsupported, "model.params.\(extra)", "no parameter of this model has that path (known: \(names.keys.sorted().joined(separator: ", ")))")
        }
        params = names

        // seq_lengths, initial carry, upstream
        if let (n, s) = try f.namedTensor(m, "seq_lengths", path: "model") {
            guard s.isInteger, s.shape == [batch] else { throw RNNError(.shape, "tensors.\(n)", "seq_lengths must be int [B] = [\(batch)], got \(s.isInteger ? "int " : "float ")\(s.shape)") }
            if let bad = s.ints.firstIndex(where: { $0 < 0 || $0 > steps }) {
                throw RNNError(.invalid, "tensors.\(n)", "seq_lengths[\(bad)] = \(s.ints[bad]) is outside 0…\(steps) (the inputs' length)")
            }
            seqLengths = s.ints
        }
        let carryShapes = cells.flatMap { c in Array(repeating: [batch, c.config.features], count: c.config.carryCount) }
        if let list = try f.namedTensors(m, "initial_carry", path: "model") {
            guard list.count == carryShapes.count else {
                throw RNNError(.shape, "model.initial_carry", "expected \(carryShapes.count) tensors (the carry's leaves in Flax's order), got \(list.count)")
            }
            for (k, (n, t)) in list.enumerated() where t.isInteger || t.shape != carryShapes[k] {
                throw RNNError(.shape, "tensors.\(n)", "initial_carry[\(k)] must be a float tensor of shape \(carryShapes[k]), got \(t.shape)")
            }
            initialCarryNames = list.map(\.name)
        }
        if let u = m["upstream"]?.objectValue {
            let width = cells.map(\.config.features).reduce(0, +)
            let yShape = timeMajor ? [steps, batch, width] : [batch, steps, width]
            if let (n, t) = try f.namedTensor(u, "outputs", path: "model.upstream") {
                guard t.shape == yShape else { throw RNNError(.shape, "tensors.\(n)", "upstream.outputs must have the outputs' shape \(yShape), got \(t.shape)") }
                upstreamOutputs = t
            }
            if let list = try f.namedTensors(u, "final_state", path: "model.upstream") {
                guard returnCarry else { throw RNNError(.invalid, "model.upstream.final_state", "the model returns no carry (return_carry is false)") }
                guard list.count == carryShapes.count else {
                    throw RNNError(.shape, "model.upstream.final_state", "expected \(carryShapes.count) tensors (the carry's leaves), got \(list.count)")
                }
                for (k, (n, t)) in list.enumerated() where t.shape != carryShapes[k] {
                    throw RNNError(.shape, "tensors.\(n)", "upstream.final_state[\(k)] must have shape \(carryShapes[k]), got \(t.shape)")
                }
                upstreamCarry = list.map(\.data)
            }
        }
    }

    public var hasUpstream: Bool { upstreamOutputs != nil || upstreamCarry != nil }

    /// Cell `k`'s parameters by Flax's names below its scope.
    public func flaxParameters<T: RNNFloat>(_ t: [String: Tensor<T>], cell k: Int) -> [String: Tensor<T>] {
        let (c, prefix) = cells[k]
        var out: [String: Tensor<T>] = [:]
        for (n, _) in c.parameterShapes(inputSize: inputSize) { out[n] = t[params[prefix + n]!]! }
        return out
    }
}
