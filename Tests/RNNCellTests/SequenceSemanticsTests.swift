import Foundation
import RNNBLAS
import RNNCore
import RNNScalar
import RNNCheck
import RNNFixtures
import RNNNumpy
import RNNTestSupport
import Testing

/// `sequence_length` as TensorFlow defines it, checked from first principles (not against our
/// own numbers): past a row's length the output is zero, the state is copied through, and no
/// gradient flows into the inputs there.
@Suite("dynamic_rnn sequence_length semantics")
struct SequenceSemanticsTests {
    func problem() throws -> SequenceProblem {
        var c = RandomCase(.tfBasicRNNCell)
        c.batch = 4; c.steps = 5; c.units = 3; c.input = 2; c.withLengths = true; c.seed = 9
        return try #require(try c.model() as? SequenceProblem)
    }

    @Test func outputsZeroAndStateCopiedPastTheLength() throws {
        let p = try problem()
        let lengths = try #require(p.sequenceLength)
        #expect(lengths.contains(0) && lengths.contains(5))
        for impl in implementations {
            let r = try FixtureRunner.run(p, dtype: .float64, impl: impl)
            let out = try #require(r.entry("outputs")).value        // [B, T, H]
            let fin = try #require(r.entry("final_state/0")).value  // [B, H]
            let s0 = try #require(p.initialState?[0])
            for b in 0..<4 {
                let len = lengths[b]
                for t in len..<5 { for j in 0..<3 { #expect(out.values[(b * 5 + t) * 3 + j] == 0) } }
                for j in 0..<3 {
                    // final state = output at the last live step (BasicRNN: output == state), or
                    // the initial state for a length of 0
                    let want = len == 0 ? s0.values[b * 3 + j] : out.values[(b * 5 + len - 1) * 3 + j]
                    #expect(fin.values[b * 3 + j] == want)
                }
            }
        }
    }

    @Test func noGradientPastTheLength() throws {
        let p = try problem()
        let lengths = try #require(p.sequenceLength)
        for impl in implementations {
            let r = try FixtureRunner.run(p, dtype: .float64, impl: impl)
            let dx = try #require(r.entry("gradients/x")).value        // [B, T, I]
            let ds0 = try #require(r.entry("gradients/initial_state/0")).value
            let u = try #require(p.upstreamFinal?[0])
            for b in 0..<4 {
                for t in lengths[b]..<5 { for i in 0..<2 { #expect(dx.values[(b * 5 + t) * 2 + i] == 0) } }
                if lengths[b] == 0 {
                    // a row that never runs hands its final-state cotangent straight back
                    for j in 0..<3 { #expect(ds0.values[b * 3 + j] == u.values[b * 3 + j]) }
                }
            }
        }
    }

    @Test func lengthsOutsideTheSequenceAreRejected() throws {
        var c = RandomCase(.tfBasicRNNCell)
        c.withLengths = true; c.batch = 2; c.steps = 3
        var p = try #require(try c.model() as? SequenceProblem)
        p.sequenceLength = [4, 1]
        #expect(throws: RNNError.self) { try FixtureRunner.run(p, dtype: .float64, impl: implementations[0]) }
        p.sequenceLength = [-1, 1]
        #expect(throws: RNNError.self) { try FixtureRunner.run(p, dtype: .float64, impl: implementations[1]) }
        p.sequenceLength = [1, 1, 1]
        #expect(throws: RNNError.self) { try FixtureRunner.run(p, dtype: .float64, impl: implementations[1]) }
    }
}

/// `DynamicRNN.stream`: chunked inference gives exactly the numbers of one forward pass over all
/// steps, for chunk sizes that do and do not divide T, in both implementations.
@Suite("Streaming inference")
struct StreamingTests {
    /// T = 100,000 (B = 1, I = 1, H = 2): streaming inference, a whole forward pass and BPTT all
    /// complete (every time loop is iterative: no recursion, so no stack overflow at any T), the
    /// stream ends in the forward pass's final state, and the gradients are finite. Memory at
    /// large T is measured by `rnnref bench --pass stream|train` (README, "Performance").
    @Test func hundredThousandSteps() throws {
        let steps = 100_000
        let spec = CellSpec.lstm(LSTMConfig(flavor: .tfLSTMCell, units: 2))
        for impl in [RNNScalar.Implementation.self, RNNBLAS.Implementation.self] as [any RNNImplementation.Type] {
            var rng = try numpyRandomState(seed: 8)
            var given: [String: Tensor<Double>] = [:]
            for (n, shape) in spec.parameterShapes(inputSize: 1) {
                given[n] = Tensor(uncheckedShape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.uniform(-0.5, 0.5) })
            }
            let net = try DynamicRNN(cells: [try impl.buildCell(spec, inputSize: 1, given: given)], timeMajor: true)
            let x = Tensor<Double>(uncheckedShape: [steps, 1, 1], data: (0..<steps).map { Foundation.sin(Double($0) * 0.01) })
            var seen = 0
            let final = try net.stream(steps: steps, chunk: 4096, input: { r in
                Tensor(uncheckedShape: [r.count, 1, 1], data: Array(x.data[r]))
            }, output: { r, o in seen += o.shape[0]; #expect(o.shape[0] == r.count) })
            #expect(seen == steps)
            let whole = try net.forward(x)
            #expect(final == whole.finalState, "\(impl.name)")
            let g = try net.backward(whole, dOutputs: Tensor(shape: whole.outputs.shape, repeating: 1e-3),
                                     dFinalState: whole.finalState.map { Tensor(shape: $0.shape, repeating: 1) })
            #expect(g.dx.shape == [steps, 1, 1])
            #expect(g.dParameters[0].tensors.allSatisfy { $0.data.allSatisfy(\.isFinite) }, "\(impl.name)")
        }
    }

    @Test(arguments: [1, 5, 23, 40])
    func streamEqualsOneForward(_ chunk: Int) throws {
        for kind: RandomCase.Kind in [.tfLSTMCell, .kerasGRU, .tfBasicRNNCell] {
            var c = RandomCase(kind)
            c.units = 3; c.input = 2; c.batch = 2; c.steps = 23; c.timeMajor = true; c.layers = 2; c.seed = 77
            let spec = try #require(c.spec())
            for impl in [RNNScalar.Implementation.self, RNNBLAS.Implementation.self] as [any RNNImplementation.Type] {
                var rng = try numpyRandomState(seed: 5)
                let x = Tensor<Double>(uncheckedShape: [23, 2, 2], data: (0..<92).map { _ in rng.uniform(-1, 1) })
                var cells: [any RecurrentCell<Double>] = []
                var width = 2
                for _ in 0..<2 {
                    var given: [String: Tensor<Double>] = [:]
                    for (n, shape) in spec.parameterShapes(inputSize: width) {
                        given[n] = Tensor(uncheckedShape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.uniform(-0.5, 0.5) })
                    }
                    cells.append(try impl.buildCell(spec, inputSize: width, given: given))
                    width = spec.outputSize
                }
                let net = try DynamicRNN(cells: cells, timeMajor: true)
                let whole = try net.forward(x)
                var streamed = [Double]()
                let final = try net.stream(steps: 23, chunk: chunk, input: { r in
                    Tensor(uncheckedShape: [r.count, 2, 2], data: Array(x.data[(r.lowerBound * 4) ..< (r.upperBound * 4)]))
                }, output: { _, o in streamed += o.data })
                #expect(streamed == whole.outputs.data, "\(kind) \(impl.name) chunk \(chunk)")
                #expect(final == whole.finalState, "\(kind) \(impl.name) chunk \(chunk)")
            }
        }
    }

    @Test func badArgumentsThrow() throws {
        let spec = try #require(RandomCase(.tfBasicRNNCell).spec())
        let cell: any RecurrentCell<Double> = try RNNScalar.Implementation.buildCell(spec, inputSize: 1, given: Dictionary(uniqueKeysWithValues:
            spec.parameterShapes(inputSize: 1).map { ($0.name, Tensor<Double>(zeros: $0.shape)) }))
        let net = try DynamicRNN<Double>(cells: [cell], timeMajor: true)
        #expect(throws: RNNError.self) { _ = try net.stream(steps: 3, chunk: 0, input: { _ in Tensor(zeros: [1, 1, 1]) }, output: { _, _ in }) }
        #expect(throws: RNNError.self) { _ = try net.stream(steps: 3, chunk: 2, input: { _ in Tensor(zeros: [5, 1, 1]) }, output: { _, _ in }) }
        let batchMajor = try DynamicRNN<Double>(cells: [cell], timeMajor: false)
        #expect(throws: RNNError.self) { _ = try batchMajor.stream(steps: 3, chunk: 2, input: { _ in Tensor(zeros: [2, 1, 1]) }, output: { _, _ in }) }
    }
}
