import RNNCore
import RNNNumpy
import RNNFixtures

/// A random model of one of the supported kinds, as an in-memory fixture (no `expected`):
/// what `rnnref gradcheck` checks and what the scalar-vs-BLAS property tests compare. Every
/// number comes from numpy's legacy stream (`RandomState(seed)`), so a Python script can
/// rebuild the same case.
public struct RandomCase: Sendable, CustomStringConvertible {
    public var kind: String            // tf.BasicRNNCell, keras.SimpleRNN, keras.MinimalRNNCell, numpy.rnn, numpy.min_char_rnn
    public var units: Int = 3
    public var input: Int = 2
    public var batch: Int = 2
    public var steps: Int = 4
    public var layers: Int = 1
    public var outputs: Int = 2        // numpy.rnn's O
    public var activation: Activation = .tanh
    public var useBias: Bool = true
    public var timeMajor: Bool = false
    public var withLengths: Bool = false
    public var dtype: DType = .float64
    public var seed: Int = 0
    public var weightScale: Double = 0.6
    // LSTM options (tf.LSTMCell uses them all; torch.nn.LSTM uses numProj as proj_size)
    public var peepholes: Bool = false
    public var cellClip: Double?
    public var numProj: Int?
    public var projClip: Double?
    public var forgetBias: Double = 1.0
    public var stateIsTuple: Bool = true
    /// Keras GRU `reset_after`.
    public var resetAfter: Bool = true

    public init(kind: String) { self.kind = kind }

    public var description: String {
        var s = "\(kind) H=\(units) I=\(input) B=\(batch) T=\(steps) layers=\(layers) act=\(activation.rawValue) bias=\(useBias) timeMajor=\(timeMajor) lengths=\(withLengths) \(dtype.rawValue) seed=\(seed)"
        if kind.contains("LSTM") {
            s += " peepholes=\(peepholes) cell_clip=\(cellClip.map { "\($0)" } ?? "-") proj=\(numProj.map { "\($0)" } ?? "-") proj_clip=\(projClip.map { "\($0)" } ?? "-") forget_bias=\(forgetBias) tuple=\(stateIsTuple)"
        }
        return s
    }

    public static let kinds = ["tf.BasicRNNCell", "keras.SimpleRNN", "keras.MinimalRNNCell", "numpy.rnn", "numpy.min_char_rnn",
                               "tf.LSTMCell", "tf.BasicLSTMCell", "keras.LSTM", "torch.nn.LSTM",
                               "tf.GRUCell", "keras.GRU", "torch.nn.GRU"]

    /// Kinds that stack as tf.nn.dynamic_rnn cells.
    static let tfCellKinds: Set<String> = ["tf.BasicRNNCell", "tf.LSTMCell", "tf.BasicLSTMCell", "tf.GRUCell"]
    static let torchKinds: Set<String> = ["torch.nn.LSTM", "torch.nn.GRU"]

    /// The cell spec of one layer of this case.
    public func spec() -> CellSpec {
        switch kind {
        case "tf.BasicRNNCell": return .tfBasicRNN(numUnits: units, activation: activation)
        case "keras.SimpleRNN": return .kerasSimpleRNN(units: units, activation: activation, useBias: useBias)
        case "keras.MinimalRNNCell": return .kerasMinimalRNN(units: units)
        case "numpy.rnn": return .numpyRNN(units: units, outputs: outputs)
        case "tf.LSTMCell":
            var c = LSTMConfig(flavor: .tfLSTMCell, units: units)
            c.usePeepholes = peepholes; c.cellClip = cellClip; c.projection = numProj; c.projClip = numProj == nil ? nil : projClip
            c.forgetBias = forgetBias; c.stateIsTuple = stateIsTuple; c.activation = activation
            return .lstm(c)
        case "tf.BasicLSTMCell":
            var c = LSTMConfig(flavor: .tfBasicLSTMCell, units: units)
            c.forgetBias = forgetBias; c.stateIsTuple = stateIsTuple; c.activation = activation
            return .lstm(c)
        case "keras.LSTM":
            var c = LSTMConfig(flavor: .keras, units: units)
            c.useBias = useBias; c.activation = activation
            return .lstm(c)
        case "tf.GRUCell":
            var c = GRUConfig(flavor: .tf, units: units)
            c.activation = activation
            return .gru(c)
        case "keras.GRU":
            var c = GRUConfig(flavor: resetAfter ? .kerasResetAfter : .kerasResetBefore, units: units)
            c.useBias = useBias; c.activation = activation
            return .gru(c)
        case "torch.nn.GRU":
            var c = GRUConfig(flavor: .torch, units: units)
            c.useBias = useBias
            return .gru(c)
        default:
            var c = LSTMConfig(flavor: .torch, units: units)
            c.useBias = useBias; c.projection = numProj
            return .lstm(c)
        }
    }

