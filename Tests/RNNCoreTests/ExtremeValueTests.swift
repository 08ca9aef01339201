import Foundation
import RNNBLAS
import RNNCore
import RNNScalar
import RNNCheck
import RNNFixtures
import RNNNumpy
import RNNTestSupport
import Testing

/// Inputs and weights at ±1e4, subnormals and zeros give finite results (forward, backward,
/// every gradient) where the math is finite; NaN or infinity in any input is reported with the
/// tensor and index, unless the caller lets it through (`NonFinite.allowed`), and then it
/// propagates exactly where IEEE 754 says: through its own batch row only.
@Suite("Extreme values")
struct ExtremeValueTests {
    /// Every cell the library has, with its options switched on.
    static var specs: [CellSpec] {
        var peep = LSTMConfig(flavor: .tfLSTMCell, units: 4)
        peep.usePeepholes = true; peep.cellClip = 3; peep.projection = 3; peep.projClip = 2; peep.forgetBias = 1
        return [.tfBasicRNN(numUnits: 4, activation: .tanh), .kerasSimpleRNN(units: 4, activation: .relu, useBias: true),
                .kerasMinimalRNN(units: 4), .lstm(peep), .lstm(LSTMConfig(flavor: .tfBasicLSTMCell, units: 4)),
                .lstm(LSTMConfig(flavor: .keras, units: 4)), .lstm(LSTMConfig(flavor: .torch, units: 4)),
                .gru(GRUConfig(flavor: .tf, units: 4)), .gru(GRUConfig(flavor: .kerasResetAfter, units: 4)),
                .gru(GRUConfig(flavor: .kerasResetBefore, units: 4)), .gru(GRUConfig(flavor: .torch, units: 4))]
    }

    static let implementations: [any RNNImplementation.Type] = [RNNScalar.Implementation.self, RNNBLAS.Implementation.self]
    static let (nT, nB, nI) = (3, 2, 3)

    /// Every weight, input and state entry is ±magnitude (signs from numpy's RandomState(seed)).
    static func run<T: RNNFloat>(_ spec: CellSpec, _ impl: any RNNImplementation.Type, _: T.Type, magnitude: Double, seed: Int = 1)
        throws -> (DynamicRNN<T>.Forward, DynamicRNN<T>.Gradients) {
        var rng = try numpyRandomState(seed: seed)
        func fill(_ shape: [Int]) -> Tensor<T> {
            Tensor(uncheckedShape: shape, data: (0..<shape.reduce(1, *)).map { _ in T(rng.uniform(-1, 1) < 0 ? -magnitude : magnitude) })
        }
        let shapes = Parameters<T>(zerosFor: spec, inputSize: nI)
        var given: [String: Tensor<T>] = [:]
        for (n, t) in zip(shapes.names, shapes.tensors) { given[n] = fill(t.shape) }
        let cell = try impl.buildCell(spec, inputSize: nI, given: given)
        let net = try DynamicRNN(cells: [cell], timeMajor: true)
        let fwd = try net.forward(fill([nT, nB, nI]), initialState: spec.stateSizes.map { fill([nB, $0]) })
        let g = try net.backward(fwd, dOutputs: Tensor(shape: fwd.outputs.shape, repeating: 1),
                                 dFinalState: fwd.finalState.map { Tensor(shape: $0.shape, repeating: 1) })
        return (fwd, g)
    }

    static func allFinite<T: RNNFloat>(_ f: DynamicRNN<T>.Forward, _ g: DynamicRNN<T>.Gradients) -> String? {
        var tensors: [(String, Tensor<T>)] = [("outputs", f.outputs), ("dx", g.dx)]
        tensors += f.finalState.enumerated().map { ("final_state[\($0)]", $1) }
        tensors += g.dInitialState.enumerated().map { ("d initial_state[\($0)]", $1) }
        for p in g.dParameters { tensors += zip(p.names, p.tensors).map { ("d \($0)", $1) } }
        for (name, t) in tensors where t.data.contains(where: { !$0.isFinite }) { return name }
        return nil
    }

