import RNNCore
import RNNNumpy
import RNNFixtures
import RNNScalar

/// How far the two GRU variants part on the same weights: Keras `reset_after=True` (PyTorch's
/// form) against `reset_after=False` (TF v1's form), same kernel, recurrent kernel and input
/// bias (no recurrent bias), same inputs and initial state. The only difference is
/// `r⊙(h·U_c)` against `(r⊙h)·U_c`.
public enum GRUVariantDrift {
    public struct Step: Sendable {
        public var t: Int
        /// max |h_after − h_before| over batch and units.
        public var maxAbs: Double
        /// mean |h_after − h_before|.
        public var meanAbs: Double
        /// max |h| of the reset-after run, for scale.
        public var maxAbsH: Double
    }

    /// Random weights uniform(±scale) from numpy's RandomState(seed); `zeroCandidateRecurrence`
    /// sets U_c = 0, where the two variants coincide.
    public static func measure(units: Int, input: Int, batch: Int, steps: Int, seed: Int, scale: Double = 0.6,
                               zeroCandidateRecurrence: Bool = false) throws -> [Step] {
        for (n, v) in [("units", units), ("input", input), ("batch", batch), ("steps", steps)] where v < 1 {
            throw RNNError(.invalid, n, "must be at least 1, got \(v)")
        }
        var rng = try numpyRandomState(seed: seed)
        func t(_ shape: [Int], _ s: Double) -> Tensor<Double> {
            Tensor(uncheckedShape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.uniform(-s, s) })
        }
        let h = units
        let kernel = t([input, 3 * h], scale)
        var recurrent = t([h, 3 * h], scale)
        if zeroCandidateRecurrence { for r in 0..<h { for j in (2 * h)..<(3 * h) { recurrent[r, j] = 0 } } }
        let bias = t([3 * h], scale)
        let x = t([batch, steps, input], 1)
        let h0 = t([batch, h], 1)
        func run(_ after: Bool) throws -> Tensor<Double> {
            let cfg = GRUConfig(flavor: after ? .kerasResetAfter : .kerasResetBefore, units: h)
            let b = after ? Tensor(uncheckedShape: [2, 3 * h], data: bias.data + [Double](repeating: 0, count: 3 * h)) : bias
            let cell = try RNNScalar.Implementation.buildCell(.gru(cfg), inputSize: input,
                                                              given: ["kernel": kernel, "recurrent_kernel": recurrent, "bias": b])
            return try DynamicRNN(cells: [cell], timeMajor: false).forward(x, initialState: [h0]).outputs
        }
        let a = try run(true), b = try run(false)
        return (0..<steps).map { s in
            var mx = 0.0, sum = 0.0, mh = 0.0
            for r in 0..<batch {
                for j in 0..<h {
                    let d = abs(a[r, s, j] - b[r, s, j])
                    mx = max(mx, d); sum += d; mh = max(mh, abs(a[r, s, j]))
                }
            }
            return Step(t: s, maxAbs: mx, meanAbs: sum / Double(batch * h), maxAbsH: mh)
        }
    }
}
