import RNNCheck
import RNNCore
import RNNFixtures
import RNNLayers
import RNNNumpy
import RNNTestSupport
import Testing

/// What scalar and BLAS share (masks, lengths, directions, option handling, conversions) cannot
/// be checked by comparing the two. These identities need no framework: two models that must
/// compute the same function, run through both implementations, every result compared.
@Suite("Identities that need no framework")
struct IdentityTests {
    /// Every result of `a` equals the result of `b` under `key(a's key)` (nil: not compared), to
    /// 1e-12 of the largest result, in both implementations. Returns how many were compared.
    @discardableResult
    static func expectSame(_ a: any FixtureModel, _ b: any FixtureModel, what: String,
                           key: (String) -> String? = { $0 }, transform: (String, TensorData) -> TensorData = { $1 }) throws -> Int {
        var compared = 0
        for impl in implementations {
            let ra = try FixtureRunner.run(a, dtype: .float64, impl: impl)
            let rb = try FixtureRunner.run(b, dtype: .float64, impl: impl)
            let scale = ra.entries.flatMap { $0.value.values.map { abs($0) } }.max() ?? 0
            compared = 0
            for e in ra.entries {
                guard let k = key(e.key) else { continue }
                let other = try #require(rb.entry(k), "\(what): no \(k) in the second model's results")
                let mine = transform(e.key, e.value)
                #expect(mine.shape == other.value.shape, "\(what): \(e.key)")
                let d = maxAbsError(mine.values, other.value.values)
                #expect(d <= 1e-12 * max(1, scale), "\(what) [\(impl.name)]: \(e.key) differs by \(d)")
                compared += 1
            }
        }
        return compared
    }

    static func sequenceModel(_ c: RandomCase) throws -> SequenceProblem {
        try #require(try c.model() as? SequenceProblem)
    }

    /// `tf.LSTMCell(use_peepholes=True)` with all three peephole vectors zero is the cell
    /// without peepholes (outputs, state and the other tensors' gradients).
    @Test(arguments: 0..<4)
    func zeroPeepholesAreNoPeepholes(_ seed: Int) throws {
        var c = RandomCase(.tfLSTMCell)
        c.seed = 30 + seed; c.peepholes = true; c.withLengths = true; c.batch = 3; c.layers = 1 + seed % 2
        c.cellClip = seed == 2 ? 0.5 : nil; c.numProj = seed == 3 ? 2 : nil
        var with = try Self.sequenceModel(c)
        var without = with
        for (k, cell) in with.cells.enumerated() {
            guard case var cfg = cell.spec, case .lstm(var l) = cfg else { Issue.record("not an LSTM"); return }
            for v in ["w_f_diag", "w_i_diag", "w_o_diag"] {
                let name = try #require(cell.weightNames[v])
                with.tensors[name]!.values = with.tensors[name]!.values.map { _ in 0 }
                without.cells[k].weightNames[v] = nil
            }
            l.usePeepholes = false
            cfg = .lstm(l)
            without.cells[k].spec = cfg
        }
        let n = try Self.expectSame(with, without, what: "zero peepholes", key: { $0.contains("_diag") ? nil : $0 })
        #expect(n >= 5)
    }

