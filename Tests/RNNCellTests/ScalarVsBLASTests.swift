import Foundation
import PropertyBased
import RNNBLAS
import RNNCore
import RNNLayers
import RNNScalar
import RNNCheck
import RNNFixtures
import RNNNumpy
import RNNTestSupport
import Synchronization
import Testing

/// Scalar and BLAS compute the same numbers: Double to 1e-12 relative, Float to 1e-5, on
/// random shapes (B = 1, T = 1, H = 1 included) and random weights, for every result
/// (outputs, final state, every gradient).
///
/// "Relative" is relative to the largest result of the run: a gradient that is a sum of
/// cancelling terms (a bias gradient summed over B·T steps) can be 10⁴ times smaller than its
/// terms, and then its Float rounding, relative to itself, is no statement about either
/// implementation.
@Suite("Scalar vs BLAS")
struct ScalarVsBLASTests {
    static func compare(_ c: RandomCase) throws {
        // Layer norm divides each row by its standard deviation over H features, which with
        // H = 3 can be ten times smaller than the features, and with H = 2 (two features a
        // hair apart) a hundred times: the float32 rounding of the two implementations' GEMMs
        // (summed in different orders) grows by that factor (CI drew H = 2 with a projection
        // of width 1 and saw 2.2e-4). float64 keeps its 1e-12 for the same configurations, so
        // the arithmetic itself is held to the same bar.
        let layerNormF32 = c.kind == .tfCIFGLSTMCell && c.layerNorm && c.dtype == .float32
        try compare(try c.run(RNNScalar.Implementation.self), try c.run(RNNBLAS.Implementation.self), dtype: c.dtype, what: "\(c)",
                    limit: layerNormF32 ? 1e-3 : nil)
    }

    /// Scalar's results `a` against BLAS's `b`, relative to the largest result (`limit`: 1e-12
    /// in float64 and 1e-5 in float32 unless given).
    static func compare(_ a: ResultSet, _ b: ResultSet, dtype: DType, what c: String, limit given: Double? = nil) throws {
        let limit = given ?? (dtype == .float64 ? 1e-12 : 1e-5)
        #expect(a.entries.count == b.entries.count)
        #expect(a.entries.count >= 3)
        let scale = a.entries.flatMap { $0.value.values.map { abs($0) } }.max() ?? 0
        for e in a.entries {
            let other = try #require(b.entry(e.key), "BLAS lacks \(e.key)")
            #expect(other.value.shape == e.value.shape)
            let rel = maxAbsError(e.value.values, other.value.values) / max(1e-8, 2 * scale)
            #expect(rel <= limit, "\(c): \(e.key) differs by \(rel) of the largest result")
        }
    }

    /// Random shapes and weights; the kind and every option come from the case's index (kinds in
    /// turn, options from a hash of the index), so that the draw of each option value can be
    /// counted and asserted: every value of every option of every kind at least 3 times.
    /// Besides the shapes, precision, activation, bias, stacking, time-major and
    /// `sequence_length` (with rows of length 0 and T): every LSTM option (peepholes, a
    /// cell_clip and proj_clip small enough to bite, projection, forget_bias 0 / 0.5 / 1,
    /// concatenated state), PyTorch's proj_size, both Keras GRU resets, and every Keras layer
    /// option (go_backwards; no mask, a mask that cuts the end, a mask with gaps; both
    /// zero_output_for_mask), and PyTorch's bidirectional, packed lengths and nonlinearity.
    @Test func randomShapesAndWeights() async throws {
        let shapes = Gen.int(in: 1...5).array(of: 4)       // H, I, B, T
        let kinds = RandomCase.Kind.allCases
        var index = 0
        var drawn: [RandomCase.Kind: [String: [String: Int]]] = [:]     // kind → option → value → count
        await propertyCheck(count: 600, input: shapes, Gen.int(in: 0...100_000)) { s, seed in
            defer { index += 1 }
            var c = RandomCase(kinds[index % kinds.count])
            c.units = s[0]; c.input = s[1]; c.batch = s[2]; c.steps = s[3]
            c.seed = seed
            let word = Self.optionWord(index)
            Self.drawGeneralOptions(&c, word: word >> 16)
            Self.drawOptions(&c, word: word)
            for (option, value) in c.optionValues { drawn[c.kind, default: [:]][option, default: [:]][value, default: 0] += 1 }
            try Self.compare(c)
        }
        #expect(Set(Self.optionValuesDrawn.keys) == Set(kinds))
        for (kind, options) in Self.optionValuesDrawn {
            for (option, values) in options {
                for v in values {
                    let n = drawn[kind]?[option]?[v] ?? 0
                    #expect(n >= 3, "\(kind.name) \(option)=\(v) drawn \(n) times")
                }
            }
            #expect(Set(drawn[kind]?.keys.map { $0 } ?? []) == Set(options.keys), "\(kind.name): options drawn")
        }
    }

