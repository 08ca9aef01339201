import RNNCore
import RNNNumpy
import RNNLayers

/// What `rnnref convert --to` writes: an LSTM or GRU in one framework's layer.
extension LayerKind {
    public static let lstm: [LayerKind] = [.tfLSTMCell, .tfBasicLSTMCell, .kerasLSTM, .torchLSTM]
    public static let gru: [LayerKind] = [.tfGRUCell, .kerasGRU, .torchGRU]
    /// The targets `rnnref convert` writes.
    public static let conversionTargets = lstm + gru

    /// The LSTM flavor an LSTM target writes.
    var lstmFlavor: LSTMFlavor {
        switch self {
        case .tfLSTMCell: .tfLSTMCell
        case .tfBasicLSTMCell: .tfBasicLSTMCell
        case .kerasLSTM: .keras
        default: .torch
        }
    }

    /// The GRU flavor a GRU target writes (Keras keeps the source's reset placement).
    func gruFlavor(resetAfter: Bool) -> GRUFlavor {
        switch self {
        case .tfGRUCell: .tf
        case .torchGRU: .torch
        default: resetAfter ? .kerasResetAfter : .kerasResetBefore
        }
    }

    /// The tensor name of variable `v` of cell `k` (of `cells`) as the target's framework names it.
    func weightName(_ v: String, cell k: Int, cells: Int) -> String {
        switch family {
        case .torch?: "\(v)_l\(k)"
        case .keras?: "\(scope)/\(v)"
        default: cells == 1 ? "rnn/\(scope)/\(v)" : "rnn/multi_rnn_cell/cell_\(k)/\(scope)/\(v)"
        }
    }

    /// The variable scope TF and Keras put a cell's weights under.
    var scope: String {
        switch self {
        case .tfLSTMCell: "lstm_cell"
        case .tfBasicLSTMCell: "basic_lstm_cell"
        case .tfGRUCell: "gru_cell"
        case .kerasLSTM: "lstm/lstm_cell"
        case .kerasGRU: "gru/gru_cell"
        default: ""
        }
    }
}

/// `rnnref convert`: a fixture of LSTMs (or GRUs) in one framework's layout, rewritten as the
/// same model in another's (`tf.LSTMCell` stack through `tf.nn.dynamic_rnn`, `keras.LSTM`,
/// `torch.nn.LSTM`, and the GRUs likewise). Weights go through `LSTMConversion` and
/// `GRUConversion`; inputs, initial state and upstream cotangents are carried over (state order
/// and layout converted); the converted model is written by the same encoder as every model
/// built in code (`SequenceProblem.fixtureDocument`). `expected` keeps the outputs and the
/// final state, so `rnnref check` on the result proves the conversion reproduces the source
/// framework's numbers. Gradients are dropped (their names change).
public enum FixtureConversion {
    public static func convert(_ f: Fixture, to target: String) throws -> JSONValue {
        if let op = ONNXProblem.Operator(rawValue: target) { return try located(f) { try ONNXConversion.convert(f, to: op) } }
        if ONNXProblem.Operator(rawValue: f.kind) != nil {
            return try located(f) {
                try ONNXConversion.fromONNX(f, to: try LayerKind(name: target, among: LayerKind.conversionTargets, option: "--to", what: "target"))
            }
        }
        return try located(f) {
            try convertUnlocated(f, to: try LayerKind(name: target, among: LayerKind.conversionTargets, option: "--to", what: "target (or onnx.LSTM, onnx.GRU)"))
        }
    }

    public static func convert(_ f: Fixture, to target: LayerKind) throws -> JSONValue {
        try located(f) { try convertUnlocated(f, to: target) }
    }

    /// Errors name the fixture file.
    static func located<R>(_ f: Fixture, _ body: () throws -> R) throws -> R {
        do { return try body() } catch let e as RNNError {
            throw e.location.hasPrefix(f.source) ? e : e.within(f.source)
        }
    }

