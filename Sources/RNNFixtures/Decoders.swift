import RNNCore
import RNNNumpy
import RNNLayers

/// A cell inside a fixture's model: its spec, its input width, and which fixture tensor holds
/// each of its variables (cell variable name → tensor name).
public struct CellEntry: Sendable {
    public var spec: CellSpec
    public var inputSize: Int
    public var weightNames: [String: String]
    /// `tf.DropoutWrapper(output_keep_prob, seed)` around the cell.
    public var dropout: (keepProb: Double, seed: Int)? = nil

    public init(spec: CellSpec, inputSize: Int, weightNames: [String: String], dropout: (keepProb: Double, seed: Int)? = nil) {
        self.spec = spec
        self.inputSize = inputSize
        self.weightNames = weightNames
        self.dropout = dropout
    }

    /// The cell in precision `T`, computed by `impl`, its weights taken from `t` (the dropout
    /// wrapper is the caller's: its mask depends on the input).
    public func build<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>]) throws -> any RecurrentCell<T> {
        var given: [String: Tensor<T>] = [:]
        for (v, name) in weightNames { given[v] = t[name]! }
        return try impl.buildCell(spec, inputSize: inputSize, given: given)
    }
}

/// Keys a model object may carry besides the framework's arguments without changing the math.
private func isHarmlessKey(_ k: String) -> Bool {
    ["name", "dtype", "trainable", "reuse"].contains(k) || k.hasSuffix("_initializer")
        || k.hasSuffix("_regularizer") || k.hasSuffix("_constraint")
}

/// Throws naming the first key of `object` that is neither in `known` nor harmless.
func rejectUnknownKeys(_ object: [String: JSONValue], known: Set<String>, path: String, kind: String) throws {
    for k in object.keys.sorted() where !known.contains(k) && !isHarmlessKey(k) {
        throw RNNError(.unsupported, "\(path).\(k)", "\(kind) does not take '\(k)' (or this version does not support it)")
    }
}

func intKey(_ o: [String: JSONValue], _ key: String, path: String, default d: Int? = nil) throws -> Int {
    guard let v = o[key] else {
        if let d { return d }
        throw RNNError(.missing, "\(path).\(key)", "missing key")
    }
    guard let n = v.numberValue, n == n.rounded(), abs(n) <= 9007199254740992 else {
        throw RNNError(.malformed, "\(path).\(key)", "must be an integer, got \(v.serialized())")
    }
    return Int(n)
}

func boolKey(_ o: [String: JSONValue], _ key: String, path: String, default d: Bool) throws -> Bool {
    guard let v = o[key], v != .null else { return d }
    guard let b = v.boolValue else { throw RNNError(.malformed, "\(path).\(key)", "must be true or false, got \(v.serialized())") }
    return b
}

/// A number at `key`, nil when absent or null.
func optionalNumber(_ o: [String: JSONValue], _ key: String, path: String) throws -> Double? {
    guard let v = o[key], v != .null else { return nil }
    guard let n = v.numberValue else { throw RNNError(.malformed, "\(path).\(key)", "must be a number or null, got \(v.serialized())") }
    return n
}

func activationKey(_ o: [String: JSONValue], path: String, default d: Activation, key: String = "activation") throws -> Activation {
    guard let v = o[key], v != .null else { return d }
    guard let s = v.stringValue else { throw RNNError(.malformed, "\(path).\(key)", "must be an activation name") }
    do { return try Activation(name: s) } catch let e as RNNError { throw RNNError(e.kind, "\(path).\(key)", e.reason) }
}

