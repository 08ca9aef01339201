import RNNCore

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

    public init(kind: String) { self.kind = kind }

    public var description: String {
        "\(kind) H=\(units) I=\(input) B=\(batch) T=\(steps) layers=\(layers) act=\(activation.rawValue) bias=\(useBias) timeMajor=\(timeMajor) lengths=\(withLengths) \(dtype.rawValue) seed=\(seed)"
    }

    public static let kinds = ["tf.BasicRNNCell", "keras.SimpleRNN", "keras.MinimalRNNCell", "numpy.rnn", "numpy.min_char_rnn"]

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
            let nLayers = kind == "tf.BasicRNNCell" ? layers : 1
            for k in 0..<nLayers {
                let spec: CellSpec
                switch kind {
                case "tf.BasicRNNCell": spec = .tfBasicRNN(numUnits: units, activation: activation)
                case "keras.SimpleRNN": spec = .kerasSimpleRNN(units: units, activation: activation, useBias: useBias)
                case "keras.MinimalRNNCell": spec = .kerasMinimalRNN(units: units)
                default: spec = .numpyRNN(units: units, outputs: outputs)
                }
                var weights: [String: JSONValue] = [:]
                for (v, shape) in spec.parameterShapes(inputSize: input) {
                    let name = "layer\(k)/\(v)"
                    put(name, shape, scale: weightScale)
                    weights[v] = .string(name)
                }
                var cell: [String: JSONValue] = ["kind": .string(kind), "weights": .object(weights)]
                if kind == "tf.BasicRNNCell" {
                    cell["num_units"] = .number(Double(units))
                    cell["activation"] = .string(activation.rawValue)
                }
                cells.append(.object(cell))
                for (j, w) in spec.stateSizes.enumerated() {
                    let name = "initial_state/\(stateNames.count)"
                    _ = j
                    put(name, [batch, w], scale: 1)
                    stateNames.append(.string(name))
                }
                input = spec.outputSize
                outWidth = spec.outputSize
            }
            let tm = kind == "tf.BasicRNNCell" ? timeMajor : (kind == "numpy.rnn")
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
            case "tf.BasicRNNCell":
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
                if kind == "keras.SimpleRNN" {
                    model["activation"] = .string(activation.rawValue)
                    model["use_bias"] = .bool(useBias)
                }
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
