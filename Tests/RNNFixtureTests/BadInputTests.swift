import Foundation
import RNNBLAS
import RNNCore
import RNNScalar
import RNNTrain
import RNNCheck
import RNNFixtures
import RNNNumpy
import RNNONNX
import RNNTestSupport
import Testing

/// Bad input gets one line naming the file, the key and the reason; the library throws and
/// never traps.
@Suite("Bad input")
struct BadInputTests {
    /// A valid fixture's document, to break in one place.
    func document() throws -> [String: JSONValue] {
        try loadFixture("tf-basicrnn-f64-stacked.json").document
    }

    func error(_ doc: [String: JSONValue], impl: any RNNImplementation.Type = RNNScalar.Implementation.self) -> RNNError? {
        do {
            let f = try Fixture(source: "broken.json", json: .object(doc))
            _ = try FixtureRunner.run(f, impl: impl)
            return nil
        } catch let e as RNNError {
            return e
        } catch {
            return nil
        }
    }

    func modify(_ doc: inout [String: JSONValue], _ path: [String], _ value: JSONValue?) {
        func go(_ v: JSONValue, _ rest: ArraySlice<String>) -> JSONValue? {
            guard let k = rest.first else { return value }
            if case var .object(o) = v {
                o[k] = go(o[k] ?? .null, rest.dropFirst())
                return .object(o)
            }
            if case var .array(a) = v, let i = Int(k) {
                if let n = go(a[i], rest.dropFirst()) { a[i] = n }
                return .array(a)
            }
            return v
        }
        doc = go(.object(doc), path[...])!.objectValue!
    }

    /// `base` with `path` set to `value` (removed when nil) is refused with exactly `expected`
    /// (nil: accepted); returns the broken document.
    @discardableResult
    func expectError(_ base: [String: JSONValue], _ path: [String], _ value: JSONValue?, _ expected: String?,
                     sourceLocation: SourceLocation = #_sourceLocation) -> [String: JSONValue] {
        var d = base
        modify(&d, path, value)
        #expect(error(d)?.description == expected, sourceLocation: sourceLocation)
        return d
    }