/// Decodes one cell object of a `tf.nn.dynamic_rnn` model (`cells[k]`).
func decodeTFCell(_ c: [String: JSONValue], inputSize: Int, path: String) throws -> CellEntry {
    guard let kind = c["kind"]?.stringValue else { throw RNNError(.missing, "\(path).kind", "missing cell kind") }
    if kind == "tf.DropoutWrapper" {
        try rejectUnknownKeys(c, known: ["kind", "output_keep_prob", "seed", "cell", "input_keep_prob", "state_keep_prob", "variational_recurrent"],
                              path: path, kind: kind)
        for k in ["input_keep_prob", "state_keep_prob"] where (try optionalNumber(c, k, path: path) ?? 1) != 1 {
            throw RNNError(.unsupported, "\(path).\(k)", "only output_keep_prob is supported")
        }
        if try boolKey(c, "variational_recurrent", path: path, default: false) {
            throw RNNError(.unsupported, "\(path).variational_recurrent", "variational dropout is not supported")
        }
        let keep = try optionalNumber(c, "output_keep_prob", path: path) ?? 1
        guard keep > 0 && keep <= 1 else { throw RNNError(.invalid, "\(path).output_keep_prob", "must be in (0, 1], got \(keep)") }
        guard let inner = c["cell"]?.objectValue else { throw RNNError(.missing, "\(path).cell", "DropoutWrapper needs the wrapped cell") }
        var e = try decodeTFCell(inner, inputSize: inputSize, path: "\(path).cell")
        e.dropout = (keep, try intKey(c, "seed", path: path))
        return e
    }
    let spec: CellSpec
    switch kind {
    case "tf.BasicRNNCell":
        try rejectUnknownKeys(c, known: ["kind", "num_units", "activation", "weights"], path: path, kind: kind)
        let h = try intKey(c, "num_units", path: path)
        spec = .tfBasicRNN(numUnits: h, activation: try activationKey(c, path: path, default: .tanh))
    case "tf.LSTMCell":
        try rejectUnknownKeys(c, known: ["kind", "num_units", "use_peepholes", "cell_clip", "num_proj", "proj_clip", "forget_bias",
                                         "activation", "state_is_tuple", "weights", "num_unit_shards", "num_proj_shards"], path: path, kind: kind)
        for shards in ["num_unit_shards", "num_proj_shards"] where c[shards] != nil && c[shards] != .null {
            throw RNNError(.unsupported, "\(path).\(shards)", "sharded LSTM variables are deprecated in TF and not supported")
        }
        var cfg = LSTMConfig(flavor: .tfLSTMCell, units: try intKey(c, "num_units", path: path))
        cfg.usePeepholes = try boolKey(c, "use_peepholes", path: path, default: false)
        cfg.cellClip = try optionalNumber(c, "cell_clip", path: path)
        cfg.projection = try optionalNumber(c, "num_proj", path: path).map { Int($0) }
        cfg.projClip = try optionalNumber(c, "proj_clip", path: path)
        cfg.forgetBias = try optionalNumber(c, "forget_bias", path: path) ?? 1.0
        cfg.activation = try activationKey(c, path: path, default: .tanh)
        cfg.stateIsTuple = try boolKey(c, "state_is_tuple", path: path, default: true)
        spec = .lstm(cfg)
    case "tf.BasicLSTMCell":
        try rejectUnknownKeys(c, known: ["kind", "num_units", "forget_bias", "activation", "state_is_tuple", "weights"], path: path, kind: kind)
        var cfg = LSTMConfig(flavor: .tfBasicLSTMCell, units: try intKey(c, "num_units", path: path))
        cfg.forgetBias = try optionalNumber(c, "forget_bias", path: path) ?? 1.0
        cfg.activation = try activationKey(c, path: path, default: .tanh)
        cfg.stateIsTuple = try boolKey(c, "state_is_tuple", path: path, default: true)
        spec = .lstm(cfg)
    case TFCellKind.cifgLSTM.rawValue:
        try rejectUnknownKeys(c, known: ["kind", "num_units", "use_peepholes", "num_proj", "proj_clip", "forget_bias", "state_is_tuple",
                                         "activation", "layer_norm", "norm_gain", "norm_shift", "weights", "num_unit_shards",
                                         "num_proj_shards"], path: path, kind: kind)
        for shards in ["num_unit_shards", "num_proj_shards"] where (try optionalNumber(c, shards, path: path) ?? 1) != 1 {
            throw RNNError(.unsupported, "\(path).\(shards)", "sharded variables (W_1, W_2, …) are not supported; the cell's weights are W_0 and W_P_0")
        }
        var cfg = CIFGConfig(units: try intKey(c, "num_units", path: path))
        cfg.usePeepholes = try boolKey(c, "use_peepholes", path: path, default: false)
        cfg.projection = try optionalNumber(c, "num_proj", path: path).map { Int($0) }
        cfg.projClip = try optionalNumber(c, "proj_clip", path: path)
        cfg.forgetBias = try optionalNumber(c, "forget_bias", path: path) ?? 1.0
        cfg.activation = try activationKey(c, path: path, default: .tanh)
        cfg.stateIsTuple = try boolKey(c, "state_is_tuple", path: path, default: true)
        cfg.layerNorm = try boolKey(c, "layer_norm", path: path, default: false)
        // norm_gain and norm_shift only initialise the gamma and beta variables the fixture gives
        for k in ["norm_gain", "norm_shift"] { _ = try optionalNumber(c, k, path: path) }
        spec = .cifgLSTM(cfg)
    case "tf.GRUCell":
        try rejectUnknownKeys(c, known: ["kind", "num_units", "activation", "weights"], path: path, kind: kind)
        var cfg = GRUConfig(flavor: .tf, units: try intKey(c, "num_units", path: path))
        cfg.activation = try activationKey(c, path: path, default: .tanh)
        spec = .gru(cfg)
    default:
        throw RNNError(.unknown, "\(path).kind", "unknown cell kind \"\(kind)\" (known: \(TFCellKind.allCases.map(\.rawValue).joined(separator: ", ")))")
    }
    do { try spec.validate(inputSize: inputSize) } catch let e as RNNError { throw RNNError(e.kind, path, e.reason) }
    return CellEntry(spec: spec, inputSize: inputSize, weightNames: try weightNames(c, spec: spec, inputSize: inputSize, path: path))
}

