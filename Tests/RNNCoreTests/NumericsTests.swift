import RNNCore
import RNNTestSupport
import Testing

@Suite("Tensor and activations")
struct NumericsTests {
    @Test func tensorShapeErrorsThrow() throws {
        #expect(throws: RNNError.self) { try Tensor<Double>(shape: [2, 3], data: [1, 2, 3]) }
        #expect(throws: RNNError.self) { try Tensor<Float>(shape: [-1], data: []) }
        let t = try Tensor<Double>(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        #expect(t[1, 2] == 6)
        #expect(throws: RNNError.self) { try t.expectShape([3, 2], "w") }
        do {
            try t.expectShape([3, 2], "kernel")
            Issue.record("expected a throw")
        } catch let e as RNNError {
            #expect(e.description == "kernel: expected shape [3, 2], got [2, 3]")
        }
        #expect(throws: RNNError.self) { try t.reshaped([4]) }
        #expect(try t.reshaped([3, 2])[2, 1] == 6)
    }

    @Test func swapLeadingAxesRoundTrips() throws {
        let t = try Tensor<Double>(shape: [2, 3, 2], data: (0..<12).map(Double.init))
        let s = t.swappingLeadingAxes()
        #expect(s.shape == [3, 2, 2])
        #expect(s[2, 1, 0] == t[1, 2, 0])
        #expect(s.swappingLeadingAxes() == t)
    }

    @Test(arguments: [-1e4, -800.0, -30, -1e-9, 0, 1e-9, 30, 800, 1e4])
    func sigmoidAndTanhAreStableInDouble(_ z: Double) {
        let s = sigmoid(z), t = stableTanh(z)
        #expect(s.isFinite && s >= 0 && s <= 1)
        #expect(t.isFinite && t >= -1 && t <= 1)
        // reference values: sigmoid(z) = (1 + tanh(z/2)) / 2
        #expect(abs(s - (1 + Double.tanh(z / 2)) / 2) <= 1e-15)
        if z >= 1e4 { #expect(s == 1 && t == 1) }
        if z <= -1e4 { #expect(s == 0 && t == -1) }
    }

    @Test(arguments: [Float(-1e4), -100, -20, 0, 20, 100, 1e4])
    func sigmoidAndTanhAreStableInFloat(_ z: Float) {
        let s = sigmoid(z), t = stableTanh(z)
        #expect(s.isFinite && s >= 0 && s <= 1)
        #expect(t.isFinite && t >= -1 && t <= 1)
        #expect(abs(s - (1 + Float.tanh(z / 2)) / 2) <= 1e-6)
    }

    @Test func derivativesFromOutputsMatchFiniteDifferences() {
        for act in Activation.allCases {
            for z in [-1.3, -0.2, 0.4, 2.1] {
                let h = 1e-6
                let fd = (act.apply(z + h) - act.apply(z - h)) / (2 * h)
                #expect(abs(act.derivative(fromOutput: act.apply(z)) - fd) < 1e-8, "\(act) at \(z)")
            }
        }
        // sigmoid' from an overflowing-safe output: y(1 − y) is 0, not NaN, at ±1e4
        #expect(Activation.sigmoid.derivative(fromOutput: sigmoid(1e4)) == 0)
        #expect(Activation.tanh.derivative(fromOutput: stableTanh(-1e4)) == 0)
    }

    @Test func clipAndItsSubgradient() {
        #expect(clip(2.5, -1.0, 1.0) == 1)
        #expect(clip(-2.5, -1.0, 1.0) == -1)
        #expect(clip(0.3, -1.0, 1.0) == 0.3)
        // TF's _ClipByValueGrad: zero strictly outside the bounds, one inside and on them
        #expect(clipGradient(1.5, -1.0, 1.0) == 0)
        #expect(clipGradient(-1.5, -1.0, 1.0) == 0)
        #expect(clipGradient(0.5, -1.0, 1.0) == 1)
        #expect(clipGradient(1.0, -1.0, 1.0) == 1)
    }

    @Test func activationNames() throws {
        #expect(try Activation(name: "tanh") == .tanh)
        #expect(try Activation(name: "None") == .linear)
        #expect(throws: RNNError.self) { try Activation(name: "gelu") }
    }
}
