import RNNCore
import RNNLayers

/// `rnnref convert FIXTURE --to onnx.LSTM|onnx.GRU`: a one-layer, one-direction LSTM or GRU of
/// TensorFlow v1, Keras or PyTorch written as the ONNX node that computes the same function:
/// weights through `LSTMConversion`/`GRUConversion` (gate order `i, o, f, c` or `z, r, h`, W and
/// R transposed, the biases in B's `Wb` half and `Rb` zero, or both halves for a reset-after GRU;
/// TF's `forget_bias` folded into Wb; peepholes as P `i, o, f`), the reset placement as
/// `linear_before_reset`, TF's time-major x as `layout` 0 and a batch-major one as 1, the
/// activations by their ONNX names. `expected` keeps the source's outputs and final state,
/// reshaped to Y [T, 1, B, H] (or [B, T, 1, H]) and [1, B, H], so `rnnref check` on the result
/// proves the conversion. Refused with the reason: stacks and bidirectional modules (one ONNX
/// node is one direction of one layer here), TF's `cell_clip`, projections, a coupled gate,
/// activations ONNX has no name for, and `sequence_length` rows of length 0 when the final
/// state is compared (TensorFlow returns the initial state, onnxruntime zeros).
enum ONNXConversion {
    static let names: [Activation: String] = [.sigmoid: "Sigmoid", .tanh: "Tanh", .relu: "Relu", .softsign: "Softsign", .softplus: "Softplus"]

    static func convert(_ f: Fixture, to op: ONNXProblem.Operator) throws -> JSONValue {
        let p = try SequenceProblem(f)
        guard op != .rnn else { throw RNNError(.unsupported, "--to", "convert writes onnx.LSTM and onnx.GRU") }
        guard p.cells.count == 1, !p.bidirectional else {
            throw RNNError(.unsupported, "model.cells", "one ONNX node is one direction of one layer; this model has \(p.cells.count) cells\(p.bidirectional ? " per direction" : "")")
        }
        guard p.returnSequences else { throw RNNError(.unsupported, "model.return_sequences", "convert needs the whole output sequence") }
        if p.family == .torch && p.sequenceLength != nil {
            throw RNNError(.unsupported, "model.lengths", "packed sequences are PyTorch's; convert takes unpacked modules")
        }
        let c = p.cells[0]
        var given: [String: Tensor<Double>] = [:]
        for (v, n) in c.weightNames { given[v] = p.tensors[n]!.tensor(Double.self) }
        func onnxName(_ a: Activation) throws -> String {
            guard let n = names[a] else { throw RNNError(.unsupported, "model.activation", "ONNX's operators have no activation '\(a.rawValue)'") }
            return n
        }
        var attributes: [String: JSONValue] = ["hidden_size": .number(Double(c.spec.units)), "direction": .string("forward"),
                                                "layout": .number(p.timeMajor ? 0 : 1)]
        var weights: [String: Tensor<Double>]
        var stateFrom: LSTMConfig?
        let gates: Int
        switch (op, c.spec) {
        case let (.lstm, .lstm(cfg)):
            if cfg.projection != nil { throw RNNError(.unsupported, "model.num_proj", "ONNX's LSTM has no projection") }
            let (n, w) = try LSTMConversion.convert(cfg, inputSize: c.inputSize, parameters: given, to: .onnx)
            attributes["activations"] = .array(try [n.recurrentActivation, n.activation, n.activation].map { .string(try onnxName($0)) })
            (weights, stateFrom, gates) = (w, cfg, 4)
        case let (.gru, .gru(cfg)):
            let target: GRUFlavor = cfg.flavor.resetAfter ? .onnxLinearBeforeReset : .onnx
            let (n, w) = try GRUConversion.convert(cfg, inputSize: c.inputSize, parameters: given, to: target)
            attributes["activations"] = .array(try [n.recurrentActivation, n.activation].map { .string(try onnxName($0)) })
            attributes["linear_before_reset"] = .number(cfg.flavor.resetAfter ? 1 : 0)
            (weights, gates) = (w, 3)
        case (_, .cifgLSTM):
            throw RNNError(.unsupported, "model.cells[0]", "TF's coupled gate is i = 1 − f; ONNX's input_forget is f = 1 − i: no weights convert one into the other")
        default:
            throw RNNError(.unsupported, "model.cells[0]", "\(c.spec.kind) does not convert to \(op.rawValue)")
        }
        let h = c.spec.units
        func row(_ t: Tensor<Double>) -> Tensor<Double> { Tensor(uncheckedShape: [1] + t.shape, data: t.data) }
        var tensors: [String: TensorData] = [:]
        tensors["X"] = p.x
        tensors["W"] = TensorData(row(weights["W"]!))
        tensors["R"] = TensorData(row(weights["R"]!))
        tensors["B"] = TensorData(Tensor(uncheckedShape: [1, 2 * gates * h], data: weights["Wb"]!.data + weights["Rb"]!.data))
        var inputs: [String: JSONValue] = ["X": .string("X"), "W": .string("W"), "R": .string("R"), "B": .string("B")]
        if let ph = weights["P_i"] {
            tensors["P"] = TensorData(Tensor(uncheckedShape: [1, 3 * h], data: ph.data + weights["P_o"]!.data + weights["P_f"]!.data))
            inputs["P"] = .string("P")
        }
        // states in ONNX's order (h, c), each [1, B, H] (layout 1: [B, 1, H], the same numbers)
        func onnxState(_ s: [Tensor<Double>]) -> [Tensor<Double>] {
            let ordered = stateFrom.map { from in LSTMConversion.convertState(s, from: from, to: LSTMConfig(flavor: .onnx, units: h)) } ?? s
            return ordered.map { t in Tensor(uncheckedShape: p.timeMajor ? [1] + t.shape : [t.shape[0], 1, t.shape[1]], data: t.data) }
        }
        let stateNames = op == .lstm ? ["initial_h", "initial_c"] : ["initial_h"]
        // PyTorch's states are stacked [L·D, B, H]: one [B, H] per cell first
        func flat(_ s: [Tensor<Double>]) -> [Tensor<Double>] { p.stacked ? unpackStacked(s) : s }
        if let s = p.initialState {
            for (n, t) in zip(stateNames, onnxState(flat(s.map { $0.tensor(Double.self) }))) { tensors[n] = TensorData(t); inputs[n] = .string(n) }
        }
        if let l = p.sequenceLength {
            tensors["sequence_lens"] = TensorData(shape: [l.count], values: l.map(Double.init), isInteger: true)
            inputs["sequence_lens"] = .string("sequence_lens")
        }
        var expected: [String: JSONValue] = [:]
        if let e = try f.expected() {
            if let o = e.entry("outputs") {
                // [T, B, H] → [T, 1, B, H]; [B, T, H] → [B, T, 1, H]
                let s = o.value.shape
                expected["outputs"] = TensorData(shape: p.timeMajor ? [s[0], 1, s[1], s[2]] : [s[0], s[1], 1, s[2]], values: o.value.values).json
            }
            let fin = flat(e.entries.filter { $0.path.first == "final_state" }.map { $0.value.tensor(Double.self) })
            if fin.count == stateNames.count {
                if let l = p.sequenceLength, l.contains(0) {
                    throw RNNError(.unsupported, "model.sequence_length", "a row of length 0 keeps its initial state in TensorFlow and gets zeros in ONNX (onnxruntime): the final states cannot match")
                }
                expected["final_state"] = .array(onnxState(fin).map { TensorData($0).json })
            }
        }
        return FixtureConversion.converted(f, model: .object(["kind": .string(op.rawValue), "attributes": .object(attributes), "inputs": .object(inputs)]),
                                           tensors: .object(tensors.mapValues(\.json)), expected: expected, target: op.rawValue, whose: "the source framework's")
    }

