import RNNCore

/// PyTorch's `torch.nn.RNN` / `torch.nn.LSTM` / `torch.nn.GRU` module: `num_layers` layers,
/// each one cell per direction, each layer's output the next one's input
/// (torch/nn/modules/rnn.py):
///
///     output, h_n = rnn(input, h_0)        output, (h_n, c_n) = lstm(input, (h_0, c_0))
///
/// With `bidirectional=True` every layer runs a second cell over the sequence reversed and
/// concatenates the two outputs (forward first), so layer k > 0 reads 2·H (2·P) features;
/// the states stack layer by layer, the reverse direction after the forward one
/// (`h_n[2k]` forward, `h_n[2k + 1]` reverse), as PyTorch documents `h_n.view(num_layers,
/// num_directions, batch, hidden_size)`.
///
/// With `lengths` the module runs as PyTorch users pad batches:
///
///     packed = pack_padded_sequence(input, lengths, batch_first, enforce_sorted=False)
///     out, h_n = rnn(packed, h_0)
///     output, _ = pad_packed_sequence(out, batch_first)
///
/// Each row runs its first `lengths[b]` steps only: its outputs past them are 0, `h_n` is its
/// state at its last valid step, and the reverse direction starts at that step (it reverses
/// each row within its length, as TF's `reverse_sequence`). `output` has `max(lengths)` steps
/// (pad_packed_sequence's `total_length=None`), not T.
///
/// Shapes: input [T, B, I], or [B, T, I] with `batchFirst`; output likewise with D·O features
/// (D = 2 when bidirectional, O the cell's output width); `h_0`, `h_n` [L·D, B, P] and `c_0`,
/// `c_n` [L·D, B, H], PyTorch's packing (inside, each cell's state is its `[h, c]`).
public struct TorchRNN<T: RNNFloat>: Sendable {
    /// One cell per layer and direction, in PyTorch's order: layer 0, layer 0 reverse (when
    /// bidirectional), layer 1, …: `.torchRNN`, or `.lstm` / `.gru` specs of the `.torch` flavor.
    public let layers: [any RecurrentCell<T>]
    public let bidirectional: Bool
    public let batchFirst: Bool

    /// D: 2 when bidirectional, else 1.
    public var directions: Int { bidirectional ? 2 : 1 }
    /// L.
    public var numLayers: Int { layers.count / directions }
    /// How many tensors the state has: `(h, c)` or `h`.
    public var stateCount: Int { layers[0].stateSizes.count }

    public init(layers: [any RecurrentCell<T>], bidirectional: Bool = false, batchFirst: Bool = false) throws {
        let d = bidirectional ? 2 : 1
        guard !layers.isEmpty, layers.count % d == 0 else {
            throw RNNError(.invalid, "layers", "a module needs num_layers × \(d) cells, got \(layers.count)")
        }
        guard layers.allSatisfy({ $0.stateSizes.count == layers[0].stateSizes.count && $0.spec.kind == layers[0].spec.kind }) else {
            throw RNNError(.invalid, "layers", "every layer must be the same kind of cell")
        }
        for (j, c) in layers.enumerated() {
            let below = j < d ? layers[0].inputSize : d * layers[j - d].outputSize
            guard c.inputSize == below else {
                throw RNNError(.shape, "layers[\(j)]", "input size \(c.inputSize) does not match the \(below) features below it")
            }
        }
        self.layers = layers
        self.bidirectional = bidirectional
        self.batchFirst = batchFirst
    }

    /// The `state_dict` key suffix of cell `j`: `_l{k}` or `_l{k}_reverse`.
    public func keySuffix(_ j: Int) -> String { torchKeySuffix(j, directions: directions) }

    /// A module from its `state_dict` (`weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, …,
    /// `weight_ih_l0_reverse`, …): `spec` is one layer's cell (`.torchRNN`, `.lstm` with flavor
    /// `.torch` and its `proj_size`, or `.gru` with flavor `.torch`), computed by `impl`. Errors
    /// name the state-dict key.
    public init(_ impl: any RNNImplementation.Type, _ spec: CellSpec, inputSize: Int, numLayers: Int,
                stateDict: [String: Tensor<T>], bidirectional: Bool = false, batchFirst: Bool = false) throws {
        guard numLayers >= 1 else { throw RNNError(.invalid, "num_layers", "must be at least 1") }
        let d = bidirectional ? 2 : 1
        var cells: [any RecurrentCell<T>] = []
        for j in 0..<(numLayers * d) {
            let input = j < d ? inputSize : d * spec.outputSize
            let suffix = torchKeySuffix(j, directions: d)
            var given: [String: Tensor<T>] = [:]
            for (v, _) in spec.parameterShapes(inputSize: input) {
                guard let t = stateDict[v + suffix] else { throw RNNError(.missing, v + suffix, "missing from the state dict") }
                given[v] = t
            }
            do { cells.append(try impl.buildCell(spec, inputSize: input, given: given)) } catch let e as RNNError {
                throw e.within("layer \(j / d)\(j % d == 1 ? " reverse" : "")")
            }
        }
        try self.init(layers: cells, bidirectional: bidirectional, batchFirst: batchFirst)
    }

