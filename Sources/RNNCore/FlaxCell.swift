/// The cells of Flax's linen API (`flax.linen.recurrent`, flax 0.12.8), in Flax's vocabulary,
/// and the one table that maps them onto the cells this project computes with.
///
/// Flax writes every gate as its own `Dense` layer, `dense_i(name=…)(inputs)` and
/// `dense_h(name=…)(h)`; a Dense kernel is [in, out], so its parameters are per gate
/// `NAME/kernel` [I, H] or [H, H] and, where that Dense has `use_bias=True`, `NAME/bias` [H]:
///
///     LSTMCell, OptimizedLSTMCell (same parameters; the second concatenates them before one matmul):
///       i = gate_fn(dense_i(name='ii')(inputs) + dense_h(name='hi')(h))      # dense_i: no bias
///       f = gate_fn(dense_i(name='if')(inputs) + dense_h(name='hf')(h))      # dense_h: bias
///       g = activation_fn(dense_i(name='ig')(inputs) + dense_h(name='hg')(h))
///       o = gate_fn(dense_i(name='io')(inputs) + dense_h(name='ho')(h))
///       new_c = f * c + i * g
///       new_h = o * activation_fn(new_c)
///       return (new_c, new_h), new_h                                        # carry (c, h)
///     GRUCell:
///       r = gate_fn(dense_i(name='ir')(inputs) + dense_h(name='hr')(h))      # dense_i: bias
///       z = gate_fn(dense_i(name='iz')(inputs) + dense_h(name='hz')(h))      # dense_h: no bias
///       n = activation_fn(dense_i(name='in')(inputs) + r * dense_h(name='hn', use_bias=True)(h))
///       new_h = (1.0 - z) * n + z * h
///     SimpleCell:
///       new_carry = dense_i(name='i')(inputs) + dense_h(name='h')(carry)     # dense_i: bias
///       if self.residual: new_carry += carry
///       new_carry = self.activation_fn(new_carry)
///
/// Each is, function for function, a Keras cell with some parameters fixed: the LSTM is
/// `keras.LSTMCell` (gates i, f, c, o; one bias, on the hidden side; no `+1` anywhere: Flax
/// has no `forget_bias`, and `unit_forget_bias` is Keras' initialiser only); the GRU is
/// `keras.GRUCell(reset_after=True)` (gates z, r, h) whose recurrent biases of z and r are 0;
/// the SimpleCell is `keras.SimpleRNNCell`, with `residual` adding the identity to the
/// recurrent kernel (`h·W_h + h = h·(W_h + 1)`). So the arithmetic is those cells' (both
/// implementations), and only the layout is Flax's: `kerasParameters` and `flaxGradients` below.
///
///     MGUCell (reset_gate=True, the default):
///       f = gate_fn(dense_i(name='if')(inputs) + dense_h(name='hf')(h))      # dense_i: bias
///       x = dense_h(name='hn', use_bias=True)(h) * f
///       n = activation_fn(dense_i(name='in')(inputs) + x)
///       new_h = (1.0 - f) * n + f * h
///
/// is the reset-after GRU with its two gates tied (r = z = f): `keras.GRUCell(reset_after=True)`
/// with the f weights in both the z and the r blocks. The function is the same; the gradient of
/// a tied weight is the sum of the two blocks' gradients. (`reset_gate=False`, where n sees
/// h·W_hn unreset, is no GRU: refused.)
public struct FlaxCellConfig: Sendable, Equatable {
    public enum Kind: Sendable, Equatable, CaseIterable {
        case lstm, optimizedLSTM, gru, simple, mgu
    }

    public var kind: Kind
    /// `features`: H.
    public var features: Int
    /// `gate_fn` (LSTM and GRU), default sigmoid.
    public var gateFn: Activation = .sigmoid
    /// `activation_fn`, default tanh.
    public var activationFn: Activation = .tanh
    /// `residual` (SimpleCell only).
    public var residual = false

    public init(kind: Kind, features: Int) {
        (self.kind, self.features) = (kind, features)
    }

