import Foundation
import RNNCore
import RNNCheck
import RNNTestSupport
import Testing

@Suite("The conversion matrix (convert --matrix)")
struct ConversionMatrixTests {
    /// Every exact entry (and every exact-after-folding one): random weights converted give the
    /// same outputs, and converted back, the same outputs again.
    @Test func everyExactEntryRoundTrips() throws {
        var proven = 0
        for family in [ConversionMatrix.lstm, ConversionMatrix.gru] {
            for a in family { for b in family where a != b {
                let v = ConversionMatrix.verdict(from: a, to: b)
                guard v.isExact else {
                    #expect(throws: RNNError.self, "\(a.name) → \(b.name) is impossible but converts") {
                        _ = try ConversionMatrix.convert([:] as [String: Tensor<Double>], a.spec, from: a, to: b, inputSize: 2)
                    }
                    continue
                }
                for seed in 0..<3 {
                    let r = try ConversionMatrix.roundTrip(from: a, to: b, seed: seed)
                    #expect(r.there <= 1e-12 && r.back <= 1e-12, "\(a.name) → \(b.name) seed \(seed): \(r)")
                }
                proven += 1
            } }
        }
        #expect(proven == 5 * 4 + 3 * 2 + 4 * 3)
    }

    /// Flax's names: the Keras twin's weights cut into Flax's per-gate Dense layers and put back
    /// together are the same weights (the GRU's recurrent r and z biases 0, as Flax has none).
    @Test func flaxNamesRoundTrip() throws {
        var rng = SystemRandomNumberGenerator()
        // (the MGU's f sits in two blocks of its Keras twin, so its map is no bijection: below)
        for kind in FlaxCellConfig.Kind.allCases where kind != .mgu {
            let c = FlaxCellConfig(kind: kind, features: 3)
            var given: [String: Tensor<Double>] = [:]
            for (n, shape) in c.spec.parameterShapes(inputSize: 2) {
                given[n] = Tensor(uncheckedShape: shape, data: (0..<shape.reduce(1, *)).map { _ in Double.random(in: -1...1, using: &rng) })
            }
            if kind == .gru { for j in 9..<15 { given["bias"]!.data[j] = 0 } }
            let p = try Parameters(spec: c.spec, inputSize: 2, given: given)
            let flax = c.flaxGradients(p)
            #expect(Set(flax.keys) == Set(c.parameterShapes(inputSize: 2).map(\.name)), "\(kind)")
            for (n, shape) in c.parameterShapes(inputSize: 2) { #expect(flax[n]?.shape == shape, "\(kind) \(n)") }
            let back = try c.kerasParameters(flax, inputSize: 2)
            for (n, t) in given { #expect(back[n]?.data == t.data, "\(kind) \(n)") }
        }
    }

    /// The README shows the matrix as `rnnref convert --matrix` prints it.
    @Test func theReadmeShowsTheMatrix() throws {
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains(ConversionMatrix.markdown(.lstm)))
        #expect(readme.contains(ConversionMatrix.markdown(.gru)))
    }

    /// The MGU's Keras twin has f's weights in both the z and the r blocks, and the gradient of f
    /// is the sum of the two blocks' gradients.
    @Test func mguTiesTheTwoGates() throws {
        let c = FlaxCellConfig(kind: .mgu, features: 2)
        var flax: [String: Tensor<Double>] = [:]
        var v = 0.0
        for (n, shape) in c.parameterShapes(inputSize: 1) {
            flax[n] = Tensor(uncheckedShape: shape, data: (0..<shape.reduce(1, *)).map { _ in v += 1; return v })
        }
        let k = try c.kerasParameters(flax, inputSize: 1)
        #expect(k["kernel"]!.data == [1, 2, 1, 2, 5, 6])                      // if/kernel, if/kernel, in/kernel
        #expect(k["bias"]!.data == [3, 4, 3, 4, 7, 8, 0, 0, 0, 0, 17, 18])    // input row; recurrent row: only hn/bias
        let g = try Parameters(spec: c.spec, inputSize: 1, given: k)
        let back = c.flaxGradients(g)
        #expect(back["if/kernel"]!.data == [2, 4])
        #expect(back["in/kernel"]!.data == [5, 6])
        #expect(back["hn/bias"]!.data == [17, 18])
        #expect(throws: RNNError.self) { _ = try c.kerasParameters(["if/kernel": Tensor<Double>(zeros: [1, 2])], inputSize: 1) }
    }

    /// The impossible pairs have a counterexample that parts far; an exact pair has none.
    @Test func counterexamples() throws {
        let (tf, torch) = (try ConversionMatrix.layout(named: "tf.GRUCell"), try ConversionMatrix.layout(named: "torch.nn.GRU"))
        let c = try ConversionMatrix.counterexample(from: tf, to: torch, seeds: 8)
        #expect(c.steps.map(\.maxAbs).max()! > 0.1)
        #expect(throws: RNNError.self) { _ = try ConversionMatrix.counterexample(from: torch, to: try ConversionMatrix.layout(named: "keras.GRU(reset_after=True)")) }
        #expect(throws: RNNError.self) { _ = try ConversionMatrix.layout(named: "mxnet.LSTM") }
    }
}
