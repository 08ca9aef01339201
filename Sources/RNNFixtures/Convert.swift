import RNNCore
import RNNNumpy
import RNNLayers

/// `rnnref convert`: a fixture of LSTMs in one framework's layout, rewritten as the same model
/// in another's (`tf.LSTMCell` stack through `tf.nn.dynamic_rnn`, `keras.LSTM`, or
/// `torch.nn.LSTM`). Weights go through `LSTMConversion`; inputs, initial state and upstream
/// cotangents are carried over (state order and layout converted); `expected` keeps the
/// outputs and the final state, so `rnnref check` on the result proves the conversion
/// reproduces the source framework's numbers. Gradients are dropped (their names change).
public enum FixtureConversion {
    public static let targets = ["tf.LSTMCell", "tf.BasicLSTMCell", "keras.LSTM", "torch.nn.LSTM", "tf.GRUCell", "keras.GRU", "torch.nn.GRU"]

    public static func convert(_ f: Fixture, to target: String) throws -> JSONValue {
        do { return try convertUnlocated(f, to: target) } catch let e as RNNError {
            throw e.location.hasPrefix(f.source) ? e : e.within(f.source)
        }
    }

    static func convertUnlocated(_ f: Fixture, to target: String) throws -> JSONValue {
        guard targets.contains(target) else {
            throw RNNError(.unknown, "--to", "unknown target \"\(target)\" (known: \(targets.joined(separator: ", ")))")
        }
        let p = try SequenceProblem(f)
        if target.hasSuffix("GRU") || target.hasSuffix("GRUCell") { return try convertGRU(f, p, to: target) }
        var configs: [LSTMConfig] = []
        for (k, c) in p.cells.enumerated() {
            guard case let .lstm(cfg) = c.spec else {
                throw RNNError(.unsupported, "model.cells[\(k)]", "only LSTM cells convert to \(target) (this is \(c.spec.kind))")
            }
            configs.append(cfg)
        }
        guard p.returnSequences else { throw RNNError(.unsupported, "model.return_sequences", "convert needs the whole output sequence") }
        let flavor: LSTMFlavor = target == "tf.LSTMCell" ? .tfLSTMCell : target == "tf.BasicLSTMCell" ? .tfBasicLSTMCell : target == "keras.LSTM" ? .keras : .torch
        if p.sequenceLength != nil && target != "tf.LSTMCell" && target != "tf.BasicLSTMCell" {
            throw RNNError(.unsupported, "model.sequence_length", "\(target) has no sequence_length (PyTorch packs sequences, Keras masks them)")
        }
        if target == "keras.LSTM" && configs.count != 1 {
            throw RNNError(.unsupported, "model.cells", "a keras.LSTM layer is one cell; this model stacks \(configs.count)")
        }
        if target == "torch.nn.LSTM" {
            let (h, pr) = (configs[0].units, configs[0].projection)
            if configs.contains(where: { $0.units != h || $0.projection != pr }) {
                throw RNNError(.unsupported, "model.cells", "torch.nn.LSTM layers share hidden_size and proj_size; these cells differ")
            }
        }
        // weights
        var tensors = p.tensors
        for c in p.cells { for (_, n) in c.weightNames { tensors[n] = nil } }
        var newConfigs: [LSTMConfig] = []
        var weightNames: [[String: String]] = []
        for (k, c) in p.cells.enumerated() {
            var given: [String: Tensor<Double>] = [:]
            for (v, n) in c.weightNames { given[v] = p.tensors[n]!.tensor(Double.self) }
            let (cfg, w) = try LSTMConversion.convert(configs[k], inputSize: c.inputSize, parameters: given, to: flavor)
            newConfigs.append(cfg)
            var names: [String: String] = [:]
            for (v, t) in w {
                let name: String
                switch flavor {
                case .tfLSTMCell, .tfBasicLSTMCell:
                    let scope = flavor == .tfLSTMCell ? "lstm_cell" : "basic_lstm_cell"
                    name = p.cells.count == 1 ? "rnn/\(scope)/\(v)" : "rnn/multi_rnn_cell/cell_\(k)/\(scope)/\(v)"
                case .keras: name = "lstm/lstm_cell/\(v)"
                case .torch: name = "\(v)_l\(k)"
                }
                tensors[name] = TensorData(t)
                names[v] = name
            }
            weightNames.append(names)
        }
        // layout: Keras is batch-major; PyTorch follows the source with batch_first
        let timeMajor = flavor == .keras ? false : p.timeMajor
        func targetState(_ flat: [Tensor<Double>]) -> [Tensor<Double>] {
            var out: [Tensor<Double>] = []
            var o = 0
            for k in configs.indices {
                let n = configs[k].stateSizes.count
                out += LSTMConversion.convertState(Array(flat[o..<(o + n)]), from: configs[k], to: newConfigs[k])
                o += n
            }
            return flavor == .torch ? packStacked(out, perLayer: 2) : out
        }
        var model = try carryOver(p, f, &tensors, timeMajor: timeMajor, targetState: targetState,
                                  initialNames: flavor == .torch ? { _ in ["h_0", "c_0"] } : nil)
        switch flavor {
        case .tfLSTMCell, .tfBasicLSTMCell:
            model["kind"] = .string("tf.nn.dynamic_rnn")
            model["time_major"] = .bool(timeMajor)
            model["cells"] = .array(newConfigs.enumerated().map { k, c in
                var o: [String: JSONValue] = ["kind": .string(c.flavor.rawValue), "num_units": .number(Double(c.units)),
                                              "forget_bias": .number(0), "weights": .object(weightNames[k].mapValues { .string($0) })]
                if c.flavor == .tfLSTMCell {
                    o["use_peepholes"] = .bool(c.usePeepholes)
                    o["cell_clip"] = c.cellClip.map { .number($0) } ?? .null
                    o["num_proj"] = c.projection.map { .number(Double($0)) } ?? .null
                    o["proj_clip"] = c.projClip.map { .number($0) } ?? .null
                }
                if !c.stateIsTuple { o["state_is_tuple"] = .bool(false) }
                if c.activation != .tanh { o["activation"] = .string(c.activation.rawValue) }
                return .object(o)
            })
        case .keras:
            let c = newConfigs[0]
            model["kind"] = .string("keras.LSTM")
            model["units"] = .number(Double(c.units))
            model["activation"] = .string(c.activation.rawValue)
            model["recurrent_activation"] = .string(c.recurrentActivation.rawValue)
            model["use_bias"] = .bool(true)
            model["return_sequences"] = .bool(true)
            model["return_state"] = .bool(true)
            model["weights"] = .object(weightNames[0].mapValues { .string($0) })
        case .torch:
            let c = newConfigs[0]
            model["kind"] = .string("torch.nn.LSTM")
            model["input_size"] = .number(Double(p.cells[0].inputSize))
            model["hidden_size"] = .number(Double(c.units))
            model["num_layers"] = .number(Double(configs.count))
            model["proj_size"] = .number(Double(c.projection ?? 0))
            model["bias"] = .bool(true)
            model["batch_first"] = .bool(!timeMajor)
            var all: [String: JSONValue] = [:]
            for names in weightNames { for (_, n) in names { all[n] = .string(n) } }
            model["weights"] = .object(all)
        }
        return try finish(f, p, tensors: tensors, model: model, timeMajor: timeMajor, targetState: targetState,
                          stateCount: p.stacked ? 2 : configs.reduce(0) { $0 + $1.stateSizes.count }, target: target)
    }

