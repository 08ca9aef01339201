import Foundation
import RNNCore
import RNNCheck
import RNNFixtures
import RNNLayers
import RNNNumpy
import RNNScalar

/// Computed outputs of notebook 12, "ONNX's recurrent operators".
extension Notebooks {
    static let onnxOutputs: [String: Output] = [
        "12-fixtures": { root in try fixtureTable(root, ["onnx-node-test-lstm-with-peepholes", "onnx-node-test-lstm-bidirectional",
                                                        "onnx-node-test-gru-seq-length", "onnx-node-test-simple-rnn-batchwise",
                                                        "onnx-lstm-clip-bites", "onnx-lstm-zero-length-rows", "onnx-lstm-alpha-beta-order", "onnx-lstm-alpha-beta-defaults",
                                                        "onnx-lstm-affine-without-alpha-beta", "onnx-gru-linear-before-reset-0-vs-1",
                                                        "onnx-gru-linear-before-reset-1", "onnx-rnn-zero-length-rows",
                                                        "onnx-random-lstm-4", "onnx-random-lstm-f64-7", "onnx-random-gru-3", "onnx-random-rnn-f64-2"]) },
        "12-clip": { _ in try clipAgainstCellClip() },
        "12-zero-length": { root in try zeroLengthRows(root) },
        "12-alpha-beta": { _ in try alphaBetaReading() },
    ]

    /// One LSTM (H = 3, I = 2, weights uniform(0.5, 1.5) from numpy's RandomState(12), zero
    /// biases) fed the same input row [0.9, 0.8] for 8 steps, so its gates saturate, as TF's
    /// `LSTMCell(cell_clip = 0.5)` and, converted exactly (gate order, transposes), as ONNX's
    /// `LSTM(clip = 0.5)`: per step, the largest |c| each keeps and how far their outputs part.
    static func clipAgainstCellClip() throws -> String {
        var rng = try numpyRandomState(seed: 12)
        let (h, i, t) = (3, 2, 8)
        var tf = LSTMConfig(flavor: .tfLSTMCell, units: h)
        tf.forgetBias = 0
        let kernel = Tensor<Double>(uncheckedShape: [i + h, 4 * h], data: (0..<((i + h) * 4 * h)).map { _ in rng.uniform(0.5, 1.5) })
        let x = Tensor<Double>(uncheckedShape: [t, 1, i], data: (0..<t).flatMap { _ in [0.9, 0.8] })
        let tfWeights = ["kernel": kernel, "bias": Tensor<Double>(zeros: [4 * h])]
        var (onnx, onnxWeights) = try LSTMConversion.convert(tf, inputSize: i, parameters: tfWeights, to: .onnx)
        tf.cellClip = 0.5
        onnx.gateClip = 0.5
        let impl = RNNScalar.Implementation.self
        let tfRun = try DynamicRNN(cells: [try impl.buildCell(.lstm(tf), inputSize: i, given: tfWeights)], timeMajor: true).forward(x)
        let onnxRun = try DynamicRNN(cells: [try impl.buildCell(.lstm(onnx), inputSize: i, given: onnxWeights)], timeMajor: true).forward(x)
        var s = "| step t | TF `cell_clip`: max abs(c_t) | ONNX `clip`: max abs(c_t) | max abs(h_TF − h_ONNX) |\n| --- | --- | --- | --- |\n"
        for step in 0..<t {
            let cTF = tfRun.layers[0].steps[step].state[0], cONNX = onnxRun.layers[0].steps[step].state[1]
            let hTF = tfRun.outputs.slice(step), hONNX = onnxRun.outputs.slice(step)
            s += "| \(step) | \(fmt(cTF.data.map(abs).max()!, 4)) | \(fmt(cONNX.data.map(abs).max()!, 4)) | \(fmt(maxAbsError(hTF.data, hONNX.data), 4)) |\n"
        }
        return s.trimmingCharacters(in: .newlines)
    }

    /// `onnx-lstm-zero-length-rows` (bidirectional, sequence_lens [0, 3, 1]) through rnnref:
    /// per row and direction, whether Y is zero past the row's length, and what Y_h and Y_c are.
    static func zeroLengthRows(_ root: URL) throws -> String {
        let f = try load(root, "onnx-lstm-zero-length-rows.json")
        let r = try FixtureRunner.run(f, impl: RNNScalar.Implementation.self)
        let y = r.entry("outputs")!.value, yh = r.entry("final_state/0")!.value, yc = r.entry("final_state/1")!.value
        let h0 = f.tensors["initial_h"]!.values
        let lens = f.tensors["sequence_lens"]!.values.map { Int($0) }
        let (t, d, b, h) = (y.shape[0], y.shape[1], y.shape[2], y.shape[3])
        var s = "| row b | sequence_lens[b] | direction | Y[t, dir, b] for t ≥ length | Y_h[dir, b] | Y_c[dir, b] | initial_h[dir, b] (what TF would return) |\n| --- | --- | --- | --- | --- | --- | --- |\n"
        func vec(_ v: [Double], _ k: Int) -> String { "[" + (0..<h).map { fmt(v[k * h + $0], 4) }.joined(separator: ", ") + "]" }
        for row in 0..<b {
            for dir in 0..<d {
                let tail = (lens[row]..<t).flatMap { step in (0..<h).map { y.values[((step * d + dir) * b + row) * h + $0] } }
                let tailText = tail.isEmpty ? "(none)" : (tail.allSatisfy { $0 == 0 } ? "all 0" : "NOT zero")
                let k = dir * b + row
                s += "| \(row) | \(lens[row]) | \(dir == 0 ? "forward" : "reverse") | \(tailText) | \(vec(yh.values, k)) | \(vec(yc.values, k)) | \(vec(h0, k)) |\n"
            }
        }
        return s.trimmingCharacters(in: .newlines)
    }

    /// How onnxruntime's rule reads two attribute sets (ONNXActivations.parse).
    static func alphaBetaReading() throws -> String {
        var s = "| activations | activation_alpha | activation_beta | what each function gets |\n| --- | --- | --- | --- |\n"
        let cases: [([String], [Double], [Double])] = [
            (["HardSigmoid", "LeakyRelu", "Elu"], [0.4, 0.3, 0.7, 9], [0.6]),
            (["HardSigmoid", "LeakyRelu", "Elu"], [], []),
            (["Sigmoid", "Affine", "Tanh"], [], []),
            (["ScaledTanh", "Relu", "Affine", "ThresholdedRelu"], [2, 3, 0.5], [0.5, 0.25]),
            (["HardSigmoid", "LeakyRelu", "Elu"], [0.4, 0.3], []),
        ]
        for (names, alpha, beta) in cases {
            let got: String
            do {        // alpha and beta shown as the float32 values they are
                got = try ONNXActivations.parse(names, alpha: alpha, beta: beta).map(\.rawValue).joined(separator: "; ")
            } catch let e as RNNError {
                got = "refused: `\(e.location)`: \(e.reason)"
            }
            let list = { (v: [Double]) in v.isEmpty ? "(none)" : "[" + v.map { String($0) }.joined(separator: ", ") + "]" }
            s += "| \(names.joined(separator: ", ")) | \(list(alpha)) | \(list(beta)) | \(got) |\n"
        }
        return s.trimmingCharacters(in: .newlines)
    }
}
