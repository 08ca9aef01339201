import RNNCore

/// The loop of ONNX's recurrent operators (`LSTM`, `GRU`, `RNN`, opset 22), around one cell per
/// direction, as onnxruntime runs it:
///
///     layout 0: X [T, B, I], Y [T, D, B, H], Y_h (Y_c) [D, B, H]
///     layout 1: X [B, T, I], Y [B, T, D, H], Y_h (Y_c) [B, D, H]
///     initial_h (initial_c) [D, B, H] (layout 1: [B, D, H])
///     direction "forward": steps 0…len−1; "reverse": len−1…0 (each row within its own
///     sequence_lens, as tf.reverse_sequence does); "bidirectional": both, forward first (D = 2)
///     Y past a row's length is 0; Y_h is the state at the row's last step; a row of length 0
///     gets Y_h = 0 (onnxruntime; the specification does not say), not its initial state
///
/// The cells' state order is the operator's: (h, c) for LSTM, h for GRU and RNN.
public struct ONNXRecurrent<T: RNNFloat>: Sendable {
    public typealias Direction = ONNXDirection

    /// One time-major run per direction (forward, then reverse).
    public var runs: [DynamicRNN<T>]
    public var direction: Direction
    /// ONNX `layout`: 0 time-major, 1 batch-major.
    public var layout: Int

    /// `cells`: one per direction. Errors name `direction` or `layout`.
    public init(cells: [any RecurrentCell<T>], direction: Direction, layout: Int = 0) throws {
        guard cells.count == (direction == .bidirectional ? 2 : 1) else {
            throw RNNError(.invalid, "direction", "\(direction.rawValue) needs \(direction == .bidirectional ? 2 : 1) cells, got \(cells.count)")
        }
        guard layout == 0 || layout == 1 else { throw RNNError(.invalid, "layout", "must be 0 or 1, got \(layout)") }
        runs = try cells.map { try DynamicRNN(cells: [$0], timeMajor: true) }
        (self.direction, self.layout) = (direction, layout)
    }

    public var directions: Int { runs.count }
    public var hiddenSize: Int { runs[0].cells[0].outputSize }
    public var stateCount: Int { runs[0].cells[0].stateSizes.count }

    /// Whether run `d` reads the sequence backwards.
    func reversed(_ d: Int) -> Bool { direction == .reverse || d == 1 }

    public struct Forward: Sendable {
        /// Y.
        public var output: Tensor<T>
        /// Y_h (and Y_c), in the layout's shape.
        public var finalState: [Tensor<T>]
        var runs: [DynamicRNN<T>.Forward]
        var lengths: [Int]?
    }

    public struct Gradients: Sendable {
        public var dx: Tensor<T>
        /// dL/d(initial_h) (and initial_c), in the layout's shape.
        public var dInitialState: [Tensor<T>]
        /// Per direction, the cell's parameter gradients.
        public var dParameters: [Parameters<T>]
    }

    /// [D, B, H] (layout 1: [B, D, H]) ↔ one [B, H] per direction.
    func split(_ s: Tensor<T>) -> [Tensor<T>] {
        let s0 = layout == 0 ? s : s.swappingLeadingAxes()
        return (0..<directions).map { s0.slice($0) }
    }

    func join(_ parts: [Tensor<T>]) -> Tensor<T> {
        let s = Tensor.stack(parts, inner: parts[0].shape)
        return layout == 0 ? s : s.swappingLeadingAxes()
    }

    /// X [T, B, I] (layout 1: [B, T, I]); `initialState` ONNX's initial_h (initial_c);
    /// `sequenceLens` [B] in 0…T. Errors name `X`, `initial_h`, `initial_c` or `sequence_lens`.
    public func forward(_ x: Tensor<T>, initialState: [Tensor<T>]? = nil, sequenceLens: [Int]? = nil) throws -> Forward {
        guard x.rank == 3 else { throw RNNError(.shape, "X", "expected rank 3, got shape \(x.shape)") }
        let xt = layout == 0 ? x : x.swappingLeadingAxes()
        let (steps, batch, h) = (xt.shape[0], xt.shape[1], hiddenSize)
        if let l = sequenceLens {
            guard l.count == batch else { throw RNNError(.shape, "sequence_lens", "expected \(batch) lengths, got \(l.count)") }
            if let bad = l.firstIndex(where: { $0 < 0 || $0 > steps }) {
                throw RNNError(.invalid, "sequence_lens", "sequence_lens[\(bad)] = \(l[bad]) is outside 0…\(steps) (the sequence length)")
            }
        }
        let names = ["initial_h", "initial_c"]
        var perDirection: [[Tensor<T>]]?
        if let s = initialState {
            guard s.count == stateCount else { throw RNNError(.shape, "initial_h", "expected \(stateCount) initial state tensors, got \(s.count)") }
            let want = layout == 0 ? [directions, batch, h] : [batch, directions, h]
            for (k, t) in s.enumerated() { try t.expectShape(want, names[k]) }
            let parts = s.map(split)
            perDirection = (0..<directions).map { d in parts.map { $0[d] } }
        }
        var outs: [Tensor<T>] = [], finals: [[Tensor<T>]] = []
        let initial = perDirection
        // the directions side by side where the implementation runs them so (`PassRunner`)
        let done = try runs[0].cells[0].passRunner.directions(directions) { d in
            let input = reversed(d) ? reverseSequence(xt, lengths: sequenceLens) : xt
            return try runs[d].forward(input, initialState: initial?[d], sequenceLength: sequenceLens)
        }
        for (d, run) in done.enumerated() {
            outs.append(reversed(d) ? reverseSequence(run.outputs, lengths: sequenceLens) : run.outputs)
            var fin = run.finalState
            if let l = sequenceLens {
                for k in fin.indices { for b in 0..<batch where l[b] == 0 { for j in 0..<h { fin[k][b, j] = 0 } } }
            }
            finals.append(fin)
        }
        // Y [T, D, B, H]: step t holds each direction's [B, H]
        var y = Tensor<T>(zeros: [steps, directions, batch, h])
        for t in 0..<steps {
            for d in 0..<directions {
                for k in 0..<(batch * h) { y.data[((t * directions + d) * batch) * h + k] = outs[d].data[t * batch * h + k] }
            }
        }
        if layout == 1 { y = try batchMajor(y) }
        let finalState = (0..<stateCount).map { k in join(finals.map { $0[k] }) }
        return Forward(output: y, finalState: finalState, runs: done, lengths: sequenceLens)
    }

