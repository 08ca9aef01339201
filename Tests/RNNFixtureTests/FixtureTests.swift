import Foundation
import RNNCore
import RNNCheck
import RNNFixtures
import RNNNumpy
import RNNTestSupport
import Testing

@Suite("Golden fixtures from numpy, TensorFlow and Keras")
struct FixtureTests {
    @Test func theFixturesAreThere() {
        #expect(fixtureNames.count >= 20)
        for prefix in ["numpy-004", "numpy-002", "tf-basicrnn", "keras-simplernn", "keras-minimalrnncell", "numpy-random"] {
            #expect(fixtureNames.contains { $0.hasPrefix(prefix) }, "no \(prefix) fixture")
        }
    }

    /// Every tensor of every fixture (outputs, final state, every gradient), in both
    /// implementations, within the fixture's tolerance.
    @Test(arguments: fixtureNames)
    func fixturePassesInBothImplementations(_ name: String) throws {
        let f = try loadFixture(name)
        let expected = try #require(try f.expected())
        for impl in implementations {
            let r = try FixtureRunner.run(f, impl: impl)
            let report = try FixtureRunner.compare(f, computed: r, implementation: impl.name)
            #expect(report.comparisons.count == expected.entries.count)
            for c in report.comparisons { #expect(c.passed, "\(name) [\(impl.name)] \(c.key): \(c.note ?? "")") }
        }
    }

    /// 003: "mathematically, RNN(LSTMCell(10)) produces the same result as LSTM(10)". Keras 3's
    /// own numbers for the pair (same weights, inputs, states and cotangents; the layer may run
    /// another kernel) agree to float32 rounding: outputs, final states and every gradient but
    /// the weights', whose paths differ and are compared by their last component.
    @Test func rnnOfLSTMCellIsLSTM() throws {
        let a = try #require(try loadFixture("keras-003-lstm10.json").expected())
        let b = try #require(try loadFixture("keras-003-rnn-lstmcell10.json").expected())
        #expect(a.entries.count == b.entries.count)
        func tail(_ key: String) -> String { key.split(separator: "/").suffix(1).joined() }
        for e in a.entries {
            let other = try #require(b.entries.first { $0.key == e.key || (e.key.hasPrefix("gradients/lstm") && tail($0.key) == tail(e.key) && $0.key.hasPrefix("gradients/rnn")) },
                                     "no \(e.key) in the RNN(LSTMCell) fixture")
            let scale = max(1, e.value.values.map(abs).max() ?? 0)
            #expect(maxAbsError(e.value.values, other.value.values) <= 1e-6 * scale, "\(e.key)")
        }
    }