    // `Forward` and `Gradients` have the shape of `KerasRNN`'s on purpose (a layer's results and
    // the run its backward pass needs); here the states are PyTorch's [L·D, B, ·] and the
    // parameters are per cell. `backward` takes the `Forward` of this module's `forward`.
    public struct Forward: Sendable {
        /// [T', B, D·O] (or batch first), T' = max(lengths) or T.
        public var output: Tensor<T>
        /// `(h_n, c_n)` or `[h_n]`, each [L·D, B, ·].
        public var finalState: [Tensor<T>]
        /// Each cell's run in `layers`' order, time-major; a reverse cell's over its reversed input.
        public var runs: [SequenceForward<T>]
        public var lengths: [Int]?
        /// T, the input's steps.
        var steps: Int
    }

    public struct Gradients: Sendable {
        public var dx: Tensor<T>
        /// `(dh_0, dc_0)` or `[dh_0]`, each [L·D, B, ·].
        public var dInitialState: [Tensor<T>]
        /// Per cell in `layers`' order, under the cell's variable names (`weight_ih`, …).
        public var dParameters: [Parameters<T>]
        /// `_l{k}` / `_l{k}_reverse` for each entry of `dParameters`.
        var suffixes: [String]

        /// The gradients under the module's `state_dict` keys (`weight_ih_l0`, …).
        public var stateDict: [String: Tensor<T>] {
            var d: [String: Tensor<T>] = [:]
            for (p, s) in zip(dParameters, suffixes) { for (n, t) in zip(p.names, p.tensors) { d[n + s] = t } }
            return d
        }
    }

    /// Checks x, the initial state and the lengths; returns (T, B). Errors name `x`,
    /// `initial_state[k]` and `lengths`.
    func validate(_ x: Tensor<T>, initialState: [Tensor<T>]?, lengths: [Int]?) throws -> (Int, Int) {
        let (steps, batch) = try validateSequenceInput(x, timeMajor: !batchFirst, inputSize: layers[0].inputSize)
        if let s = initialState {
            guard s.count == stateCount else {
                throw RNNError(.shape, "initial_state", "takes \(stateCount == 2 ? "(h_0, c_0)" : "h_0"), got \(s.count) tensors")
            }
            for (k, t) in s.enumerated() {
                let want = [layers.count, batch, layers[0].stateSizes[k]]
                guard t.shape == want else {
                    throw RNNError(.shape, "initial_state[\(k)]",
                                   "\(k == 0 ? "h_0" : "c_0") must be [num_layers·num_directions, B, ·] = \(want), got \(t.shape)")
                }
                if let bad = t.firstNonFinite() {
                    throw RNNError(.invalid, "initial_state[\(k)]", "non-finite value \(bad.value) at index \(multiIndex(bad.index, shape: t.shape))")
                }
            }
        }
        if let l = lengths {
            guard l.count == batch else { throw RNNError(.shape, "lengths", "expected \(batch) lengths (one per batch row), got \(l.count)") }
            if let b = l.firstIndex(where: { $0 <= 0 }) {
                throw RNNError(.invalid, "lengths", "lengths[\(b)] is \(l[b]): pack_padded_sequence refuses lengths below 1")
            }
            if let b = l.firstIndex(where: { $0 > steps }) {
                throw RNNError(.invalid, "lengths", "lengths[\(b)] is \(l[b]), longer than the \(steps) steps of x")
            }
        }
        return (steps, batch)
    }