    /// The GRU version: TF GRUCell ↔ Keras reset_after=False, Keras reset_after=True ↔ PyTorch.
    static func convertGRU(_ f: Fixture, _ p: SequenceProblem, to target: String) throws -> JSONValue {
        var configs: [GRUConfig] = []
        for (k, c) in p.cells.enumerated() {
            guard case let .gru(cfg) = c.spec else {
                throw RNNError(.unsupported, "model.cells[\(k)]", "only GRU cells convert to \(target) (this is \(c.spec.kind))")
            }
            configs.append(cfg)
        }
        guard p.returnSequences else { throw RNNError(.unsupported, "model.return_sequences", "convert needs the whole output sequence") }
        let flavor: GRUFlavor
        switch target {
        case "tf.GRUCell": flavor = .tf
        case "torch.nn.GRU": flavor = .torch
        default: flavor = configs[0].flavor.resetAfter ? .kerasResetAfter : .kerasResetBefore
        }
        if p.sequenceLength != nil && flavor != .tf {
            throw RNNError(.unsupported, "model.sequence_length", "\(target) has no sequence_length (PyTorch packs sequences, Keras masks them)")
        }
        if target == "keras.GRU" && configs.count != 1 {
            throw RNNError(.unsupported, "model.cells", "a keras.GRU layer is one cell; this model stacks \(configs.count)")
        }
        if flavor == .torch && configs.contains(where: { $0.units != configs[0].units }) {
            throw RNNError(.unsupported, "model.cells", "torch.nn.GRU layers share hidden_size; these cells differ")
        }
        var tensors = p.tensors
        for c in p.cells { for (_, n) in c.weightNames { tensors[n] = nil } }
        var newConfigs: [GRUConfig] = []
        var weightNames: [[String: String]] = []
        for (k, c) in p.cells.enumerated() {
            var given: [String: Tensor<Double>] = [:]
            for (v, n) in c.weightNames { given[v] = p.tensors[n]!.tensor(Double.self) }
            let (cfg, w) = try GRUConversion.convert(configs[k], inputSize: c.inputSize, parameters: given, to: flavor)
            newConfigs.append(cfg)
            var names: [String: String] = [:]
            for (v, t) in w {
                let name: String
                switch flavor {
                case .tf: name = p.cells.count == 1 ? "rnn/gru_cell/\(v)" : "rnn/multi_rnn_cell/cell_\(k)/gru_cell/\(v)"
                case .kerasResetAfter, .kerasResetBefore: name = "gru/gru_cell/\(v)"
                case .torch: name = "\(v)_l\(k)"
                }
                tensors[name] = TensorData(t)
                names[v] = name
            }
            weightNames.append(names)
        }
        let timeMajor = flavor == .kerasResetAfter || flavor == .kerasResetBefore ? false : p.timeMajor
        func targetState(_ flat: [Tensor<Double>]) -> [Tensor<Double>] { flavor == .torch ? packStacked(flat, perLayer: 1) : flat }
        var model = try carryOver(p, f, &tensors, timeMajor: timeMajor, targetState: targetState,
                                  initialNames: flavor == .torch ? { _ in ["h_0"] } : nil)
        switch flavor {
        case .tf:
            model["kind"] = .string("tf.nn.dynamic_rnn")
            model["time_major"] = .bool(timeMajor)
            model["cells"] = .array(newConfigs.enumerated().map { k, c in
                var o: [String: JSONValue] = ["kind": .string("tf.GRUCell"), "num_units": .number(Double(c.units)),
                                              "weights": .object(weightNames[k].mapValues { .string($0) })]
                if c.activation != .tanh { o["activation"] = .string(c.activation.rawValue) }
                return .object(o)
            })
        case .kerasResetAfter, .kerasResetBefore:
            let c = newConfigs[0]
            model["kind"] = .string("keras.GRU")
            model["units"] = .number(Double(c.units))
            model["activation"] = .string(c.activation.rawValue)
            model["recurrent_activation"] = .string(c.recurrentActivation.rawValue)
            model["use_bias"] = .bool(true)
            model["reset_after"] = .bool(flavor == .kerasResetAfter)
            model["return_sequences"] = .bool(true)
            model["return_state"] = .bool(true)
            model["weights"] = .object(weightNames[0].mapValues { .string($0) })
        case .torch:
            model["kind"] = .string("torch.nn.GRU")
            model["input_size"] = .number(Double(p.cells[0].inputSize))
            model["hidden_size"] = .number(Double(newConfigs[0].units))
            model["num_layers"] = .number(Double(configs.count))
            model["bias"] = .bool(true)
            model["batch_first"] = .bool(!timeMajor)
            var all: [String: JSONValue] = [:]
            for names in weightNames { for (_, n) in names { all[n] = .string(n) } }
            model["weights"] = .object(all)
        }
        return try finish(f, p, tensors: tensors, model: model, timeMajor: timeMajor, targetState: targetState,
                          stateCount: p.stacked ? 1 : configs.count, target: target)
    }

