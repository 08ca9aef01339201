import Foundation
import RNNBLAS
import RNNCore
import RNNCheck
import RNNFixtures
import RNNNumpy

/// How much the last hidden state depends on the state d steps earlier: the Frobenius norm of
/// the Jacobian ‖∂h_T/∂s_{T−d}‖_F, where s is the cell's whole recurrent state (h for the RNNs
/// and the GRU, (c, h) for the LSTM), for d = 0…T. Notebook 09.
///
/// Computed exactly with the cells' own backward passes: the batch holds H identical copies of
/// one sequence, and row k of the state cotangent at T is the unit vector e_k on h_T. One BPTT
/// sweep (zero output cotangents) then carries all H rows of the Jacobian back at once: after
/// d steps, row k of the state cotangent is ∂h_T[k]/∂s_{T−d}.
public enum GradientFlow {
    public struct Model: Sendable {
        public var name: String
        public var spec: CellSpec
        public var parameters: [String: Tensor<Double>]
        /// Index of h within the state list.
        public var hIndex: Int
    }

    /// The five models of notebook 09, all with H units and I inputs, weights uniform ±1/√H
    /// (PyTorch's default init) drawn from numpy's RandomState(seed), so the LSTMs and the GRU
    /// share their draws where their shapes agree:
    /// a tanh RNN (Keras SimpleRNN), TF LSTMCell with forget_bias 0 and with 1 (same weights),
    /// a Keras GRU (reset_after=True), and the documents' linear MinimalRNNCell with weights
    /// uniform ±2/√H (spectral radius above 1, to show the other failure: explosion).
    public static func models(units h: Int, input i: Int, seed: Int) throws -> [Model] {
        var rng = try numpyRandomState(seed: seed)
        let a = 1 / Double(h).squareRoot()
        func t(_ shape: [Int], _ s: Double) -> Tensor<Double> {
            Tensor(uncheckedShape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.uniform(-s, s) })
        }
        let rnn: [String: Tensor<Double>] = ["kernel": t([i, h], a), "recurrent_kernel": t([h, h], a), "bias": t([h], a)]
        let lstm: [String: Tensor<Double>] = ["kernel": t([i + h, 4 * h], a), "bias": t([4 * h], a)]
        let gru: [String: Tensor<Double>] = ["kernel": t([i, 3 * h], a), "recurrent_kernel": t([h, 3 * h], a), "bias": t([2, 3 * h], a)]
        let linear: [String: Tensor<Double>] = ["kernel": t([i, h], 2 * a), "recurrent_kernel": t([h, h], 2 * a)]
        var fb0 = LSTMConfig(flavor: .tfLSTMCell, units: h)
        fb0.forgetBias = 0
        var fb1 = fb0
        fb1.forgetBias = 1
        return [
            Model(name: "tanh RNN", spec: .kerasSimpleRNN(units: h, activation: .tanh, useBias: true), parameters: rnn, hIndex: 0),
            Model(name: "LSTM, forget_bias 0", spec: .lstm(fb0), parameters: lstm, hIndex: 1),
            Model(name: "LSTM, forget_bias 1", spec: .lstm(fb1), parameters: lstm, hIndex: 1),
            Model(name: "GRU", spec: .gru(GRUConfig(flavor: .kerasResetAfter, units: h)), parameters: gru, hIndex: 0),
            Model(name: "linear RNN, ±2/√H", spec: .kerasMinimalRNN(units: h), parameters: linear, hIndex: 0),
        ]
    }

    /// The inputs: T steps of uniform(−1, 1), from numpy's RandomState(seed + 1).
    public static func inputs(steps: Int, input: Int, seed: Int) throws -> [[Double]] {
        var rng = try numpyRandomState(seed: seed + 1)
        return (0..<steps).map { _ in (0..<input).map { _ in rng.uniform(-1, 1) } }
    }

    /// ‖∂h_T/∂s_{T−d}‖_F for d = 0…T (d = 0: the identity on h, norm √H).
    public static func norms(_ m: Model, x: [[Double]]) throws -> [Double] {
        var out: [Double] = []
        try jacobians(m, x: x) { d in out.append(d.map { $0.data.map { $0 * $0 }.reduce(0, +) }.reduce(0, +).squareRoot()) }
        return out
    }

    /// Per unit j of h_{T−d}, the norm of ∂h_T/∂h_{T−d}[:, j] (the Jacobian's column j: how much
    /// the last state moves with that one unit), for d = 0…T: [d][j].
    public static func unitNorms(_ m: Model, x: [[Double]]) throws -> [[Double]] {
        var out: [[Double]] = []
        try jacobians(m, x: x) { d in
            let jac = d[m.hIndex], (rows, units) = (jac.shape[0], jac.shape[1])
            var column = [Double](repeating: 0, count: units)
            for r in 0..<rows { for j in 0..<units { column[j] += jac.data[r * units + j] * jac.data[r * units + j] } }
            out.append(column.map { $0.squareRoot() })
        }
        return out
    }

    /// ∂h_T/∂s_{T−d} for d = 0…T, handed to `visit` in that order: the batch rows of the state
    /// gradients are the H units of h_T (row k starts as the unit vector e_k).
    static func jacobians(_ m: Model, x: [[Double]], visit: ([Tensor<Double>]) -> Void) throws {
        let nI = x.first?.count ?? 0, nH = m.spec.units
        let cell = try RNNBLAS.Implementation.buildCell(m.spec, inputSize: nI, given: m.parameters)
        let rows = nH
        var state = m.spec.stateSizes.map { Tensor<Double>(zeros: [rows, $0]) }
        var steps: [CellStep<Double>] = [], xs: [Tensor<Double>] = [], before: [[Tensor<Double>]] = []
        for xt in x {
            let xb = Tensor<Double>(uncheckedShape: [rows, nI], data: (0..<rows).flatMap { _ in xt })
            let s = cell.step(xb, state: state)
            steps.append(s); xs.append(xb); before.append(state)
            state = s.state
        }
        var dState = m.spec.stateSizes.map { Tensor<Double>(zeros: [rows, $0]) }
        for k in 0..<nH { dState[m.hIndex][k, k] = 1 }
        var grads = Parameters<Double>(zerosLike: cell.parameters)
        let zeroOut = Tensor<Double>(zeros: [rows, cell.outputSize])
        visit(dState)
        for t in stride(from: x.count - 1, through: 0, by: -1) {
            dState = cell.stepBackward(steps[t], x: xs[t], state: before[t], dOutput: zeroOut, dState: dState, grads: &grads).dState
            visit(dState)
        }
    }

    /// For an LSTM, the geometric mean of its forget gate f over every step and unit of `x`
    /// (B = 1, from zero state); nil for other cells. The cell path multiplies by f each step.
    public static func geometricMeanForgetGate(_ m: Model, x: [[Double]]) throws -> Double? {
        guard case .lstm = m.spec else { return nil }
        let nI = x.first?.count ?? 0
        let cell = try RNNBLAS.Implementation.buildCell(m.spec, inputSize: nI, given: m.parameters)
        var s = m.spec.stateSizes.map { Tensor<Double>(zeros: [1, $0]) }
        var logSum = 0.0, n = 0
        for xt in x {
            let step = cell.step(Tensor(uncheckedShape: [1, nI], data: xt), state: s)
            for f in step.cache.lstm.f.data { logSum += Foundation.log(f); n += 1 }
            s = step.state
        }
        return Foundation.exp(logSum / Double(n))
    }

    /// The same norm at distance d by central differences of the forward pass (step
    /// 1e-6·max(1, |s|) on each coordinate of s_{T−d}, B = 1): an independent check of `norms`.
    /// The step is relative because the linear RNN's state grows to ~1e10 by T = 100, where an
    /// absolute 1e-6 is below one ulp.
    public static func finiteDifferenceNorm(_ m: Model, x: [[Double]], distance d: Int) throws -> Double {
        let nI = x.first?.count ?? 0
        let cell = try RNNBLAS.Implementation.buildCell(m.spec, inputSize: nI, given: m.parameters)
        func run(_ s0: [Tensor<Double>], from t0: Int, to t1: Int) -> [Tensor<Double>] {
            var s = s0
            for t in t0..<t1 { s = cell.step(Tensor(uncheckedShape: [1, nI], data: x[t]), state: s).state }
            return s
        }
        let start = run(m.spec.stateSizes.map { Tensor<Double>(zeros: [1, $0]) }, from: 0, to: x.count - d)
        var sum = 0.0
        for (k, width) in m.spec.stateSizes.enumerated() {
            for j in 0..<width {
                var plus = start, minus = start
                let step = 1e-6 * max(1, abs(start[k].data[j]))
                plus[k].data[j] += step; minus[k].data[j] -= step
                let hp = run(plus, from: x.count - d, to: x.count)[m.hIndex], hm = run(minus, from: x.count - d, to: x.count)[m.hIndex]
                for q in hp.data.indices { let g = (hp.data[q] - hm.data[q]) / (plus[k].data[j] - minus[k].data[j]); sum += g * g }
            }
        }
        return sum.squareRoot()
    }
}