    /// The VJP of `forward` for `L = Σ Y ⊙ dY + Σ_k Y_state[k] ⊙ dState[k]` (either may be nil).
    public func backward(_ f: Forward, dOutput: Tensor<T>?, dFinalState: [Tensor<T>]?) throws -> Gradients {
        var dy = dOutput ?? Tensor(zeros: f.output.shape)
        try dy.expectShape(f.output.shape, "dY")
        if layout == 1 { dy = try timeMajor(dy) }
        let (steps, batch, h) = (dy.shape[0], dy.shape[2], hiddenSize)
        let dStates = try (0..<stateCount).map { k -> [Tensor<T>] in
            guard let given = dFinalState?[k] else { return Array(repeating: Tensor(zeros: [batch, h]), count: directions) }
            try given.expectShape(f.finalState[k].shape, "dY_state[\(k)]")
            return split(given)
        }
        var dx: Tensor<T>?
        var dInitial: [[Tensor<T>]] = [], dParameters: [Parameters<T>] = []
        let dY = dy
        let done = try runs[0].cells[0].passRunner.directions(directions) { d in
            var dOut = Tensor<T>(zeros: [steps, batch, h])
            for t in 0..<steps {
                for k in 0..<(batch * h) { dOut.data[t * batch * h + k] = dY.data[((t * directions + d) * batch) * h + k] }
            }
            var dFin = dStates.map { $0[d] }
            if let l = f.lengths {           // a length-0 row's final state is the constant 0
                for k in dFin.indices { for b in 0..<batch where l[b] == 0 { for j in 0..<h { dFin[k][b, j] = 0 } } }
            }
            return try runs[d].backward(f.runs[d], dOutputs: reversed(d) ? reverseSequence(dOut, lengths: f.lengths) : dOut,
                                        dFinalState: dFin)
        }
        for (d, g) in done.enumerated() {
            let dxd = reversed(d) ? reverseSequence(g.dx, lengths: f.lengths) : g.dx
            if dx == nil { dx = dxd } else { dx!.add(dxd) }
            dInitial.append(g.dInitialState)
            dParameters.append(g.dParameters[0])
        }
        let dInitialState = (0..<stateCount).map { k in join(dInitial.map { $0[k] }) }
        return Gradients(dx: layout == 0 ? dx! : dx!.swappingLeadingAxes(), dInitialState: dInitialState, dParameters: dParameters)
    }

    /// [T, D, B, H] → [B, T, D, H].
    func batchMajor(_ y: Tensor<T>) throws -> Tensor<T> { permuted(y, [2, 0, 1, 3]) }

    /// [B, T, D, H] → [T, D, B, H].
    func timeMajor(_ y: Tensor<T>) throws -> Tensor<T> { permuted(y, [1, 2, 0, 3]) }

    /// The rank-4 tensor with its axes in `order` (out axis k is in axis `order[k]`).
    func permuted(_ y: Tensor<T>, _ order: [Int]) -> Tensor<T> {
        let s = y.shape, shape = order.map { s[$0] }
        let stride = [s[1] * s[2] * s[3], s[2] * s[3], s[3], 1]
        let st = order.map { stride[$0] }            // the source stride of each output axis
        var out = Tensor<T>(zeros: shape)
        var k = 0
        for a in 0..<shape[0] { for b in 0..<shape[1] { for c in 0..<shape[2] { for d in 0..<shape[3] {
            out.data[k] = y.data[a * st[0] + b * st[1] + c * st[2] + d * st[3]]
            k += 1
        } } } }
        return out
    }
}