    /// What every conversion carries over unchanged in meaning: x (relaid out), the initial
    /// state (reordered and renamed), `sequence_length`, and the upstream cotangents.
    static func carryOver(_ p: SequenceProblem, _ f: Fixture, _ tensors: inout [String: TensorData], timeMajor: Bool,
                          targetState: ([Tensor<Double>]) -> [Tensor<Double>],
                          initialNames: (([Tensor<Double>]) -> [String])?) throws -> [String: JSONValue] {
        func relayout(_ t: TensorData) -> TensorData {
            timeMajor == p.timeMajor ? t : TensorData(t.tensor(Double.self).swappingLeadingAxes())
        }
        func flatState(_ s: [TensorData]) -> [Tensor<Double>] {
            let t = s.map { $0.tensor(Double.self) }
            return p.stacked ? unpackStacked(t) : t
        }
        tensors[p.xName] = relayout(p.x)
        var model: [String: JSONValue] = ["x": .string(p.xName)]
        if let s = p.initialState, let names = p.initialStateNames {
            for n in names { tensors[n] = nil }
            let converted = targetState(flatState(s))
            let newNames = initialNames?(converted) ?? converted.indices.map { "initial_state/\($0)" }
            for (n, t) in zip(newNames, converted) { tensors[n] = TensorData(t) }
            model["initial_state"] = .array(newNames.map { .string($0) })
        }
        if let l = p.sequenceLength {
            tensors["sequence_length"] = TensorData(ints: l)
            model["sequence_length"] = .string("sequence_length")
        }
        var upstream: [String: JSONValue] = [:]
        if let u = f.model["upstream"]?.objectValue {     // the source's own cotangent tensors go; renamed copies follow
            for n in [u["outputs"]?.stringValue].compactMap({ $0 }) + (u["final_state"]?.arrayValue?.compactMap(\.stringValue) ?? []) {
                tensors[n] = nil
            }
        }
        if let u = p.upstreamOutputs {
            tensors["upstream/outputs"] = relayout(u)
            upstream["outputs"] = .string("upstream/outputs")
        }
        if let u = p.upstreamFinal {
            let converted = targetState(flatState(u))
            for (k, t) in converted.enumerated() { tensors["upstream/final_state/\(k)"] = TensorData(t) }
            upstream["final_state"] = .array(converted.indices.map { .string("upstream/final_state/\($0)") })
        }
        if !upstream.isEmpty { model["upstream"] = .object(upstream) }
        return model
    }

