import Foundation
import RNNCore
import RNNCheck
import RNNFixtures
import RNNScalar

/// Computed outputs of notebook 13, "The same function?".
extension Notebooks {
    static let sameFunctionOutputs: [String: Output] = [
        "13-flax-fixtures": { root in try fixtureTable(root, ["flax-lstm-seq-lengths", "flax-gru-reverse-seq-lengths", "flax-gru-reverse-keep-order",
                                                             "flax-lstm-default-init", "flax-optimized-lstm", "flax-simple-residual",
                                                             "flax-bidirectional-lstm-seq-lengths", "flax-bidirectional-gru-simple",
                                                             "flax-random-f32-05-optimizedlstm", "flax-random-f64-30-bi-gru"]) },
        "13-atlas": { root in
            let v = Atlas.verify(fixtures: root.appendingPathComponent("Fixtures").path)
            return Atlas.markdown(v) + "\n\n\(v.filter { $0.failure == nil }.count) of \(v.count) cells hold against their fixtures."
        },
        "13-matrix": { _ in ConversionMatrix.markdown(.lstm) + "\n\n" + ConversionMatrix.markdown(.gru) },
        "13-counterexample": { _ in try counterexampleTable() },
        "13-explain-real": { root in try explainTable(try load(root, "onnx-random-lstm-2.json")) },
        "13-explain-wrong": { root in try explainTable(try forgetBiasDropped(try load(root, "tf-lstm-noproj-fb1-f32.json"))) },
    ]

    /// `rnnref convert --counterexample tf.GRUCell torch.nn.GRU`, every fourth step.
    static func counterexampleTable() throws -> String {
        let c = try ConversionMatrix.counterexample(from: try ConversionMatrix.layout(named: "tf.GRUCell"), to: try ConversionMatrix.layout(named: "torch.nn.GRU"))
        var s = "numpy RandomState(\(c.seed)), weights uniform(±\(c.scale)), H = 4, I = 3, B = 4, T = 20: the worst of 4 scales × 64 seeds.\n\n"
        s += "| step t | max abs(h_before − h_after) | mean abs | max abs(h) |\n| --- | --- | --- | --- |\n"
        for r in c.steps where r.t % 4 == 3 || r.t == 0 { s += "| \(r.t) | \(fmt(r.maxAbs, 4)) | \(fmt(r.meanAbs, 4)) | \(fmt(r.maxAbsH, 4)) |\n" }
        return s.trimmingCharacters(in: .newlines)
    }

    /// `rnnref check --explain` of one fixture, as a table.
    static func explainTable(_ f: Fixture) throws -> String {
        let ts = try ErrorBudget.explain(f)
        var s = "\(f.name): **\(ts.allSatisfy(\.rounding) ? "rounding" : "a different function")**\n\n"
        s += "| tensor | framework's distance from float64 | ours (scalar / BLAS, float32) | budget | verdict |\n| --- | --- | --- | --- | --- |\n"
        for t in ts {
            let v = t.rounding ? "rounding" : "different, first at \(t.firstPart.map { "\($0.index): \(fmt($0.framework, 5)) against \(fmt($0.float64, 5))" } ?? "?")"
            s += "| `\(t.key)` | \(sci(t.frameworkDistance)) | \(sci(t.scalarDistance)) / \(sci(t.blasDistance)) | \(sci(t.budget)) | \(v) |\n"
        }
        return s.trimmingCharacters(in: .newlines)
    }

    static func sci(_ x: Double) -> String { String(format: "%.2e", x) }

    /// The fixture with its expected numbers replaced by those of the same model without TF's
    /// `forget_bias` (computed by rnnref in float32): a wrong function posing as the framework's.
    static func forgetBiasDropped(_ f: Fixture) throws -> Fixture {
        var doc = f.document
        var model = doc["model"]!.objectValue!
        var cells = model["cells"]!.arrayValue!
        var c = cells[0].objectValue!
        c["forget_bias"] = .number(0)
        cells[0] = .object(c)
        model["cells"] = .array(cells)
        doc["model"] = .object(model)
        return try ErrorBudget.posing(f, as: doc, note: "forget_bias dropped")
    }
}