    /// `initialState`: `(h_0, c_0)` or `[h_0]` stacked by layer and direction (nil: zeros);
    /// `lengths`: the rows' lengths for `pack_padded_sequence` (nil: every row runs T steps,
    /// unpacked). Errors name `x`, `initial_state[k]` and `lengths`.
    public func forward(_ x: Tensor<T>, initialState: [Tensor<T>]? = nil, lengths: [Int]? = nil) throws -> Forward {
        let (steps, batch) = try validate(x, initialState: initialState, lengths: lengths)
        let n = stateCount
        let s0 = initialState.map(unpackStacked) ?? layers.flatMap { $0.zeroState(batch: batch) }
        var input = batchFirst ? x.swappingLeadingAxes() : x
        var runs: [SequenceForward<T>] = []
        var final: [Tensor<T>] = []
        for k in 0..<numLayers {
            var output: Tensor<T>?
            let layerInput = input
            // the directions side by side where the implementation runs them so (`PassRunner`)
            let done = try layers[k * directions].passRunner.directions(directions) { d in
                let j = k * directions + d
                let reverse = d == 1
                let f = layers[j].forwardSequence(reverse ? reverseSequence(layerInput, lengths: lengths) : layerInput,
                                                  initialState: Array(s0[(j * n)..<((j + 1) * n)]), sequenceLength: lengths)
                return (f, reverse ? reverseSequence(f.outputs, lengths: lengths) : f.outputs)
            }
            for (f, y) in done {
                runs.append(f)
                final += f.finalState
                output = output.map { Tensor.concatenatingLast($0, y) } ?? y
            }
            input = output!
        }
        let kept = input.resizingLeadingAxis(to: lengths?.max() ?? steps)
        return Forward(output: batchFirst ? kept.swappingLeadingAxes() : kept, finalState: packStacked(final, perLayer: n),
                       runs: runs, lengths: lengths, steps: steps)
    }

    /// The VJP of `forward` (nil cotangents: zeros). Errors name `upstream.outputs` and
    /// `upstream.final_state[k]`.
    public func backward(_ f: Forward, dOutput: Tensor<T>? = nil, dFinalState: [Tensor<T>]? = nil) throws -> Gradients {
        let dOut = dOutput ?? Tensor(zeros: f.output.shape)
        try dOut.expectShape(f.output.shape, "upstream.outputs")
        let dFin = unpackStacked(try finalStateCotangents(dFinalState, for: f.finalState))
        let n = stateCount
        // the steps pad_packed_sequence dropped had zero outputs: zero cotangents
        var dAbove = (batchFirst ? dOut.swappingLeadingAxes() : dOut).resizingLeadingAxis(to: f.steps)
        var dInit = [Tensor<T>](repeating: Tensor(zeros: [0]), count: dFin.count)
        var dParams = [Parameters<T>](repeating: Parameters(names: [], tensors: []), count: layers.count)
        for k in stride(from: numLayers - 1, through: 0, by: -1) {
            let parts = directions == 1 ? [dAbove] : { let (a, b) = dAbove.splittingLast(at: layers[k * 2].outputSize); return [a, b] }()
            var dBelow: Tensor<T>?
            let done = try layers[k * directions].passRunner.directions(directions) { d in
                let j = k * directions + d
                let reverse = d == 1
                let g = layers[j].backwardSequence(f.runs[j], dOutputs: reverse ? reverseSequence(parts[d], lengths: f.lengths) : parts[d],
                                                   dFinalState: Array(dFin[(j * n)..<((j + 1) * n)]))
                return (g, reverse ? reverseSequence(g.dx, lengths: f.lengths) : g.dx)
            }
            for (d, (g, dx)) in done.enumerated() {
                let j = k * directions + d
                for i in 0..<n { dInit[j * n + i] = g.dInitialState[i] }
                dParams[j] = g.dParameters
                if dBelow == nil { dBelow = dx } else { dBelow!.add(dx) }        // x feeds both directions
            }
            dAbove = dBelow!
        }
        return Gradients(dx: batchFirst ? dAbove.swappingLeadingAxes() : dAbove, dInitialState: packStacked(dInit, perLayer: n),
                         dParameters: dParams, suffixes: layers.indices.map(keySuffix))
    }
}

/// The `state_dict` key suffix of a module's cell `j` (layers in order, each layer's directions
/// in order): `_l{k}`, or `_l{k}_reverse` for the second direction of a bidirectional module.
public func torchKeySuffix(_ j: Int, directions: Int) -> String {
    "_l\(j / directions)" + (j % directions == 1 ? "_reverse" : "")
}

/// PyTorch's `(h [L, B, P], c [L, B, H])` → per-layer `[h_l, c_l]` (each [B, ·]).
public func unpackStacked<T: RNNFloat>(_ ts: [Tensor<T>]) -> [Tensor<T>] {
    let layers = ts[0].shape[0]
    var flat: [Tensor<T>] = []
    for l in 0..<layers { for t in ts { flat.append(t.slice(l)) } }
    return flat
}

/// Per-layer `[h_l, c_l]` (or `[h_l]`) → PyTorch's `(h [L, B, P], c [L, B, H])` (or `h`).
public func packStacked<T: RNNFloat>(_ flat: [Tensor<T>], perLayer: Int) -> [Tensor<T>] {
    let layers = flat.count / perLayer
    return (0..<perLayer).map { k in
        let parts = (0..<layers).map { flat[perLayer * $0 + k] }
        return Tensor.stack(parts, inner: parts[0].shape)
    }
}
