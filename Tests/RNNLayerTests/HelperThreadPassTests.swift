import Foundation
import RNNBLAS
import RNNCheck
import RNNCore
import RNNTestSupport
import Testing

/// At one step worker with a second thread free, RNNBLAS's LSTM and GRU give a helper thread the
/// input projection, ahead of the recurrence (`RecurrentThreads.helper`): the same kernel on the
/// same rows, so the same bits as in the loop, for training (with a tape, which the backward
/// then reads) and inference (a ring of one chunk's rows, wrapped round several times here),
/// with rows of different lengths.
@Suite("Helper thread in a one-worker pass")
struct HelperThreadPassTests {
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
    func sameBitsWithTheProjectionOnAHelper(_ k: Case) throws {
        var c = RandomCase(k.kind)
        c.units = 24; c.input = 20; c.resetAfter = k.resetAfter; c.peepholes = k.peepholes
        let spec = try #require(c.spec())
        var rng = SplitMix(seed: 3)
        var given: [String: Tensor<Float>] = [:]
        for (n, shape) in spec.parameterShapes(inputSize: 20) {
            given[n] = Tensor(uncheckedShape: shape, data: (0..<shape.reduce(1, *)).map { _ in Float(rng.uniform(-0.3, 0.3)) })
        }
        let x = Tensor<Float>(uncheckedShape: [k.steps, k.batch, 20], data: (0..<(k.steps * k.batch * 20)).map { _ in Float(rng.uniform(-1, 1)) })
        let lengths = k.batch > 1 ? (0..<k.batch).map { b in b == 0 ? k.steps : (k.steps * b) / (k.batch + 1) } : nil
        let net = try DynamicRNN(cells: [try RNNBLAS.Implementation.buildCell(spec, inputSize: 20, given: given)], timeMajor: true)
        func run(helper: Bool) throws -> (forward: [Float], infer: [Float]) {
            try RecurrentThreads.$helper.withValue(helper) {
                let f = try net.forward(x, sequenceLength: lengths), i = try net.infer(x, sequenceLength: lengths)
                return (f.outputs.data + f.finalState.flatMap(\.data), i.outputs.data + i.finalState.flatMap(\.data))
            }
        }
        let (inLoop, helper) = (try run(helper: false), try run(helper: true))
        let sameForward = inLoop.forward == helper.forward, sameInference = inLoop.infer == helper.infer
        #expect(sameForward, "\(k): forward")
        #expect(sameInference, "\(k): inference")
        #expect(inLoop.infer.contains { $0 != 0 })
    }
}
