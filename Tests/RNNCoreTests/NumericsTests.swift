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

    /// Every activation's derivative against a central difference of its own `apply`, at points
    /// away from every kink (0, ±0.5, ±1, ±3, 6): from the output where the output suffices, from
    /// the input otherwise.
    @Test func derivativesMatchFiniteDifferences() {
        for act in Activation.allCases {
            for z in [-3.4, -1.3, -0.7, -0.2, 0.4, 0.8, 2.1, 4.2, 6.5] {
                let h = 1e-6
                let fd = (act.apply(z + h) - act.apply(z - h)) / (2 * h)
                let y = act.apply(z)
                #expect(abs(act.derivative(z: z, y: y) - fd) < 1e-8 * max(1, abs(fd)), "\(act) at \(z)")
                if !act.derivativeNeedsInput { #expect(act.derivative(fromOutput: y) == act.derivative(z: z, y: y)) }
            }
        }
        // sigmoid' from an overflowing-safe output: y(1 − y) is 0, not NaN, at ±1e4
        #expect(Activation.sigmoid.derivative(fromOutput: sigmoid(1e4)) == 0)
        #expect(Activation.tanh.derivative(fromOutput: stableTanh(-1e4)) == 0)
        // silu, gelu and mish are not monotonic: one output, two slopes, so the input is needed
        for act in [Activation.silu, .gelu, .mish] {
            #expect(act.derivativeNeedsInput)
            let (a, b) = (-2.0, -0.9)
            #expect(abs(act.apply(a) - act.apply(b)) < 0.25 && act.derivative(z: a, y: act.apply(a)) < 0 && act.derivative(z: b, y: act.apply(b)) > -0.2)
        }
    }

    /// Values from Keras 3.15.1 on TensorFlow 2.21 (`keras.activations.<name>(x)` in float64 at
    /// x = −1.2 and 0.7, printed with repr), including TF's float32 constants in float64: gelu's
    /// 1/√2 and 0.044715, leaky_relu's slope.
    @Test(arguments: [
        ("hard_sigmoid", -1.2, 0.3), ("hard_sigmoid", 0.7, 0.6166666666666667),
        ("leaky_relu", -1.2, -0.24000000357627868), ("gelu", -1.2, -0.13808360905167788), ("gelu", 0.7, 0.5306254408252895),
        ("gelu_approximate", -1.2, -0.13829723138380892), ("selu", -1.2, -1.2285699954174891), ("mish", -1.2, -0.3088357963148626),
        ("squareplus", 0.7, 1.4094810050208544), ("sparse_plus", 0.7, 0.7224999999999999), ("log_sigmoid", -1.2, -1.4632824673380311),
    ])
    func kerasValues(_ name: String, _ x: Double, _ keras: Double) throws {
        let a = try Activation(name: name)
        #expect(abs(a.apply(x) - keras) <= 1e-15, "\(name)(\(x)) = \(a.apply(x)), Keras \(keras)")
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
        #expect(try Activation(name: "swish") == .silu)
        #expect(try Activation(name: "hard_swish") == .hardSilu)
        #expect(try Activation(name: "gelu") == .gelu)
        for name in ["softmax", "log_softmax", "glu", "sparsemax", "threshold", "swoosh"] {
            #expect(throws: RNNError.self) { try Activation(name: name) }
        }
    }

    /// ONNX's parameterised activations: derivatives against central differences away from
    /// their kinks, and the kinks on the side onnxruntime's comparison passes.
    @Test func onnxActivations() {
        let fs: [ONNXActivation] = [.init(.affine, alpha: 0.7, beta: -0.3), .init(.leakyRelu, alpha: 0.05),
                                    .init(.thresholdedRelu, alpha: 0.6), .init(.scaledTanh, alpha: 1.5, beta: 0.8),
                                    .init(.hardSigmoid, alpha: 0.2, beta: 0.5), .init(.elu, alpha: 0.9)]
        for f in fs {
            let act = Activation.onnx(f)
            #expect(act.derivativeNeedsInput && !Activation.allCases.contains(act))
            for z in [-3.4, -1.3, -0.7, -0.2, 0.4, 0.8, 2.1] {
                let h = 1e-6
                let fd = (act.apply(z + h) - act.apply(z - h)) / (2 * h)
                #expect(abs(act.derivative(z: z, y: act.apply(z)) - fd) < 1e-8 * max(1, abs(fd)), "\(f) at \(z)")
            }
        }
        // onnxruntime: LeakyRelu and Elu take x >= 0 as the positive side; ThresholdedRelu passes x > alpha
        #expect(Activation.onnx(.init(.leakyRelu, alpha: 0.05)).derivative(z: 0.0, y: 0) == 1)
        #expect(Activation.onnx(.init(.elu, alpha: 0.9)).derivative(z: 0.0, y: 0) == 1)
        let tr = Activation.onnx(.init(.thresholdedRelu, alpha: 0.5))
        #expect(tr.apply(0.5) == 0.0 && tr.derivative(z: 0.5, y: 0) == 0 && tr.apply(0.50001) == 0.50001)
        // alpha and beta are float32 attributes
        #expect(ONNXActivation(.affine, alpha: 0.1, beta: 0.3).alpha == Double(Float(0.1)))
    }

    /// onnxruntime's reading of `activations` / `activation_alpha` / `activation_beta`
    /// (rnn_helpers.cc): the lists are consumed in order, only by functions that take the
    /// parameter; without a list each function gets ORT's default (LeakyRelu 0.01, HardSigmoid
    /// 0.2/0.5, Elu 1.0, else 0); values left over are ignored. A list that runs out early is
    /// refused (ORT would fill in defaults; the specification does not say).
    @Test func onnxActivationLists() throws {
        let a = try ONNXActivations.parse(["sigmoid", "LeakyRelu", "Tanh", "HardSigmoid", "affine", "Elu"], alpha: [], beta: [])
        #expect(a == [.sigmoid, .onnx(.init(.leakyRelu, alpha: 0.01)), .tanh, .onnx(.init(.hardSigmoid, alpha: 0.2, beta: 0.5)),
                      .onnx(.init(.affine, alpha: 0, beta: 0)), .onnx(.init(.elu, alpha: 1))])
        let b = try ONNXActivations.parse(["ScaledTanh", "Relu", "Affine"], alpha: [2, 3, 9], beta: [0.5, 0.25])
        #expect(b == [.onnx(.init(.scaledTanh, alpha: 2, beta: 0.5)), .relu, .onnx(.init(.affine, alpha: 3, beta: 0.25))])
        let c = try ONNXActivations.parse(["HardSigmoid", "Tanh", "Tanh"], alpha: [0.3], beta: [])
        #expect(c == [.onnx(.init(.hardSigmoid, alpha: 0.3, beta: 0.5)), .tanh, .tanh])
        #expect(try ONNXActivations.parse(["Softsign", "Softplus"], alpha: [], beta: []) == [.softsign, .softplus])
        for (alpha, beta, key) in [([0.3], [Double](), "activation_alpha"), ([0.3, 0.4, 0.5], [0.5], "activation_beta")] {
            #expect { try ONNXActivations.parse(["ScaledTanh", "LeakyRelu", "Affine"], alpha: alpha, beta: beta) } throws: {
                ($0 as? RNNError)?.location == key
            }
        }
        #expect(throws: RNNError.self) { try ONNXActivations.parse(["Swish"], alpha: [], beta: []) }
    }
}