    /// `rnnref convert ONNX_FIXTURE --to tf.LSTMCell|…|torch.nn.GRU`: one forward direction of
    /// an `onnx.LSTM` or `onnx.GRU` node written as the other framework's layer of the same
    /// function (`LSTMConversion`/`GRUConversion` from the ONNX flavors), the layout as the
    /// target keeps it. Refused with the reason: reverse and bidirectional nodes, `clip`,
    /// `input_forget`, a third activation of its own, `linear_before_reset` against the
    /// target's reset, `sequence_lens` outside TensorFlow, and rows of length 0 when final
    /// states are compared. `expected` keeps ONNX's Y (as [T, B, H] or [B, T, H]) and Y_h (Y_c).
    static func fromONNX(_ f: Fixture, to target: LayerKind) throws -> JSONValue {
        let p = try ONNXProblem(f)
        guard LayerKind.conversionTargets.contains(target), let family = target.family else {
            throw RNNError(.unsupported, "--to", "\(target.name) is not a target of convert")
        }
        guard p.direction == .forward else {
            throw RNNError(.unsupported, "model.attributes.direction", "convert writes one forward direction; this node is \(p.direction.rawValue)")
        }
        if p.sequenceLens != nil && family != .tf {
            throw RNNError(.unsupported, "model.inputs.sequence_lens", "\(target.name) has no sequence lengths of this kind (PyTorch packs, Keras masks)")
        }
        let isGRU = LayerKind.gru.contains(target)
        let acts: [Activation] = switch p.specs[0] {
        case let .lstm(c): [c.recurrentActivation, c.activation, c.cellOutputActivation]
        case let .gru(c): [c.recurrentActivation, c.activation]
        default: []
        }
        if let a = acts.first(where: { !Activation.allCases.contains($0) }) {
            throw RNNError(.unsupported, "model.attributes.activations", "ONNX's \(a.rawValue) has no equivalent in \(target.name)")
        }
        let t = p.tensors.filter { !$0.value.isInteger }.mapValues { $0.tensor(Double.self) }
        let given = p.parameters(t, direction: 0)
        let spec: CellSpec, weights: [String: Tensor<Double>]
        var fromLSTM: LSTMConfig?, toLSTM: LSTMConfig?
        switch p.specs[0] {
        case let .lstm(cfg) where !isGRU:
            let (n, w) = try LSTMConversion.convert(cfg, inputSize: p.inputSize, parameters: given, to: target.lstmFlavor)
            (spec, weights, fromLSTM, toLSTM) = (.lstm(n), w, cfg, n)
        case let .gru(cfg) where isGRU:
            let (n, w) = try GRUConversion.convert(cfg, inputSize: p.inputSize, parameters: given, to: target.gruFlavor(resetAfter: cfg.flavor.resetAfter))
            (spec, weights) = (.gru(n), w)
        default:
            throw RNNError(.unsupported, "model.kind", "\(p.op.rawValue) does not convert to \(target.name)")
        }
        var tensors: [String: TensorData] = [:], names: [String: String] = [:]
        for (v, w) in weights {
            let name = target.weightName(v, cell: 0, cells: 1)
            tensors[name] = TensorData(w)
            names[v] = name
        }
        let sourceTimeMajor = p.layout == 0
        let timeMajor = family == .keras ? false : sourceTimeMajor
        func relayout(_ x: Tensor<Double>) -> Tensor<Double> { timeMajor == sourceTimeMajor ? x : x.swappingLeadingAxes() }
        tensors["x"] = TensorData(relayout(t[p.inputs["X"]!]!))
        // ONNX's states [1, B, H] (layout 1: [B, 1, H]) as the target's: [B, H] per cell, in its
        // order; PyTorch's stacked [1, B, H]
        func targetState(_ s: [Tensor<Double>]) -> [Tensor<Double>] {
            let flat = s.map { x in Tensor<Double>(uncheckedShape: [x.count / p.hiddenSize, p.hiddenSize], data: x.data) }
            let ordered = fromLSTM.flatMap { from in toLSTM.map { LSTMConversion.convertState(flat, from: from, to: $0) } } ?? flat
            return family == .torch ? packStacked(ordered, perLayer: ordered.count) : ordered
        }
        let stateInputs = p.op.stateNames.compactMap { p.inputs[$0] }
        var initialNames: [String]?
        if !stateInputs.isEmpty {
            let given = p.op.stateNames.map { n in p.inputs[n].map { t[$0]! } ?? Tensor(zeros: t[stateInputs[0]]!.shape) }
            let names = family == .torch ? (isGRU ? ["h_0"] : ["h_0", "c_0"]) : given.indices.map { "initial_state/\($0)" }
            for (n, s) in zip(names, targetState(given)) { tensors[n] = TensorData(s) }
            initialNames = names
        }
        let converted = try SequenceProblem(family: family, cells: [CellEntry(spec: spec, inputSize: p.inputSize, weightNames: names)],
                                            tensors: tensors, x: "x", timeMajor: timeMajor, initialState: initialNames,
                                            sequenceLength: p.sequenceLens)
        var expected: [String: JSONValue] = [:]
        if let e = try f.expected() {
            if let y = e.entry("outputs") {
                // Y [T, 1, B, H] or [B, T, 1, H]: the one direction's [T, B, H] or [B, T, H]
                let s = y.value.shape
                let seq = Tensor<Double>(uncheckedShape: sourceTimeMajor ? [s[0], s[2], s[3]] : [s[0], s[1], s[3]], data: y.value.values)
                expected["outputs"] = TensorData(relayout(seq)).json
            }
            // Y_h and Y_c as given (a node test may give only one), moved to the target's order
            let given = p.op.stateNames.indices.map { k in e.entry("final_state/\(k)")?.value.tensor(Double.self) }
            if let some = given.compactMap({ $0 }).first {
                if let l = p.sequenceLens, l.contains(0) {
                    throw RNNError(.unsupported, "model.inputs.sequence_lens", "a row of length 0 gets zeros in ONNX (onnxruntime) and keeps its initial state in TensorFlow: the final states cannot match")
                }
                let states = targetState(given.map { $0 ?? Tensor(zeros: some.shape) })
                let present = targetState(given.map { Tensor(shape: some.shape, repeating: $0 == nil ? 0 : 1) })
                expected["final_state"] = .array(zip(states, present).map { s, m in m.data.first == 1 ? TensorData(s).json : .null })
            }
        }
        let encoded = try converted.fixtureDocument(name: f.name, about: "", dtype: f.dtype)
        return FixtureConversion.converted(f, model: encoded["model"]!, tensors: encoded["tensors"]!, expected: expected,
                                           target: target.name, whose: "ONNX's")
    }
}