/// The `weights` object: cell variable name → tensor name; every variable of the spec present.
func weightNames(_ c: [String: JSONValue], spec: CellSpec, inputSize: Int, path: String) throws -> [String: String] {
    guard let w = c["weights"]?.objectValue else { throw RNNError(.missing, "\(path).weights", "missing weights object") }
    var names: [String: String] = [:]
    let expected = spec.parameterShapes(inputSize: inputSize).map(\.name)
    for (k, v) in w {
        guard expected.contains(k) else {
            throw RNNError(.unknown, "\(path).weights.\(k)", "\(spec.kind) has no variable '\(k)' (its variables: \(expected.joined(separator: ", ")))")
        }
        guard let s = v.stringValue else { throw RNNError(.malformed, "\(path).weights.\(k)", "must be a tensor name") }
        names[k] = s
    }
    for k in expected where names[k] == nil {
        throw RNNError(.missing, "\(path).weights.\(k)", "missing variable of \(spec.kind)")
    }
    return names
}

/// One Keras recurrent layer of a fixture (`keras.SimpleRNN`, `keras.LSTM`, `keras.GRU`,
/// `keras.MinimalRNNCell`): its cell and its flags, before any tensor is read.
public struct KerasLayerEntry: Sendable {
    public var cell: CellEntry
    public var returnSequences: Bool
    public var returnState: Bool
    public var goBackwards: Bool

    /// The layer in precision `T`, computed by `impl`, its weights taken from `t`.
    public func layer<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>], zeroOutputForMask: Bool = false) throws -> KerasRNN<T> {
        KerasRNN(cell: try cell.build(impl, t), returnSequences: returnSequences, returnState: returnState,
                 goBackwards: goBackwards, zeroOutputForMask: zeroOutputForMask)
    }
}

