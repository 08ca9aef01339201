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

    @Test func readmeShowsTheScripts() throws {
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        for stem in Self.stems {
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