    /// The fixture for this case.
    public func fixture() throws -> Fixture {
        guard Self.kinds.contains(kind) else {
            throw RNNError(.unknown, "cell", "unknown cell kind \"\(kind)\" (known: \(Self.kinds.joined(separator: ", ")))")
        }
        for (n, v) in [("units", units), ("input", input), ("batch", batch), ("steps", steps), ("layers", layers), ("outputs", outputs)] where v < 1 {
            throw RNNError(.invalid, n, "must be at least 1, got \(v)")
        }
        var rng = try numpyRandomState(seed: seed)
        var tensors: [String: JSONValue] = [:]
        func put(_ name: String, _ shape: [Int], scale: Double) {
            let n = shape.reduce(1, *)
            let data = (0..<n).map { _ in rng.uniform(-scale, scale) }
            let stored = dtype == .float32 ? data.map { Double(Float($0)) } : data
            tensors[name] = TensorData(shape: shape, values: stored).json
        }
        func putInts(_ name: String, _ ints: [Int]) { tensors[name] = TensorData(ints: ints).json }
        var model: [String: JSONValue] = ["kind": .string(kind)]
        if kind == "numpy.min_char_rnn" {
            let (h, v) = (units, max(2, input))
            put("Wxh", [h, v], scale: weightScale)
            put("Whh", [h, h], scale: weightScale)
            put("Why", [v, h], scale: weightScale)
            put("bh", [h, 1], scale: weightScale)
            put("by", [v, 1], scale: weightScale)
            put("hprev", [h, 1], scale: 1)
            putInts("inputs", (0..<steps).map { _ in Int(rng.source.nextUInt32() % UInt32(v)) })
            putInts("targets", (0..<steps).map { _ in Int(rng.source.nextUInt32() % UInt32(v)) })
            model["weights"] = .object(Dictionary(uniqueKeysWithValues: MinCharRNNSpec.parameterNames.map { ($0, .string($0)) }))
            model["inputs"] = .string("inputs")
            model["targets"] = .string("targets")
            model["hprev"] = .string("hprev")
            model["clip"] = .null
        } else {
            var input = self.input
            var cells: [JSONValue] = []
            var stateNames: [JSONValue] = []
            var outWidth = units
            let nLayers = Self.tfCellKinds.contains(kind) || Self.torchKinds.contains(kind) ? layers : 1
            var torchWeights: [String: JSONValue] = [:]
            for k in 0..<nLayers {
                let spec = self.spec()
                var weights: [String: JSONValue] = [:]
                for (v, shape) in spec.parameterShapes(inputSize: input) {
                    let name = Self.torchKinds.contains(kind) ? "\(v)_l\(k)" : "layer\(k)/\(v)"
                    put(name, shape, scale: weightScale)
                    weights[v] = .string(name)
                    torchWeights[name] = .string(name)
                }
                var cell: [String: JSONValue] = ["kind": .string(kind), "weights": .object(weights)]
                if case let .lstm(c) = spec, Self.tfCellKinds.contains(kind) {
                    cell["num_units"] = .number(Double(units))
                    cell["forget_bias"] = .number(c.forgetBias)
                    cell["state_is_tuple"] = .bool(c.stateIsTuple)
                    cell["activation"] = .string(c.activation.rawValue)
                    if kind == "tf.LSTMCell" {
                        cell["use_peepholes"] = .bool(c.usePeepholes)
                        cell["cell_clip"] = c.cellClip.map { .number($0) } ?? .null
                        cell["num_proj"] = c.projection.map { .number(Double($0)) } ?? .null
                        cell["proj_clip"] = c.projClip.map { .number($0) } ?? .null
                    }
                } else if kind == "tf.BasicRNNCell" || kind == "tf.GRUCell" {
                    cell["num_units"] = .number(Double(units))
                    cell["activation"] = .string(activation.rawValue)
                }
                cells.append(.object(cell))
                if !Self.torchKinds.contains(kind) {
                    for w in spec.stateSizes {
                        let name = "initial_state/\(stateNames.count)"
                        put(name, [batch, w], scale: 1)
                        stateNames.append(.string(name))
                    }
                }
                input = spec.outputSize
                outWidth = spec.outputSize
            }
            if kind == "torch.nn.LSTM" {
                put("h_0", [nLayers, batch, numProj ?? units], scale: 1)
                put("c_0", [nLayers, batch, units], scale: 1)
                stateNames = [.string("h_0"), .string("c_0")]
            } else if kind == "torch.nn.GRU" {
                put("h_0", [nLayers, batch, units], scale: 1)
                stateNames = [.string("h_0")]
            }
            let tm = Self.tfCellKinds.contains(kind) || Self.torchKinds.contains(kind) ? timeMajor : (kind == "numpy.rnn")
            put("x", tm ? [steps, batch, self.input] : [batch, steps, self.input], scale: 1)
            model["x"] = .string("x")
            model["initial_state"] = .array(stateNames)
            var upstreamFinal: [JSONValue] = []
            for (k, s) in stateNames.enumerated() {
                let shape = try TensorData(json: tensors[s.stringValue!]!, what: "").shape
                put("upstream/final_state/\(k)", shape, scale: 1)
                upstreamFinal.append(.string("upstream/final_state/\(k)"))
            }
            put("upstream/outputs", tm ? [steps, batch, outWidth] : [batch, steps, outWidth], scale: 1)
            model["upstream"] = .object(["outputs": .string("upstream/outputs"), "final_state": .array(upstreamFinal)])
            switch kind {
            case "torch.nn.LSTM", "torch.nn.GRU":
                model["weights"] = .object(torchWeights)
                model["hidden_size"] = .number(Double(units))
                model["num_layers"] = .number(Double(nLayers))
                if kind == "torch.nn.LSTM" { model["proj_size"] = .number(Double(numProj ?? 0)) }
                model["bias"] = .bool(useBias)
                model["batch_first"] = .bool(!timeMajor)
            case let k where Self.tfCellKinds.contains(k):
                model["kind"] = .string("tf.nn.dynamic_rnn")
                model["cells"] = .array(cells)
                model["time_major"] = .bool(timeMajor)
                if withLengths {
                    // lengths in 0...T, with 0 and T both present when B ≥ 2
                    var l = (0..<batch).map { _ in Int(rng.source.nextUInt32() % UInt32(steps + 1)) }
                    if batch >= 2 { l[0] = steps; l[1] = 0 }
                    putInts("sequence_length", l)
                    model["sequence_length"] = .string("sequence_length")
                }
            case "numpy.rnn":
                model["weights"] = cells[0]["weights"]!
            default:
                model["weights"] = cells[0]["weights"]!
                model["units"] = .number(Double(units))
                model["return_sequences"] = .bool(true)
                model["return_state"] = .bool(true)
                if kind == "keras.SimpleRNN" || kind == "keras.LSTM" || kind == "keras.GRU" {
                    model["activation"] = .string(activation.rawValue)
                    model["use_bias"] = .bool(useBias)
                }
                if kind == "keras.GRU" { model["reset_after"] = .bool(resetAfter) }
            }
        }
        let doc: JSONValue = .object([
            "format": .string(Fixture.format), "name": .string("random-\(kind)-\(seed)"),
            "about": .string(description),
            "provenance": .object(["generator": .string("rnnref RandomCase"), "seed": .number(Double(seed))]),
            "dtype": .string(dtype.rawValue), "model": .object(model), "tensors": .object(tensors),
        ])
        return try Fixture(source: "random(\(description))", json: doc)
    }
}