    /// ±1e4 in float64 and float32 (T = 3 keeps the linear and ReLU cells' growth, about
    /// (4·1e4)^T·1e4, inside float32's range: there the math is finite). numpy's min-char-rnn
    /// is not here on purpose: it reproduces the document's softmax `exp(y)/Σexp(y)` without a
    /// max shift, which overflows at such logits exactly as numpy's does.
    @Test(arguments: [1e4, 1e-310, 0])
    func finiteResultsInFloat64(_ magnitude: Double) throws {
        for spec in Self.specs {
            for impl in Self.implementations {
                let (f, g) = try Self.run(spec, impl, Double.self, magnitude: magnitude)
                #expect(Self.allFinite(f, g) == nil, "\(spec) \(impl.name) ±\(magnitude): \(Self.allFinite(f, g) ?? "")")
            }
        }
    }

    @Test(arguments: [1e4, 1e-40, 0])
    func finiteResultsInFloat32(_ magnitude: Double) throws {
        if magnitude != 0 && magnitude < 1 { #expect(Float(magnitude).isSubnormal) }
        for spec in Self.specs {
            for impl in Self.implementations {
                let (f, g) = try Self.run(spec, impl, Float.self, magnitude: magnitude)
                #expect(Self.allFinite(f, g) == nil, "\(spec) \(impl.name) ±\(magnitude): \(Self.allFinite(f, g) ?? "")")
            }
        }
    }

    /// Zero gradients through the update rules and the global-norm clip: no 0/0 anywhere.
    @Test func zeroGradientsStayFinite() throws {
        var zeros = [Tensor<Double>(zeros: [3, 2]), Tensor<Double>(zeros: [4])]
        #expect(clipByGlobalNorm(&zeros, clipNorm: 5) == 0)
        #expect(zeros.allSatisfy { $0.data.allSatisfy { $0 == 0 } })
        for rule in [UpdateRule.gradientDescent(learningRate: 1), .minCharAdagrad(learningRate: 0.1), .tfAdagrad(learningRate: 0.1),
                     .tfAdam(), .kerasAdam()] {
            var params = [Tensor<Double>(shape: [3, 2], repeating: 0.5)]
            var opt = Optimizer<Double>(rule)
            for _ in 0..<3 { try opt.apply([Tensor(zeros: [3, 2])], to: &params) }
            #expect(params[0].data.allSatisfy { $0 == 0.5 }, "\(rule)")
        }
    }

    /// By default a NaN or an infinity is refused, naming the tensor and the index.
    @Test func nonFiniteInputsAreReported() throws {
        let spec = CellSpec.gru(GRUConfig(flavor: .torch, units: 4))
        for impl in Self.implementations {
            let p = Parameters<Double>(zerosFor: spec, inputSize: Self.nI)
            var given = Dictionary(uniqueKeysWithValues: zip(p.names, p.tensors))
            let net = try DynamicRNN(cells: [try impl.buildCell(spec, inputSize: Self.nI, given: given)], timeMajor: true)
            var x = Tensor<Double>(zeros: [Self.nT, Self.nB, Self.nI])
            x[2, 1, 0] = .nan
            #expect(throws: RNNError(.invalid, "x", "non-finite value nan at index [2, 1, 0]")) { try net.forward(x) }
            var h0 = Tensor<Double>(zeros: [Self.nB, 4])
            h0[1, 3] = -.infinity
            #expect(throws: RNNError(.invalid, "initial_state[0]", "non-finite value -inf at index [1, 3]")) {
                try net.forward(Tensor(zeros: [Self.nT, Self.nB, Self.nI]), initialState: [h0])
            }
            given["weight_hh"]!.data[5] = .infinity
            #expect(throws: RNNError(.invalid, "torch.nn.GRU.weight_hh", "non-finite value inf at index [1, 1]")) {
                try impl.buildCell(spec, inputSize: Self.nI, given: given)
            }
        }
    }

    /// Let through, a NaN at x[0, row 0] makes every later output of row 0 NaN and leaves row 1
    /// bit for bit as it is without the NaN, in both implementations and for every cell.
    @Test func nanLetThroughStaysInItsRow() throws {
        for spec in Self.specs {
            for impl in Self.implementations {
                var rng = try numpyRandomState(seed: 3)
                let p = Parameters<Double>(zerosFor: spec, inputSize: Self.nI)
                var given: [String: Tensor<Double>] = [:]
                for (n, t) in zip(p.names, p.tensors) { given[n] = Tensor(uncheckedShape: t.shape, data: t.data.map { _ in rng.uniform(-0.5, 0.5) }) }
                let net = try DynamicRNN(cells: [try impl.buildCell(spec, inputSize: Self.nI, given: given)], timeMajor: true)
                let clean = Tensor<Double>(uncheckedShape: [Self.nT, Self.nB, Self.nI], data: (0..<(Self.nT * Self.nB * Self.nI)).map { _ in rng.uniform(-1, 1) })
                var dirty = clean
                dirty[0, 0, 0] = .nan
                #expect(throws: RNNError.self) { try net.forward(dirty) }
                let (a, b) = try NonFinite.$allowed.withValue(true) { (try net.forward(clean), try net.forward(dirty)) }
                let o = a.outputs.shape[2]
                for t in 0..<Self.nT {
                    for j in 0..<o {
                        #expect(b.outputs[t, 0, j].isNaN, "\(spec) \(impl.name): outputs[\(t), 0, \(j)] = \(b.outputs[t, 0, j])")
                        #expect(b.outputs[t, 1, j] == a.outputs[t, 1, j], "\(spec) \(impl.name): row 1 changed")
                    }
                }
            }
        }
    }

    /// `rnnref run --allow-nonfinite` computes a fixture holding a NaN; without the flag it is
    /// one line on stderr naming the tensor and index. `check --allow-nonfinite` then matches
    /// NaN with NaN.
    @Test func commandLineLetsNaNThroughOnlyWhenAsked() throws {
        let src = try String(contentsOf: fixturesDir.appendingPathComponent("tf-basicrnn-f64-lengths.json"), encoding: .utf8)
        var doc = try JSONValue.parse(Data(src.utf8)).objectValue!
        var tensors = doc["tensors"]!.objectValue!
        var x = try TensorData(json: tensors["x"]!, what: "x")
        x.values[0] = .nan
        tensors["x"] = x.json
        doc["tensors"] = .object(tensors)
        doc["expected"] = nil
        let dir = FileManager.default.temporaryDirectory
        let input = dir.appendingPathComponent("rnnref-nan-\(getpid()).json"), out = dir.appendingPathComponent("rnnref-nan-out-\(getpid()).json")
        defer { try? FileManager.default.removeItem(at: input); try? FileManager.default.removeItem(at: out) }
        try Data(JSONValue.object(doc).serialized().utf8).write(to: input)
        let refused = try runCLI(["run", input.path, "--out", out.path])
        #expect(refused.status == 2)
        #expect(refused.err.contains("tensors.x: non-finite value at index [0, 0, 0]"), "\(refused.err)")
        let ran = try runCLI(["run", input.path, "--out", out.path, "--allow-nonfinite"])
        #expect(ran.status == 0, "\(ran.err)")
        let result = try Fixture.load(path: out.path)
        let outputs = try #require(try result.expected()?.entry("outputs")).value.values
        #expect(outputs.contains { $0.isNaN } && outputs.contains { !$0.isNaN })
        #expect(try runCLI(["check", out.path, "--allow-nonfinite"]).status == 0)
        #expect(try runCLI(["check", out.path]).status != 0)
    }
}