/// Decodes a Keras layer object (`kind` is its kind) whose input has `inputSize` features;
/// `alsoKnown` are the keys its container reads itself.
func decodeKerasLayer(_ m: [String: JSONValue], kind: String, inputSize: Int, path: String, alsoKnown: Set<String> = []) throws -> KerasLayerEntry {
    let layerFlags: Set<String> = ["return_sequences", "return_state", "go_backwards", "stateful", "unroll", "time_major", "dropout",
                                   "recurrent_dropout"]
    let cellKeys: Set<String>
    switch kind {
    case "keras.SimpleRNN": cellKeys = ["units", "activation", "use_bias"]
    case "keras.LSTM": cellKeys = ["units", "activation", "recurrent_activation", "use_bias", "unit_forget_bias", "implementation"]
    case "keras.GRU": cellKeys = ["units", "activation", "recurrent_activation", "use_bias", "reset_after", "implementation"]
    case "keras.MinimalRNNCell": cellKeys = ["units"]
    default:
        throw RNNError(.unsupported, "\(path).kind", "not a Keras recurrent layer: \(kind) (keras.SimpleRNN, keras.LSTM, keras.GRU, keras.MinimalRNNCell)")
    }
    try rejectUnknownKeys(m, known: Set(["kind", "weights"]).union(layerFlags).union(cellKeys).union(alsoKnown), path: path, kind: kind)
    // `unroll=True` builds the same function as a Python loop instead of a while loop: accepted
    _ = try boolKey(m, "unroll", path: path, default: false)
    if try boolKey(m, "time_major", path: path, default: false) {
        throw RNNError(.unsupported, "\(path).time_major", "Keras 'time_major=True' (tf-keras only) is not supported in this version")
    }
    for flag in ["dropout", "recurrent_dropout"] {
        if let v = m[flag], let n = v.numberValue, n != 0 {
            throw RNNError(.unsupported, "\(path).\(flag)", "Keras training-time dropout is not supported in this version")
        }
    }
    let units = try intKey(m, "units", path: path)
    let spec: CellSpec
    switch kind {
    case "keras.SimpleRNN":
        spec = .kerasSimpleRNN(units: units, activation: try activationKey(m, path: path, default: .tanh),
                               useBias: try boolKey(m, "use_bias", path: path, default: true))
    case "keras.LSTM":
        var cfg = LSTMConfig(flavor: .keras, units: units)
        cfg.activation = try activationKey(m, path: path, default: .tanh)
        cfg.recurrentActivation = try activationKey(m, path: path, default: .sigmoid, key: "recurrent_activation")
        cfg.useBias = try boolKey(m, "use_bias", path: path, default: true)
        spec = .lstm(cfg)
    case "keras.GRU":
        let after = try boolKey(m, "reset_after", path: path, default: true)
        var cfg = GRUConfig(flavor: after ? .kerasResetAfter : .kerasResetBefore, units: units)
        cfg.activation = try activationKey(m, path: path, default: .tanh)
        cfg.recurrentActivation = try activationKey(m, path: path, default: .sigmoid, key: "recurrent_activation")
        cfg.useBias = try boolKey(m, "use_bias", path: path, default: true)
        spec = .gru(cfg)
    default:
        spec = .kerasMinimalRNN(units: units)
    }
    do { try spec.validate(inputSize: inputSize) } catch let e as RNNError { throw RNNError(e.kind, path, e.reason) }
    let cell = CellEntry(spec: spec, inputSize: inputSize, weightNames: try weightNames(m, spec: spec, inputSize: inputSize, path: path))
    return KerasLayerEntry(cell: cell, returnSequences: try boolKey(m, "return_sequences", path: path, default: false),
                           returnState: try boolKey(m, "return_state", path: path, default: false),
                           goBackwards: try boolKey(m, "go_backwards", path: path, default: false))
}

/// `keras.RNN(cell)` with a Keras cell as the equivalent layer object: the cell's keys (its
/// `units`, activations, `weights`) merged into the layer's, the kind the layer's of that cell.
func kerasRNNAsLayer(_ m: [String: JSONValue], path: String = "model") throws -> ([String: JSONValue], String) {
    guard let cell = m["cell"]?.objectValue else { throw RNNError(.missing, "\(path).cell", "keras.RNN needs its cell object") }
    let layers = ["keras.LSTMCell": "keras.LSTM", "keras.GRUCell": "keras.GRU", "keras.SimpleRNNCell": "keras.SimpleRNN"]
    guard let ck = cell["kind"]?.stringValue, let kind = layers[ck] else {
        throw RNNError(.unsupported, "\(path).cell.kind", "keras.RNN takes keras.LSTMCell, keras.GRUCell, keras.SimpleRNNCell or NestedCell, got \(cell["kind"]?.serialized() ?? "none")")
    }
    var merged = m
    merged["cell"] = nil
    for (k, v) in cell where k != "kind" {
        guard merged[k] == nil else { throw RNNError(.invalid, "\(path).cell.\(k)", "given on both the layer and its cell") }
        merged[k] = v
    }
    return (merged, kind)
}

