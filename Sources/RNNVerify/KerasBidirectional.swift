import RNNCore

/// `keras.layers.Bidirectional(layer, merge_mode, backward_layer)` around a Keras RNN layer
/// (keras/src/layers/rnn/bidirectional.py):
///
///     y = forward_layer(x, initial_state=initial_state[:half])
///     y_rev = backward_layer(x, initial_state=initial_state[half:])   # go_backwards flipped
///     if return_sequences: y_rev = flip(y_rev, axis=1)
///     concat: [y, y_rev];  sum: y + y_rev;  ave: (y + y_rev) / 2;  mul: y * y_rev;  None: (y, y_rev)
///     return_state: (output, *forward_states, *backward_states)
///
/// Model: `{"kind": "keras.Bidirectional", "merge_mode": …, "layer": {keras layer with its
/// weights}, "backward_layer": {the same kind with its own weights}, "x", "initial_state"
/// (forward states, then backward), "upstream": {"outputs": name (or [fw, bw] for None),
/// "final_state": [...]}}`.
public struct KerasBidirectionalProblem: Sendable {
    public enum Merge: String, Sendable { case concat, sum, ave, mul, none }
    public var merge: Merge
    var forwardLayer: SequenceProblem
    var backwardLayer: SequenceProblem
    var stateCountFw: Int
    public var upstreamOutputs: [TensorData]?
    public var upstreamFinal: [TensorData]?
    var tensors: [String: TensorData]

    public init(_ f: Fixture) throws {
        let m = f.model
        try rejectUnknownKeys(m, known: ["kind", "merge_mode", "layer", "backward_layer", "x", "initial_state", "upstream"], path: "model", kind: f.kind)
        switch m["merge_mode"] {
        case nil: merge = .concat
        case .null?: merge = .none
        case let v?:
            guard let s = v.stringValue, let mm = Merge(rawValue: s), mm != .none else {
                throw RNNError(.unknown, "model.merge_mode", "unknown merge_mode \(v.serialized()) (concat, sum, ave, mul, null)")
            }
            merge = mm
        }
        guard let layer = m["layer"]?.objectValue else { throw RNNError(.missing, "model.layer", "missing the wrapped Keras layer") }
        guard let back = m["backward_layer"]?.objectValue else { throw RNNError(.missing, "model.backward_layer", "missing the backward layer (its weights)") }
        guard ["keras.SimpleRNN", "keras.LSTM", "keras.GRU", "keras.MinimalRNNCell"].contains(layer["kind"]?.stringValue ?? "") else {
            throw RNNError(.unsupported, "model.layer.kind", "Bidirectional wraps keras.SimpleRNN, keras.LSTM, keras.GRU or keras.MinimalRNNCell")
        }
        let states = try f.namedTensors(m, "initial_state", path: "model")?.map(\.name)
        func sub(_ o: [String: JSONValue], _ states: [String]?, backward: Bool, path: String) throws -> SequenceProblem {
            var lo = o
            lo["x"] = m["x"]
            if let states { lo["initial_state"] = .array(states.map { .string($0) }) }
            if backward { lo["go_backwards"] = .bool(!(try boolKey(o, "go_backwards", path: path, default: false))) }
            lo["upstream"] = nil
            var doc = f.document
            doc["model"] = .object(lo)
            doc["expected"] = nil
            var g = f
            g.document = doc
            g.model = lo
            g.kind = lo["kind"]?.stringValue ?? ""
            do { return try SequenceProblem(g) } catch let e as RNNError { throw RNNError(e.kind, e.location.replacingOccurrences(of: "model", with: path), e.reason) }
        }
        let nStates = states.map { $0.count / 2 }
        forwardLayer = try sub(layer, states.map { Array($0[..<nStates!]) }, backward: false, path: "model.layer")
        backwardLayer = try sub(back, states.map { Array($0[nStates!...]) }, backward: true, path: "model.backward_layer")
        guard forwardLayer.returnSequences == backwardLayer.returnSequences, forwardLayer.returnState == backwardLayer.returnState else {
            throw RNNError(.invalid, "model.backward_layer", "return_sequences and return_state must match the forward layer's")
        }
        stateCountFw = forwardLayer.cells[0].spec.stateSizes.count
        tensors = f.tensors
        if let u = m["upstream"]?.objectValue {
            if let o = u["outputs"] {
                if merge == .none {
                    guard let names = o.arrayValue?.compactMap(\.stringValue), names.count == 2 else {
                        throw RNNError(.malformed, "model.upstream.outputs", "merge_mode None returns two outputs: list two tensor names")
                    }
                    upstreamOutputs = try names.map { try f.tensor($0, key: "model.upstream.outputs") }
                } else {
                    guard let n = o.stringValue else { throw RNNError(.malformed, "model.upstream.outputs", "must be a tensor name") }
                    upstreamOutputs = [try f.tensor(n, key: "model.upstream.outputs")]
                }
            }
            upstreamFinal = try f.namedTensors(u, "final_state", path: "model.upstream")?.map(\.data)
        }
    }

    struct Evaluation<T: RNNFloat> {
        var outputs: [Tensor<T>]          // one merged output, or two for merge_mode None
        var states: [Tensor<T>]
        var y: Tensor<T>
        var yRev: Tensor<T>
        var gradients: [String: Tensor<T>]?
    }

    func flipIfSequences<T: RNNFloat>(_ t: Tensor<T>) -> Tensor<T> {
        forwardLayer.returnSequences ? reverseTime(t, timeMajor: false) : t
    }