    static func convertUnlocated(_ f: Fixture, to target: LayerKind) throws -> JSONValue {
        let p = try SequenceProblem(f)
        guard LayerKind.conversionTargets.contains(target), let family = target.family else {
            throw RNNError(.unsupported, "--to", "\(target.name) is not a target of convert")
        }
        let isGRU = LayerKind.gru.contains(target)
        for (k, c) in p.cells.enumerated() {
            switch c.spec {
            case .lstm where !isGRU, .gru where isGRU: continue
            case .cifgLSTM:
                throw RNNError(.unsupported, "model.cells[\(k)]",
                               "a coupled input-forget gate LSTM has no input gate of its own (it is 1 − f): no other layout computes it")
            default: throw RNNError(.unsupported, "model.cells[\(k)]", "only \(isGRU ? "GRU" : "LSTM") cells convert to \(target.name) (this is \(c.spec.kind))")
            }
        }
        guard p.returnSequences else { throw RNNError(.unsupported, "model.return_sequences", "convert needs the whole output sequence") }
        if p.bidirectional {
            throw RNNError(.unsupported, "model.bidirectional", "convert writes one direction; a bidirectional module has two per layer")
        }
        if p.family == .torch && p.sequenceLength != nil {
            throw RNNError(.unsupported, "model.lengths", "packed sequences (pack_padded_sequence) are PyTorch's; convert takes unpacked modules")
        }
        if p.sequenceLength != nil && family != .tf {
            throw RNNError(.unsupported, "model.sequence_length", "\(target.name) has no sequence_length (PyTorch packs sequences, Keras masks them)")
        }
        if family == .keras && p.cells.count != 1 {
            throw RNNError(.unsupported, "model.cells", "a \(target.name) layer is one cell; this model stacks \(p.cells.count)")
        }
        // weights, cell by cell
        var tensors = p.tensors
        for c in p.cells { for (_, n) in c.weightNames { tensors[n] = nil } }
        var cells: [CellEntry] = []
        for (k, c) in p.cells.enumerated() {
            var given: [String: Tensor<Double>] = [:]
            for (v, n) in c.weightNames { given[v] = p.tensors[n]!.tensor(Double.self) }
            let spec: CellSpec
            let weights: [String: Tensor<Double>]
            switch c.spec {
            case let .lstm(cfg) where !isGRU:
                let (n, w) = try LSTMConversion.convert(cfg, inputSize: c.inputSize, parameters: given, to: target.lstmFlavor)
                (spec, weights) = (.lstm(n), w)
            case let .gru(cfg) where isGRU:
                let (n, w) = try GRUConversion.convert(cfg, inputSize: c.inputSize, parameters: given, to: target.gruFlavor(resetAfter: cfg.flavor.resetAfter))
                (spec, weights) = (.gru(n), w)
            default:
                throw RNNError(.invalid, "model.cells[\(k)]", "checked above")
            }
            var names: [String: String] = [:]
            for (v, t) in weights {
                let name = target.weightName(v, cell: k, cells: p.cells.count)
                tensors[name] = TensorData(t)
                names[v] = name
            }
            cells.append(CellEntry(spec: spec, inputSize: c.inputSize, weightNames: names))
        }
        if family == .torch && cells.contains(where: { $0.spec != cells[0].spec }) {
            throw RNNError(.unsupported, "model.cells", "\(target.name) layers share hidden_size\(isGRU ? "" : " and proj_size"); these cells differ")
        }
        // layout: Keras is batch-major; PyTorch follows the source with batch_first
        let timeMajor = family == .keras ? false : p.timeMajor
        func targetState(_ flat: [Tensor<Double>]) -> [Tensor<Double>] {
            var out: [Tensor<Double>] = []
            var o = 0
            for (old, new) in zip(p.cells, cells) {
                let n = old.spec.stateSizes.count
                let s = Array(flat[o..<(o + n)])
                if case let .lstm(from) = old.spec, case let .lstm(to) = new.spec {
                    out += LSTMConversion.convertState(s, from: from, to: to)
                } else {
                    out += s
                }
                o += n
            }
            return family == .torch ? packStacked(out, perLayer: isGRU ? 1 : 2) : out
        }
        let carried = try carryOver(p, f, &tensors, timeMajor: timeMajor, targetState: targetState,
                                    initialNames: family == .torch ? { _ in isGRU ? ["h_0"] : ["h_0", "c_0"] } : nil)
        let converted = try SequenceProblem(family: family, cells: cells, tensors: tensors, x: p.xName, timeMajor: timeMajor,
                                            initialState: carried.initialState, sequenceLength: p.sequenceLength,
                                            upstreamOutputs: carried.upstreamOutputs, upstreamFinalState: carried.upstreamFinalState)
        let stateCount = p.stacked ? (isGRU ? 1 : 2) : p.cells.reduce(0) { $0 + $1.spec.stateSizes.count }
        return try finish(f, p, converted, targetState: targetState, stateCount: stateCount, target: target.name)
    }