    @Test func malformedJSONNamesTheFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rnnref-malformed.json")
        try Data("{\"format\": \"rnnref-fixture/1\", ".utf8).write(to: url)
        do {
            _ = try Fixture.load(path: url.path)
            Issue.record("no error")
        } catch let e as RNNError {
            #expect(e.kind == .malformed)
            #expect(e.description.hasPrefix(url.path + ": not valid JSON"))
            #expect(!e.description.contains("\n"))
        }
    }

    @Test func unreadableFile() {
        #expect(throws: RNNError.self) { try Fixture.load(path: "/nonexistent/fixture.json") }
    }

    @Test func wrongFormatAndDtype() throws {
        var d = try document()
        d["format"] = .string("rnnref-fixture/9")
        #expect(error(d)?.description == "broken.json: format: unknown format \"rnnref-fixture/9\" (expected \"rnnref-fixture/1\")" || error(d)?.location == "format")
        d = try document()
        d["dtype"] = .string("float16")
        #expect(error(d)?.location == "dtype")
    }

    @Test func unknownKinds() throws {
        var d = try document()
        modify(&d, ["model", "kind"], .string("tf.nn.static_rnn"))
        #expect(error(d)?.location == "broken.json: model.kind")
        #expect(error(d)?.reason.contains("unknown model kind") == true)
        d = try document()
        modify(&d, ["model", "cells", "1", "kind"], .string("tf.FancyCell"))
        #expect(error(d)?.location == "broken.json: model.cells[1].kind")
        d = try document()
        modify(&d, ["model", "cells", "0", "use_peepholes"], .bool(true))
        #expect(error(d)?.location == "broken.json: model.cells[0].use_peepholes")
        d = try document()
        modify(&d, ["model", "cells", "0", "activation"], .string("swoosh"))
        #expect(error(d)?.reason.contains("unknown activation") == true)
    }

    @Test func missingTensors() throws {
        var d = try document()
        modify(&d, ["model", "cells", "0", "weights", "kernel"], .string("no/such/kernel"))
        let e = try #require(error(d))
        #expect(e.kind == .missing)
        #expect(e.description == "broken.json: model.cells[0].weights.kernel: tensor \"no/such/kernel\" is not in tensors")
        d = try document()
        modify(&d, ["model", "cells", "0", "weights", "bias"], nil)
        #expect(error(d)?.location == "broken.json: model.cells[0].weights.bias")
        d = try document()
        modify(&d, ["model", "x"], nil)
        #expect(error(d)?.location == "broken.json: model.x")
    }

    @Test func wrongShapes() throws {
        var d = try document()
        let k = "rnn/multi_rnn_cell/cell_1/basic_rnn_cell/kernel"
        modify(&d, ["tensors", k], TensorData(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]).json)
        let e = try #require(error(d, impl: RNNBLAS.Implementation.self))
        #expect(e.kind == .shape)
        #expect(e.description.contains("model.cells[1]"))
        #expect(e.description.contains("expected shape [7, 3], got [2, 3]"))
        d = try document()
        modify(&d, ["tensors", "initial_state/1"], TensorData(shape: [3, 2], values: [1, 2, 3, 4, 5, 6]).json)
        #expect(error(d)?.description.contains("initial_state[1]: expected shape [3, 3], got [3, 2]") == true)
        d = try document()
        modify(&d, ["tensors", "x", "shape"], .array([.number(5), .number(6)]))
        #expect(error(d)?.kind == .shape)
        d = try document()
        modify(&d, ["tensors", "upstream/outputs"], TensorData(shape: [1], values: [1]).json)
        #expect(error(d)?.description.contains("upstream") == true)
    }

    /// PyTorch modules: packed lengths that PyTorch refuses (0, longer than T, one per row), a
    /// `_reverse` weight missing or one too many, dropout between layers, a nonlinearity
    /// torch.nn.RNN does not have, and h_0 not stacked [L·D, B, ·]: one line naming the key.
    @Test(arguments: [
        (["tensors", "lengths", "data", "2"], JSONValue.number(0), "model.lengths", "lengths[2] is 0: pack_padded_sequence refuses lengths below 1"),
        (["tensors", "lengths", "data", "1"], .number(8), "model.lengths", "lengths[1] is 8, longer than the 7 steps of x"),
        (["tensors", "lengths"], TensorData(ints: [3, 6]).json, "model.lengths", "expected 4 lengths (one per batch row), got 2"),
        (["model", "weights", "weight_hh_l1_reverse"], nil, "model.weights.weight_hh_l1_reverse", "missing variable of torch.nn.LSTM"),
        (["model", "weights", "weight_hh_l2_reverse"], .string("x"), "model.weights.weight_hh_l2_reverse",
         "not a variable of a 2-layer bidirectional torch.nn.LSTM"),
        (["model", "dropout"], .number(0.5), "model.dropout", "dropout between layers is refused"),
        (["model", "bidirectional"], .bool(false), "model.weights.bias_hh_l0_reverse", "not a variable of a 2-layer torch.nn.LSTM"),
        (["model", "kind"], .string("torch.nn.RNN"), "model.proj_size", "torch.nn.RNN does not take 'proj_size'"),
        (["tensors", "h_0", "shape"], .array([.number(4), .number(2), .number(6)]), "model.initial_state[0]",
         "h_0 must be [num_layers·num_directions, B, ·] = [4, 4, 3], got [4, 2, 6]"),
    ] as [([String], JSONValue?, String, String)])
    func torchModules(_ path: [String], _ value: JSONValue?, _ key: String, _ reason: String) throws {
        var d = try loadFixture("torch-lstm-bidirectional-packed-proj-f64.json").document
        modify(&d, path, value)
        let e = try #require(error(d))
        #expect(e.location == "broken.json: " + key)
        #expect(e.reason.hasPrefix(reason), "\(e)")
        #expect(!e.description.contains("\n"))
        var r = try loadFixture("torch-rnn-tanh-2layer-f64.json").document
        modify(&r, ["model", "nonlinearity"], .string("sigmoid"))
        #expect(error(r)?.description == "broken.json: model.nonlinearity: is \"sigmoid\"; torch.nn.RNN takes 'tanh' or 'relu'")
    }

    /// The coupled-gate LSTM: sharded variables, an unknown key, a missing layer-norm variable
    /// and a proj_clip without num_proj, one line each.
    @Test func coupledGateCells() throws {
        let base = try loadFixture("tf-cifg-peep-ln-projclip-f64.json").document
        var d = base
        modify(&d, ["model", "cells", "0", "num_unit_shards"], .number(2))
        #expect(error(d)?.description.hasPrefix("broken.json: model.cells[0].num_unit_shards: sharded variables") == true)
        d = base
        modify(&d, ["model", "cells", "0", "cell_clip"], .number(1))
        #expect(error(d)?.location == "broken.json: model.cells[0].cell_clip")
        d = base
        modify(&d, ["model", "cells", "0", "weights", "state/gamma"], nil)
        #expect(error(d)?.description == "broken.json: model.cells[0].weights.state/gamma: missing variable of tf.contrib.rnn.CoupledInputForgetGateLSTMCell")
        d = base
        modify(&d, ["model", "cells", "0", "num_proj"], nil)
        #expect(error(d)?.description == "broken.json: model.cells[0]: proj_clip needs num_proj")
        d = base
        modify(&d, ["model", "cells", "0", "norm_gain"], .number(2))
        #expect(error(d) == nil, "norm_gain only initialises gamma")
    }

    /// keras.RNN: a nested x of the wrong arity or shape, a cell kind Keras has no layer for, a key
    /// on both the layer and its cell: one line naming the key.
    @Test func kerasRNNCells() throws {
        let base = try loadFixture("keras-nested-cell-sequences-state-f64.json").document
        var d = base
        modify(&d, ["model", "x"], .array([.string("x/feature1")]))
        #expect(error(d)?.description == "broken.json: model.x: NestedCell takes two inputs (feature1, feature2), got 1")
        d = base
        modify(&d, ["model", "x"], .string("x/feature1"))
        #expect(error(d)?.location == "broken.json: model.x")
        d = base
        modify(&d, ["model", "x"], .array([.string("x/feature1"), .string("x/feature1")]))
        #expect(error(d)?.description.hasPrefix("broken.json: model.x[1]: feature2 must be [B, T, I2, I3]") == true)
        d = base
        modify(&d, ["model", "initial_state"], .array([.string("initial_state/0")]))
        #expect(error(d)?.location == "broken.json: model.initial_state")
        d = base
        modify(&d, ["model", "cell", "weights", "kernel_2_3"], nil)
        #expect(error(d)?.location == "broken.json: model.cell.weights.kernel_2_3")
        var l = try loadFixture("keras-003-rnn-lstmcell10.json").document
        modify(&l, ["model", "cell", "kind"], .string("keras.ConvLSTM2DCell"))
        #expect(error(l)?.location == "broken.json: model.cell.kind")
        l = try loadFixture("keras-003-rnn-lstmcell10.json").document
        modify(&l, ["model", "units"], .number(10))
        #expect(error(l)?.description == "broken.json: model.cell.units: given on both the layer and its cell")
    }

    /// 003's whole models: the heads' keys, shapes and ids, each refused in one line naming it.
    @Test func kerasModelHeads() throws {
        let emb = try loadFixture("keras-003-embedding-lstm-dense-f64.json").document
        let bn = try loadFixture("keras-003-mnist-lstm-bn-dense-training-f64.json").document
        /// `expected` nil: the change is accepted.
        func check(_ base: [String: JSONValue], _ path: [String], _ value: JSONValue?, _ expected: String?,
                   sourceLocation: SourceLocation = #_sourceLocation) {
            var d = base
            modify(&d, path, value)
            #expect(error(d)?.description == expected, sourceLocation: sourceLocation)
        }
        let ids = JSONValue.object(["shape": .array([.number(1), .number(2)]), "dtype": .string("int64"), "data": .array([.number(3), .number(20)])])
        check(emb, ["tensors", "x"], ids, "broken.json: tensors.x: token id 20 at [0, 1] is outside 0..<20 (input_dim)")
        check(emb, ["model", "layers", "0", "input_dim"], .number(30),
              "broken.json: tensors.sequential/embedding/embeddings: expected a float tensor of shape [30, 4] (model.layers[0].weights.embeddings), got [20, 4]")
        check(emb, ["model", "layers", "0", "weights", "embeddings"], nil, "broken.json: model.layers[0].weights.embeddings: missing variable of keras.Embedding")
        check(emb, ["model", "layers", "0", "embeddings_regularizer"], .null, nil)   // harmless
        check(emb, ["model", "layers", "0", "sparse"], .bool(true), "broken.json: model.layers[0].sparse: keras.Embedding does not take 'sparse' (or this version does not support it)")
        check(emb, ["model", "layers", "2", "activation"], .string("glu"),
              "broken.json: model.layers[2].activation: Dense activation 'glu' is not supported in this version (softmax, log_softmax and every elementwise activation are)")
        check(emb, ["model", "layers", "2", "units"], .number(4),
              "broken.json: tensors.sequential/dense/kernel: expected a float tensor of shape [5, 4] (model.layers[2].weights.kernel), got [5, 3]")
        check(emb, ["model", "layers", "2", "use_bias"], .bool(false),
              "broken.json: model.layers[2].weights.bias: keras.Dense here has no variable 'bias' (its variables: kernel)")
        var swapped = emb
        modify(&swapped, ["model", "layers", "1", "kind"], .string("keras.Embedding"))
        #expect(error(swapped)?.description == "broken.json: model.layers[1].kind: an Embedding reads token ids, so it must be the first layer")
        var float = emb
        modify(&float, ["tensors", "x"], .object(["shape": .array([.number(1), .number(2)]), "data": .array([.number(3), .number(2)])]))
        #expect(error(float)?.description == "broken.json: tensors.x: the first layer is an Embedding: x must be int64 token ids [B, T], got float [1, 2]")
        var noEmbedding = emb
        modify(&noEmbedding, ["model", "layers", "0", "kind"], .string("keras.Dense"))
        #expect(error(noEmbedding)?.description == "broken.json: tensors.x: x must be a float tensor [B, T, I] (token ids need an Embedding first), got shape [3, 6]")
        check(bn, ["model", "layers", "1", "axis"], .number(1), "broken.json: model.layers[1].axis: only axis -1 (the features) is supported, got 1")
        check(bn, ["model", "layers", "1", "axis"], .number(-1), nil)
        check(bn, ["model", "layers", "1", "renorm"], .bool(true), "broken.json: model.layers[1].renorm: batch renormalization is not supported in this version")
        check(bn, ["model", "layers", "1", "epsilon"], .number(0), "broken.json: model.layers[1].epsilon: must be positive, got 0.0")
        check(bn, ["model", "layers", "1", "weights", "moving_variance"], nil,
              "broken.json: model.layers[1].weights.moving_variance: missing variable of keras.BatchNormalization")
        check(bn, ["model", "layers", "1", "center"], .bool(false),
              "broken.json: model.layers[1].weights.beta: keras.BatchNormalization here has no variable 'beta' (its variables: moving_mean, moving_variance, gamma)")
        check(bn, ["model", "layers", "1", "training"], .number(1), "broken.json: model.layers[1].training: must be true or false, got 1")
        var negative = bn
        modify(&negative, ["model", "layers", "1", "training"], .bool(false))
        modify(&negative, ["tensors", "sequential/batch_normalization/moving_variance", "data", "2"], .number(-2))
        #expect(error(negative)?.description == "broken.json: model.layers[1].weights.moving_variance: moving_variance[2] + epsilon = -1.999 is not positive: no square root")
        check(bn, ["model", "layers", "0", "kind"], .string("keras.RNN"), "broken.json: model.layers[0].cell: keras.RNN needs its cell object")
        var nested = bn
        modify(&nested, ["model", "layers", "0", "kind"], .string("keras.RNN"))
        modify(&nested, ["model", "layers", "0", "cell"], .object(["kind": .string("NestedCell")]))
        #expect(error(nested)?.description == "broken.json: model.layers[0].cell.kind: a NestedCell reads nested inputs: its keras.RNN is a model of its own, not a Sequential layer")
        check(bn, ["model", "layers", "2", "kind"], .string("keras.Flatten"),
              "broken.json: model.layers[2].kind: keras.Sequential takes Keras RNN layers, Bidirectional, Embedding, Dense and BatchNormalization, not keras.Flatten")
    }

    /// ONNX's LSTM operator: attributes and inputs refused in one line naming the key.
    @Test func onnxOperators() throws {
        let base = try loadFixture("onnx-lstm-zero-length-rows.json").document
        func check(_ path: [String], _ value: JSONValue?, _ expected: String?, sourceLocation: SourceLocation = #_sourceLocation) {
            expectError(base, path, value, expected, sourceLocation: sourceLocation)
        }
        check(["model", "attributes", "direction"], .string("both"), "broken.json: model.attributes.direction: must be forward, reverse or bidirectional, got \"both\"")
        check(["model", "attributes", "activations"], .array(["Sigmoid", "Tanh", "Tanh", "Sigmoid", "Swish", "Tanh"].map { .string($0) }),
              "broken.json: model.attributes.activations[4]: unknown activation \"Swish\" (ONNX's: Relu, Tanh, Sigmoid, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign, Softplus)")
        check(["model", "attributes", "activations"], .array(["Sigmoid", "Tanh", "Tanh"].map { .string($0) }),
              "broken.json: model.attributes.activations: a bidirectional onnx.LSTM needs 6 activations (3 per direction), got 3")
        check(["model", "attributes", "activations"], .array(["sigmoid", "TANH", "tanh", "Sigmoid", "tanh", "Tanh"].map { .string($0) }), nil)   // any case
        var withAlpha = base
        modify(&withAlpha, ["model", "attributes", "activations"], .array(["Sigmoid", "Tanh", "LeakyRelu", "HardSigmoid", "Elu", "Tanh"].map { .string($0) }))
        for (alpha, expected) in [([0.1, 0.2], "broken.json: model.attributes.activation_alpha: 2 values for 3 functions that take one (LeakyRelu, HardSigmoid, Elu): the specification does not say what the rest get (onnxruntime gives them their defaults); give one value per function, or no list for the defaults"),
                                  ([0.1, 0.2, 0.3], nil), ([], nil)] {
            var d = withAlpha
            modify(&d, ["model", "attributes", "activation_alpha"], .array(alpha.map { .number($0) }))
            #expect(error(d)?.description == expected)
        }
        check(["model", "attributes", "layout"], .number(2), "broken.json: model.attributes.layout: must be 0 or 1, got 2")
        check(["model", "attributes", "hidden_size"], .number(3), "broken.json: model.attributes.hidden_size: is 3, but R is [2, 4·2, 2]")
        check(["model", "attributes", "clip"], .number(0), "broken.json: model.attributes.clip: must be positive, got 0.0")
        check(["model", "attributes", "input_forget"], .number(2), "broken.json: model.attributes.input_forget: must be 0 or 1, got 2")
        check(["model", "attributes", "linear_before_reset"], .number(1),
              "broken.json: model.attributes.linear_before_reset: onnx.LSTM does not take 'linear_before_reset' (or this version does not support it)")
        check(["tensors", "sequence_lens", "data", "1"], .number(4), "broken.json: tensors.sequence_lens: sequence_lens[1] = 4 is outside 0…3 (X's sequence length)")
        check(["tensors", "W", "shape"], .array([.number(2), .number(4), .number(4)]),
              "broken.json: tensors.W: W must be a float tensor of shape [2, 8, 2], got [2, 4, 4]")
        check(["tensors", "initial_c", "shape"], .array([.number(3), .number(2), .number(2)]),
              "broken.json: tensors.initial_c: initial_c must be a float tensor of shape [2, 3, 2], got [3, 2, 2]")
        check(["model", "inputs", "R"], nil, "broken.json: model.inputs.R: the operator needs R")
        check(["model", "inputs", "P"], .string("nowhere"), "broken.json: model.inputs.P: tensor \"nowhere\" is not in tensors")
        check(["model", "inputs", "B"], .string(""), nil)                 // ONNX's empty name: an absent optional input
    }

    /// Flax's RNN and Bidirectional: keys, cells, parameters and lengths refused in one line
    /// naming the key.
    @Test func flaxLayers() throws {
        let base = try loadFixture("flax-lstm-seq-lengths.json").document
        func check(_ path: [String], _ value: JSONValue?, _ expected: String?, sourceLocation: SourceLocation = #_sourceLocation) {
            let d = expectError(base, path, value, expected, sourceLocation: sourceLocation)
            #expect(error(d)?.description.contains("\n") != true, sourceLocation: sourceLocation)
        }
        check(["model", "cell", "kind"], .string("flax.linen.ConvLSTMCell"),
              "broken.json: model.cell.kind: unknown Flax cell \"flax.linen.ConvLSTMCell\" (known: flax.linen.LSTMCell, flax.linen.OptimizedLSTMCell, flax.linen.GRUCell, flax.linen.SimpleCell, flax.linen.MGUCell)")
        check(["model", "cell", "features"], .number(0), "broken.json: model.cell.features: must be positive, got 0")
        var badFn = base
        modify(&badFn, ["model", "cell", "gate_fn"], .string("nonesuch"))
        #expect(error(badFn)?.description.hasPrefix("broken.json: model.cell.gate_fn: unknown activation 'nonesuch'") == true)
        check(["model", "cell", "residual"], .bool(true), "broken.json: model.cell.residual: flax.linen.LSTMCell does not take 'residual' (or this version does not support it)")
        check(["model", "unroll"], .number(2), "broken.json: model.unroll: flax.linen.RNN does not take 'unroll' (or this version does not support it)")
        check(["model", "params", "cell/hi/bias"], nil, "broken.json: model.params.cell/hi/bias: flax.linen.LSTMCell needs cell/hi/bias [3]")
        check(["model", "params", "cell/ii/bias"], .string("params/cell/hi/bias"),
              "broken.json: model.params.cell/ii/bias: no parameter of this model has that path (known: cell/hf/bias, cell/hf/kernel, cell/hg/bias, cell/hg/kernel, cell/hi/bias, cell/hi/kernel, cell/ho/bias, cell/ho/kernel, cell/if/kernel, cell/ig/kernel, cell/ii/kernel, cell/io/kernel)")
        check(["tensors", "params/cell/ii/kernel", "shape"], .array([.number(3), .number(2)]),
              "broken.json: tensors.params/cell/ii/kernel: cell/ii/kernel must be a float tensor of shape [2, 3], got [3, 2]")
        check(["tensors", "seq_lengths", "data", "0"], .number(6), "broken.json: tensors.seq_lengths: seq_lengths[0] = 6 is outside 0…5 (the inputs' length)")
        check(["model", "initial_carry"], .array([.string("initial_carry/0")]),
              "broken.json: model.initial_carry: expected 2 tensors (the carry's leaves in Flax's order), got 1")
        check(["model", "return_carry"], .bool(false), "broken.json: model.upstream.final_state: the model returns no carry (return_carry is false)")
        var mgu = base
        modify(&mgu, ["model", "cell", "kind"], .string("flax.linen.MGUCell"))
        modify(&mgu, ["model", "cell", "reset_gate"], .bool(false))
        #expect(error(mgu)?.description == "broken.json: model.cell.reset_gate: MGUCell(reset_gate=False) is not supported (its candidate sees h·W_hn unreset: no GRU computes that)")
    }

    /// An expected value may name an array (`{"tensor": NAME}`, as the sidecar fixtures do): it
    /// is compared like a written-out one, and a name that is not there is one line.
    @Test func expectedValuesByName() throws {
        var d = try loadFixture("keras-random-sequential-7.json").document
        guard case let .object(e)? = d["expected"], let outputs = e["outputs"] else { Issue.record("no expected outputs"); return }
        modify(&d, ["tensors", "expected/outputs"], outputs)
        modify(&d, ["expected", "outputs"], .object(["tensor": .string("expected/outputs")]))
        let f = try Fixture(source: "named.json", json: .object(d))
        let report = try FixtureRunner.compare(f, computed: try FixtureRunner.run(f, impl: RNNScalar.Implementation.self), implementation: "scalar")
        #expect(report.passed && report.comparisons.contains { $0.key == "outputs" })
        var wrong = d
        modify(&wrong, ["tensors", "expected/outputs", "data", "0"], .number(7))
        let bad = try Fixture(source: "named.json", json: .object(wrong))
        #expect(try !FixtureRunner.compare(bad, computed: try FixtureRunner.run(bad, impl: RNNScalar.Implementation.self), implementation: "scalar").passed)
        modify(&d, ["expected", "outputs"], .object(["tensor": .string("expected/nothing")]))
        do {
            _ = try Fixture(source: "named.json", json: .object(d)).expected()
            Issue.record("no error")
        } catch let e as RNNError {
            #expect(e.description == "expected.outputs.tensor: tensor \"expected/nothing\" is not in tensors (nor in the tensors_file)")
        }
    }

    @Test func nanInWeightsIsReportedWithItsIndex() throws {
        // Python's json module writes a bare NaN; we read it and refuse it by name and index.
        var text = try String(contentsOf: fixturesDir.appendingPathComponent("tf-basicrnn-f64-b1-t1-h1.json"), encoding: .utf8)
        let key = "\"rnn/basic_rnn_cell/kernel\":{\"shape\":[2,1],\"data\":["
        let r = try #require(text.range(of: key))
        let end = try #require(text[r.upperBound...].firstIndex(of: ","))
        text.replaceSubrange(r.upperBound..<end, with: "NaN")
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rnnref-nan.json")
        try Data(text.utf8).write(to: url)
        let f = try Fixture.load(path: url.path)
        do {
            _ = try FixtureRunner.run(f, impl: RNNScalar.Implementation.self)
            Issue.record("no error")
        } catch let e as RNNError {
            #expect(e.kind == .invalid)
            #expect(e.description == "\(url.path): tensors.rnn/basic_rnn_cell/kernel: non-finite value at index [0, 0]")
        }
    }

    @Test func cellsRejectBadParametersDirectly() throws {
        let spec = CellSpec.tfBasicRNN(numUnits: 2, activation: .tanh)
        let k = Tensor<Double>(zeros: [3, 2])
        #expect(throws: RNNError.self) { try RNNScalar.Implementation.buildCell(spec, inputSize: 1, given: ["kernel": k]) }
        #expect(throws: RNNError.self) {
            try RNNBLAS.Implementation.buildCell(spec, inputSize: 2, given: ["kernel": k, "bias": Tensor(zeros: [2])])
        }
        var bad = Tensor<Double>(zeros: [2])
        bad.data[1] = .infinity
        #expect(throws: RNNError.self) {
            try RNNScalar.Implementation.buildCell(spec, inputSize: 1, given: ["kernel": k, "bias": bad])
        }
        #expect(throws: RNNError.self) {
            try RNNScalar.Implementation.buildCell(.tfBasicRNN(numUnits: 0, activation: .tanh), inputSize: 1, given: [String: Tensor<Double>]())
        }
    }

    @Test func checkNeedsExpectedResults() throws {
        var d = try document()
        d["expected"] = nil
        let f = try Fixture(source: "noexp.json", json: .object(d))
        let r = try FixtureRunner.run(f, impl: RNNScalar.Implementation.self)
        #expect(throws: RNNError.self) { try FixtureRunner.compare(f, computed: r, implementation: "scalar") }
    }

    @Test func minCharRejectsOutOfRangeIds() throws {
        var d = try loadFixture("numpy-002-min-char-rnn-clipped.json").document
        modify(&d, ["tensors", "inputs", "data", "3"], .number(999))
        #expect(error(d)?.description.contains("inputs: id 999 at position 3") == true)
    }
}

/// Every input that once crashed a fuzz target (`Fuzz/regressions/`, named by target) is now
/// refused with a one-line error by the reader it crashed.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    @Test func everyRegressionInputIsRefusedWithOneLine() throws {
        let dir = packageRoot.appendingPathComponent("Fuzz/regressions")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(!names.isEmpty)
        for name in names {
            let url = dir.appendingPathComponent(name)
            let data = try Data(contentsOf: url)
            var refused: RNNError?
            do {
                switch name.prefix { $0 != "-" } {
                case "json": _ = try Fixture(source: url.path, json: try JSONValue.parse(data))
                case "npz": _ = try NPZ.read(url)
                case "npy": _ = try NPYArray(npy: data, what: name)
                case "text": _ = try Corpus.decode(data, what: name)
                case "onnx": _ = try ONNXModelFile.nodes(data, arrays: [:], modelName: "m", what: name)
                default: Issue.record("\(name): no reader for this prefix")
                }
            } catch let e as RNNError { refused = e }
            #expect(refused != nil, "\(name) was accepted")
            #expect(refused.map { !$0.description.contains("\n") } ?? false, "\(name)")
        }
    }
}
