import RNNCore
import RNNNumpy
import RNNFixtures
import RNNLayers

/// A random model of one of the supported kinds, built as typed values (no JSON): what
/// `rnnref gradcheck` checks and what the scalar-vs-BLAS property tests compare. Every number
/// comes from numpy's legacy stream (`RandomState(seed)`) in a fixed order, so a Python script
/// can rebuild the same case.
public struct RandomCase: Sendable, CustomStringConvertible {
    /// The models a case can be: one framework layer, or a stack of TF cells in
    /// `tf.nn.dynamic_rnn`.
    public typealias Kind = LayerKind

    public var kind: Kind
    public var units: Int = 3
    public var input: Int = 2
    public var batch: Int = 2
    public var steps: Int = 4
    public var layers: Int = 1
    public var outputs: Int = 2        // numpy.rnn's O
    public var activation: Activation = .tanh
    /// Keras LSTM's and GRU's `recurrent_activation`.
    public var recurrentActivation: Activation = .sigmoid
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
    /// The coupled-gate LSTM's `layer_norm`.
    public var layerNorm: Bool = false
    /// PyTorch `bidirectional=True` (each layer a forward and a `_reverse` cell).
    public var bidirectional: Bool = false
    // Keras layer options (every Keras kind)
    public var goBackwards: Bool = false
    /// A Keras mask [B, T], drawn after every other tensor (so that adding it leaves the rest of
    /// the case unchanged), and `zero_output_for_mask`.
    public var mask: MaskPattern?
    public var zeroOutputForMask: Bool = false

    /// How a Keras mask is drawn.
    public enum MaskPattern: String, Sendable, CaseIterable {
        /// Each row keeps a prefix of random length 0…T (row 0 all of it, row 1 none): a mask
        /// that only cuts the end, as `sequence_length` does.
        case cutsTheEnd = "end"
        /// Each step kept with probability ½; row 0 is `1 0 1 …` so a gap is always there.
        case gaps
    }

    public init(_ kind: Kind) { self.kind = kind }

    public var description: String {
        var s = "\(kind.name) H=\(units) I=\(input) B=\(batch) T=\(steps) layers=\(layers) act=\(activation.rawValue)\(recurrentActivation == .sigmoid ? "" : " recurrent_act=" + recurrentActivation.rawValue) bias=\(useBias) timeMajor=\(timeMajor) lengths=\(withLengths) \(dtype.rawValue) seed=\(seed)"
        if LayerKind.lstm.contains(kind) {
            s += " peepholes=\(peepholes) cell_clip=\(cellClip.map { "\($0)" } ?? "-") proj=\(numProj.map { "\($0)" } ?? "-") proj_clip=\(projClip.map { "\($0)" } ?? "-") forget_bias=\(forgetBias) tuple=\(stateIsTuple)"
        }
        if kind == .kerasGRU { s += " reset_after=\(resetAfter)" }
        if kind == .tfCIFGLSTMCell {
            s += " peepholes=\(peepholes) proj=\(numProj.map { "\($0)" } ?? "-") proj_clip=\(projClip.map { "\($0)" } ?? "-") forget_bias=\(forgetBias) tuple=\(stateIsTuple) layer_norm=\(layerNorm)"
        }
        if kind.family == .torch { s += " bidirectional=\(bidirectional)" }
        if kind.family == .keras {
            s += " go_backwards=\(goBackwards) mask=\(mask?.rawValue ?? "-") zero_output_for_mask=\(zeroOutputForMask)"
        }
        return s
    }

    /// The options this case's kind reads, each with its value: what a property test counts to
    /// show that its generator draws every value of every option.
    public var optionValues: [String: String] {
        var o: [String: String] = ["dtype": dtype.rawValue]
        let lstm = LayerKind.lstm.contains(kind)
        switch kind.family {
        case .tf?:
            o["layers"] = "\(layers)"; o["time_major"] = "\(timeMajor)"; o["sequence_length"] = "\(withLengths)"
        case .torch?:
            o["layers"] = "\(layers)"; o["time_major"] = "\(timeMajor)"; o["bias"] = "\(useBias)"
            o["bidirectional"] = "\(bidirectional)"; o["lengths"] = "\(withLengths)"
        case .keras?:
            o["go_backwards"] = "\(goBackwards)"; o["mask"] = mask?.rawValue ?? "-"
            o["zero_output_for_mask"] = "\(zeroOutputForMask)"
            if kind != .kerasMinimalRNNCell { o["use_bias"] = "\(useBias)" }
        default:
            break
        }
        if kind == .torchRNN { o["nonlinearity"] = activation.rawValue }
        if kind == .tfCIFGLSTMCell {
            o["use_peepholes"] = "\(peepholes)"; o["num_proj"] = numProj == nil ? "-" : "yes"
            o["proj_clip"] = projClip.map { "\($0)" } ?? "-"; o["forget_bias"] = "\(forgetBias)"
            o["state_is_tuple"] = "\(stateIsTuple)"; o["layer_norm"] = "\(layerNorm)"
        }
        if [.tfBasicRNNCell, .kerasSimpleRNN, .tfLSTMCell, .tfBasicLSTMCell, .kerasLSTM, .tfGRUCell, .kerasGRU, .tfCIFGLSTMCell].contains(kind) {
            o["activation"] = activation.rawValue
        }
        if kind == .tfLSTMCell {
            o["use_peepholes"] = "\(peepholes)"; o["cell_clip"] = cellClip.map { "\($0)" } ?? "-"
            o["num_proj"] = numProj == nil ? "-" : "yes"; o["proj_clip"] = projClip.map { "\($0)" } ?? "-"
        }
        if lstm && kind.family == .tf { o["forget_bias"] = "\(forgetBias)"; o["state_is_tuple"] = "\(stateIsTuple)" }
        if kind == .torchLSTM { o["proj_size"] = numProj == nil ? "-" : "yes" }
        if kind == .kerasGRU { o["reset_after"] = "\(resetAfter)" }
        return o
    }

