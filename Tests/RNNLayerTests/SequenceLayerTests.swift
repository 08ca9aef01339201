import Foundation
import RNNCore
import RNNScalar
@testable import RNNCheck
@testable import RNNFixtures
import RNNTestSupport
import Testing

/// Layers around cells: bidirectional, Keras flags, carried state.
@Suite("Bidirectional, Keras layers, carried state")
struct SequenceLayerTests {
    @Test func reverseSequenceIsAnInvolutionWithinLengths() throws {
        let x = try Tensor<Double>(shape: [4, 3, 2], data: (0..<24).map(Double.init))
        let lengths = [4, 2, 0]
        let r = reverseSequence(x, lengths: lengths)
        #expect(reverseSequence(r, lengths: lengths) == x)
        // row 1 (length 2): steps 0 and 1 swap, steps 2 and 3 stay; row 2 (length 0) unchanged
        #expect(r[0, 1, 0] == x[1, 1, 0] && r[1, 1, 0] == x[0, 1, 0] && r[2, 1, 0] == x[2, 1, 0])
        for t in 0..<4 { #expect(r[t, 2, 1] == x[t, 2, 1]) }
        #expect(r[0, 0, 0] == x[3, 0, 0])
    }

    /// The backward direction's outputs, reversed back into place, are zero past each row's
    /// length, as TF's reverse_sequence + dynamic_rnn make them.
    @Test func backwardOutputsAreZeroPastEachLength() throws {
        let f = try loadFixture("tf-bidi-lstm-f64-lengths.json")
        let p = try BidirectionalProblem(f)
        for impl in implementations {
            let t = f.tensors.filter { !$0.value.isInteger }.mapValues { $0.tensor(Double.self) }
            let e = try p.evaluate(impl, t, gradients: false)
            let lengths = try #require(p.sequenceLength)
            let outBw = e.forward.outputsBw   // [B, T, H] batch-major
            for (b, len) in lengths.enumerated() where len < 5 {
                for s in len..<5 { for j in 0..<2 { #expect(outBw[b, s, j] == 0, "past its length the output is zero") } }
            }
        }
    }

    @Test(arguments: ["tf-bidi-lstm-f64-lengths.json", "tf-bidi-stacked-mixed-f64.json", "keras-bidi-lstm-mul.json",
                      "keras-bidi-lstm-none.json", "keras-simplernn-go-backwards-f64.json", "keras-stateful-gru-sequences-f64.json",
                      "keras-lstm-mask-f64.json", "keras-gru-mask-zero-output-f64.json", "keras-003-stacked-bidirectional-lstm.json",
                      "keras-sequential-lstm-gru-f64.json", "keras-003-encoder-decoder-lstm.json"])
    func layersPassBothGradientOracles(_ name: String) throws {
        let f = try loadFixture(name)
        for impl in implementations {
            let entries = try FixtureRunner.gradientCheck(f, impl: impl, maxCoordinates: 1000, useGSL: true)
            #expect(!entries.isEmpty)
            for e in entries {
                #expect(e.fdRelError <= 1e-7, "\(name) [\(impl.name)] \(e.name): \(e.fdRelError)")
                #expect((e.gslRelError ?? 1) <= 1e-6, "\(name) [\(impl.name)] \(e.name): gsl \(e.gslRelError ?? .nan)")
            }
        }
    }

    /// Carrying the state across calls computes what one long run computes (the outputs); only
    /// the gradient is truncated at the call boundaries.
    @Test func chunkedCallsEqualOneLongRunForward() throws {
        let f = try loadFixture("keras-stateful-gru-sequences-f64.json")
        let chunked = try FixtureRunner.run(f, impl: implementations[0])
        // the same model over the concatenated batches, as one call
        var doc = f.document
        var model = doc["model"]!.objectValue!
        model["x"] = .string("x/all")
        model["stateful"] = nil
        model["upstream"] = nil
        model["return_state"] = .bool(true)
        doc["model"] = .object(model)
        let x0 = f.tensors["x/0"]!, x1 = f.tensors["x/1"]!
        let (b, t, i) = (x0.shape[0], x0.shape[1], x0.shape[2])
        var all: [Double] = []
        for r in 0..<b {
            all += x0.values[(r * t * i)..<((r + 1) * t * i)]
            all += x1.values[(r * t * i)..<((r + 1) * t * i)]
        }
        var tensors = doc["tensors"]!.objectValue!
        tensors["x/all"] = TensorData(shape: [b, 2 * t, i], values: all).json
        doc["tensors"] = .object(tensors)
        doc["expected"] = nil
        let long = try FixtureRunner.run(try Fixture(source: "long.json", json: .object(doc)), impl: implementations[0])
        let out = try #require(long.entry("outputs")).value
        let first = try #require(chunked.entry("outputs/0")).value, second = try #require(chunked.entry("outputs/1")).value
        let h = out.shape[2]
        for r in 0..<b {
            for s in 0..<t {
                for j in 0..<h {
                    #expect(abs(out.values[(r * 2 * t + s) * h + j] - first.values[(r * t + s) * h + j]) < 1e-14)
                    #expect(abs(out.values[(r * 2 * t + t + s) * h + j] - second.values[(r * t + s) * h + j]) < 1e-14)
                }
            }
        }
    }

    /// Keras masking from first principles: at a masked step the state is carried and the
    /// output repeats the previous one (zeros before the first live step).
    @Test func maskedStepsHoldStateAndOutput() throws {
        let f = try loadFixture("keras-lstm-mask-f64.json")
        let mask = try #require(f.tensors["mask"]).ints      // [B, T]
        for impl in implementations {
            let out = try #require(try FixtureRunner.run(f, impl: impl).entry("outputs")).value   // [B, T, H]
            let (b, t, h) = (out.shape[0], out.shape[1], out.shape[2])
            for r in 0..<b {
                for s in 0..<t where mask[r * t + s] == 0 {
                    for j in 0..<h {
                        let want = s == 0 ? 0 : out.values[(r * t + s - 1) * h + j]
                        #expect(out.values[(r * t + s) * h + j] == want)
                    }
                }
            }
        }
    }

    /// DropoutWrapper: deterministic given the seed; the mask keeps about keep_prob of the
    /// entries at 1/keep_prob; a keep_prob of 1 is the bare cell.
    @Test func dropoutIsSeededAndInverted() throws {
        let f = try loadFixture("tf-ptb-dropout-basiclstm2-f64.json")
        let a = try FixtureRunner.run(f, impl: implementations[1]), b = try FixtureRunner.run(f, impl: implementations[1])
        for e in a.entries { #expect(b.entry(e.key)!.value.values == e.value.values) }
        let p = try SequenceProblem(f)
        let m = try p.dropoutMask(keepProb: 0.5, seed: 11, x: Tensor<Double>(zeros: [200, 50, 1]), width: 4)
        let kept = m.data.filter { $0 != 0 }
        #expect(kept.allSatisfy { $0 == 2 })
        #expect(abs(Double(kept.count) / Double(m.count) - 0.5) < 0.02)
        // keep_prob 1: the wrapper changes nothing
        var doc = f.document
        var model = doc["model"]!.objectValue!
        model["cells"] = .array(model["cells"]!.arrayValue!.map { c in
            var o = c.objectValue!
            o["output_keep_prob"] = .number(1)
            return .object(o)
        })
        doc["model"] = .object(model)
        doc["expected"] = nil
        let kept1 = try FixtureRunner.run(try Fixture(source: "k1.json", json: .object(doc)), impl: implementations[0])
        model["cells"] = .array(model["cells"]!.arrayValue!.map { $0.objectValue!["cell"]! })
        doc["model"] = .object(model)
        let bare = try FixtureRunner.run(try Fixture(source: "bare.json", json: .object(doc)), impl: implementations[0])
        for e in bare.entries { #expect(kept1.entry(e.key)!.value.values == e.value.values, "\(e.key)") }
    }

    /// A Keras mask takes the stepwise schedule; a `DropoutWrapper` around the cell still drops:
    /// its outputs are the cell's masked outputs times the dropout mask, its state the cell's,
    /// and the output cotangent reaches the cell through the same mask.
    @Test func dropoutStillAppliesUnderAMask() throws {
        let spec = CellSpec.tfBasicRNN(numUnits: 3, activation: .tanh)
        var given: [String: Tensor<Double>] = [:]
        for (k, (n, shape)) in spec.parameterShapes(inputSize: 2).enumerated() {
            given[n] = Tensor(uncheckedShape: shape, data: (0..<shape.reduce(1, *)).map { 0.4 * sin(Double($0 + 7 * k)) })
        }
        let x = Tensor<Double>(uncheckedShape: [4, 2, 2], data: (0..<16).map { cos(Double($0)) })
        let drop = Tensor<Double>(uncheckedShape: [4, 2, 3], data: (0..<24).map { $0 % 3 == 0 ? 0 : 1.5 })
        let mask = StepMask(live: [[true, true], [true, false], [false, true], [true, true]], zeroOutput: false)
        let up = Tensor<Double>(uncheckedShape: [4, 2, 3], data: (0..<24).map { sin(Double($0) / 3) })
        for impl in implementations {
            let cell = try impl.buildCell(spec, inputSize: 2, given: given)
            let plainNet = try DynamicRNN(cells: [cell], timeMajor: true)
            let droppedNet = try DynamicRNN(cells: [OutputDropout(cell, mask: drop)], timeMajor: true)
            let plain = try plainNet.forward(x, mask: mask), dropped = try droppedNet.forward(x, mask: mask)
            #expect(dropped.outputs.data == zip(plain.outputs.data, drop.data).map { $0 * $1 }, "\(impl.name)")
            #expect(dropped.finalState == plain.finalState)
            var upMasked = up
            for i in upMasked.data.indices { upMasked.data[i] *= drop.data[i] }
            let zeros = plain.finalState.map { Tensor<Double>(zeros: $0.shape) }
            let gd = try droppedNet.backward(dropped, dOutputs: up, dFinalState: zeros)
            let gp = try plainNet.backward(plain, dOutputs: upMasked, dFinalState: zeros)
            #expect(gd.dx == gp.dx && gd.dParameters == gp.dParameters)
        }
    }

    @Test func badBidirectionalInputIsRefused() throws {
        var d = try loadFixture("keras-bidi-lstm-concat.json").document
        var m = d["model"]!.objectValue!
        m["merge_mode"] = .string("max")
        d["model"] = .object(m)
        do {
            _ = try FixtureRunner.run(try Fixture(source: "b.json", json: .object(d)), impl: implementations[0])
            Issue.record("no error")
        } catch let e as RNNError {
            #expect(e.description.contains("model.merge_mode"))
        }
    }
}