    /// The converted document: the source's outputs and final state as `expected`.
    static func finish(_ f: Fixture, _ p: SequenceProblem, tensors: [String: TensorData], model: [String: JSONValue], timeMajor: Bool,
                       targetState: ([Tensor<Double>]) -> [Tensor<Double>], stateCount: Int, target: String) throws -> JSONValue {
        var expected: [String: JSONValue] = [:]
        if let e = try f.expected() {
            if let o = e.entry("outputs") {
                expected["outputs"] = (timeMajor == p.timeMajor ? o.value : TensorData(o.value.tensor(Double.self).swappingLeadingAxes())).json
            }
            let fin = e.entries.filter { $0.path.first == "final_state" }.map { $0.value.tensor(Double.self) }
            if !fin.isEmpty && fin.count == stateCount {
                expected["final_state"] = .array(targetState(p.stacked ? unpackStacked(fin) : fin).map { TensorData($0).json })
            }
        }
        var doc = f.document
        doc["model"] = .object(model)
        doc["tensors"] = .object(tensors.mapValues(\.json))
        doc["expected"] = .object(expected)
        doc["name"] = .string("\(f.name)-as-\(target)")
        doc["about"] = .string("\(f.document["about"]?.stringValue ?? f.name) Converted by rnnref to \(target); expected outputs and final state are the source framework's.")
        var prov = doc["provenance"]?.objectValue ?? [:]
        prov["converted_to"] = .string(target)
        doc["provenance"] = .object(prov)
        return .object(doc)
    }
}