/// A sequence model from a fixture, in one of the kinds `tf.nn.dynamic_rnn`, `numpy.rnn`,
/// `keras.SimpleRNN`, `keras.MinimalRNNCell`, ready to run in either precision.
public struct SequenceProblem: Sendable {
    /// Which framework's layer runs the cells.
    public enum Family: Sendable, Equatable {
        /// `tf.nn.dynamic_rnn` over cells (and `MultiRNNCell` stacks), `sequence_length`.
        case tf
        /// The two-step numpy RNN (time-major, one cell).
        case numpy
        /// A Keras recurrent layer (`KerasRNN`): batch-major, layer flags, masks.
        case keras
        /// A PyTorch module (`TorchRNN`): stacked layers, states packed [L, B, ·].
        case torch
    }

    public var family: Family
    public var cells: [CellEntry]
    public var timeMajor: Bool
    /// Keras `return_sequences` (TF's dynamic_rnn always returns the sequence).
    public var returnSequences: Bool
    public var returnState: Bool
    public var xName: String
    public var x: TensorData
    public var initialStateNames: [String]?
    public var initialState: [TensorData]?
    public var sequenceLength: [Int]?
    public var upstreamOutputs: TensorData?
    public var upstreamFinal: [TensorData]?
    /// The names of the upstream tensors among `tensors`.
    public var upstreamOutputsName: String?
    public var upstreamFinalNames: [String]?
    /// All tensors by name (weights included).
    public var tensors: [String: TensorData]
    /// PyTorch's layout: `initial_state` and `final_state` are `(h [L, B, P], c [L, B, H])`
    /// with the layer as leading axis; internally they are per-layer `[h, c]` lists.
    public var stacked: Bool { family == .torch }
    /// PyTorch's `bidirectional=True`: `cells` holds each layer's forward cell, then its
    /// reverse cell (`_reverse` weights). For PyTorch `sequenceLength` holds the `lengths` of
    /// `pack_padded_sequence`.
    public var bidirectional: Bool = false
    /// Keras `go_backwards`: the input is processed last step first and the outputs are
    /// returned in that (reversed) order.
    public var goBackwards: Bool = false
    /// A Keras mask [B, T] (row-major), and Keras' `zero_output_for_mask`.
    public var kerasMask: [Bool]?
    public var zeroOutputForMask: Bool = false

    public var hasUpstream: Bool { upstreamOutputs != nil || upstreamFinal != nil }

    /// A sequence model built in code: `tensors` holds every tensor by name (the cells'
    /// weights under their `weightNames`), the other arguments name the input, initial state and
    /// upstream cotangents among them.
    public init(family: Family, cells: [CellEntry], tensors: [String: TensorData], x: String, timeMajor: Bool,
                initialState: [String]? = nil, sequenceLength: [Int]? = nil,
                upstreamOutputs: String? = nil, upstreamFinalState: [String]? = nil,
                returnSequences: Bool = true, returnState: Bool = true) throws {
        func tensor(_ name: String) throws -> TensorData {
            guard let t = tensors[name] else { throw RNNError(.missing, "tensors.\(name)", "no tensor of that name") }
            return t
        }
        for c in cells {
            for (v, name) in c.weightNames.sorted(by: { $0.key < $1.key }) where tensors[name] == nil {
                throw RNNError(.missing, "tensors.\(name)", "no tensor for the cell's \(v)")
            }
        }
        self.family = family
        self.cells = cells
        self.tensors = tensors
        self.timeMajor = timeMajor
        self.returnSequences = returnSequences
        self.returnState = returnState
        xName = x
        self.x = try tensor(x)
        initialStateNames = initialState
        self.initialState = try initialState?.map(tensor)
        self.sequenceLength = sequenceLength
        self.upstreamOutputs = try upstreamOutputs.map(tensor)
        upstreamFinal = try upstreamFinalState?.map(tensor)
        upstreamOutputsName = upstreamOutputs
        upstreamFinalNames = upstreamFinalState
    }

