import Foundation
import RNNBLAS
import RNNCheck
import RNNCore
import RNNScalar
import RNNTestSupport
import Testing

/// At one step worker, RNNBLAS's LSTM and GRU compute the input projection on a helper thread
/// ahead of the recurrence (`RecurrentThreads.inputsAhead`): the same kernel on the same rows,
/// so the same bits as computing it in the loop, for training (with a tape) and inference
/// (a ring of one chunk's rows, here wrapped round several times), with rows of different
/// lengths. (Which needs the helper to leave OpenBLAS's thread count alone: these runs are
/// pinned to it.)
@Suite("Input projection ahead")
struct InputsAheadTests {
    struct Case: CustomStringConvertible, Sendable {
        let kind: RandomCase.Kind, resetAfter: Bool, peepholes: Bool, batch: Int, steps: Int
        var description: String { "\(kind) resetAfter=\(resetAfter) peepholes=\(peepholes) B=\(batch) T=\(steps)" }
    }

    static let cases: [Case] = [
        Case(kind: .torchLSTM, resetAfter: true, peepholes: false, batch: 1, steps: 300),
        Case(kind: .tfLSTMCell, resetAfter: true, peepholes: true, batch: 3, steps: 200),
        Case(kind: .torchGRU, resetAfter: true, peepholes: false, batch: 1, steps: 300),
        Case(kind: .kerasGRU, resetAfter: false, peepholes: false, batch: 5, steps: 120),
    ]

    @Test(arguments: cases)
    func sameBitsWithTheProjectionAhead(_ k: Case) throws {
        var c = RandomCase(k.kind)
        c.units = 24; c.input = 20; c.resetAfter = k.resetAfter; c.peepholes = k.peepholes
        let spec = try #require(c.spec())
        var rng = SplitMix(seed: 3)
        var given: [String: Tensor<Float>] = [:]
        for (n, shape) in spec.parameterShapes(inputSize: 20) {
            given[n] = Tensor(uncheckedShape: shape, data: (0..<shape.reduce(1, *)).map { _ in Float(rng.uniform(-0.3, 0.3)) })
        }
        let x = Tensor<Float>(uncheckedShape: [k.steps, k.batch, 20], data: (0..<(k.steps * k.batch * 20)).map { _ in Float(rng.uniform(-1, 1)) })
        let dy = Tensor<Float>(uncheckedShape: [k.steps, k.batch, 24], data: (0..<(k.steps * k.batch * 24)).map { _ in Float(rng.uniform(-1, 1)) })
        let lengths = (0..<k.batch).map { b in b == 0 ? k.steps : (k.steps * b) / (k.batch + 1) }
        let net = try DynamicRNN(cells: [try RNNBLAS.Implementation.buildCell(spec, inputSize: 20, given: given)], timeMajor: true)
        func run(ahead: Bool) throws -> (train: [Float], infer: [Float]) {
            // pinned: the backward's OpenBLAS GEMMs sum by OpenBLAS's thread count, which other
            // tests running meanwhile may lease to 1
            try withDefaultBLASThreads { try RecurrentThreads.$inputsAhead.withValue(ahead) {
                let f = try net.forward(x, sequenceLength: k.batch > 1 ? lengths : nil)
                let g = try net.backward(f, dOutputs: dy, dFinalState: f.finalState.map { Tensor<Float>(zeros: $0.shape) })
                let i = try net.infer(x, sequenceLength: k.batch > 1 ? lengths : nil)
                return (f.outputs.data + f.finalState.flatMap(\.data) + g.dx.data + g.dInitialState.flatMap(\.data) + g.dParameters.flatMap { $0.tensors.flatMap(\.data) },
                        i.outputs.data + i.finalState.flatMap(\.data))
            } }
        }
        let (inLoop, ahead) = (try run(ahead: false), try run(ahead: true))
        #expect(inLoop.train.count == ahead.train.count && zip(inLoop.train, ahead.train).allSatisfy { $0 == $1 }, "\(k): training")
        #expect(inLoop.infer.count == ahead.infer.count && zip(inLoop.infer, ahead.infer).allSatisfy { $0 == $1 }, "\(k): inference")
        #expect(inLoop.infer.contains { $0 != 0 })
    }
}
