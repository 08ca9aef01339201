import PropertyBased
import RNNBLAS
import RNNCore
import RNNScalar
import RNNCheck
import RNNFixtures
import RNNNumpy
import RNNTestSupport
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
        let a = try c.run(RNNScalar.Implementation.self)
        let b = try c.run(RNNBLAS.Implementation.self)
        let limit = c.dtype == .float64 ? 1e-12 : 1e-5
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

    /// Random kinds, shapes, weights and options: besides the shapes and flags, every LSTM
    /// option (peepholes, a cell_clip and proj_clip small enough to bite, projection,
    /// forget_bias 0 / 0.5 / 1, concatenated state) and both Keras GRU resets are drawn from a
    /// hash of the seed. (The generator's stream is not pinned, so how often each value comes up
    /// varies; `everyOptionCombination` covers each one by construction.)
    @Test func randomShapesAndWeights() async {
        let shapes = Gen.int(in: 1...5).array(of: 4)       // H, I, B, T
        await propertyCheck(count: 200, input: Gen.element(of: RandomCase.Kind.allCases), shapes, Gen.int(in: 0...100_000),
                            Gen.bool, Gen.element(of: Activation.allCases)) { kind, s, seed, flag, act in
            var c = RandomCase(kind!)
            c.units = s[0]; c.input = s[1]; c.batch = s[2]; c.steps = s[3]
            c.seed = seed
            c.dtype = flag ? .float64 : .float32
            c.withLengths = flag
            c.timeMajor = !flag
            c.layers = seed % 2 + 1
            c.activation = act!
            c.useBias = seed % 3 != 0
            Self.drawOptions(&c)
            try Self.compare(c)
        }
    }

    /// Every combination of the options `drawOptions` draws, for each kind that has them, both
    /// precisions, two shapes (H = 3 with lengths 0…T, and H = 1): all 256 option words for
    /// tf.LSTMCell, the 32 that vary the other kinds' bits for them.
    @Test(arguments: [DType.float32, .float64])
    func everyOptionCombination(_ dtype: DType) throws {
        for kind: RandomCase.Kind in [.tfLSTMCell, .tfBasicLSTMCell, .torchLSTM, .kerasGRU] {
            for word in 0..<256 where kind == .tfLSTMCell || word & 0b1111 == 0b0100 || word & 0b1111 == 0 {
                for (units, lengths) in [(3, true), (1, false)] {
                    var c = RandomCase(kind)
                    c.units = units; c.input = 2; c.batch = 3; c.steps = 4; c.dtype = dtype; c.withLengths = lengths
                    c.seed = 1000 + word
                    Self.drawOptions(&c, word: word)
                    try Self.compare(c)
                }
            }
        }
    }

    /// The options of `c.kind` from the bits of `word` (default: a hash of the seed, independent
    /// of the seed's other uses).
    static func drawOptions(_ c: inout RandomCase, word: Int? = nil) {
        let o = word ?? Int(truncatingIfNeeded: (UInt64(c.seed) &* 0x9E37_79B9_7F4A_7C15) >> 40)
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
        case .torchLSTM:
            c.numProj = o & 4 != 0 && c.units >= 2 ? c.units - 1 : nil
        case .kerasGRU:
            c.resetAfter = (o >> 7) & 1 == 0
        default:
            break
        }
    }

    @Test(arguments: [DType.float32, .float64])
    func degenerateShapes(_ dtype: DType) throws {
        for kind in RandomCase.Kind.allCases {
            var c = RandomCase(kind)
            c.units = 1; c.input = 1; c.batch = 1; c.steps = 1; c.outputs = 1; c.dtype = dtype
            try Self.compare(c)
        }
    }

    /// The BLAS sequence backward passes do their weight-gradient GEMMs per chunk of about 2048
    /// rows (`backwardChunkSteps`): with B = 700 a chunk is 2 steps, so T = 5 runs three
    /// chunks, the last one short, with rows ending at every step (lengths 0 … T).
    @Test func chunkedBackwardPasses() throws {
        for (n, kind) in ([.tfLSTMCell, .tfLSTMCell, .tfGRUCell, .kerasGRU, .kerasGRU, .tfBasicRNNCell, .torchLSTM] as [RandomCase.Kind]).enumerated() {
            var c = RandomCase(kind)
            c.units = 3; c.input = 2; c.batch = 700; c.steps = 5; c.seed = 50 + n
            c.withLengths = true; c.timeMajor = true
            if n == 1 { c.peepholes = true; c.cellClip = 0.7; c.numProj = 2; c.projClip = 0.4 }
            c.resetAfter = n != 4
            try Self.compare(c)
        }
    }
}