    /// What every conversion carries over unchanged in meaning: x (relaid out), the initial
    /// state (reordered and renamed), `sequence_length`, and the upstream cotangents.
    static func carryOver(_ p: SequenceProblem, _ f: Fixture, _ tensors: inout [String: TensorData], timeMajor: Bool,
                          targetState: ([Tensor<Double>]) -> [Tensor<Double>],
                          initialNames: (([Tensor<Double>]) -> [String])?) throws
        -> (initialState: [String]?, upstreamOutputs: String?, upstreamFinalState: [String]?) {
        func relayout(_ t: TensorData) -> TensorData {
            timeMajor == p.timeMajor ? t : TensorData(t.tensor(Double.self).swappingLeadingAxes())
        }
        func flatState(_ s: [TensorData]) -> [Tensor<Double>] {
            let t = s.map { $0.tensor(Double.self) }
            return p.stacked ? unpackStacked(t) : t
        }
        tensors[p.xName] = relayout(p.x)
        var carried: (initialState: [String]?, upstreamOutputs: String?, upstreamFinalState: [String]?) = (nil, nil, nil)
        if let s = p.initialState, let names = p.initialStateNames {
            for n in names { tensors[n] = nil }
            let converted = targetState(flatState(s))
            let newNames = initialNames?(converted) ?? converted.indices.map { "initial_state/\($0)" }
            for (n, t) in zip(newNames, converted) { tensors[n] = TensorData(t) }
            carried.initialState = newNames
        }
        tensors["sequence_length"] = nil                  // the encoder writes it from the problem
        // the source's own cotangent tensors go; renamed copies follow
        for n in [p.upstreamOutputsName].compactMap({ $0 }) + (p.upstreamFinalNames ?? []) { tensors[n] = nil }
        if let u = p.upstreamOutputs {
            tensors["upstream/outputs"] = relayout(u)
            carried.upstreamOutputs = "upstream/outputs"
        }
        if let u = p.upstreamFinal {
            let converted = targetState(flatState(u))
            for (k, t) in converted.enumerated() { tensors["upstream/final_state/\(k)"] = TensorData(t) }
            carried.upstreamFinalState = converted.indices.map { "upstream/final_state/\($0)" }
        }
        return carried
    }

    /// The converted document: the source's outputs and final state as `expected`.
    static func finish(_ f: Fixture, _ p: SequenceProblem, _ converted: SequenceProblem,
                       targetState: ([Tensor<Double>]) -> [Tensor<Double>], stateCount: Int, target: String) throws -> JSONValue {
        let timeMajor = converted.timeMajor
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
        let encoded = try converted.fixtureDocument(name: f.name, about: "", dtype: f.dtype)
        return Self.converted(f, model: encoded["model"]!, tensors: encoded["tensors"]!, expected: expected, target: target,
                         whose: "the source framework's", keepsTensorsFile: true)
    }

    /// The source document with the converted model, tensors and expected results, renamed and
    /// with `provenance.converted_to`. `whose`: whose numbers `expected` holds.
    static func converted(_ f: Fixture, model: JSONValue, tensors: JSONValue, expected: [String: JSONValue], target: String,
                          whose: String, keepsTensorsFile: Bool = false) -> JSONValue {
        var doc = f.document
        doc["model"] = model
        doc["tensors"] = tensors
        if !keepsTensorsFile { doc["tensors_file"] = nil }
        doc["expected"] = .object(expected)
        doc["name"] = .string("\(f.name)-as-\(target)")
        doc["about"] = .string("\(f.document["about"]?.stringValue ?? f.name) Converted by rnnref to \(target); expected outputs and final state are \(whose).")
        var prov = doc["provenance"]?.objectValue ?? [:]
        prov["converted_to"] = .string(target)
        doc["provenance"] = .object(prov)
        return .object(doc)
    }
}