    /// The coupled gate two ways (notebook 04): TF's cell with the gate's block of `W_0` and `B`,
    /// `W_F_diag` and `forget_bias` negated computes ONNX's `input_forget` convention on the
    /// original weights: its gate is 1 − f and its cell `(1 − f)⊙c_prev + f⊙g`, where f and g
    /// are the original cell's, read from its cache. One step, peepholes and layer norm both
    /// ways, both implementations.
    @Test(arguments: [false, true])
    func negatingTheCoupledGateSwapsItsConvention(_ layerNorm: Bool) throws {
        var c = RandomCase(.tfCIFGLSTMCell)
        c.seed = 45; c.peepholes = true; c.layerNorm = layerNorm; c.forgetBias = 0.5; c.units = 4; c.batch = 3; c.steps = 1
        c.timeMajor = true
        let p = try Self.sequenceModel(c)
        let e = p.cells[0]
        guard case let .cifgLSTM(cfg) = e.spec else { Issue.record("not a coupled-gate cell"); return }
        let w: [String: Tensor<Double>] = e.weightNames.mapValues { p.tensors[$0]!.tensor(Double.self) }
        let x = p.tensors["x"]!.tensor(Double.self).slice(0)
        let s0 = p.initialState!.map { $0.tensor(Double.self) }
        for impl in implementations {
            let tf = try impl.buildCell(.cifgLSTM(cfg), inputSize: c.input, given: w).step(x, state: s0).cache.cifg
            var neg = w, negCfg = cfg
            let h = cfg.units
            if layerNorm {
                // the gate's pre-activation is LN(v)·gamma + beta: negate gamma and beta
                neg["forget/gamma"]!.data = neg["forget/gamma"]!.data.map { -$0 }
                neg["forget/beta"]!.data = neg["forget/beta"]!.data.map { -$0 }
            } else {
                for r in 0..<neg["W_0"]!.shape[0] { for j in h..<(2 * h) { neg["W_0"]![r, j] = -neg["W_0"]![r, j] } }
                for j in h..<(2 * h) { neg["B"]!.data[j] = -neg["B"]!.data[j] }
            }
            neg["W_F_diag"]!.data = neg["W_F_diag"]!.data.map { -$0 }
            negCfg.forgetBias = -cfg.forgetBias
            let onnx = try impl.buildCell(.cifgLSTM(negCfg), inputSize: c.input, given: neg).step(x, state: s0).cache.cifg
            let cPrev = s0[0]
            for k in 0..<(c.batch * h) {
                #expect(abs(onnx.f.data[k] - (1 - tf.f.data[k])) <= 1e-15, "[\(impl.name)] gate \(k)")
                let want = (1 - tf.f.data[k]) * cPrev.data[k] + tf.f.data[k] * tf.g.data[k]
                #expect(abs(onnx.cRaw.data[k] - want) <= 1e-14, "[\(impl.name)] c \(k)")
            }
        }
    }