    func evaluate<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>], gradients: Bool) throws -> Evaluation<T> {
        var fw = forwardLayer, bw = backwardLayer
        let ef = try fw.evaluate(impl, t, gradients: false), eb = try bw.evaluate(impl, t, gradients: false)
        let y = ef.outputs, yRev = flipIfSequences(eb.outputs)
        var out: [Tensor<T>]
        switch merge {
        case .concat:
            let (rows, a, b) = (y.count / y.shape.last!, y.shape.last!, yRev.shape.last!)
            var c = Tensor<T>(zeros: Array(y.shape.dropLast()) + [a + b])
            for r in 0..<rows {
                for j in 0..<a { c.data[r * (a + b) + j] = y.data[r * a + j] }
                for j in 0..<b { c.data[r * (a + b) + a + j] = yRev.data[r * b + j] }
            }
            out = [c]
        case .sum: var s = y; s.add(yRev); out = [s]
        case .ave: var s = y; s.add(yRev); s.data = s.data.map { $0 / 2 }; out = [s]
        case .mul: var s = y; for i in s.data.indices { s.data[i] *= yRev.data[i] }; out = [s]
        case .none: out = [y, yRev]
        }
        let states = ef.forward.finalState + eb.forward.finalState
        var grads: [String: Tensor<T>]?
        if gradients && (upstreamOutputs != nil || upstreamFinal != nil) {
            var uY = Tensor<T>(zeros: y.shape), uYRev = Tensor<T>(zeros: yRev.shape)
            if let u = upstreamOutputs?.map({ $0.tensor(T.self) }) {
                for (k, ut) in u.enumerated() { try ut.expectShape(out[k].shape, "model.upstream.outputs") }
                switch merge {
                case .concat:
                    let (rows, a, b) = (y.count / y.shape.last!, y.shape.last!, yRev.shape.last!)
                    for r in 0..<rows {
                        for j in 0..<a { uY.data[r * a + j] = u[0].data[r * (a + b) + j] }
                        for j in 0..<b { uYRev.data[r * b + j] = u[0].data[r * (a + b) + a + j] }
                    }
                case .sum: uY = u[0]; uYRev = u[0]
                case .ave: uY = u[0]; uY.data = uY.data.map { $0 / 2 }; uYRev = uY
                case .mul:
                    uY = u[0]; uYRev = u[0]
                    for i in uY.data.indices { uY.data[i] *= yRev.data[i]; uYRev.data[i] *= y.data[i] }
                case .none: uY = u[0]; uYRev = u[1]
                }
            }
            let fin = upstreamFinal?.map { $0.tensor(T.self) } ?? states.map { Tensor(zeros: $0.shape) }
            guard fin.count == states.count else { throw RNNError(.shape, "model.upstream.final_state", "expected \(states.count) tensors, got \(fin.count)") }
            fw.upstreamOutputs = TensorData(uY)
            fw.upstreamFinal = fin[..<stateCountFw].map { TensorData($0) }
            bw.upstreamOutputs = TensorData(flipIfSequences(uYRev))
            bw.upstreamFinal = fin[stateCountFw...].map { TensorData($0) }
            var by: [String: Tensor<T>] = [:]
            for p in [fw, bw] {
                guard let g = try p.evaluate(impl, t, gradients: true).gradients else { continue }
                for (n, v) in p.gradientsByName(g) {
                    if by[n] == nil { by[n] = v } else { by[n]!.add(v) }      // x feeds both directions
                }
            }
            grads = by
        }
        return Evaluation(outputs: out, states: states, y: y, yRev: yRev, gradients: grads)
    }

    var differentiableNames: [String] {
        forwardLayer.differentiableNames.filter { $0 != forwardLayer.xName && !(forwardLayer.initialStateNames ?? []).contains($0) }
            + backwardLayer.differentiableNames.filter { $0 != backwardLayer.xName && !(backwardLayer.initialStateNames ?? []).contains($0) }
            + [forwardLayer.xName] + (forwardLayer.initialStateNames ?? []) + (backwardLayer.initialStateNames ?? [])
    }

    func results<T: RNNFloat>(_ impl: any RNNImplementation.Type, _: T.Type) throws -> ResultSet {
        let t = tensors.filter { !$0.value.isInteger }.mapValues { $0.tensor(T.self) }
        let e = try evaluate(impl, t, gradients: true)
        var r = ResultSet()
        if merge == .none { r.addList("outputs", e.outputs.map { TensorData($0) }) } else { r.add(["outputs"], TensorData(e.outputs[0])) }
        if forwardLayer.returnState { r.addList("final_state", e.states.map { TensorData($0) }) }
        if let g = e.gradients { for n in differentiableNames where g[n] != nil { r.add(["gradients", n], TensorData(g[n]!)) } }
        return r
    }

    func loss<T: RNNFloat>(_ e: Evaluation<T>) -> T {
        var l: T = 0
        if let u = upstreamOutputs { for (k, ut) in u.enumerated() { l += e.outputs[k].dot(ut.tensor(T.self)) } }
        if let u = upstreamFinal { for (k, ut) in u.enumerated() { l += e.states[k].dot(ut.tensor(T.self)) } }
        return l
    }

    func gradientCheck(_ impl: any RNNImplementation.Type, maxCoordinates: Int, useGSL: Bool) throws -> [GradCheckEntry] {
        let t = tensors.filter { !$0.value.isInteger }.mapValues { $0.tensor(Double.self) }
        guard let g = try evaluate(impl, t, gradients: true).gradients else { return [] }
        return try RNNVerify.gradientCheck(variables: differentiableNames.map { ($0, t[$0]!) }, analytic: g,
                                           maxCoordinates: maxCoordinates, useGSL: useGSL) { perturbed in
            var all = t
            for (k, v) in perturbed { all[k] = v }
            return loss(try evaluate(impl, all, gradients: false))
        }
    }
}
