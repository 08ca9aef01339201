import Foundation
import RNNCore
import RNNCheck
import RNNFixtures
import RNNScalar
import RNNTestSupport
import Testing

@Suite("The float32 error budget (check --explain)")
struct ErrorBudgetTests {
    /// Every committed float32 fixture (its numbers from TF, Keras, PyTorch, onnxruntime or
    /// Flax) is the float64 function rounded: every tensor within the budget.
    @Test func everyFloat32FixtureIsRounding() throws {
        var seen = 0
        for name in fixtureNames {
            let f = try loadFixture(name)
            guard f.dtype == .float32, try f.expected() != nil else { continue }
            for t in try ErrorBudget.explain(f) {
                #expect(t.rounding, "\(name) \(t.key): \(t.frameworkDistance) > budget \(t.budget) at \(t.firstPart.map { "\($0.index)" } ?? "")")
            }
            seen += 1
        }
        #expect(seen >= 200)
    }

    /// A wrong function's numbers put in place of the framework's: each is classified as a
    /// different function, and the place it parts is named.
    @Test(arguments: [
        ("keras-lstm-f32.json", "the i and f gate blocks swapped"),
        ("torch-lstm-f32.json", "bias_hh folded into bias_ih but still added"),
        ("onnx-random-gru-11.json", "the other GRU reset (linear_before_reset 0)"),
        ("tf-lstm-noproj-fb1-f32.json", "forget_bias dropped"),
        ("tf-basicrnn-f32-lengths.json", "every sequence_length off by one"),
    ])
    func aWrongFunctionIsDifferent(_ name: String, _ wrong: String) throws {
        let f = try loadFixture(name)
        var doc = f.document
        var tensors = doc["tensors"]!.objectValue!
        var model = doc["model"]!.objectValue!
        func edit(_ tensor: String, _ change: (inout [Double], [Int]) -> Void) {
            var t = tensors[tensor]!.objectValue!
            var data = t["data"]!.arrayValue!.map { $0.numberValue! }
            let shape = t["shape"]!.arrayValue!.map { Int($0.numberValue!) }
            change(&data, shape)
            t["data"] = .array(data.map { .number($0) })
            tensors[tensor] = .object(t)
        }
        /// Swaps column blocks 0 and 1 of a [rows, 4H] (or [4H]) matrix.
        func swapIF(_ d: inout [Double], _ shape: [Int]) {
            let cols = shape.last!, h = cols / 4
            for r in 0..<(d.count / cols) { for j in 0..<h { d.swapAt(r * cols + j, r * cols + h + j) } }
        }
        switch wrong {
        case "the i and f gate blocks swapped":
            for n in ["lstm/lstm_cell/kernel", "lstm/lstm_cell/recurrent_kernel", "lstm/lstm_cell/bias"] { edit(n, swapIF) }
        case "bias_hh folded into bias_ih but still added":
            let hh = tensors["bias_hh_l0"]!["data"]!.arrayValue!.map { $0.numberValue! }
            edit("bias_ih_l0") { d, _ in for k in d.indices { d[k] += hh[k] } }
        case "the other GRU reset (linear_before_reset 0)":
            var a = model["attributes"]!.objectValue!
            a["linear_before_reset"] = .number(0)
            model["attributes"] = .object(a)
        case "forget_bias dropped":
            var cells = model["cells"]!.arrayValue!
            var c = cells[0].objectValue!
            c["forget_bias"] = .number(0)
            cells[0] = .object(c)
            model["cells"] = .array(cells)
        default:
            let steps = Int(tensors["x"]!["shape"]!.arrayValue![1].numberValue!)
            edit(model["sequence_length"]!.stringValue!) { d, _ in for k in d.indices { d[k] += d[k] < Double(steps) ? 1 : -1 } }
        }
        doc["tensors"] = .object(tensors)
        doc["model"] = .object(model)
        // the wrong function's float32 numbers, in place of the framework's
        let doctored = try ErrorBudget.posing(f, as: doc, note: wrong)
        let explained = try ErrorBudget.explain(doctored)
        let different = explained.filter { !$0.rounding }
        #expect(!different.isEmpty, "\(name) with \(wrong) is classified as rounding")
        #expect(different.allSatisfy { $0.firstPart != nil })
        #expect(explained.first { $0.key == "outputs" || $0.key == "outputs/0" }?.rounding == false, "\(name) with \(wrong): the outputs")
    }
}
