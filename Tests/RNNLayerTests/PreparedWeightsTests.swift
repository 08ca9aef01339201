import Foundation
import RNNBLAS
import RNNCheck
import RNNCore
import RNNTestSupport
import Testing

/// RNNBLAS keeps what it packs from a cell's weights with the cell (`PreparedWeights`): a cell
/// used again, at another worker count and then at the first one, gives the bits a fresh cell
/// gives at each count, forward and backward.
@Suite("Prepared weights")
struct PreparedWeightsTests {
    @Test(arguments: [RandomCase.Kind.torchLSTM, .tfLSTMCell, .torchGRU, .kerasGRU, .kerasSimpleRNN])
    func reusedCellGivesAFreshCellsBits(_ kind: RandomCase.Kind) throws {
        var c = RandomCase(kind)
        c.units = 40; c.input = 24; c.resetAfter = kind != .kerasGRU
        if kind == .tfLSTMCell { c.numProj = 16; c.peepholes = true }
        let spec = try #require(c.spec())
        var rng = SplitMix(seed: 11)
        var given: [String: Tensor<Float>] = [:]
        for (n, shape) in spec.parameterShapes(inputSize: 24) {
            given[n] = Tensor(uncheckedShape: shape, data: (0..<shape.reduce(1, *)).map { _ in Float(rng.uniform(-0.3, 0.3)) })
        }
        let (steps, batch, out) = (30, 4, spec.outputSize)
        let x = Tensor<Float>(uncheckedShape: [steps, batch, 24], data: (0..<(steps * batch * 24)).map { _ in Float(rng.uniform(-1, 1)) })
        let dy = Tensor<Float>(uncheckedShape: [steps, batch, out], data: (0..<(steps * batch * out)).map { _ in Float(rng.uniform(-1, 1)) })
        func fresh() throws -> DynamicRNN<Float> {
            try DynamicRNN(cells: [try RNNBLAS.Implementation.buildCell(spec, inputSize: 24, given: given)], timeMajor: true)
        }
        // one worker pinned (its GEMMs are OpenBLAS's at the process's thread count, which other
        // tests may lease to 1 meanwhile); two workers lease OpenBLAS single-threaded themselves
        func run(_ net: DynamicRNN<Float>, workers: Int) throws -> [Float] {
            func pass() throws -> [Float] {
                let f = try net.forward(x)
                let g = try net.backward(f, dOutputs: dy, dFinalState: f.finalState.map { Tensor<Float>(zeros: $0.shape) })
                let i = try net.infer(x)
                return f.outputs.data + i.outputs.data + g.dx.data + g.dParameters.flatMap { $0.tensors.flatMap(\.data) }
            }
            return try RecurrentThreads.$count.withValue(workers) { workers == 1 ? try withDefaultBLASThreads(pass) : try pass() }
        }
        let reused = try fresh()
        for workers in [1, 2, 1, 2] {
            let (again, first) = (try run(reused, workers: workers), try run(try fresh(), workers: workers))
            let same = again.count == first.count && zip(again, first).allSatisfy { $0 == $1 }
            #expect(same, "\(kind): a reused cell at \(workers) worker(s)")
        }
    }
}