    // Each kind reads its own options below; the cases look alike because every config is built
    // the same way (a config of the flavor, then its options).
    /// The cell spec of one layer of this case (min-char-rnn is a program, not a cell: nil).
    public func spec() -> CellSpec? {
        switch kind {
        case .tfBasicRNNCell: return .tfBasicRNN(numUnits: units, activation: activation)
        case .kerasSimpleRNN: return .kerasSimpleRNN(units: units, activation: activation, useBias: useBias)
        case .kerasMinimalRNNCell: return .kerasMinimalRNN(units: units)
        case .torchRNN: return .torchRNN(hiddenSize: units, nonlinearity: activation, bias: useBias)
        case .numpyMinCharRNN: return nil
        case .numpyRNN: return .numpyRNN(units: units, outputs: outputs)
        case .tfLSTMCell:
            var c = LSTMConfig(flavor: .tfLSTMCell, units: units)
            c.usePeepholes = peepholes; c.cellClip = cellClip; c.projection = numProj; c.projClip = numProj == nil ? nil : projClip
            c.forgetBias = forgetBias; c.stateIsTuple = stateIsTuple; c.activation = activation
            return .lstm(c)
        case .tfBasicLSTMCell:
            var c = LSTMConfig(flavor: .tfBasicLSTMCell, units: units)
            c.forgetBias = forgetBias; c.stateIsTuple = stateIsTuple; c.activation = activation
            return .lstm(c)
        case .kerasLSTM:
            var c = LSTMConfig(flavor: .keras, units: units)
            c.useBias = useBias; c.activation = activation; c.recurrentActivation = recurrentActivation
            return .lstm(c)
        case .torchLSTM:
            var c = LSTMConfig(flavor: .torch, units: units)
            c.useBias = useBias; c.projection = numProj
            return .lstm(c)
        case .tfCIFGLSTMCell:
            var c = CIFGConfig(units: units)
            c.usePeepholes = peepholes; c.projection = numProj; c.projClip = numProj == nil ? nil : projClip
            c.forgetBias = forgetBias; c.stateIsTuple = stateIsTuple; c.activation = activation; c.layerNorm = layerNorm
            return .cifgLSTM(c)
        case .tfGRUCell:
            var c = GRUConfig(flavor: .tf, units: units)
            c.activation = activation
            return .gru(c)
        case .kerasGRU:
            var c = GRUConfig(flavor: resetAfter ? .kerasResetAfter : .kerasResetBefore, units: units)
            c.useBias = useBias; c.activation = activation; c.recurrentActivation = recurrentActivation
            return .gru(c)
        case .torchGRU:
            var c = GRUConfig(flavor: .torch, units: units)
            c.useBias = useBias
            return .gru(c)
        }
    }

