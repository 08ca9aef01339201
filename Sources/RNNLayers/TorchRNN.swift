import RNNCore

/// PyTorch's `torch.nn.LSTM` / `torch.nn.GRU` module (one direction): `num_layers` cells
/// stacked, each layer's output the next one's input (torch/nn/modules/rnn.py):
///
///     output, (h_n, c_n) = lstm(input, (h_0, c_0))          output, h_n = gru(input, h_0)
///
/// Shapes: input [T, B, I], or [B, T, I] with `batchFirst`; output likewise with the last
/// layer's width; `h_0`, `h_n` [L, B, P] and `c_0`, `c_n` [L, B, H], the layer as leading axis
/// (PyTorch's packing; inside, each layer's state is its cell's `[h, c]`).
public struct TorchRNN<T: RNNFloat>: Sendable {
    /// One cell per layer: `.lstm` or `.gru` specs of the `.torch` flavor.
    public let layers: [any RecurrentCell<T>]
    public let batchFirst: Bool
    /// The time loop over the stack (built once; it checks that the layers chain).
    let network: DynamicRNN<T>

    public init(layers: [any RecurrentCell<T>], batchFirst: Bool = false) throws {
        network = try DynamicRNN(cells: layers, timeMajor: !batchFirst)
        guard let n = layers.first?.stateSizes.count, layers.allSatisfy({ $0.stateSizes.count == n }) else {
            throw RNNError(.invalid, "layers", "every layer must be the same kind of cell")
        }
        self.layers = layers
        self.batchFirst = batchFirst
    }

    /// A module from its `state_dict` (`weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, …): `spec`
    /// is one layer's cell (`.lstm` with flavor `.torch` and its `proj_size`, or `.gru` with
    /// flavor `.torch`), computed by `impl`. Errors name the state-dict key.
    public init(_ impl: any RNNImplementation.Type, _ spec: CellSpec, inputSize: Int, numLayers: Int,
                stateDict: [String: Tensor<T>], batchFirst: Bool = false) throws {
        guard numLayers >= 1 else { throw RNNError(.invalid, "num_layers", "must be at least 1") }
        var cells: [any RecurrentCell<T>] = []
        var input = inputSize
        for k in 0..<numLayers {
            var given: [String: Tensor<T>] = [:]
            for (v, _) in spec.parameterShapes(inputSize: input) {
                guard let t = stateDict["\(v)_l\(k)"] else { throw RNNError(.missing, "\(v)_l\(k)", "missing from the state dict") }
                given[v] = t
            }
            do { cells.append(try impl.buildCell(spec, inputSize: input, given: given)) } catch let e as RNNError { throw e.within("layer \(k)") }
            input = spec.outputSize
        }
        try self.init(layers: cells, batchFirst: batchFirst)
    }

    /// How many tensors the state has: `(h, c)` or `h`.
    public var stateCount: Int { layers[0].stateSizes.count }

    // `Forward` and `Gradients` have the shape of `KerasRNN`'s on purpose (a layer's results and
    // the run its backward pass needs); here the states are PyTorch's [L, B, ·] and the
    // parameters are per layer. `backward` takes the `Forward` of this module's `forward`.
    public struct Forward: Sendable {
        public var output: Tensor<T>
        /// `(h_n, c_n)` or `[h_n]`, each [L, B, ·].
        public var finalState: [Tensor<T>]
        public var run: DynamicRNN<T>.Forward
    }

    public struct Gradients: Sendable {
        public var dx: Tensor<T>
        /// `(dh_0, dc_0)` or `[dh_0]`, each [L, B, ·].
        public var dInitialState: [Tensor<T>]
        /// Per layer, under the cell's variable names (`weight_ih`, …).
        public var dParameters: [Parameters<T>]

        /// The gradients under the module's `state_dict` keys (`weight_ih_l0`, …).
        public var stateDict: [String: Tensor<T>] {
            var d: [String: Tensor<T>] = [:]
            for (k, p) in dParameters.enumerated() { for (n, t) in zip(p.names, p.tensors) { d["\(n)_l\(k)"] = t } }
            return d
        }
    }

    /// `initialState`: `(h_0, c_0)` or `[h_0]` stacked by layer (nil: zeros). Errors name `x`
    /// and `initial_state[k]`.
    public func forward(_ x: Tensor<T>, initialState: [Tensor<T>]? = nil) throws -> Forward {
        if let s = initialState {
            guard s.count == stateCount else {
                throw RNNError(.shape, "initial_state", "takes \(stateCount == 2 ? "(h_0, c_0)" : "h_0"), got \(s.count) tensors")
            }
            for (k, t) in s.enumerated() where t.rank != 3 || t.shape[0] != layers.count {
                throw RNNError(.shape, "initial_state[\(k)]", "\(k == 0 ? "h_0" : "c_0") must be [num_layers, B, ·], got \(t.shape)")
            }
        }
        let run = try network.forward(x, initialState: initialState.map(unpackStacked))
        return Forward(output: run.outputs, finalState: packStacked(run.finalState, perLayer: stateCount), run: run)
    }

    /// The VJP of `forward` (nil cotangents: zeros). Errors name `upstream.outputs` and
    /// `upstream.final_state[k]`.
    public func backward(_ f: Forward, dOutput: Tensor<T>? = nil, dFinalState: [Tensor<T>]? = nil) throws -> Gradients {
        let dOut = dOutput ?? Tensor(zeros: f.output.shape)
        try dOut.expectShape(f.output.shape, "upstream.outputs")
        let dFin = try finalStateCotangents(dFinalState, for: f.finalState)
        let g = try network.backward(f.run, dOutputs: dOut, dFinalState: unpackStacked(dFin))
        return Gradients(dx: g.dx, dInitialState: packStacked(g.dInitialState, perLayer: stateCount), dParameters: g.dParameters)
    }
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