    public init(_ f: Fixture) throws {
        let m = f.model
        let kind = f.kind
        tensors = f.tensors
        guard let (xn, xd) = try f.namedTensor(m, "x", path: "model") else { throw RNNError(.missing, "model.x", "missing input tensor name") }
        xName = xn
        x = xd
        guard x.rank == 3 else { throw RNNError(.shape, "tensors.\(xn)", "x must have rank 3, got shape \(x.shape)") }
        returnSequences = true
        returnState = true
        switch kind {
        case "tf.nn.dynamic_rnn":
            family = .tf
            try rejectUnknownKeys(m, known: ["kind", "time_major", "cells", "x", "sequence_length", "initial_state", "upstream", "dtype", "parallel_iterations", "swap_memory", "scope"], path: "model", kind: kind)
            timeMajor = try boolKey(m, "time_major", path: "model", default: false)
            guard let cs = m["cells"]?.arrayValue, !cs.isEmpty else { throw RNNError(.missing, "model.cells", "needs a non-empty list of cells") }
            var input = x.shape[2]
            cells = []
            for (k, c) in cs.enumerated() {
                guard let co = c.objectValue else { throw RNNError(.malformed, "model.cells[\(k)]", "must be an object") }
                let e = try decodeTFCell(co, inputSize: input, path: "model.cells[\(k)]")
                cells.append(e)
                input = e.spec.outputSize
            }
        case "numpy.rnn":
            family = .numpy
            try rejectUnknownKeys(m, known: ["kind", "weights", "x", "initial_state", "upstream"], path: "model", kind: kind)
            timeMajor = true
            guard let w = m["weights"]?.objectValue else { throw RNNError(.missing, "model.weights", "missing weights object") }
            guard let wsName = w["w_cell_state"]?.stringValue else { throw RNNError(.missing, "model.weights.w_cell_state", "missing variable") }
            guard let woName = w["w_output"]?.stringValue else { throw RNNError(.missing, "model.weights.w_output", "missing variable") }
            let ws = try f.tensor(wsName, key: "model.weights.w_cell_state")
            let wo = try f.tensor(woName, key: "model.weights.w_output")
            guard ws.rank == 2, wo.rank == 2 else { throw RNNError(.shape, "model.weights", "w_cell_state and w_output must be matrices") }
            let spec = CellSpec.numpyRNN(units: ws.shape[0], outputs: wo.shape[1])
            cells = [CellEntry(spec: spec, inputSize: x.shape[2], weightNames: try weightNames(m, spec: spec, inputSize: x.shape[2], path: "model"))]
        case "keras.SimpleRNN", "keras.MinimalRNNCell", "keras.LSTM", "keras.GRU", "keras.RNN":
            family = .keras
            // keras.RNN(cell): the cell's keys are the layer's of the same kind (LSTM(10) is RNN(LSTMCell(10)))
            let (layerObject, layerKind) = kind == "keras.RNN" ? try kerasRNNAsLayer(m) : (m, kind)
            if let (mn, md) = try f.namedTensor(m, "mask", path: "model") {
                guard md.isInteger, md.shape == [x.shape[0], x.shape[1]] else {
                    throw RNNError(.shape, "tensors.\(mn)", "a Keras mask is an integer (0/1) tensor [B, T] = [\(x.shape[0]), \(x.shape[1])], got \(md.shape)")
                }
                kerasMask = md.ints.map { $0 != 0 }
                zeroOutputForMask = try boolKey(m, "zero_output_for_mask", path: "model", default: false)
            }
            let layer = try decodeKerasLayer(layerObject, kind: layerKind, inputSize: x.shape[2], path: "model",
                                             alsoKnown: ["x", "initial_state", "upstream", "mask", "zero_output_for_mask"])
            timeMajor = false
            returnSequences = layer.returnSequences
            returnState = layer.returnState
            goBackwards = layer.goBackwards
            cells = [layer.cell]
        case "torch.nn.RNN", "torch.nn.LSTM", "torch.nn.GRU":
            let extra: Set<String> = kind == "torch.nn.LSTM" ? ["proj_size"] : kind == "torch.nn.RNN" ? ["nonlinearity"] : []
            try rejectUnknownKeys(m, known: Set(["kind", "input_size", "hidden_size", "num_layers", "bias", "batch_first",
                                                 "dropout", "bidirectional", "weights", "x", "initial_state", "upstream", "lengths"]).union(extra),
                                  path: "model", kind: kind)
            if let d = try optionalNumber(m, "dropout", path: "model"), d != 0 {
                throw RNNError(.unsupported, "model.dropout",
                               "dropout between layers is refused: PyTorch draws its masks inside the module, so no fixture can carry them")
            }
            bidirectional = try boolKey(m, "bidirectional", path: "model", default: false)
            timeMajor = !(try boolKey(m, "batch_first", path: "model", default: false))
            let hidden = try intKey(m, "hidden_size", path: "model")
            let layers = try intKey(m, "num_layers", path: "model", default: 1)
            let proj = try intKey(m, "proj_size", path: "model", default: 0)
            guard layers >= 1 else { throw RNNError(.invalid, "model.num_layers", "must be at least 1") }
            guard proj >= 0 else { throw RNNError(.invalid, "model.proj_size", "must be non-negative") }
            if let i = m["input_size"], i.numberValue.map(Int.init) != x.shape[2] {
                throw RNNError(.shape, "model.input_size", "is \(i.serialized()) but x has \(x.shape[2]) features")
            }
            guard let w = m["weights"]?.objectValue else { throw RNNError(.missing, "model.weights", "missing weights object") }
            let spec: CellSpec
            let bias = try boolKey(m, "bias", path: "model", default: true)
            switch kind {
            case "torch.nn.RNN":
                let nl = m["nonlinearity"].map { $0.stringValue ?? $0.serialized() } ?? "tanh"
                guard nl == "tanh" || nl == "relu" else {
                    throw RNNError(.invalid, "model.nonlinearity", "is \"\(nl)\"; torch.nn.RNN takes 'tanh' or 'relu'")
                }
                spec = .torchRNN(hiddenSize: hidden, nonlinearity: nl == "relu" ? .relu : .tanh, bias: bias)
            case "torch.nn.GRU":
                var cfg = GRUConfig(flavor: .torch, units: hidden)
                cfg.useBias = bias
                spec = .gru(cfg)
            default:
                var cfg = LSTMConfig(flavor: .torch, units: hidden)
                cfg.projection = proj > 0 ? proj : nil
                cfg.useBias = bias
                spec = .lstm(cfg)
            }
            let directions = bidirectional ? 2 : 1
            cells = []
            var suffixes: [String] = []
            for j in 0..<(layers * directions) {
                let input = j < directions ? x.shape[2] : directions * spec.outputSize
                let suffix = torchKeySuffix(j, directions: directions)
                do { try spec.validate(inputSize: input) } catch let e as RNNError { throw RNNError(e.kind, "model", e.reason) }
                var names: [String: String] = [:]
                for (v, _) in spec.parameterShapes(inputSize: input) {
                    guard let t = w[v + suffix]?.stringValue else { throw RNNError(.missing, "model.weights.\(v + suffix)", "missing variable of \(kind)") }
                    names[v] = t
                }
                cells.append(CellEntry(spec: spec, inputSize: input, weightNames: names))
                suffixes.append(suffix)
            }
            let known = Set(suffixes.flatMap { s in spec.parameterShapes(inputSize: 1).map { $0.name + s } })
            for key in w.keys.sorted() where !known.contains(key) {
                throw RNNError(.unknown, "model.weights.\(key)",
                               "not a variable of a \(layers)-layer\(bidirectional ? " bidirectional" : "") \(kind)")
            }
            if let (ln, l) = try f.namedTensor(m, "lengths", path: "model") {
                guard l.isInteger, l.rank == 1 else {
                    throw RNNError(.malformed, "tensors.\(ln)", "lengths must be an integer vector [B] (\"dtype\": \"int64\"), got shape \(l.shape)")
                }
                sequenceLength = l.ints
            }
            family = .torch
        default:
            throw RNNError(.unknown, "model.kind", "unknown model kind \"\(kind)\"")
        }
        for (k, c) in cells.enumerated() {
            for (v, t) in c.weightNames { _ = try f.tensor(t, key: "model\(cells.count > 1 || family == .tf ? ".cells[\(k)]" : "").weights.\(v)") }
        }
        if let s = try f.namedTensors(m, "initial_state", path: "model") {
            // PyTorch's packing ((h_0, c_0), each [L, B, ·]) is checked by TorchRNN when it runs
            initialStateNames = s.map(\.name)
            initialState = s.map(\.data)
        }
        if let (ln, l) = try f.namedTensor(m, "sequence_length", path: "model") {
            guard l.isInteger else { throw RNNError(.malformed, "tensors.\(ln)", "sequence_length must be an integer tensor (\"dtype\": \"int64\")") }
            guard l.rank == 1 else { throw RNNError(.shape, "tensors.\(ln)", "sequence_length must be a vector [B], got shape \(l.shape)") }
            sequenceLength = l.ints
        }
        if let u = m["upstream"] {
            guard let uo = u.objectValue else { throw RNNError(.malformed, "model.upstream", "must be an object") }
            let outputs = try f.namedTensor(uo, "outputs", path: "model.upstream")
            let final = try f.namedTensors(uo, "final_state", path: "model.upstream")
            upstreamOutputs = outputs?.data
            upstreamOutputsName = outputs?.name
            upstreamFinal = final?.map(\.data)
            upstreamFinalNames = final?.map(\.name)
        }
    }
}

