import Foundation
import RNNBLAS
import RNNCore
import RNNLayers
import RNNTestSupport
import Testing

/// The README's "Use it from Swift" example, verbatim between the markers (a test checks the
/// README's copy equals this one).
func readmeExample() throws -> (bidirectional: KerasBidirectional<Float>.Forward, bidirectionalGradients: KerasBidirectional<Float>.Gradients,
                                torch: TorchRNN<Float>.Forward, torchGradients: TorchRNN<Float>.Gradients) {
    // README: begin
    typealias BLAS = RNNBLAS.Implementation

    /// Deterministic small values for the example (any values do).
    func filled(_ shape: [Int], _ k: Float) -> Tensor<Float> {
        let n = shape.reduce(1, *)
        return Tensor(uncheckedShape: shape, data: (0..<n).map { 0.3 * Float(sin(Double($0) * Double(k))) })
    }

    // Keras: Bidirectional(LSTM(4, return_sequences=True)) on x [B=2, T=5, I=3], with a mask
    let lstm = CellSpec.lstm(LSTMConfig(flavor: .keras, units: 4))
    func kerasLSTM(goBackwards: Bool, _ k: Float) throws -> KerasRNN<Float> {
        var w: [String: Tensor<Float>] = [:]
        for (name, shape) in lstm.parameterShapes(inputSize: 3) { w[name] = filled(shape, k) }   // kernel, recurrent_kernel, bias
        return try KerasRNN(BLAS.self, lstm, inputSize: 3, weights: w, returnSequences: true, goBackwards: goBackwards)
    }
    let bidi = try KerasBidirectional(forward: try kerasLSTM(goBackwards: false, 0.7),
                                      backward: try kerasLSTM(goBackwards: true, 1.3), merge: .concat)
    let x = filled([2, 5, 3], 0.9)
    let mask = [[true, true, true, true, true], [true, true, true, false, false]]
    let y = try bidi.forward(x, mask: mask)                                   // y.outputs[0]: [2, 5, 8]
    let dy = try bidi.backward(y, dOutputs: [Tensor(shape: [2, 5, 8], repeating: 1)])
    print("Keras: dL/dkernel[0, 0] of the forward LSTM =", dy.dForwardWeights["kernel"][0, 0])

    // PyTorch: nn.GRU(3, 6, num_layers=2, batch_first=True), weights by state_dict name
    let gru = CellSpec.gru(GRUConfig(flavor: .torch, units: 6))
    var stateDict: [String: Tensor<Float>] = [:]
    for (layer, input) in [(0, 3), (1, 6)] {
        for (name, shape) in gru.parameterShapes(inputSize: input) { stateDict["\(name)_l\(layer)"] = filled(shape, Float(layer) + 0.5) }
    }
    let torchGRU = try TorchRNN(BLAS.self, gru, inputSize: 3, numLayers: 2, stateDict: stateDict, batchFirst: true)
    let out = try torchGRU.forward(x)                                         // output [2, 5, 6], h_n [2, 2, 6]
    let dOut = try torchGRU.backward(out, dOutput: Tensor(shape: [2, 5, 6], repeating: 1))
    print("PyTorch: dL/dweight_hh_l1[0, 0] =", dOut.stateDict["weight_hh_l1"]![0, 0])
    // README: end
    return (y, dy, out, dOut)
}

@Suite("Use it from Swift (the README's example)")
struct UseFromSwiftTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The README shows exactly the code between the markers above.
    @Test func readmeShowsThisCode() throws {
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8).components(separatedBy: "\n")
        guard let a = source.firstIndex(where: { $0.hasSuffix("// README: begin") }),
              let b = source.firstIndex(where: { $0.hasSuffix("// README: end") }) else {
            Issue.record("markers missing")
            return
        }
        let code = source[(a + 1)..<b].map { $0.hasPrefix("    ") ? String($0.dropFirst(4)) : $0 }.joined(separator: "\n")
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let block = "```swift\nimport Foundation\nimport RNNBLAS\nimport RNNCore\nimport RNNLayers\n\n" + code + "\n```"
        #expect(readme.contains(block), "README's 'Use it from Swift' block differs from Tests/RNNLayerTests/UseFromSwiftTests.swift")
    }

    /// It runs, and what it computes follows Keras' and PyTorch's rules: masked steps of a
    /// bidirectional layer that returns sequences are zero; the module's state is [L, B, H].
    @Test func readmeExampleRuns() throws {
        let r = try readmeExample()
        let y = r.bidirectional.outputs[0]
        #expect(y.shape == [2, 5, 8])
        for s in 3..<5 { for j in 0..<8 { #expect(y[1, s, j] == 0, "row 1 is masked from step 3 on") } }
        #expect(y.data.contains { $0 != 0 } && y.data.allSatisfy { $0.isFinite })
        #expect(r.torch.output.shape == [2, 5, 6] && r.torch.finalState.map(\.shape) == [[2, 2, 6]])
        #expect(r.bidirectionalGradients.dx.shape == [2, 5, 3] && r.torchGradients.dx.shape == [2, 5, 3])
        #expect(r.torchGradients.stateDict.keys.sorted() == ["bias_hh_l0", "bias_hh_l1", "bias_ih_l0", "bias_ih_l1",
                                                              "weight_hh_l0", "weight_hh_l1", "weight_ih_l0", "weight_ih_l1"])
        for t in r.torchGradients.stateDict.values { #expect(t.data.allSatisfy { $0.isFinite }) }
        #expect(r.bidirectionalGradients.dForwardWeights["kernel"].data.allSatisfy { $0.isFinite })
    }
}