    /// The step workers (`RecurrentThreads`): random cases of every kind and option, forced to
    /// 1, 2 and 3 workers on shapes where each owns a few units (and with a projection, a few
    /// columns), give the scalar results, and the same bits on a second run with the same
    /// count. Across counts they agree to rounding, not bit for bit: OpenBLAS computes a
    /// narrower slice of the same GEMM with other kernels (measured: last-bit differences).
    @Test func stepWorkers() throws {
        let kinds = RandomCase.Kind.allCases
        for i in 0..<(kinds.count * 3) {
            var c = RandomCase(kinds[i % kinds.count])
            let word = Self.optionWord(50_000 + i)
            Self.drawGeneralOptions(&c, word: word >> 16)
            Self.drawOptions(&c, word: word)
            c.units = 5 + (i * 7) % 29; c.input = 1 + i % 7; c.batch = 1 + i % 5; c.steps = 1 + i % 6; c.seed = 7000 + i
            if c.numProj != nil { c.numProj = max(1, c.units - 2) }
            let scalar = try c.run(RNNScalar.Implementation.self)
            for n in [1, 2, 3] {
                let many = try RecurrentThreads.$count.withValue(n) { try c.run(RNNBLAS.Implementation.self) }
                try Self.compare(scalar, many, dtype: c.dtype, what: "\(c) with \(n) workers")
                let again = try RecurrentThreads.$count.withValue(n) { try c.run(RNNBLAS.Implementation.self) }
                let same = many.entries.allSatisfy { e in again.entry(e.key)?.value.values == e.value.values }
                #expect(same, "\(c): a second run with \(n) workers differs")
            }
        }
    }