/// min-char-rnn's `lossFun` (and optionally `sample`) from a `numpy.min_char_rnn` fixture.
public struct MinCharProblem: Sendable {
    public var weights: [String: TensorData]
    public var weightNames: [String: String]
    public var inputs: [Int]
    public var targets: [Int]
    public var hprevName: String
    public var hprev: TensorData
    public var clip: Bool
    public var sample: (seed: Int, skipRandn: Int, seedIx: Int, n: Int)?

    /// The weights in the document's order, then `hprev`.
    public var differentiableNames: [String] { MinCharRNNSpec.parameterNames.map { weightNames[$0]! } + [hprevName] }

    /// min-char-rnn's `lossFun` built in code: the weights by the document's names (`Wxh`,
    /// `Whh`, `Why`, `bh`, `by`), `inputs` and `targets` as character ids.
    public init(weights: [String: TensorData], inputs: [Int], targets: [Int], hprev: TensorData, clip: Bool) throws {
        for name in MinCharRNNSpec.parameterNames where weights[name] == nil {
            throw RNNError(.missing, "weights.\(name)", "missing variable")
        }
        self.weights = weights
        weightNames = Dictionary(uniqueKeysWithValues: MinCharRNNSpec.parameterNames.map { ($0, $0) })
        self.inputs = inputs
        self.targets = targets
        hprevName = "hprev"
        self.hprev = hprev
        self.clip = clip
    }