    /// A stateful layer called on a sequence in two halves returns what one call on the whole
    /// sequence returns (the state carried from the first call is exactly where the second
    /// starts), for every Keras kind.
    @Test(arguments: [RandomCase.Kind.kerasSimpleRNN, .kerasLSTM, .kerasGRU, .kerasMinimalRNNCell])
    func twoStatefulCallsAreOneCall(_ kind: RandomCase.Kind) throws {
        var c = RandomCase(kind)
        c.seed = 48; c.batch = 2; c.steps = 6; c.units = 3
        guard case var doc? = try c.fixtureDocument().objectValue, var m = doc["model"]?.objectValue,
              var tensors = doc["tensors"]?.objectValue else { Issue.record("not a document"); return }
        let whole = try Fixture(source: "whole.json", json: .object(doc))
        let x = try #require(whole.tensors["x"])
        let (b, t, i) = (x.shape[0], x.shape[1], x.shape[2])
        for (k, range) in [0..<3, 3..<6].enumerated() {
            let values = (0..<b).flatMap { r in range.flatMap { s in (0..<i).map { x.values[(r * t + s) * i + $0] } } }
            tensors["x/\(k)"] = TensorData(shape: [b, 3, i], values: values).json
        }
        m["x"] = .array([.string("x/0"), .string("x/1")])
        m["stateful"] = .bool(true)
        m["upstream"] = nil
        doc["model"] = .object(m)
        doc["tensors"] = .object(tensors)
        let halves = try Fixture(source: "halves.json", json: .object(doc))
        for impl in implementations {
            let full = try #require(try FixtureRunner.run(whole, impl: impl).entry("outputs")).value
            let r = try FixtureRunner.run(halves, impl: impl)
            let (a, z) = (try #require(r.entry("outputs/0")).value, try #require(r.entry("outputs/1")).value)
            let row = 3 * c.units           // one batch row of one half: 3 steps of H
            var joined: [Double] = []
            for r in 0..<b {
                joined += a.values[(r * row)..<((r + 1) * row)]
                joined += z.values[(r * row)..<((r + 1) * row)]
            }
            #expect(maxAbsError(joined, full.values) <= 1e-12, "\(kind.name) [\(impl.name)]")
        }
    }

    /// `forget_bias = b` is the same cell as `forget_bias = 0` with `b` added to the bias's f
    /// block (TF's gate order i, j, f, o): every output and every gradient.
    @Test(arguments: [(RandomCase.Kind.tfLSTMCell, 1.0), (.tfLSTMCell, 0.5), (.tfBasicLSTMCell, 1.0)])
    func forgetBiasIsABiasOnTheForgetBlock(_ kind: RandomCase.Kind, _ b: Double) throws {
        var c = RandomCase(kind)
        c.seed = 40; c.forgetBias = b; c.withLengths = true; c.batch = 3; c.layers = 2
        let with = try Self.sequenceModel(c)
        var folded = with
        for (k, cell) in with.cells.enumerated() {
            guard case .lstm(var l) = cell.spec else { Issue.record("not an LSTM"); return }
            let f = l.gateOffsets.f
            l.forgetBias = 0
            folded.cells[k].spec = .lstm(l)
            let name = try #require(cell.weightNames["bias"])
            for u in 0..<l.units { folded.tensors[name]!.values[f + u] += b }
        }
        #expect(try Self.expectSame(with, folded, what: "forget_bias \(b)") >= 6)
    }

    /// A GRU whose reset gate multiplies the recurrent candidate term after its matmul (Keras
    /// `reset_after=True`, PyTorch) has two biases; the recurrent biases of z and r are added
    /// like the input ones, so they fold into the input bias, and the outputs and gradients of
    /// everything but the biases stay. The candidate's recurrent bias sits inside `r ⊙ (…)`:
    /// folding it too changes the outputs.
    @Test(arguments: [RandomCase.Kind.kerasGRU, .torchGRU])
    func gruRecurrentGateBiasesFoldIntoTheInputBias(_ kind: RandomCase.Kind) throws {
        var c = RandomCase(kind)
        c.seed = 50; c.batch = 3; c.layers = 2
        let two = try Self.sequenceModel(c)
        let h = c.units
        // (input bias name, offset), (recurrent bias name, offset) of the z and r blocks and
        // of the candidate block, per layer
        func fold(_ p: SequenceProblem, candidate: Bool) throws -> SequenceProblem {
            var q = p
            for cell in p.cells {
                let blocks: [Int]                         // block indices to fold
                let (inName, inOff, recName, recOff): (String, Int, String, Int)
                if kind == .kerasGRU {                    // bias [2, 3H]: rows input, recurrent; blocks z, r, h
                    let n = try #require(cell.weightNames["bias"])
                    (inName, inOff, recName, recOff) = (n, 0, n, 3 * h)
                    blocks = candidate ? [0, 1, 2] : [0, 1]
                } else {                                  // bias_ih, bias_hh [3H]: blocks r, z, n
                    (inName, inOff, recName, recOff) = (try #require(cell.weightNames["bias_ih"]), 0, try #require(cell.weightNames["bias_hh"]), 0)
                    blocks = candidate ? [0, 1, 2] : [0, 1]
                }
                for blk in blocks {
                    for u in 0..<h {
                        q.tensors[inName]!.values[inOff + blk * h + u] += q.tensors[recName]!.values[recOff + blk * h + u]
                        q.tensors[recName]!.values[recOff + blk * h + u] = 0
                    }
                }
            }
            return q
        }
        let biasNames = Set(two.cells.flatMap { $0.weightNames.filter { $0.key.contains("bias") }.values })
        let n = try Self.expectSame(two, try fold(two, candidate: false), what: "\(kind.name) folded z, r biases",
                                    key: { k in biasNames.contains { k.hasSuffix("/" + $0) } ? nil : k })
        #expect(n >= 5)
        // folding the candidate's recurrent bias is not an identity
        let a = try FixtureRunner.run(two, dtype: .float64, impl: implementations[0])
        let b = try FixtureRunner.run(try fold(two, candidate: true), dtype: .float64, impl: implementations[0])
        let out = try #require(a.entry("outputs")), outB = try #require(b.entry("outputs"))
        #expect(maxAbsError(out.value.values, outB.value.values) > 1e-3)
    }

    /// Keras `go_backwards` on the time-reversed input (and mask) is the forward layer: the
    /// outputs come in processing order, so they are equal as they are; the final state and the
    /// weights' gradients are equal, and the input's gradient is reversed back.
    @Test(arguments: [RandomCase.Kind.kerasSimpleRNN, .kerasLSTM, .kerasGRU, .kerasMinimalRNNCell])
    func goBackwardsOnTheReversedInputIsTheForwardLayer(_ kind: RandomCase.Kind) throws {
        var c = RandomCase(kind)
        c.seed = 60; c.batch = 3; c.steps = 5; c.mask = .gaps; c.zeroOutputForMask = kind == .kerasLSTM
        let forward = try Self.sequenceModel(c)
        var backward = forward
        backward.goBackwards = true
        let (b, t) = (c.batch, c.steps)
        func reversed(_ d: TensorData) -> TensorData {
            let w = d.values.count / (b * t)
            var out = d
            for r in 0..<b { for s in 0..<t { for k in 0..<w { out.values[(r * t + s) * w + k] = d.values[(r * t + (t - 1 - s)) * w + k] } } }
            return out
        }
        backward.tensors["x"] = reversed(forward.tensors["x"]!)
        backward.x = backward.tensors["x"]!
        let m = try #require(forward.kerasMask)
        backward.kerasMask = reversed(TensorData(shape: [b, t, 1], values: m.map { $0 ? 1 : 0 })).values.map { $0 != 0 }
        let n = try Self.expectSame(backward, forward, what: "\(kind.name) go_backwards twice",
                                    transform: { key, v in key == "gradients/x" ? reversed(v) : v })
        #expect(n >= 5)
    }

    /// A Keras mask that only cuts the end of each row, with `zero_output_for_mask`, is
    /// `tf.nn.dynamic_rnn`'s `sequence_length`: a Keras GRU (reset_before) converted to
    /// `tf.GRUCell` weights, run with the mask's row lengths, gives the same outputs, final
    /// state and gradients of x and the initial state (rows of length 0 and T included).
    @Test(arguments: 0..<3)
    func aMaskThatCutsTheEndIsSequenceLength(_ seed: Int) throws {
        var c = RandomCase(.kerasGRU)
        c.seed = 70 + seed; c.batch = 4; c.steps = 5; c.resetAfter = false
        c.mask = .cutsTheEnd; c.zeroOutputForMask = true
        let masked = try Self.sequenceModel(c)
        let mask = try #require(masked.kerasMask)
        var unmasked = masked
        unmasked.kerasMask = nil
        let doc = try unmasked.fixtureDocument(name: "identity", about: "", dtype: .float64)
        var tf = try SequenceProblem(try Fixture(source: "converted", json: try FixtureConversion.convert(
            try Fixture(source: "identity", json: doc), to: LayerKind.tfGRUCell)))
        tf.sequenceLength = (0..<c.batch).map { r in (0..<c.steps).filter { mask[r * c.steps + $0] }.count }
        #expect(tf.sequenceLength!.contains(0) && tf.sequenceLength!.contains(c.steps))
        let n = try Self.expectSame(masked, tf, what: "mask cutting the end",
                                    key: { ["outputs", "final_state/0", "gradients/x", "gradients/initial_state/0"].contains($0) ? $0 : nil })
        #expect(n == 4)
    }

    /// Keras' masked steps from first principles, for every Keras kind and a mask with gaps:
    /// the live steps are the same with and without `zero_output_for_mask`; at a masked step the
    /// output is zero with it, and without it repeats the row's previous output (zero before the
    /// first live step); the final state is the same either way.
    @Test(arguments: [RandomCase.Kind.kerasSimpleRNN, .kerasLSTM, .kerasGRU, .kerasMinimalRNNCell])
    func maskedStepsRepeatOrZeroTheOutput(_ kind: RandomCase.Kind) throws {
        var c = RandomCase(kind)
        c.seed = 80; c.batch = 4; c.steps = 6; c.mask = .gaps
        let repeating = try Self.sequenceModel(c)
        var zeroing = repeating
        zeroing.zeroOutputForMask = true
        let mask = try #require(repeating.kerasMask)
        #expect(mask.contains(false) && mask.contains(true))
        for impl in implementations {
            let a = try FixtureRunner.run(repeating, dtype: .float64, impl: impl)
            let z = try FixtureRunner.run(zeroing, dtype: .float64, impl: impl)
            let ya = try #require(a.entry("outputs")).value, yz = try #require(z.entry("outputs")).value
            let w = ya.shape[2]
            for b in 0..<c.batch {
                for t in 0..<c.steps {
                    for j in 0..<w {
                        let k = (b * c.steps + t) * w + j
                        if mask[b * c.steps + t] {
                            #expect(ya.values[k] == yz.values[k], "\(kind.name) [\(impl.name)] live step \(b), \(t)")
                        } else {
                            #expect(yz.values[k] == 0, "\(kind.name) [\(impl.name)] masked step \(b), \(t) not zero")
                            let previous = t == 0 ? 0 : ya.values[k - w]
                            #expect(ya.values[k] == previous, "\(kind.name) [\(impl.name)] masked step \(b), \(t) does not repeat")
                        }
                    }
                }
            }
            #expect(a.entry("final_state/0")?.value == z.entry("final_state/0")?.value)
        }
    }

    // MARK: 003's whole models

    /// `Embedding(mask_zero=True)` then a layer is the layer on the looked-up rows called with
    /// the mask `ids != 0`; and the embeddings' gradient is the layer's dx summed into the rows
    /// of the ids.
    @Test func maskZeroIsTheExplicitMask() throws {
        var rng = try numpyRandomState(seed: 77)
        func tensor(_ shape: [Int]) -> Tensor<Double> { Tensor(uncheckedShape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.uniform(-0.6, 0.6) }) }
        let table = tensor([5, 3])
        let ids = try TokenIds(batch: 3, steps: 4, ids: [1, 2, 0, 0, 0, 4, 4, 1, 3, 0, 2, 0])
        let spec = CellSpec.gru(GRUConfig(flavor: .kerasResetBefore, units: 2))
        let given = Dictionary(uniqueKeysWithValues: spec.parameterShapes(inputSize: 3).map { ($0.name, tensor($0.shape)) })
        let up = tensor([3, 4, 2])
        for impl in implementations {
            let layer = KerasRNN(cell: try impl.buildCell(spec, inputSize: 3, given: given), returnSequences: true)
            let model = try KerasSequential([.embedding(try KerasEmbedding(embeddings: table, maskZero: true)), .rnn(layer)])
            let f = try model.forward(.tokens(ids))
            let g = try model.backward(f, dOutput: up)
            let rows = try Embedding.lookup(table, ids.ids).reshaped([3, 4, 3])
            let mask = (0..<3).map { b in (0..<4).map { t in ids.ids[b * 4 + t] != 0 } }
            let direct = try layer.forward(rows, mask: mask)
            let dg = try layer.backward(direct, dOutputs: up)
            #expect(maxAbsError(f.output.data, direct.outputs.data) == 0)
            var dTable = Tensor<Double>(zeros: [5, 3])
            Embedding.accumulate(try dg.dx.reshaped([12, 3]), ids: ids.ids, into: &dTable)
            guard case let .embedding(dE) = g.layers[0] else { Issue.record("no embedding gradient"); continue }
            #expect(maxAbsError(dE.data, dTable.data) <= 1e-15)
            #expect(g.dx == nil)
        }
    }

    /// BatchNormalization in training mode normalises with the batch statistics; in inference
    /// mode with the moving ones. So: inference with the moving statistics set to the batch's
    /// gives the training output; with momentum 0 the update *is* the batch statistics, with
    /// momentum 1 it leaves them unchanged. With a mask, training statistics are those of the
    /// unmasked rows alone (up to Keras' 1e-7 in the count).
    @Test func batchNormalizationModesMeetAtTheBatchStatistics() throws {
        var rng = try numpyRandomState(seed: 78)
        func tensor(_ shape: [Int], _ lo: Double = -1, _ hi: Double = 1) -> Tensor<Double> {
            Tensor(uncheckedShape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.uniform(lo, hi) })
        }
        let x = tensor([2, 3, 4]), gamma = tensor([4]), beta = tensor([4])
        let (mm, mv) = (tensor([4]), tensor([4], 0.5, 1.5))
        let train = try KerasBatchNormalization(gamma: gamma, beta: beta, movingMean: mm, movingVariance: mv, epsilon: 0.01, momentum: 0, training: true)
        let f = try train.forward(x)
        let infer = try KerasBatchNormalization(gamma: gamma, beta: beta, movingMean: f.updatedMovingMean, movingVariance: f.updatedMovingVariance,
                                                epsilon: 0.01, training: false)
        #expect(maxAbsError(try infer.forward(x).output.data, f.output.data) <= 1e-14)
        var still = train
        still.momentum = 1
        let g = try still.forward(x)
        #expect(g.updatedMovingMean == mm && g.updatedMovingVariance == mv)
        // a mask that drops row 1, step 2: the statistics of the five other rows
        let mask = [[true, true, true], [true, true, false]]
        let masked = try train.forward(x, mask: mask)
        let kept = Tensor(uncheckedShape: [5, 4], data: Array(x.data[0..<20]))
        let (mean, variance) = BatchNormalization.moments(kept, rowWeights: nil)
        let shrink = 5 / (5 + 1e-7)                                                  // Σw / (Σw + 1e-7)
        #expect(maxAbsError(masked.mean, mean.map { $0 * shrink }) <= 1e-15 && maxAbsError(masked.mean, mean) > 1e-10)
        #expect(maxAbsError(masked.variance, variance.map { $0 * shrink }) <= 1e-15)
    }

    /// `log_softmax` is the log of `softmax`, forward and backward: its VJP of dy is softmax's VJP
    /// of dy / softmax(z).
    @Test func logSoftmaxIsTheLogOfSoftmax() throws {
        var rng = try numpyRandomState(seed: 79)
        let z = Tensor(uncheckedShape: [3, 5], data: (0..<15).map { _ in rng.uniform(-4, 4) })
        let dy = Tensor(uncheckedShape: [3, 5], data: (0..<15).map { _ in rng.uniform(-1, 1) })
        let p = DenseActivation.softmax.apply(z), l = DenseActivation.logSoftmax.apply(z)
        #expect(maxAbsError(l.data, p.data.map { Double.log($0) }) <= 1e-14)
        for r in 0..<3 { #expect(abs(p.data[(r * 5)..<(r * 5 + 5)].reduce(0, +) - 1) <= 1e-15) }
        let viaSoftmax = DenseActivation.softmax.backward(z: z, y: p, dy: Tensor(uncheckedShape: [3, 5], data: zip(dy.data, p.data).map { $0 / $1 }))
        #expect(maxAbsError(DenseActivation.logSoftmax.backward(z: z, y: l, dy: dy).data, viaSoftmax.data) <= 1e-14)
    }
}
