import Foundation
import RNNCore
import RNNCheck
import RNNFixtures
import RNNNumpy
import RNNTestSupport
import Testing

/// The README's recipes: each script's committed output goes through `rnnref fixture` and
/// `rnnref check` (the expected numbers are TensorFlow's, Keras' and PyTorch's, from the
/// scripts' runs), and the scripts the README shows are the files.
@Suite("Recipes")
struct RecipeTests {
    static let stems = ["tf1_lstm", "keras_gru", "torch_lstm", "torch_bidirectional_packed"]

    @Test(arguments: stems, [false, true])
    func fixtureThenCheckPasses(_ stem: String, _ sidecar: Bool) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rnnref-recipe-\(getpid())-\(stem)-\(sidecar)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let recipes = packageRoot.appendingPathComponent("Fixtures/recipes")
        var arrays = recipes.appendingPathComponent("\(stem).npz").path
        if sidecar {   // the sidecar sits beside the fixture
            let copy = dir.appendingPathComponent("\(stem).npz")
            try FileManager.default.copyItem(atPath: arrays, toPath: copy.path)
            arrays = copy.path
        }
        let out = dir.appendingPathComponent("\(stem).json").path
        let f = try runCLI(["fixture", "--model", recipes.appendingPathComponent("\(stem).model.json").path, "--arrays", arrays,
                            "--out", out] + (sidecar ? ["--sidecar"] : []))
        #expect(f.status == 0, "\(f.err)")
        let doc = try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: out)))
        #expect((doc["tensors_file"] != nil) == sidecar)
        let c = try runCLI(["check", out, "--impl", "both"])
        #expect(c.status == 0, "\(c.out)\(c.err)")
        #expect(c.out.contains("2 passed, 0 failed"), "\(c.out)")
        // every output, final state and gradient the framework gave is compared
        let fixture = try Fixture.load(path: out)
        let keys = try #require(try fixture.expected()).entries.count
        #expect(keys >= 6, "\(stem): only \(keys) expected tensors")
    }

    /// `torch_onnx_export.py`: PyTorch's bidirectional two-layer LSTM and GRU through
    /// `torch.onnx.export`; `keras_onnx_export.py`: a Keras LSTM and a Bidirectional LSTM through
    /// tf2onnx. Every LSTM/GRU node of the exported graphs becomes a fixture (`rnnref fixture
    /// --onnx`) whose expected numbers are the framework's, and `rnnref check` passes. Two
    /// deliberately wrong exports are caught, naming the tensors that differ: the GRU written
    /// with `linear_before_reset=0` (the exporter bug the flag guards against), and the Keras
    /// LSTM's weights left in Keras' gate order i, f, c, o instead of ONNX's i, o, f, c.
    @Test(arguments: [("torch_lstm_export", 2), ("torch_gru_export", 2), ("keras_lstm_export", 1), ("keras_bilstm_export", 1)])
    func onnxExportsComputeWhatTheFrameworkDoes(_ stem: String, _ nodes: Int) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rnnref-onnx-recipe-\(getpid())-\(stem)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let recipes = packageRoot.appendingPathComponent("Fixtures/recipes")
        let out = dir.appendingPathComponent("\(stem).json").path
        let f = try runCLI(["fixture", "--onnx", recipes.appendingPathComponent("\(stem).onnx").path,
                            "--arrays", recipes.appendingPathComponent("\(stem).npz").path, "--out", out])
        #expect(f.status == 0, "\(f.err)")
        let written = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.sorted()
        #expect(written.count == nodes, "one fixture per layer's node: \(written)")
        for name in written {
            let path = dir.appendingPathComponent(name).path
            let c = try runCLI(["check", path, "--impl", "both"])
            #expect(c.status == 0 && c.out.contains("2 passed, 0 failed"), "\(c.out)\(c.err)")
            let fixture = try Fixture.load(path: path)
            #expect(try #require(try fixture.expected()).entries.count == (stem.contains("lstm") ? 3 : 2))
            let doc = try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: path)))
            guard case let .object(o) = doc, case let .object(m)? = o["model"], case let .object(a)? = m["attributes"],
                  case let .object(inputs)? = m["inputs"], case let .object(tensors)? = o["tensors"] else {
                Issue.record("no attributes, inputs or tensors"); continue
            }
            var wrong = o
            if stem.contains("gru") {
                #expect(a["linear_before_reset"] == .number(1), "PyTorch's reset is ONNX's linear_before_reset=1")
                var (m2, a2) = (m, a)
                a2["linear_before_reset"] = .number(0)
                m2["attributes"] = .object(a2); wrong["model"] = .object(m2)
            } else if stem.hasPrefix("keras") {
                // Keras' i, f, c, o blocks written where ONNX reads i, o, f, c (W, R, and B's two halves)
                var t2 = tensors
                for key in ["W", "R", "B"] {
                    guard case let .string(tname)? = inputs[key], case var .object(t)? = tensors[tname],
                          case let .array(data)? = t["data"], case let .array(shape)? = t["shape"], case let .number(d)? = shape.first
                    else { Issue.record("no \(key)"); continue }
                    let blocks = Int(d) * (key == "B" ? 8 : 4), size = data.count / blocks     // [D, 4H, ·] or [D, 8H]
                    let keras = [0, 2, 3, 1]       // ONNX i, o, f, c → Keras i, f, c, o
                    var permuted: [JSONValue] = []
                    for k in 0..<blocks {
                        let from: Int = (k / 4) * 4 + keras[k % 4]
                        permuted += data[from * size..<(from + 1) * size]
                    }
                    t["data"] = .array(permuted)
                    t2[tname] = .object(t)
                }
                wrong["tensors"] = .object(t2)
            } else { continue }
            let path2 = dir.appendingPathComponent("wrong-\(name)").path
            try Data(JSONValue.object(wrong).serialized().utf8).write(to: URL(fileURLWithPath: path2))
            let w = try runCLI(["check", path2, "--impl", "both"])
            #expect(w.status != 0 && w.out.contains("0 passed, 2 failed") && w.out.contains("outputs"), "\(w.out)")
        }
    }

    /// Malformed ONNX models and missing arrays: one line naming the file and what is wrong,
    /// exit 2, nothing written.
    @Test func badONNXModelsAreOneLineErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rnnref-onnx-bad-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let recipes = packageRoot.appendingPathComponent("Fixtures/recipes")
        let model = try Data(contentsOf: recipes.appendingPathComponent("torch_lstm_export.onnx"))
        let truncated = dir.appendingPathComponent("truncated.onnx"), garbage = dir.appendingPathComponent("garbage.onnx")
        try model.prefix(200).write(to: truncated)
        try Data("not a protobuf at all\u{1}\u{2}".utf8).write(to: garbage)
        let lstmArrays = recipes.appendingPathComponent("torch_lstm_export.npz").path, gruArrays = recipes.appendingPathComponent("torch_gru_export.npz").path
        for (path, arrays, message) in [(truncated.path, lstmArrays, "not an ONNX model"), (garbage.path, lstmArrays, "not an ONNX model"),
                                        (recipes.appendingPathComponent("torch_lstm_export.onnx").path, gruArrays,
                                         "is neither an initializer of the graph nor an array in the arrays file")] {
            let out = dir.appendingPathComponent("f.json").path
            let r = try runCLI(["fixture", "--onnx", path, "--arrays", arrays, "--out", out])
            #expect(r.status == 2, "\(r.err)")
            #expect(r.err.split(separator: "\n").count == 1, "\(r.err)")
            #expect(r.err.contains(message) && r.err.contains(URL(fileURLWithPath: path).lastPathComponent), "\(r.err)")
            #expect(!FileManager.default.fileExists(atPath: out))
        }
    }

    @Test func readmeShowsTheScripts() throws {
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        for stem in Self.stems + ["torch_onnx_export", "keras_onnx_export"] {
            let path = "Fixtures/recipes/\(stem).py"
            let file = try String(contentsOf: packageRoot.appendingPathComponent(path), encoding: .utf8)
            let marker = "<!-- recipe: \(path) -->\n```python\n"
            let start = try #require(readme.range(of: marker), "README has no recipe block for \(path)")
            let end = try #require(readme.range(of: "\n```\n<!-- recipe end -->", range: start.upperBound..<readme.endIndex))
            #expect(String(readme[start.upperBound..<end.lowerBound]) + "\n" == file, "README's copy of \(path) differs from the file")
        }
    }

    /// A wrong array name, an unknown key and a description that is not an object: one line each, nothing written.
    @Test func badDescriptionsAreOneLineErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rnnref-recipe-bad-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let recipes = packageRoot.appendingPathComponent("Fixtures/recipes")
        let good = try String(contentsOf: recipes.appendingPathComponent("torch_lstm.model.json"), encoding: .utf8)
        for (text, message) in [(good.replacingOccurrences(of: "\"out\"", with: "\"no_such_array\""), "no array 'no_such_array' in torch_lstm.npz"),
                                (good.replacingOccurrences(of: "\"provenance\"", with: "\"provenanse\""), "provenanse: unknown key"),
                                ("[1, 2]", "a model description must be a JSON object"),
                                (good.replacingOccurrences(of: "\"hidden_size\": 5", with: "\"hidden_size\": 6"), "expected shape [24, 3], got [20, 3]")] {
            let desc = dir.appendingPathComponent("d.json")
            try Data(text.utf8).write(to: desc)
            let out = dir.appendingPathComponent("f.json").path
            let r = try runCLI(["fixture", "--model", desc.path, "--arrays", recipes.appendingPathComponent("torch_lstm.npz").path, "--out", out])
            #expect(r.status != 0)
            #expect(r.err.split(separator: "\n").count == 1, "\(r.err)")
            #expect(r.err.contains(message), "\(r.err)")
            #expect(!FileManager.default.fileExists(atPath: out))
        }
    }
}