    /// The gate names of the Dense layers, in the column order of the Keras cell's fused
    /// matrices (Keras LSTM i, f, c, o; Keras GRU z, r, h).
    var gates: [String] {
        switch kind {
        case .lstm, .optimizedLSTM: ["i", "f", "g", "o"]
        case .gru: ["z", "r", "n"]
        case .mgu: ["f", "f", "n"]
        case .simple: [""]
        }
    }

    /// The parameters below the cell's scope, as Flax names them (`flax.traverse_util.
    /// flatten_dict(params, sep="/")`), with their shapes.
    public func parameterShapes(inputSize i: Int) -> [(name: String, shape: [Int])] {
        let h = features
        switch kind {
        case .lstm, .optimizedLSTM:
            return gates.map { ("i\($0)/kernel", [i, h]) } + gates.flatMap { [("h\($0)/kernel", [h, h]), ("h\($0)/bias", [h])] }
        case .gru:
            return ["r", "z", "n"].flatMap { [("i\($0)/kernel", [i, h]), ("i\($0)/bias", [h])] }
                + [("hr/kernel", [h, h]), ("hz/kernel", [h, h]), ("hn/kernel", [h, h]), ("hn/bias", [h])]
        case .simple:
            return [("i/kernel", [i, h]), ("i/bias", [h]), ("h/kernel", [h, h])]
        case .mgu:
            return [("if/kernel", [i, h]), ("if/bias", [h]), ("in/kernel", [i, h]), ("in/bias", [h]),
                    ("hf/kernel", [h, h]), ("hn/kernel", [h, h]), ("hn/bias", [h])]
        }
    }

    /// The cell this project computes it with.
    public var spec: CellSpec {
        switch kind {
        case .lstm, .optimizedLSTM:
            var c = LSTMConfig(flavor: .keras, units: features)
            (c.recurrentActivation, c.activation) = (gateFn, activationFn)
            return .lstm(c)
        case .gru, .mgu:
            var c = GRUConfig(flavor: .kerasResetAfter, units: features)
            (c.recurrentActivation, c.activation) = (gateFn, activationFn)
            return .gru(c)
        case .simple:
            return .kerasSimpleRNN(units: features, activation: activationFn, useBias: true)
        }
    }

    /// Carries in Flax's order: the LSTM's `(c, h)`, the others' `h`.
    public var carryCount: Int { kind == .lstm || kind == .optimizedLSTM ? 2 : 1 }

    /// The spec's state index of carry `k` (Keras' LSTM state is `[h, c]`).
    public func stateIndex(ofCarry k: Int) -> Int { carryCount == 2 ? 1 - k : k }

    /// Flax's parameters (by `parameterShapes`' names) as the spec's: the gates' kernels side by side, the biases likewise (the GRU's recurrent z and r
    /// biases 0; the residual SimpleCell's recurrent kernel plus the identity).
    /// Errors name the first parameter that is missing or of the wrong shape.
    public func kerasParameters<T: RNNFloat>(_ p: [String: Tensor<T>], inputSize i: Int) throws -> [String: Tensor<T>] {
        for (n, shape) in parameterShapes(inputSize: i) {
            guard let t = p[n] else { throw RNNError(.missing, n, "the cell needs \(n) \(shape)") }
            try t.expectShape(shape, n)
        }
        let h = features, g = gates.count
        /// The [rows, h] blocks side by side: [rows, g·h].
        func columns(_ blocks: [Tensor<T>?], rows: Int) -> Tensor<T> {
            var out = Tensor<T>(zeros: [rows, g * h])
            for (k, b) in blocks.enumerated() {
                guard let b else { continue }
                for r in 0..<rows { for j in 0..<h { out.data[r * g * h + k * h + j] = b.data[r * h + j] } }
            }
            return out
        }
        switch kind {
        case .lstm, .optimizedLSTM:
            return ["kernel": columns(gates.map { p["i\($0)/kernel"] }, rows: i),
                    "recurrent_kernel": columns(gates.map { p["h\($0)/kernel"] }, rows: h),
                    "bias": Tensor(uncheckedShape: [g * h], data: columns(gates.map { p["h\($0)/bias"] }, rows: 1).data)]
        case .gru, .mgu:
            let input = columns(gates.map { p["i\($0)/bias"] }, rows: 1).data
            let recurrent = columns([nil, nil, p["hn/bias"]], rows: 1).data
            return ["kernel": columns(gates.map { p["i\($0)/kernel"] }, rows: i),
                    "recurrent_kernel": columns(gates.map { p["h\($0)/kernel"] }, rows: h),
                    "bias": Tensor(uncheckedShape: [2, g * h], data: input + recurrent)]
        case .simple:
            var wh = p["h/kernel"]!
            if residual { for j in 0..<h { wh.data[j * h + j] += 1 } }
            return ["kernel": p["i/kernel"]!, "recurrent_kernel": wh, "bias": p["i/bias"]!]
        }
    }