    /// Fixtures of differentiable models carry the gradient of every weight, of x and of every
    /// initial state: none may be skipped.
    @Test(arguments: fixtureNames.filter { $0.hasPrefix("tf-") || $0.hasPrefix("keras-") || $0.hasPrefix("numpy-004") })
    func sequenceFixturesCheckEveryGradient(_ name: String) throws {
        let f = try loadFixture(name)
        let names = try FixtureRunner.differentiableNames(f)
        let keys = Set(try #require(try f.expected()).entries.map(\.key))
        // the training building blocks: every gradient they define is there
        if ["optimizer", "tf.clip_by_global_norm", "tf.nn.embedding_lookup"].contains(f.kind) { return }
        if ["tf.legacy_seq2seq.sequence_loss_by_example", "keras.Dense+MeanSquaredError"].contains(f.kind) {
            #expect(!names.isEmpty)
            for n in names { #expect(keys.contains("gradients/\(n)"), "\(name) lacks gradients/\(n)") }
            return
        }
        #expect(!names.isEmpty)
        // a fixture may leave out gradients only by naming them (001's 1.7M-parameter stack)
        let omitted = f.document["expected"]?["gradients_omitted"]?.stringValue ?? ""
        for n in names where !omitted.contains(n + " ") && !omitted.contains(n + ",") {
            #expect(keys.contains("gradients/\(n)"), "\(name) lacks gradients/\(n)")
        }
        #expect(omitted.isEmpty || name.hasSuffix("-full.json"))
        #expect(keys.contains("outputs") || keys.contains("outputs/0"))
        let stateless = f.model["return_state"]?.boolValue == false || f.model["stateful"]?.boolValue == true
            || f.kind == "keras.Sequential" || f.kind == "keras.EncoderDecoder"   // these return the last layer's output only
        #expect(keys.contains("final_state/0") || stateless)
    }

    /// The issue's bar: TensorFlow's float64 BasicRNNCell dynamic_rnn, every tensor to 1e-7
    /// relative (in the project's metric), both implementations.
    @Test(arguments: fixtureNames.filter { $0.hasPrefix("tf-basicrnn-f64") })
    func tensorflowFloat64To1e7(_ name: String) throws {
        let f = try loadFixture(name)
        for impl in implementations {
            let r = try FixtureRunner.run(f, impl: impl)
            for c in try FixtureRunner.compare(f, computed: r, implementation: impl.name).comparisons {
                #expect(c.relError <= 1e-7, "\(name) [\(impl.name)] \(c.key): \(c.relError)")
            }
        }
    }

    /// 004's printed numbers, as the document prints them.
    @Test func twoStepRNNReproducesTheDocumentsPrintedNumbers() throws {
        let f = try loadFixture("numpy-004-two-step-rnn.json")
        for impl in implementations {
            let r = try FixtureRunner.run(f, impl: impl)
            let before = try #require(r.entry("before_activation")).value.values
            let state = try #require(r.entry("states")).value.values
            let output = try #require(r.entry("outputs")).value.values
            let printed: [(got: [Double], doc: [Double])] = [
                (before, [0.6, 0.5, 1.2923401, 1.39225678]),
                (state, [0.53704957, 0.46211716, 0.85973818, 0.88366641]),
                (output, [1.56128388, 2.72707101]),
            ]
            for (got, doc) in printed {
                #expect(got.count == doc.count)
                for (a, b) in zip(got, doc) { #expect(abs(a - b) <= 5e-9, "\(a) vs printed \(b)") }
            }
        }
    }

    /// np.clip(dparam, -5, 5): entries beyond the clip are exactly ±5, and numpy clipped some.
    @Test func minCharClipsGradientsAtFive() throws {
        let f = try loadFixture("numpy-002-min-char-rnn-clipped.json")
        let p = try MinCharProblem(f)
        for impl in implementations {
            let params = try p.parameters(Double.self)
            let h = p.hprev.tensor(Double.self)
            let raw = impl.minCharRNNLoss(params, inputs: p.inputs, targets: p.targets, hprev: h, clipGradients: false)
            let clipped = impl.minCharRNNLoss(params, inputs: p.inputs, targets: p.targets, hprev: h, clipGradients: true)
            var beyond = 0
            for (r, c) in zip(raw.gradients.tensors, clipped.gradients.tensors) {
                for (a, b) in zip(r.data, c.data) {
                    if abs(a) > 5 { beyond += 1; #expect(b == (a > 0 ? 5 : -5)) } else { #expect(a == b) }
                }
            }
            #expect(beyond > 0)
            #expect(Double(beyond) == f.document["expected"]?["clipped_entries"]?.numberValue)
        }
    }

    /// The sample the numpy program drew (np.random.choice on the continuing stream).
    @Test func minCharSampleMatchesNumpy() throws {
        let f = try loadFixture("numpy-002-min-char-rnn-lossfun.json")
        for impl in implementations {
            let r = try FixtureRunner.run(f, impl: impl)
            let got = try #require(r.entry("sample_ix")).value.ints
            let want = try #require(try f.expected()?.entry("sample_ix")).value.ints
            #expect(got.count == 200)
            #expect(got == want)
        }
    }

    /// A changed expected number must fail the check (the comparison can fail).
    @Test func aChangedExpectedValueFails() throws {
        var f = try loadFixture("tf-basicrnn-f64-lengths.json")
        guard case var .object(exp) = f.document["expected"]!, case var .object(out) = exp["outputs"]!,
              case var .array(data) = out["data"]! else { Issue.record("unexpected fixture layout"); return }
        data[3] = .number(data[3].numberValue! + 1e-6)
        out["data"] = .array(data)
        exp["outputs"] = .object(out)
        f.document["expected"] = .object(exp)
        let r = try FixtureRunner.run(f, impl: implementations[0])
        let report = try FixtureRunner.compare(f, computed: r, implementation: "scalar")
        #expect(!report.passed)
        #expect(report.comparisons.first { !$0.passed }?.key == "outputs")
    }

    /// In float32 too: the largest output moved by one part in a thousand fails the check
    /// (float32's documented bound is 1e-5 + 1e-4·|e|).
    @Test func aFloat32OutputOffByOnePerMilleFails() throws {
        var f = try loadFixture("tf-basicrnn-f32-lengths.json")
        guard case var .object(exp) = f.document["expected"]!, case var .object(out) = exp["outputs"]!,
              case var .array(data) = out["data"]! else { Issue.record("unexpected fixture layout"); return }
        let values = data.map { $0.numberValue ?? 0 }
        let k = try #require(values.indices.max { abs(values[$0]) < abs(values[$1]) })
        data[k] = .number(values[k] * 1.001 + 2e-5)
        out["data"] = .array(data)
        exp["outputs"] = .object(out)
        f.document["expected"] = .object(exp)
        let report = try FixtureRunner.compare(f, computed: try FixtureRunner.run(f, impl: implementations[1]), implementation: "blas")
        #expect(!report.passed)
        #expect(report.comparisons.first { !$0.passed }?.key == "outputs")
    }

    /// An expected tensor the model does not compute is a failure, not a pass.
    @Test func anExpectedTensorTheModelDoesNotComputeFails() throws {
        var f = try loadFixture("tf-basicrnn-f64-lengths.json")
        guard case var .object(exp) = f.document["expected"]!, case var .object(grads) = exp["gradients"]! else {
            Issue.record("unexpected fixture layout"); return
        }
        grads["rnn/no_such_variable"] = .object(["shape": .array([.number(1)]), "data": .array([.number(0)])])
        exp["gradients"] = .object(grads)
        f.document["expected"] = .object(exp)
        let report = try FixtureRunner.compare(f, computed: try FixtureRunner.run(f, impl: implementations[1]), implementation: "blas")
        #expect(!report.passed)
        let row = try #require(report.comparisons.first { $0.key == "gradients/rnn/no_such_variable" })
        #expect(!row.passed && row.note == "not computed for this model")
    }
}

/// The repository keeps the fixture contract and the list of source documents itself.
@Suite("In-repository sources")
struct InRepositorySourcesTests {
    /// `Fixtures/FORMAT.md` is the contract: when the steering copy is beside the clone (as in CI),
    /// the two say the same; either way the copy defines the format's name.
    @Test func fixtureFormatIsTheContract() throws {
        let text = try String(contentsOf: fixturesDir.appendingPathComponent("FORMAT.md"), encoding: .utf8)
        #expect(text.contains("rnnref-fixture/1"))
        let steering = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/fixture-format.md")
        if let contract = try? String(contentsOf: steering, encoding: .utf8) {
            let body = text.components(separatedBy: "\n").dropFirst(2).joined(separator: "\n")
            #expect(body == contract, "Fixtures/FORMAT.md differs from the contract beside the clone")
        }
    }

    /// Sources and fixtures name the documents by title (`Fixtures/SOURCES.md`), never by a file
    /// outside the repository. (`Fixtures/FORMAT.md` is the contract verbatim, file names and all.)
    @Test func noReferenceLeavesTheRepository() throws {
        let pattern = try Regex("[0-9]{3}_[0-9a-f]{16}\\.txt|\\.\\./shared/")
        for dir in ["Sources", "Fixtures", "Notebooks-md"] {
            let base = packageRoot.appendingPathComponent(dir)
            let files = FileManager.default.enumerator(atPath: base.path)?.compactMap { $0 as? String } ?? []
            for f in files where f != "FORMAT.md" && (f.hasSuffix(".swift") || f.hasSuffix(".md") || f.hasSuffix(".py") || f.hasSuffix(".json")) {
                guard let text = try? String(contentsOf: base.appendingPathComponent(f), encoding: .utf8) else { continue }
                #expect(text.firstMatch(of: pattern) == nil, "\(dir)/\(f) refers to a file outside the repository")
            }
        }
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.firstMatch(of: pattern) == nil)
    }
}
