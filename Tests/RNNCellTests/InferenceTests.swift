import Foundation
import RNNBLAS
import RNNCheck
import RNNCore
import RNNNumpy
import RNNScalar
import RNNTestSupport
import Testing

/// `DynamicRNN.infer` (no tape: the BLAS schedules keep one chunk of gates and one step of c)
/// gives exactly `forward`'s outputs and final state, and both agree with the scalar reference:
/// over several chunks of the input projection (B = 3: chunks of 85 steps, T = 200), with and
/// without `sequence_length`, with one and two step workers, for every option the LSTM schedule
/// has (peepholes, both clips, a projection) and both GRU forms.
@Suite("Inference without a tape")
struct InferenceTests {
    static func cases() -> [RandomCase] {
        var out: [RandomCase] = []
        for lengths in [false, true] {
            var tf = RandomCase(.tfLSTMCell)
            tf.peepholes = true; tf.cellClip = 0.4; tf.numProj = 3; tf.projClip = 0.3
            var torch = RandomCase(.torchLSTM)
            torch.numProj = 2
            var gruBefore = RandomCase(.kerasGRU)
            gruBefore.resetAfter = false
            for var c in [tf, RandomCase(.kerasLSTM), torch, RandomCase(.kerasGRU), gruBefore, RandomCase(.tfBasicRNNCell)] {
                c.units = 5; c.input = 4; c.batch = 3; c.steps = 200; c.timeMajor = true; c.withLengths = lengths; c.seed = 31
                out.append(c)
            }
        }
        return out
    }

    @Test(arguments: [1, 2])
    func inferEqualsForward(_ workers: Int) throws {
        for c in Self.cases() {
            let spec = try #require(c.spec())
            let impl = RNNBLAS.Implementation.self
            var rng = try numpyRandomState(seed: 9)
            var given: [String: Tensor<Double>] = [:]
            for (n, shape) in spec.parameterShapes(inputSize: c.input) {
                given[n] = Tensor(uncheckedShape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.uniform(-0.6, 0.6) })
            }
            let net = try DynamicRNN(cells: [try impl.buildCell(spec, inputSize: c.input, given: given)], timeMajor: true)
            let scalar = try DynamicRNN(cells: [try RNNScalar.Implementation.buildCell(spec, inputSize: c.input, given: given)], timeMajor: true)
            let x = Tensor<Double>(uncheckedShape: [c.steps, c.batch, c.input],
                                   data: (0..<(c.steps * c.batch * c.input)).map { _ in rng.uniform(-1, 1) })
            let lengths = c.withLengths ? [200, 0, 117] : nil
            let reference = try scalar.forward(x, sequenceLength: lengths)
            try RecurrentThreads.$count.withValue(workers) {
                let whole = try net.forward(x, sequenceLength: lengths)
                let scale = reference.outputs.data.map(abs).max() ?? 0
                #expect(maxAbsError(whole.outputs.data, reference.outputs.data) <= 1e-12 * max(1, scale), "\(c) workers \(workers)")
                #expect(maxAbsError(whole.finalState.flatMap(\.data), reference.finalState.flatMap(\.data)) <= 1e-12 * max(1, scale),
                        "\(c) workers \(workers)")
                let inferred = try net.infer(x, sequenceLength: lengths)
                // counted, not printed: the tensors are long
                let outputsDiffer = zip(inferred.outputs.data, whole.outputs.data).filter { $0 != $1 }.count
                let statesDiffer = zip(inferred.finalState.flatMap(\.data), whole.finalState.flatMap(\.data)).filter { $0 != $1 }.count
                #expect(inferred.outputs.shape == whole.outputs.shape && outputsDiffer == 0, "\(c) workers \(workers): \(outputsDiffer) outputs differ")
                #expect(inferred.finalState.map(\.shape) == whole.finalState.map(\.shape) && statesDiffer == 0,
                        "\(c) workers \(workers): \(statesDiffer) final-state values differ")
                #expect(whole.layers.allSatisfy { $0.tape != nil }, "\(c): the schedule ran")
            }
        }
    }
}