    /// The spec's parameter gradients under Flax's names: each gate's columns cut out; the
    /// fixed parameters (the GRU's recurrent z and r biases, the residual's identity) have none.
    public func flaxGradients<T: RNNFloat>(_ g: Parameters<T>) -> [String: Tensor<T>] {
        let h = features, n = gates.count
        /// Block k of the [rows, n·h] matrix `m`: [rows, h].
        func block(_ m: Tensor<T>, _ k: Int) -> Tensor<T> {
            let rows = m.data.count / (n * h)
            var out = Tensor<T>(zeros: [rows, h])
            for r in 0..<rows { for j in 0..<h { out.data[r * h + j] = m.data[r * n * h + k * h + j] } }
            return out
        }
        func vector(_ m: Tensor<T>) -> Tensor<T> { Tensor(uncheckedShape: [h], data: m.data) }
        var out: [String: Tensor<T>] = [:]
        switch kind {
        case .lstm, .optimizedLSTM:
            for (k, gate) in gates.enumerated() {
                out["i\(gate)/kernel"] = block(g["kernel"], k)
                out["h\(gate)/kernel"] = block(g["recurrent_kernel"], k)
                out["h\(gate)/bias"] = vector(block(g["bias"], k))
            }
        case .gru, .mgu:
            let bias = g["bias"]             // [2, 3H]: input biases, then recurrent ones
            let input = Tensor<T>(uncheckedShape: [1, n * h], data: Array(bias.data[0 ..< n * h]))
            let recurrent = Tensor<T>(uncheckedShape: [1, n * h], data: Array(bias.data[n * h ..< 2 * n * h]))
            // a weight in two blocks (the MGU's f, as z and as r) gets both blocks' gradients
            func add(_ name: String, _ t: Tensor<T>) {
                if var a = out[name] { a.add(t); out[name] = a } else { out[name] = t }
            }
            for (k, gate) in gates.enumerated() {
                add("i\(gate)/kernel", block(g["kernel"], k))
                add("i\(gate)/bias", vector(block(input, k)))
                add("h\(gate)/kernel", block(g["recurrent_kernel"], k))
            }
            out["hn/bias"] = vector(block(recurrent, 2))
        case .simple:
            (out["i/kernel"], out["i/bias"], out["h/kernel"]) = (g["kernel"], g["bias"], g["recurrent_kernel"])
        }
        return out
    }
}

/// Flax's `flip_sequences(inputs, seq_lengths, num_batch_dims, time_major)` on a time-major
/// [T, B, W] tensor (flax/linen/recurrent.py):
///
///     idxs = jnp.arange(max_steps - 1, -1, -1)  # [max_steps]
///     idxs = (idxs + seq_lengths) % max_steps
///     outputs = jnp.take_along_axis(inputs, idxs, axis=time_axis)
///
/// so step t of row b takes step (T − 1 − t + len_b) mod T: the first len_b steps reversed,
/// and (unlike `tf.reverse_sequence`, `reverseSequence`) the padding reversed too, in place
/// after them. A permutation that is its own inverse; all T steps reversed without lengths.
public func flaxFlipSequences<T: RNNFloat>(_ x: Tensor<T>, lengths: [Int]?) -> Tensor<T> {
    let (tCount, batch, w) = (x.shape[0], x.shape[1], x.shape[2])
    var out = x
    for b in 0..<batch {
        let len = lengths?[b] ?? 0
        for t in 0..<tCount {
            let src = (((tCount - 1 - t + len) % tCount) * batch + b) * w, dst = (t * batch + b) * w
            for j in 0..<w { out.data[dst + j] = x.data[src + j] }
        }
    }
    return out
}
