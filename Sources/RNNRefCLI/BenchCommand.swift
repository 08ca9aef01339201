import ArgumentParser
import Foundation
import RNNBLAS
import RNNCore
import RNNCheck
import RNNFixtures
import RNNNumpy

/// `rnnref bench`: time one cell over a sequence, forward or forward + full BPTT. Weights in
/// PyTorch's layout (`torch.nn.LSTM/GRU`, and a tanh RNN in Keras' SimpleRNN layout), so the
/// same shapes can be run in PyTorch beside it.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmark a cell: warm-up, then the median of the repeats (a benchmark, never a test).")

    enum Cell: String, ExpressibleByArgument, CaseIterable { case lstm, gru, rnn }
    enum Pass: String, ExpressibleByArgument, CaseIterable { case forward, train, stream }

    @Option(help: "lstm, gru or rnn.") var cell: Cell = .lstm
    @Option(help: "scalar or blas.") var impl: ImplChoice = .blas
    @Option(help: "float32 or float64.") var dtype: DType = .float32
    @Option(help: "B.") var batch: Int = 64
    @Option(help: "T.") var steps: Int = 100
    @Option(help: "I.") var input: Int = 256
    @Option(help: "H.") var hidden: Int = 256
    @Option(help: "forward (inference: no tape kept, as PyTorch under torch.no_grad()), train (forward keeping the tape + BPTT with every gradient), or stream (inference in chunks of --chunk steps, memory independent of T).") var pass: Pass = .forward
    @Option(help: "Steps per chunk for --pass stream.") var chunk: Int = 256
    @Option(help: "OpenBLAS threads (default: OpenBLAS's own choice).") var threads: Int?
    @Option(help: "Whether a one-worker pass gives a helper thread its input projection (RecurrentThreads.helper; default: when a second thread is free).") var helper: Bool?
    @Option(help: "Workers of the recurrent loops (RecurrentThreads.count; default: chosen by size, one per OpenBLAS thread for big steps).") var workers: Int?
    @Option(name: .customLong("repeat"), help: "Timed repeats after one warm-up run.") var repeats: Int = 5
    @Flag(help: "One JSON object per line.") var json = false
    @Flag(help: "Time only the OpenBLAS GEMMs of the same schedule (the hardware reference), no cell.") var gemmOnly = false
    @Flag(help: "Both directions (tf.compat.v1.nn.bidirectional_dynamic_rnn; torch.nn.LSTM(bidirectional=True)): two cells, the second over the reversed sequence, run as the implementation runs them (RNNBLAS: side by side, one core each). Work, memory and --gemm-only count both.") var bidirectional = false
    @Flag(help: "With --bidirectional: the directions one after the other, each with the workers a one-direction pass takes (as before they ran side by side).") var oneDirectionAtATime = false

    func run() throws {
        try failing {
            guard impl != .both else { throw RNNError(.invalid, "--impl", "bench takes one implementation: scalar or blas") }
            guard !(bidirectional && pass == .stream) else { throw RNNError(.unsupported, "--bidirectional", "streams one direction only (--pass forward or train)") }
            for (n, v) in [("--batch", batch), ("--steps", steps), ("--input", input), ("--hidden", hidden), ("--repeat", repeats)] where v < 1 {
                throw RNNError(.invalid, n, "must be at least 1, got \(v)")
            }
            if let threads { guard threads >= 1 else { throw RNNError(.invalid, "--threads", "must be at least 1") }; setOpenBLASThreads(threads) }
            if let workers { guard workers >= 1 else { throw RNNError(.invalid, "--workers", "must be at least 1") } }
            let (ms, peak) = try RecurrentThreads.$directionsSideBySide.withValue(!oneDirectionAtATime) {
                try RecurrentThreads.$count.withValue(workers) {
                    try RecurrentThreads.$helper.withValue(helper) {
                        dtype == .float64 ? try measure(Double.self) : try measure(Float.self)
                    }
                }
            }
            let sorted = ms.sorted()
            let median = sorted[sorted.count / 2]
            let gates = cell == .lstm ? 4 : cell == .gru ? 3 : 1
            let directions = bidirectional ? 2 : 1
            // multiply-adds of the matmuls: forward 2·T·B·(I + H)·gH per direction; train ≈ 3× forward
            let flops = 2.0 * Double(directions * steps * batch * (input + hidden) * gates * hidden) * (pass == .train ? 3 : 1)
            let gflops = flops / (median / 1000) / 1e9
            let t = threads ?? openBLASThreads()
            let implName = gemmOnly ? "openblas-gemm" : impl.rawValue
            // the activations BPTT must keep per step and batch row: LSTM i, f, g, o, c, h (6H);
            // GRU r, u, c, h and h·U_c or r⊙h (5H); tanh RNN h (H)
            let kept = Double(directions * steps * batch * hidden * (cell == .lstm ? 6 : cell == .gru ? 5 : 1) * (dtype == .float64 ? 8 : 4)) / 1e6
            // what a train pass returns, counted in its peak: dX [T, B, I] and the parameters'
            // gradients (PyTorch's two biases per gate, Keras SimpleRNN's one)
            let parameterCount = gates * hidden * (input + hidden) + (cell == .rnn ? hidden : 2 * gates * hidden)
            let returned = Double((steps * batch * input + directions * parameterCount) * (dtype == .float64 ? 8 : 4)) / 1e6
            let mem = pass != .forward && !gemmOnly ? ", \"peak_mb\": \(String(format: "%.1f", peak)), \"activations_mb\": \(String(format: "%.1f", kept)), \"returned_mb\": \(String(format: "%.1f", returned))" : ""
            // the machine's peak: OpenBLAS's GEMM at 1024³ with the same threads
            let machine = dtype == .float64 ? gemmPeakGFLOPS(Double.self) : gemmPeakGFLOPS(Float.self)
            if json {
                print("{\"cell\": \"\(cell.rawValue)\", \"bidirectional\": \(bidirectional), \"impl\": \"\(implName)\", \"dtype\": \"\(dtype.rawValue)\", \"batch\": \(batch), \"steps\": \(steps), \"input\": \(input), \"hidden\": \(hidden), \"pass\": \"\(pass.rawValue)\", \"threads\": \(t), \"median_ms\": \(String(format: "%.3f", median)), \"gflops\": \(String(format: "%.3f", gflops)), \"peak_gflops\": \(String(format: "%.3f", machine))\(mem)}")
            } else {
                let m = pass == .stream ? ", peak memory \(String(format: "%.1f", peak)) MB (chunks of \(chunk) steps; a train pass would keep \(String(format: "%.1f", kept)) MB of activations)"
                    : pass == .train && !gemmOnly ? ", peak memory \(String(format: "%.1f", peak)) MB (activations BPTT keeps: \(String(format: "%.1f", kept)) MB; dX and the gradients it returns: \(String(format: "%.1f", returned)) MB)" : ""
                print("\(bidirectional ? oneDirectionAtATime ? "bidirectional (one direction at a time) " : "bidirectional " : "")\(cell.rawValue) \(implName) \(dtype.rawValue) B=\(batch) T=\(steps) I=\(input) H=\(hidden) \(pass.rawValue) threads=\(t): median \(String(format: "%.3f", median)) ms over \(repeats) runs, \(String(format: "%.2f", gflops)) GFLOP/s = \(String(format: "%.0f", 100 * gflops / machine))% of the machine's peak (OpenBLAS GEMM 1024³: \(String(format: "%.1f", machine)) GFLOP/s)\(m)")
            }
        }
    }

    /// The peak memory one pass adds to the process (MB, `passPeakMB`: the resident-set
    /// high-water mark of a pass after a warm-up one, over the resident set before it; inputs,
    /// weights and cotangents are allocated before it, and OpenBLAS's packing buffers, which it
    /// keeps for the process's lifetime — about 13 MB per thread that runs a large GEMM — were
    /// touched by the warm-up, as were the packed weights RNNBLAS keeps with the cell,
    /// `PreparedWeights`, which the timed runs reuse, as onnxruntime's session does its own),
    /// then the timed runs (ms).
    func measure<T: RNNFloat>(_: T.Type) throws -> ([Double], Double) {
        if gemmOnly {
            var g = GEMMSchedule<T>(gates: cell == .lstm ? 4 : cell == .gru ? 3 : 1, batch: batch, steps: steps,
                                    input: input, hidden: hidden, train: pass == .train)
            func both() { for _ in 0..<(bidirectional ? 2 : 1) { g.run() } }      // one direction after the other
            both()
            return (try (0..<repeats).map { _ in try timed(both) }, 0)
        }
        let once = try makePass(T.self)
        let peak = try passPeakMB(once)
        return (try (0..<repeats).map { _ in try timed(once) }, pass == .forward ? 0 : peak)
    }

    /// One pass of the chosen kind on inputs drawn here (numpy's RandomState(1), in a fixed
    /// order: weights, the backward direction's weights, x, the cotangents).
    func makePass<T: RNNFloat>(_: T.Type) throws -> () throws -> Void {
        var c = RandomCase(cell == .lstm ? .torchLSTM : cell == .gru ? .torchGRU : .kerasSimpleRNN)
        c.units = hidden; c.input = input; c.batch = batch; c.steps = steps; c.timeMajor = true; c.seed = 1
        c.weightScale = 1 / Double(hidden).squareRoot()
        guard let spec = c.spec() else { throw RNNError(.unsupported, "cell", "\(c.kind.name) is not a cell") }
        var rng = try numpyRandomState(seed: 1)
        func t(_ shape: [Int], _ s: Double) -> Tensor<T> {
            Tensor(uncheckedShape: shape, data: (0..<shape.reduce(1, *)).map { _ in T(rng.uniform(-s, s)) })
        }
        var given: [String: Tensor<T>] = [:]
        for (n, shape) in spec.parameterShapes(inputSize: input) { given[n] = t(shape, c.weightScale) }
        let i = impl.implementations[0]
        let net = try DynamicRNN(cells: [try i.buildCell(spec, inputSize: input, given: given)], timeMajor: true)
        let s0 = spec.stateSizes.map { Tensor<T>(zeros: [batch, $0]) }
        if bidirectional {
            var givenBw: [String: Tensor<T>] = [:]
            for (n, shape) in spec.parameterShapes(inputSize: input) { givenBw[n] = t(shape, c.weightScale) }
            let bi = try BidirectionalDynamicRNN(forward: net.cells, backward: [try i.buildCell(spec, inputSize: input, given: givenBw)],
                                                 timeMajor: true)
            let x = t([steps, batch, input], 1)
            let dFw = t([steps, batch, spec.outputSize], 1), dBw = t([steps, batch, spec.outputSize], 1)
            return {
                if pass == .forward {
                    _ = try bi.infer(x, initialStateFw: s0, initialStateBw: s0, sequenceLength: nil)
                    return
                }
                let f = try bi.forward(x, initialStateFw: s0, initialStateBw: s0, sequenceLength: nil)
                _ = try bi.backward(f, dOutputsFw: dFw, dOutputsBw: dBw, dFinalStateFw: f.finalStateFw.map { Tensor<T>(zeros: $0.shape) },
                                    dFinalStateBw: f.finalStateBw.map { Tensor<T>(zeros: $0.shape) })
            }
        }
        if pass == .stream {
            // inputs made per chunk, outputs dropped: nothing grows with T
            let chunkX = t([min(chunk, steps), batch, input], 1)
            return {
                _ = try net.stream(steps: steps, chunk: chunk, initialState: s0, input: { r in
                    r.count == chunkX.shape[0] ? chunkX : Tensor(uncheckedShape: [r.count, batch, input], data: Array(chunkX.data[0 ..< (r.count * batch * input)]))
                }, output: { _, _ in })
            }
        }
        let x = t([steps, batch, input], 1)
        let dOut = t([steps, batch, spec.outputSize], 1)
        // forward is inference (no tape, as PyTorch's under torch.no_grad()); train keeps the tape
        return {
            if pass == .forward {
                _ = try net.infer(x, initialState: s0)
                return
            }
            let f = try net.forward(x, initialState: s0)
            _ = try net.backward(f, dOutputs: dOut, dFinalState: f.finalState.map { Tensor<T>(zeros: $0.shape) })
        }
    }

    func timed(_ f: () throws -> Void) throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try f()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }

    /// Runs `pass` twice (a warm-up, then measured) and returns the second run's peak resident
    /// set over the resident set before it, in MB. Between the two, `KeptBuffers.shared.release()` and
    /// `malloc_trim` hand the memory the warm-up freed back to the system, so the measured run
    /// cannot reuse it unseen (the timed runs after it do).
    /// Linux resets the high-water mark (VmHWM) when "5" is written to /proc/self/clear_refs;
    /// where it cannot, the warm-up's rise of the process's high-water mark is returned instead.
    func passPeakMB(_ pass: () throws -> Void) throws -> Double {
        let first = maxResidentMB()
        try pass()                                   // warm-up
        let firstPeak = maxResidentMB() - first
        KeptBuffers.shared.release()                 // the buffers kept for reuse, too
        // glibc's malloc_trim(0) (its header, malloc.h, is not in Swift's Glibc module)
        if let f = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") {      // RTLD_DEFAULT
            _ = unsafeBitCast(f, to: (@convention(c) (Int) -> Int32).self)(0)
        }
        guard (try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .ascii)) != nil,
              let before = procStatusMB("VmRSS") else { return firstPeak }
        try pass()
        guard let high = procStatusMB("VmHWM") else { return firstPeak }
        return high - before
    }

    func maxResidentMB() -> Double {
        var u = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
        return Double(u.ru_maxrss) * 1024 / 1e6      // ru_maxrss is in KiB on Linux
    }

    /// A "kB" line of /proc/self/status (VmRSS, VmHWM) in MB.
    func procStatusMB(_ key: String) -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .ascii),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kb * 1024 / 1e6
    }
}
extension DType: ExpressibleByArgument {}