    /// Step workers on several threads at once, with the system OpenBLAS: eight sequences
    /// (LSTM, both GRU resets, tanh RNN; forward and backward) run concurrently, two workers
    /// each (so OpenBLAS is called single-threaded from up to sixteen threads, its thread count
    /// leased across overlapping calls), and each gives the bits it gives alone. (Whether the
    /// count comes back is not asserted here: other tests lease it in parallel.)
    @Test func concurrentStepWorkers() throws {
        let kinds: [RandomCase.Kind] = [.torchLSTM, .kerasGRU, .tfGRUCell, .kerasSimpleRNN]
        let cases = kinds.enumerated().map { i, kind -> RandomCase in
            var c = RandomCase(kind)
            c.units = 40; c.input = 9; c.batch = 6; c.steps = 7; c.seed = 900 + i; c.dtype = i % 2 == 0 ? .float64 : .float32
            return c
        }
        let alone = try cases.map { c in try RecurrentThreads.$count.withValue(2) { try c.run(RNNBLAS.Implementation.self) } }
        let together = Mutex<[Int: ResultSet]>([:])
        DispatchQueue.concurrentPerform(iterations: 2 * cases.count) { k in
            let r = try? RecurrentThreads.$count.withValue(2) { try cases[k % cases.count].run(RNNBLAS.Implementation.self) }
            together.withLock { $0[k] = r }
        }
        let got = together.withLock { $0 }
        for k in 0..<(2 * cases.count) {
            let r = try #require(got[k] ?? nil, "run \(k) failed")
            let a = alone[k % cases.count]
            #expect(r.entries.count == a.entries.count && a.entries.allSatisfy { e in r.entry(e.key)?.value.values == e.value.values },
                    "\(cases[k % cases.count]) differs when run beside the others")
        }
    }

    /// Step workers beside plain multi-threaded OpenBLAS calls on other threads, and a pinned
    /// section: every result agrees with its run alone (the plain calls to rounding, as OpenBLAS
    /// may run them on one thread or two; the pinned ones bit for bit, at the default count), and
    /// the thread count is the default again after.
    @Test func stepWorkersBesidePlainAndPinnedBLAS() throws {
        let before = withDefaultBLASThreads { openBLASThreads() }      // (no step workers meanwhile)
        var workers = RandomCase(.torchLSTM)
        workers.units = 40; workers.input = 9; workers.batch = 6; workers.steps = 7; workers.seed = 950
        var plain = RandomCase(.kerasGRU)
        plain.units = 64; plain.input = 48; plain.batch = 64; plain.steps = 3; plain.seed = 951    // one worker: OpenBLAS's threads
        let aloneWorkers = try RecurrentThreads.$count.withValue(2) { try workers.run(RNNBLAS.Implementation.self) }
        let alonePlain = try RecurrentThreads.$count.withValue(1) { try plain.run(RNNBLAS.Implementation.self) }
        let alonePinned = try withDefaultBLASThreads { try RecurrentThreads.$count.withValue(1) { try plain.run(RNNBLAS.Implementation.self) } }
        let (w, pl) = (workers, plain)
        let got = Mutex<[Int: ResultSet]>([:])
        DispatchQueue.concurrentPerform(iterations: 12) { k in
            let r: ResultSet?
            switch k % 3 {
            case 0: r = try? RecurrentThreads.$count.withValue(2) { try w.run(RNNBLAS.Implementation.self) }
            case 1: r = try? RecurrentThreads.$count.withValue(1) { try pl.run(RNNBLAS.Implementation.self) }
            default: r = try? withDefaultBLASThreads { try RecurrentThreads.$count.withValue(1) { try pl.run(RNNBLAS.Implementation.self) } }
            }
            got.withLock { $0[k] = r }
        }
        let results = got.withLock { $0 }
        for k in 0..<12 {
            let r = try #require(results[k] ?? nil, "run \(k) failed")
            let a = [aloneWorkers, alonePlain, alonePinned][k % 3]
            for e in a.entries {
                let v = try #require(r.entry(e.key)).value.values
                if k % 3 == 1 {
                    let scale = max(1, e.value.values.map(abs).max() ?? 0)
                    #expect(maxAbsError(v, e.value.values) <= 1e-5 * scale, "plain run \(k) \(e.key)")
                } else {
                    #expect(v == e.value.values, "run \(k) \(e.key) differs from its run alone")
                }
            }
        }
        #expect(withDefaultBLASThreads { openBLASThreads() } == before)
    }

    /// Every subset of the bits of `bits` (0 included): the option words of a kind.
    static func subsets(of bits: Int) -> [Int] {
        var words = [0], sub = bits
        while sub != 0 { words.append(sub); sub = (sub - 1) & bits }
        return words
    }

    /// A 32-bit option word that is a fixed hash of `i`.
    static func optionWord(_ i: Int) -> Int { Int(truncatingIfNeeded: splitmix64(UInt64(i)) >> 32) }

    /// SplitMix64's output function: every bit of the result depends on every bit of `x`.
    static func splitmix64(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Every value of every option each kind reads, as the frameworks spell them: what
    /// `randomShapesAndWeights` must draw.
    static let optionValuesDrawn: [RandomCase.Kind: [String: [String]]] = {
        let dtype = ["dtype": ["float32", "float64"]]
        let act = ["activation": ["tanh", "sigmoid", "relu", "linear"]]     // the rest: everyActivation
        let tf = ["layers": ["1", "2"], "time_major": ["true", "false"], "sequence_length": ["true", "false"]]
        let torch = ["layers": ["1", "2"], "time_major": ["true", "false"], "bias": ["true", "false"],
                     "bidirectional": ["true", "false"], "lengths": ["true", "false"]]
        let keras = ["go_backwards": ["true", "false"], "mask": ["-", "end", "gaps"], "zero_output_for_mask": ["true", "false"],
                     "use_bias": ["true", "false"]]
        let tfLSTM = ["forget_bias": ["0.0", "0.5", "1.0"], "state_is_tuple": ["true", "false"]]
        func m(_ d: [String: [String]]...) -> [String: [String]] { d.reduce([:]) { $0.merging($1) { a, _ in a } } }
        var kerasMinimal = keras
        kerasMinimal["use_bias"] = nil
        return [
            .numpyMinCharRNN: dtype, .numpyRNN: dtype,
            .tfBasicRNNCell: m(dtype, act, tf),
            .tfLSTMCell: m(dtype, act, tf, tfLSTM, ["use_peepholes": ["true", "false"], "cell_clip": ["-", "0.25"],
                                                                 "num_proj": ["-", "yes"], "proj_clip": ["-", "0.2"]]),
            .tfBasicLSTMCell: m(dtype, act, tf, tfLSTM),
            .tfGRUCell: m(dtype, act, tf),
            .kerasSimpleRNN: m(dtype, act, keras),
            .kerasMinimalRNNCell: m(dtype, kerasMinimal),
            .kerasLSTM: m(dtype, act, keras),
            .kerasGRU: m(dtype, act, keras, ["reset_after": ["true", "false"]]),
            .torchLSTM: m(dtype, torch, ["proj_size": ["-", "yes"]]),
            .torchGRU: m(dtype, torch),
            .torchRNN: m(dtype, torch, ["nonlinearity": ["tanh", "relu"]]),
            .tfCIFGLSTMCell: m(dtype, act, tf, tfLSTM, ["use_peepholes": ["true", "false"], "num_proj": ["-", "yes"], "proj_clip": ["-", "0.2"],
                                                        "layer_norm": ["true", "false"]]),
        ]
    }()

    /// Every activation Keras accepts (`Activation.allCases`) as the `activation` of every cell
    /// that takes one, and as the `recurrent_activation` of Keras' LSTM and GRU: scalar vs BLAS in
    /// both precisions (the activations whose derivative needs the input run stepwise in BLAS),
    /// and the scalar gradients against central differences in float64.
    @Test func everyActivation() throws {
        var n = 0
        for act in Activation.allCases {
            var cases: [RandomCase] = []
            for kind in [RandomCase.Kind.tfBasicRNNCell, .kerasSimpleRNN, .tfLSTMCell, .kerasLSTM, .tfGRUCell, .kerasGRU, .tfCIFGLSTMCell] {
                var c = RandomCase(kind)
                c.activation = act
                cases.append(c)
            }
            for kind in [RandomCase.Kind.kerasLSTM, .kerasGRU] {
                var c = RandomCase(kind)
                c.recurrentActivation = act
                cases.append(c)
            }
            for var c in cases {
                n += 1
                c.seed = 700 + n; c.units = 3; c.input = 2; c.batch = 2; c.steps = 3; c.withLengths = true
                c.resetAfter = n % 2 == 0
                // e^x through an LSTM's c compounds to gradients of 10⁴ at weights ±0.6, where the
                // fixed step's truncation error (not the gradient: GSL's adaptive step agrees to
                // 3e-10) passes 1e-7; smaller weights keep the check at its bar
                if act == .exponential { c.weightScale = 0.3 }
                for dtype in [DType.float32, .float64] {
                    c.dtype = dtype
                    try Self.compare(c)
                }
                c.dtype = .float64
                for e in try c.gradientCheck(RNNScalar.Implementation.self, maxCoordinates: 40) {
                    #expect(e.fdRelError <= 1e-7, "\(c): \(e.name) \(e.fdRelError)")
                }
            }
        }
        #expect(n == Activation.allCases.count * 9)
    }

    /// 003's NestedCell under `keras.RNN` (`KerasNestedRNN`), random sizes (1 to 3 each), with
    /// and without sequences, go_backwards and a mask: outputs, states and every gradient agree.
    @Test func nestedCells() throws {
        for n in 0..<24 {
            var rng = try numpyRandomState(seed: 900 + n)
            func size() -> Int { 1 + Int(rng.source.nextUInt32() % 3) }
            let cfg = NestedConfig(unit1: size(), unit2: size(), unit3: size(), input1: size(), input2: size(), input3: size())
            let (b, t) = (size(), size() + 1)
            func tensor(_ shape: [Int]) -> Tensor<Double> {
                Tensor(uncheckedShape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.uniform(-1, 1) })
            }
            let weights = ["kernel_1": tensor([cfg.input1, cfg.unit1]), "kernel_2_3": tensor([cfg.input2, cfg.input3, cfg.unit2, cfg.unit3])]
            let x = [tensor([b, t, cfg.input1]), tensor([b, t, cfg.input2, cfg.input3])]
            let s0 = [tensor([b, cfg.unit1]), tensor([b, cfg.unit2, cfg.unit3])]
            let mask: [[Bool]]? = n % 3 == 0 ? nil : (0..<b).map { _ in (0..<t).map { _ in rng.uniform(-1, 1) > -0.3 } }
            let (sequences, backwards) = (n % 2 == 0, n % 4 >= 2)
            func run(_ impl: any RNNImplementation.Type) throws -> [Tensor<Double>] {
                let cell = try impl.buildCell(.kerasNested(cfg), inputSize: cfg.flatInput, given: weights)
                let layer = try KerasNestedRNN(config: cfg, layer: KerasRNN(cell: cell, returnSequences: sequences, returnState: true,
                                                                           goBackwards: backwards, zeroOutputForMask: n % 5 == 0))
                let f = try layer.forward(x, initialState: s0, mask: mask)
                let g = try layer.backward(f, dOutputs: f.outputs.map { Tensor(shape: $0.shape, repeating: 0.5) },
                                           dFinalState: f.finalState.map { Tensor(shape: $0.shape, repeating: -0.25) })
                return f.outputs + f.finalState + g.dx + g.dInitialState + g.dWeights.tensors
            }
            let a = try run(RNNScalar.Implementation.self), c = try run(RNNBLAS.Implementation.self)
            #expect(a.count == c.count)
            let scale = a.flatMap { $0.data.map(abs) }.max() ?? 0
            for (k, (u, v)) in zip(a, c).enumerated() {
                #expect(u.shape == v.shape && maxAbsError(u.data, v.data) <= 1e-12 * max(1, scale), "\(cfg) case \(n): result \(k)")
            }
        }
    }

    /// 003's whole models: random `keras.Sequential` models with Embedding (and `mask_zero`),
    /// recurrent layers, BatchNormalization in either mode and Dense heads (`RandomSequential`):
    /// outputs, the moving statistics and every gradient agree.
    @Test func sequentialModelsWithHeads() throws {
        var drawn = Set<String>()
        for seed in 0..<40 {
            let m = try RandomSequential(seed: seed)
            let a = try m.run(RNNScalar.Implementation.self), c = try m.run(RNNBLAS.Implementation.self)
            let all = a.results.merging(a.gradients.map { ("d" + $0.key, $0.value) }) { x, _ in x }
            let other = c.results.merging(c.gradients.map { ("d" + $0.key, $0.value) }) { x, _ in x }
            #expect(Set(all.keys) == Set(other.keys), "\(m)")
            let scale = all.values.flatMap { $0.data.map(abs) }.max() ?? 0
            for (k, u) in all {
                let v = try #require(other[k])
                #expect(u.shape == v.shape && maxAbsError(u.data, v.data) <= 1e-12 * max(1, scale), "\(m): \(k)")
            }
            drawn.formUnion(m.description.split(separator: " ").map(String.init))
        }
        // the draws cover every head option
        for word in ["mask_zero=true)", "training=true,", "training=false,", "center=false,", "scale=false)", "softmax,", "logSoftmax,",
                     "return_sequences=true)", "use_bias=false)"] {
            #expect(drawn.contains { $0.hasSuffix(word) }, "no draw has \(word)")
        }
    }

    /// Every combination of the options `drawOptions` draws, for each kind that has them, both
    /// precisions, two shapes (H = 3 with lengths 0…T, and H = 1): all 128 option words of
    /// tf.LSTMCell, and every combination of the other kinds' own bits (the Keras layer flags
    /// and masks included).
    @Test(arguments: [DType.float32, .float64])
    func everyOptionCombination(_ dtype: DType) throws {
        for (kind, bits) in Self.optionBits {
            for word in Self.subsets(of: bits) {
                for (units, lengths) in [(3, true), (1, false)] {
                    var c = RandomCase(kind)
                    c.units = units; c.input = 2; c.batch = 3; c.steps = 4; c.dtype = dtype; c.withLengths = lengths
                    c.seed = 1000 + word % 997
                    Self.drawOptions(&c, word: word)
                    try Self.compare(c)
                }
            }
        }
    }

    /// The bits of an option word each kind reads in `drawOptions`.
    static let optionBits: [(RandomCase.Kind, Int)] = [
        (.tfLSTMCell, 0x7F), (.tfBasicLSTMCell, 0x70), (.torchLSTM, 0x1004), (.torchGRU, 0x1000), (.torchRNN, 0x3000),
        (.tfCIFGLSTMCell, 0x407D),
        (.kerasGRU, 0xF80), (.kerasLSTM, 0xF00), (.kerasSimpleRNN, 0xF00), (.kerasMinimalRNNCell, 0xF00),
    ]

    /// The options of `c.kind` from the bits of `word` (bits 0–6 the LSTM options, 7 the GRU
    /// reset, 8–11 the Keras layer flags, 12 PyTorch's `bidirectional`, 13 `torch.nn.RNN`'s
    /// `nonlinearity`, 14 the coupled-gate LSTM's `layer_norm`).
    static func drawOptions(_ c: inout RandomCase, word o: Int) {
        switch c.kind {
        case .tfLSTMCell:
            c.peepholes = o & 1 != 0
            c.cellClip = o & 2 != 0 ? 0.25 : nil
            c.numProj = o & 4 != 0 ? max(1, c.units - 1) : nil
            c.projClip = o & 8 != 0 && c.numProj != nil ? 0.2 : nil
            fallthrough
        case .tfBasicLSTMCell:
            c.forgetBias = [0, 0.5, 1][(o >> 4) % 3]
            c.stateIsTuple = (o >> 6) & 1 == 0
        case .tfCIFGLSTMCell:
            c.peepholes = o & 1 != 0
            c.numProj = o & 4 != 0 ? max(1, c.units - 1) : nil
            c.projClip = o & 8 != 0 && c.numProj != nil ? 0.2 : nil
            c.forgetBias = [0, 0.5, 1][(o >> 4) % 3]
            c.stateIsTuple = (o >> 6) & 1 == 0
            c.layerNorm = (o >> 14) & 1 != 0
        case .torchLSTM:
            c.numProj = o & 4 != 0 && c.units >= 2 ? c.units - 1 : nil
        default:
            break
        }
        if c.kind == .kerasGRU { c.resetAfter = (o >> 7) & 1 == 0 }
        if c.kind.family == .torch { c.bidirectional = (o >> 12) & 1 != 0 }
        if c.kind == .torchRNN { c.activation = (o >> 13) & 1 == 0 ? .tanh : .relu }
        if c.kind.family == .keras {
            c.mask = [nil, .cutsTheEnd, .gaps, .gaps][(o >> 8) & 3]
            c.zeroOutputForMask = (o >> 10) & 1 != 0
            c.goBackwards = (o >> 11) & 1 != 0
        }
    }

    /// The options every kind shares, from the bits of `word`: precision, activation, bias,
    /// layers, time-major, `sequence_length`.
    static func drawGeneralOptions(_ c: inout RandomCase, word o: Int) {
        c.dtype = o & 1 == 0 ? .float32 : .float64
        c.activation = Activation.allCases[(o >> 1) & 3]
        c.useBias = (o >> 3) % 4 != 0
        c.layers = (o >> 5) & 1 + 1
        c.timeMajor = (o >> 6) & 1 != 0
        c.withLengths = (o >> 7) & 1 != 0
    }

    /// The cell-step kernels (the stepwise schedule a Keras mask takes, one cell step at a
    /// time, forward and backward) agree too, for every kind and every option word of
    /// `drawOptions`, under a random mask over a stack of two cells: the fused sequence kernels
    /// the other tests compare do not run these.
    @Test func cellStepsUnderAMask() throws {
        var n = 0
        for kind in RandomCase.Kind.allCases where kind.family != nil && kind != .numpyRNN {
            let bits = Self.optionBits.first { $0.0 == kind }?.1 ?? 0
            // (a bidirectional module is not a DynamicRNN stack: its layers read both directions)
            for word in Self.subsets(of: bits) where word & 0x1F00 == 0 {
                n += 1
                var c = RandomCase(kind)
                c.seed = 3000 + n; c.units = 3; c.input = 2; c.batch = 3; c.steps = 4; c.timeMajor = true; c.layers = 2
                Self.drawOptions(&c, word: word)
                let p = try #require(try c.model() as? SequenceProblem)
                var rng = try numpyRandomState(seed: n)
                let mask = StepMask(live: (0..<c.steps).map { _ in (0..<c.batch).map { _ in rng.uniform(-1, 1) > -0.4 } }, zeroOutput: word & 1 == 0)
                func run(_ impl: any RNNImplementation.Type) throws -> [Tensor<Double>] {
                    var cells: [any RecurrentCell<Double>] = []
                    for e in p.cells {
                        cells.append(try impl.buildCell(e.spec, inputSize: e.inputSize, given: e.weightNames.mapValues { p.tensors[$0]!.tensor(Double.self) }))
                    }
                    let net = try DynamicRNN(cells: cells, timeMajor: p.timeMajor)
                    let x = p.tensors["x"]!.tensor(Double.self)
                    let s0 = p.initialState?.map { $0.tensor(Double.self) }
                    let f = try net.forward(x, initialState: kind.family == .torch ? nil : s0, mask: mask)
                    let g = try net.backward(f, dOutputs: Tensor(shape: f.outputs.shape, repeating: 0.7),
                                             dFinalState: f.finalState.map { Tensor(shape: $0.shape, repeating: -0.3) })
                    return [f.outputs] + f.finalState + [g.dx] + g.dInitialState + g.dParameters.flatMap(\.tensors)
                }
                let a = try run(RNNScalar.Implementation.self), b = try run(RNNBLAS.Implementation.self)
                #expect(a.count == b.count)
                let scale = a.flatMap { $0.data.map { abs($0) } }.max() ?? 0
                for (k, (x, y)) in zip(a, b).enumerated() {
                    #expect(maxAbsError(x.data, y.data) <= 1e-12 * max(1, scale), "\(c) under a mask: result \(k)")
                }
            }
        }
        #expect(n >= 100)
    }

    @Test(arguments: [DType.float32, .float64])
    func degenerateShapes(_ dtype: DType) throws {
        for kind in RandomCase.Kind.allCases {
            var c = RandomCase(kind)
            c.units = 1; c.input = 1; c.batch = 1; c.steps = 1; c.outputs = 1; c.dtype = dtype
            try Self.compare(c)
        }
    }

    /// The BLAS sequence backward passes do their weight-gradient GEMMs per chunk of about 256
    /// rows (`backwardChunkSteps`): with B = 100 a chunk is 2 steps, so T = 5 runs three
    /// chunks, the last one short, with rows ending at every step (lengths 0 … T).
    @Test func chunkedBackwardPasses() throws {
        for (n, kind) in ([.tfLSTMCell, .tfLSTMCell, .tfGRUCell, .kerasGRU, .kerasGRU, .tfBasicRNNCell, .torchLSTM] as [RandomCase.Kind]).enumerated() {
            var c = RandomCase(kind)
            #expect(backwardChunkSteps(batch: 100, steps: 5) == 2)
            c.units = 3; c.input = 2; c.batch = 100; c.steps = 5; c.seed = 50 + n
            c.withLengths = true; c.timeMajor = true
            if n == 1 { c.peepholes = true; c.cellClip = 0.7; c.numProj = 2; c.projClip = 0.4 }
            c.resetAfter = n != 4
            try Self.compare(c)
        }
    }
}
