import RNNBLAS
import RNNCheck
import RNNCore
import RNNFixtures
import RNNLayers
import RNNNumpy
import RNNScalar
import RNNTestSupport
import Testing

/// Bidirectional layers with random options: `keras.Bidirectional` in every merge mode over
/// every Keras kind (no mask, a mask with gaps, a mask that cuts the end), and
/// `tf.nn.bidirectional_dynamic_rnn` over stacks of every TF cell (the
/// backward stack of another width), with and without `sequence_length`, both precisions.
/// Scalar and BLAS agree on every result, and the analytic gradients pass the central
/// difference.
@Suite("Bidirectional layers, random options")
struct BidirectionalPropertyTests {
    struct Case: CustomStringConvertible, Sendable {
        var forward: RandomCase
        var backward: RandomCase
        var merge: KerasMergeMode
        var description: String { "bidirectional(\(merge.rawValue)) of \(forward) | backward \(backward)" }
    }

    static var cases: [Case] {
        var out: [Case] = []
        var n = 0
        for (kind, bits) in [(RandomCase.Kind.kerasSimpleRNN, 0), (.kerasLSTM, 0), (.kerasGRU, 0x80), (.kerasMinimalRNNCell, 0),
                             (.tfBasicRNNCell, 0), (.tfLSTMCell, 0x7F), (.tfBasicLSTMCell, 0x70), (.tfGRUCell, 0),
                             (.tfCIFGLSTMCell, 0x407D)] {
            for merge in kind.family == .keras ? KerasMergeMode.allCases : [.none, .none] {
                n += 1
                let word = ScalarVsBLASTests.optionWord(500 + n)
                var f = RandomCase(kind)
                f.seed = 500 + n; f.units = 3; f.input = 2; f.batch = 3; f.steps = 4
                ScalarVsBLASTests.drawGeneralOptions(&f, word: word >> 16)
                if f.activation == .relu { f.activation = .tanh }        // gradient checks stay off the kink
                ScalarVsBLASTests.drawOptions(&f, word: word & bits)
                f.goBackwards = false                                   // Bidirectional sets the directions
                f.mask = kind.family == .keras ? [nil, .gaps, .cutsTheEnd][n % 3] : nil   // Bidirectional passes it to both
                var b = f
                b.seed = f.seed + 1000
                if kind.family == .tf { b.units = b.layerNorm ? 3 : 2; b.layers = 3 - f.layers; b.numProj = b.numProj.map { _ in 1 } }
                // (layer norm over fewer than 3 units has a zero gradient that central differences read as noise)
                out.append(Case(forward: f, backward: b, merge: merge))
            }
        }
        return out
    }

    /// The case as a fixture document: the two random cases' documents, the backward one's
    /// tensors renamed under `bw/`, joined into one bidirectional model.
    static func fixture(_ c: Case) throws -> Fixture {
        guard case var fdoc? = try c.forward.fixtureDocument().objectValue,
              case let bdoc? = try c.backward.fixtureDocument().objectValue,
              let fm = fdoc["model"]?.objectValue, let bm = bdoc["model"]?.objectValue,
              var tensors = fdoc["tensors"]?.objectValue, let btensors = bdoc["tensors"]?.objectValue else {
            throw RNNError(.invalid, "case", "a random case's document is not an object")
        }
        func renamed(_ v: JSONValue) -> JSONValue {
            switch v {
            case let .string(s): return .string("bw/" + s)
            case let .array(a): return .array(a.map(renamed))
            case let .object(o): return .object(o.mapValues(renamed))
            default: return v
            }
        }
        for (k, v) in btensors where k != "x" && k != "sequence_length" { tensors["bw/" + k] = v }
        let fx = try #require(fm["x"]), fState = fm["initial_state"]?.arrayValue ?? []
        let bState = renamed(bm["initial_state"] ?? .array([])).arrayValue ?? []
        let fUp = fm["upstream"]?.objectValue ?? [:], bUp = renamed(bm["upstream"] ?? .object([:])).objectValue ?? [:]
        let finalUp = (fUp["final_state"]?.arrayValue ?? []) + (bUp["final_state"]?.arrayValue ?? [])
        var model: [String: JSONValue]
        if c.forward.kind.family == .keras {
            func layer(_ m: [String: JSONValue]) -> JSONValue {
                .object(m.filter { !["x", "initial_state", "upstream", "mask", "zero_output_for_mask"].contains($0.key) })
            }
            var back = bm
            back["weights"] = renamed(bm["weights"] ?? .null)
            // outputs: [B, T, H] each; concatenated [B, T, 2H]; `none` keeps two
            let (h, bt) = (try #require(c.forward.spec()).outputSize, [c.forward.batch, c.forward.steps])
            var rng = try numpyRandomState(seed: c.forward.seed)
            func upstream(_ name: String, width: Int) -> JSONValue {
                let values = (0..<(bt[0] * bt[1] * width)).map { _ in rng.uniform(-1, 1) }
                tensors[name] = TensorData(shape: bt + [width], values: c.forward.dtype == .float32 ? values.map { Double(Float($0)) } : values).json
                return .string(name)
            }
            let outs: [JSONValue] = c.merge == .none ? [upstream("up/0", width: h), upstream("up/1", width: h)]
                : [upstream("up/0", width: c.merge == .concat ? 2 * h : h)]
            model = ["kind": .string(ModelKind.kerasBidirectional.rawValue), "layer": layer(fm), "backward_layer": layer(back),
                     "merge_mode": c.merge == .none ? .null : .string(c.merge.rawValue), "x": fx,
                     "initial_state": .array(fState + bState),
                     "upstream": .object(["outputs": c.merge == .none ? .array(outs) : outs[0], "final_state": .array(finalUp)])]
            if let mask = fm["mask"] { model["mask"] = mask }
        } else {
            model = ["kind": .string(ModelKind.tfBidirectionalDynamicRNN.rawValue), "time_major": fm["time_major"] ?? .bool(false),
                     "cells_fw": fm["cells"] ?? .null,
                     "cells_bw": .array((bm["cells"]?.arrayValue ?? []).map { cell in
                         guard var o = cell.objectValue else { return cell }
                         o["weights"] = renamed(o["weights"] ?? .null)
                         return .object(o)
                     }),
                     "x": fx, "initial_state_fw": .array(fState), "initial_state_bw": .array(bState),
                     "upstream": .object(["outputs": .array([fUp["outputs"] ?? .null, bUp["outputs"] ?? .null]),
                                          "final_state": .array(finalUp)])]
            if let l = fm["sequence_length"] { model["sequence_length"] = l }
        }
        fdoc["model"] = .object(model)
        fdoc["tensors"] = .object(tensors)
        fdoc["name"] = .string("random-bidirectional")
        return try Fixture(source: "\(c)", json: .object(fdoc))
    }

    @Test(arguments: cases)
    func scalarAndBLASAgreeAndTheGradientsCheck(_ c: Case) throws {
        let f = try Self.fixture(c)
        let a = try FixtureRunner.run(f, impl: RNNScalar.Implementation.self)
        let b = try FixtureRunner.run(f, impl: RNNBLAS.Implementation.self)
        try ScalarVsBLASTests.compare(a, b, dtype: c.forward.dtype, what: "\(c)")
        for impl in implementations {
            let entries = try FixtureRunner.gradientCheck(f, impl: impl, maxCoordinates: 1000)
            #expect(entries.count >= 4)
            for e in entries {
                #expect(e.fdRelError <= 1e-7, "\(c) [\(impl.name)] \(e.name): \(e.fdRelError)")
            }
        }
    }
}
