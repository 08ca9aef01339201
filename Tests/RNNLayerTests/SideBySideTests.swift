import Foundation
import RNNBLAS
import RNNCheck
import RNNCore
import RNNLayers
import RNNScalar
import RNNTestSupport
import Synchronization
import Testing

/// A bidirectional layer's two directions (`PassRunner`): RNNBLAS runs them side by side on two
/// or more threads and one after the other on one, each direction a one-worker pass with
/// OpenBLAS single-threaded either way, so the layer's results are the same bits on every
/// thread count; RNNScalar runs them one after the other.
@Suite("Directions side by side")
struct SideBySideTests {
    /// Each pass waits (up to 20 s) for the other to have started: only passes that run at
    /// the same time both see the other.
    @Test func twoThreadsOverlapThePasses() throws {
        let (startedA, startedB) = (DispatchSemaphore(value: 0), DispatchSemaphore(value: 0))
        let (sawB, sawA) = try RecurrentThreads.$count.withValue(2) {
            try SideBySide().both({ () -> Bool in
                startedA.signal()
                return startedB.wait(timeout: .now() + 20) == .success
            }, { () -> Bool in
                startedB.signal()
                return startedA.wait(timeout: .now() + 20) == .success
            })
        }
        #expect(sawB && sawA, "the passes did not overlap (a saw b: \(sawB), b saw a: \(sawA))")
    }

    /// On one thread, and in the scalar reference, b starts after a has returned.
    @Test func oneThreadRunsThemInOrder() throws {
        for runner in [SideBySide() as any PassRunner, OneAfterTheOther()] {
            let log = Mutex<[String]>([])
            let (a, b) = try RecurrentThreads.$count.withValue(1) {
                try runner.both({ () -> Int in log.withLock { $0 += ["a starts", "a ends"] }; return 1 },
                                { () -> Int in log.withLock { $0 += ["b starts", "b ends"] }; return 2 })
            }
            #expect(a == 1 && b == 2)
            #expect(log.withLock { $0 } == ["a starts", "a ends", "b starts", "b ends"], "\(type(of: runner))")
        }
    }