    /// The model of this case, built directly: a `SequenceProblem` (a `MinCharProblem` for
    /// min-char-rnn) whose tensors are drawn from `RandomState(seed)`, stored in `dtype`.
    public func model() throws -> any FixtureModel {
        for (n, v) in [("units", units), ("input", input), ("batch", batch), ("steps", steps), ("layers", layers), ("outputs", outputs)] where v < 1 {
            throw RNNError(.invalid, n, "must be at least 1, got \(v)")
        }
        var rng = try numpyRandomState(seed: seed)
        var tensors: [String: TensorData] = [:]
        func put(_ name: String, _ shape: [Int], scale: Double) {
            let data = (0..<shape.reduce(1, *)).map { _ in rng.uniform(-scale, scale) }
            tensors[name] = TensorData(shape: shape, values: dtype == .float32 ? data.map { Double(Float($0)) } : data)
        }
        func ids(_ vocabulary: Int) -> [Int] { (0..<steps).map { _ in Int(rng.source.nextUInt32() % UInt32(vocabulary)) } }

        guard let spec = spec() else {
            let (h, v) = (units, max(2, input))
            for (name, shape) in [("Wxh", [h, v]), ("Whh", [h, h]), ("Why", [v, h]), ("bh", [h, 1]), ("by", [v, 1])] {
                put(name, shape, scale: weightScale)
            }
            put("hprev", [h, 1], scale: 1)
            let (inputs, targets) = (ids(v), ids(v))
            return try MinCharProblem(weights: tensors.filter { $0.key != "hprev" }, inputs: inputs, targets: targets,
                                      hprev: tensors["hprev"]!, clip: false)
        }

        let torch = kind.family == .torch
        let directions = torch && bidirectional ? 2 : 1
        let layerCount = [.tf, .torch].contains(kind.family) ? layers : 1
        var cells: [CellEntry] = []
        var stateNames: [String] = []
        var width = input
        for j in 0..<(layerCount * directions) {
            let k = j / directions
            var weightNames: [String: String] = [:]
            let inputWidth = j < directions ? input : directions * spec.outputSize
            for (v, shape) in spec.parameterShapes(inputSize: inputWidth) {
                let name = torch ? v + torchKeySuffix(j, directions: directions) : "layer\(k)/\(v)"
                put(name, shape, scale: weightScale)
                weightNames[v] = name
            }
            cells.append(CellEntry(spec: spec, inputSize: inputWidth, weightNames: weightNames))
            if !torch {
                for w in spec.stateSizes {
                    let name = "initial_state/\(stateNames.count)"
                    put(name, [batch, w], scale: 1)
                    stateNames.append(name)
                }
            }
            width = directions * spec.outputSize
        }
        if torch {
            // PyTorch's (h_0 [L·D, B, P], c_0 [L·D, B, H]) or h_0
            put("h_0", [layerCount * directions, batch, spec.stateSizes[0]], scale: 1)
            stateNames = ["h_0"]
            if spec.stateSizes.count == 2 {
                put("c_0", [layerCount * directions, batch, spec.stateSizes[1]], scale: 1)
                stateNames.append("c_0")
            }
        }
        let tm = [.tf, .torch].contains(kind.family) ? timeMajor : kind == .numpyRNN
        put("x", tm ? [steps, batch, input] : [batch, steps, input], scale: 1)
        var upstreamFinal: [String] = []
        for (k, s) in stateNames.enumerated() {
            put("upstream/final_state/\(k)", tensors[s]!.shape, scale: 1)
            upstreamFinal.append("upstream/final_state/\(k)")
        }
        var lengths: [Int]?
        if torch && withLengths {
            // pack_padded_sequence's lengths in 1...T (PyTorch refuses 0), row 0 of length 1;
            // the output has max(lengths) steps
            var l = (0..<batch).map { _ in 1 + Int(rng.source.nextUInt32() % UInt32(steps)) }
            l[0] = 1
            lengths = l
        }
        let outSteps = lengths?.max() ?? steps
        put("upstream/outputs", tm ? [outSteps, batch, width] : [batch, outSteps, width], scale: 1)
        if kind.family == .tf && withLengths {
            // lengths in 0...T, with 0 and T both present when B ≥ 2
            var l = (0..<batch).map { _ in Int(rng.source.nextUInt32() % UInt32(steps + 1)) }
            if batch >= 2 { l[0] = steps; l[1] = 0 }
            lengths = l
        }
        var p = try SequenceProblem(family: kind.family ?? .keras, cells: cells, tensors: tensors, x: "x", timeMajor: tm,
                                    initialState: stateNames, sequenceLength: lengths,
                                    upstreamOutputs: "upstream/outputs", upstreamFinalState: upstreamFinal)
        p.bidirectional = directions == 2
        if kind.family == .keras {
            p.goBackwards = goBackwards
            p.zeroOutputForMask = zeroOutputForMask
            p.kerasMask = mask.map { pattern in
                var m: [Bool] = []
                for b in 0..<batch {
                    switch pattern {
                    case .cutsTheEnd:
                        let kept = b == 0 ? steps : b == 1 ? 0 : Int(rng.source.nextUInt32() % UInt32(steps + 1))
                        m += (0..<steps).map { $0 < kept }
                    case .gaps:
                        m += (0..<steps).map { t in b == 0 ? t % 2 == 0 : rng.source.nextUInt32() % 2 == 0 }
                    }
                }
                return m
            }
        }
        return p
    }

    /// The case as a fixture document, for a file (`rnnref run`, a framework's script).
    public func fixtureDocument() throws -> JSONValue {
        guard let p = try model() as? SequenceProblem else {
            throw RNNError(.unsupported, "cell", "\(kind.name) cases are not written as fixtures")
        }
        return try p.fixtureDocument(name: "random-\(kind.name)-\(seed)", about: description, dtype: dtype,
                                     provenance: ["generator": .string("rnnref RandomCase"), "seed": .number(Double(seed))])
    }

    /// Every result of the model in `dtype`.
    public func run(_ impl: any RNNImplementation.Type) throws -> ResultSet {
        try FixtureRunner.run(try model(), dtype: dtype, impl: impl)
    }

    /// The model's analytic gradients against finite differences, in float64.
    public func gradientCheck(_ impl: any RNNImplementation.Type, maxCoordinates: Int = 40, useGSL: Bool = false) throws -> [GradCheckEntry] {
        try model().gradientCheck(impl, maxCoordinates: maxCoordinates, useGSL: useGSL)
    }
}