    public init(_ f: Fixture) throws {
        let m = f.model
        try rejectUnknownKeys(m, known: ["kind", "hidden_size", "seq_length", "vocab", "weights", "inputs", "targets", "hprev", "clip", "init", "sample"], path: "model", kind: f.kind)
        guard let w = m["weights"]?.objectValue else { throw RNNError(.missing, "model.weights", "missing weights object") }
        weights = [:]
        weightNames = [:]
        for name in MinCharRNNSpec.parameterNames {
            guard let t = w[name]?.stringValue else { throw RNNError(.missing, "model.weights.\(name)", "missing variable") }
            weights[name] = try f.tensor(t, key: "model.weights.\(name)")
            weightNames[name] = t
        }
        guard let (_, i) = try f.namedTensor(m, "inputs", path: "model"), i.isInteger else { throw RNNError(.missing, "model.inputs", "needs an integer tensor of character ids") }
        guard let (_, t) = try f.namedTensor(m, "targets", path: "model"), t.isInteger else { throw RNNError(.missing, "model.targets", "needs an integer tensor of character ids") }
        guard let (hn, h) = try f.namedTensor(m, "hprev", path: "model") else { throw RNNError(.missing, "model.hprev", "missing hprev tensor name") }
        inputs = i.ints
        targets = t.ints
        hprevName = hn
        hprev = h
        if let c = m["clip"], c != .null {
            guard let v = c.numberValue else { throw RNNError(.malformed, "model.clip", "must be 5 (the document's clip) or null") }
            guard v == 5 else { throw RNNError(.unsupported, "model.clip", "only the document's clip of ±5 is supported, got \(v)") }
            clip = true
        } else {
            clip = false
        }
        if let s = m["sample"]?.objectValue {
            sample = (try intKey(s, "seed", path: "model.sample"), try intKey(s, "skip_randn", path: "model.sample", default: 0),
                      try intKey(s, "seed_ix", path: "model.sample"), try intKey(s, "n", path: "model.sample"))
        }
    }
}