    /// An error in either pass reaches the caller (a's when both throw), after both have ended.
    @Test func errorsReachTheCaller() throws {
        struct Failed: Error, Equatable { let which: String }
        for threads in [1, 2] {
            try RecurrentThreads.$count.withValue(threads) {
                #expect(throws: Failed(which: "b")) { try SideBySide().both({ 1 }, { () throws -> Int in throw Failed(which: "b") }) }
                #expect(throws: Failed(which: "a")) { try SideBySide().both({ () throws -> Int in throw Failed(which: "a") }, { 2 }) }
                #expect(throws: Failed(which: "a")) {
                    try SideBySide().both({ () throws -> Int in throw Failed(which: "a") }, { () throws -> Int in throw Failed(which: "b") })
                }
            }
        }
    }

    /// Inside `withDefaultBLASThreads`, two step workers and two directions side by side run to
    /// the end (their OpenBLAS lease used to wait for the pin to end, for ever) and agree with the
    /// scalar reference. On a thread of its own, waited for up to 60 s.
    @Test func workersAndDirectionsRunInsideAPin() throws {
        var c = RandomCase(.torchGRU)
        c.units = 64; c.input = 32
        let spec = try #require(c.spec())
        let given = Self.weights(spec, input: 32, seed: 21)
        var rng = SplitMix(seed: 22)
        let x = Tensor<Float>(uncheckedShape: [8, 16, 32], data: (0..<(8 * 16 * 32)).map { _ in Float(rng.uniform(-1, 1)) })
        @Sendable func outputs(_ impl: any RNNImplementation.Type) throws -> [Float] {
            let net = try DynamicRNN(cells: [try impl.buildCell(spec, inputSize: 32, given: given)], timeMajor: true)
            let (one, (a, b)) = try RecurrentThreads.$count.withValue(2) {
                (try net.infer(x).outputs.data, try SideBySide().both({ try net.infer(x).outputs.data }, { try net.infer(x).outputs.data }))
            }
            return one + a + b
        }
        let expected = try outputs(RNNScalar.Implementation.self)
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Result<[Float], Error>?>(nil)
        Thread {
            result.withLock { $0 = Result { try withDefaultBLASThreads { try outputs(RNNBLAS.Implementation.self) } } }
            done.signal()
        }.start()
        try #require(done.wait(timeout: .now() + 60) == .success, "the pinned passes did not finish in 60 s")
        let pinned = try #require(result.withLock { $0 }).get()
        #expect(pinned.count == expected.count && maxAbsError(pinned.map(Double.init), expected.map(Double.init)) <= 1e-4)
    }

    /// Every BLAS family's cells run directions side by side; the scalar reference's one after
    /// the other.
    @Test func eachImplementationsRunner() throws {
        for kind in [RandomCase.Kind.torchLSTM, .torchGRU, .torchRNN, .kerasSimpleRNN, .tfLSTMCell, .kerasGRU] {
            var c = RandomCase(kind)
            c.units = 3; c.input = 2
            let spec = try #require(c.spec())
            let given = Self.weights(spec, input: 2, seed: 1)
            #expect(try RNNBLAS.Implementation.buildCell(spec, inputSize: 2, given: given).passRunner is SideBySide, "\(kind)")
            #expect(try RNNScalar.Implementation.buildCell(spec, inputSize: 2, given: given).passRunner is OneAfterTheOther, "\(kind)")
        }
    }

    static func weights(_ spec: CellSpec, input: Int, seed: UInt64) -> [String: Tensor<Float>] {
        var rng = SplitMix(seed: seed)
        var given: [String: Tensor<Float>] = [:]
        for (n, shape) in spec.parameterShapes(inputSize: input) {
            given[n] = Tensor(uncheckedShape: shape, data: (0..<shape.reduce(1, *)).map { _ in Float(rng.uniform(-0.3, 0.3)) })
        }
        return given
    }

    /// `bidirectional_dynamic_rnn` for inference (`infer`, no tape) gives `forward`'s outputs
    /// and final states bit for bit, batch-major, with rows of different lengths (reversed
    /// within each), on 1 and 2 threads.
    @Test func bidirectionalDynamicRNNInferIsForward() throws {
        var c = RandomCase(.kerasGRU)
        c.units = 6; c.input = 5
        let spec = try #require(c.spec())
        var rng = SplitMix(seed: 5)
        let x = Tensor<Float>(uncheckedShape: [3, 9, 5], data: (0..<(3 * 9 * 5)).map { _ in Float(rng.uniform(-1, 1)) })
        let lengths = [9, 4, 0]
        for impl in [RNNBLAS.Implementation.self as any RNNImplementation.Type, RNNScalar.Implementation.self] {
            let bi = try BidirectionalDynamicRNN<Float>(forward: [try impl.buildCell(spec, inputSize: 5, given: Self.weights(spec, input: 5, seed: 6))],
                                                        backward: [try impl.buildCell(spec, inputSize: 5, given: Self.weights(spec, input: 5, seed: 7))],
                                                        timeMajor: false)
            for threads in [1, 2] {
                try RecurrentThreads.$count.withValue(threads) {
                    let f = try bi.forward(x, initialStateFw: nil, initialStateBw: nil, sequenceLength: lengths)
                    let i = try bi.infer(x, initialStateFw: nil, initialStateBw: nil, sequenceLength: lengths)
                    #expect(i.outputsFw.shape == [3, 9, 6] && i.outputsFw.data == f.outputsFw.data, "\(impl.name) \(threads)")
                    #expect(i.outputsBw.data == f.outputsBw.data && i.outputsBw.data.contains { $0 != 0 }, "\(impl.name) \(threads)")
                    #expect(i.finalStateFw.flatMap(\.data) == f.finalStateFw.flatMap(\.data), "\(impl.name) \(threads)")
                    #expect(i.finalStateBw.flatMap(\.data) == f.finalStateBw.flatMap(\.data), "\(impl.name) \(threads)")
                }
            }
        }
    }

    /// A two-layer bidirectional `torch.nn.LSTM` and `torch.nn.GRU` (float32, B = 16, H = 64:
    /// big enough that a lone direction would take two step workers, and then other GEMM
    /// kernels), forward and backward, give the same bits with 1, 2 and 3 threads; and agree
    /// with the scalar reference.
    @Test(arguments: [RandomCase.Kind.torchLSTM, .torchGRU])
    func bidirectionalTorchModuleSameBitsOnEveryThreadCount(_ kind: RandomCase.Kind) throws {
        var c = RandomCase(kind)
        c.units = 64; c.input = 48
        let spec = try #require(c.spec())
        let (steps, batch) = (12, 16)
        var stateDict: [String: Tensor<Float>] = [:]
        for j in 0..<4 {
            let input = j < 2 ? 48 : 2 * 64
            for (n, t) in Self.weights(spec, input: input, seed: UInt64(10 + j)) { stateDict[n + torchKeySuffix(j, directions: 2)] = t }
        }
        var rng = SplitMix(seed: 99)
        let x = Tensor<Float>(uncheckedShape: [steps, batch, 48], data: (0..<(steps * batch * 48)).map { _ in Float(rng.uniform(-1, 1)) })
        let dy = Tensor<Float>(uncheckedShape: [steps, batch, 128], data: (0..<(steps * batch * 128)).map { _ in Float(rng.uniform(-1, 1)) })
        func run(_ impl: any RNNImplementation.Type) throws -> [Float] {
            let m = try TorchRNN<Float>(impl, spec, inputSize: 48, numLayers: 2, stateDict: stateDict, bidirectional: true)
            let f = try m.forward(x)
            let g = try m.backward(f, dOutput: dy)
            return f.output.data + f.finalState.flatMap(\.data) + g.dx.data + g.dInitialState.flatMap(\.data)
                + g.dParameters.flatMap { $0.tensors.flatMap(\.data) }
        }
        let one = try RecurrentThreads.$count.withValue(1) { try run(RNNBLAS.Implementation.self) }
        for threads in [2, 3] {
            let many = try RecurrentThreads.$count.withValue(threads) { try run(RNNBLAS.Implementation.self) }
            let differ = zip(one, many).filter { $0 != $1 }.count
            #expect(one.count == many.count && differ == 0, "\(kind): \(differ) of \(one.count) results differ between 1 and \(threads) threads")
        }
        let scalar = try run(RNNScalar.Implementation.self)
        let scale = scalar.map(abs).max() ?? 0
        #expect(maxAbsError(one.map(Double.init), scalar.map(Double.init)) <= 1e-4 * max(1, Double(scale)), "\(kind): BLAS against scalar")
    }
}
