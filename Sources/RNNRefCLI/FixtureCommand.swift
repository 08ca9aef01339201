import ArgumentParser
import Foundation
import RNNCore
import RNNCheck
import RNNFixtures
import RNNNumpy
import RNNONNX

struct MakeFixture: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fixture",
        abstract: "Turn a model description (JSON) and the arrays your own script saved (.npz) into a fixture; then `rnnref check` it.",
        discussion: """
        The description has the fixture's keys with tensors named, not given: "model" (as in the
        fixture format; tensor names refer to arrays in the .npz), "expected" (the same names for
        your framework's outputs, final state and gradients), and optionally "name", "about",
        "dtype", "provenance", "tolerance". See Fixtures/README.md and the README's recipes.

        With --onnx instead of --model: every LSTM, GRU and RNN node of an ONNX model becomes a
        fixture of kind onnx.LSTM/GRU/RNN (one per node; with several, --out gets the node's name
        before .json). Each node input comes from the .npz (by the graph's tensor name) or from
        the graph's initializers; arrays named as the node's outputs become its expected Y, Y_h
        and Y_c.
        """)

    @Option(help: "The model description (JSON).")
    var model: String?

    @Option(help: "An ONNX model (.onnx) whose LSTM, GRU and RNN nodes become fixtures.")
    var onnx: String?

    @Option(help: "The arrays (.npz, as numpy.savez writes it).")
    var arrays: String

    @Option(help: "Where to write the fixture.")
    var out: String

    @Flag(help: "Keep the tensors in the .npz (\"tensors_file\") instead of writing them into the fixture.")
    var sidecar = false

    func run() throws {
        if let onnx {
            try failing { try runONNX(onnx) }
            return
        }
        try failing {
            guard let model else { throw RNNError(.missing, "--model", "give a model description (--model) or an ONNX model (--onnx)") }
            let descData: Data
            do { descData = try Data(contentsOf: URL(fileURLWithPath: model)) } catch {
                throw RNNError(.io, model, "cannot read the model description")
            }
            let description: JSONValue
            do { description = try JSONValue.parse(descData) } catch let e as RNNError { throw e.within(model) }
            let npzURL = URL(fileURLWithPath: arrays)
            let npz: [String: NPYArray]
            do { npz = try NPZ.read(npzURL) } catch let e as RNNError { throw e.location.hasPrefix(arrays) ? e : e.within(arrays) }
            let outURL = URL(fileURLWithPath: out)
            var sidecarName: String?
            if sidecar {
                let outDir = outURL.deletingLastPathComponent().standardizedFileURL.path
                let npzDir = npzURL.deletingLastPathComponent().standardizedFileURL.path
                sidecarName = outDir == npzDir ? npzURL.lastPathComponent : npzURL.standardizedFileURL.path
            }
            let name = URL(fileURLWithPath: model).deletingPathExtension().lastPathComponent
            let doc: JSONValue
            do {
                doc = try FixtureBuilder.build(description: description, arrays: npz, defaultName: name, sidecar: sidecarName,
                                               npzName: npzURL.lastPathComponent)
            } catch let e as RNNError { throw e.within(model) }
            let f = try FixtureBuilder.validate(doc, path: out)
            do {
                try Data((doc.serialized(indent: " ") + "\n").utf8).write(to: outURL)
            } catch {
                throw RNNError(.io, out, "cannot write the fixture (\(error.localizedDescription))")
            }
            let expected = (try? f.expected())??.entries.count ?? 0
            print("wrote \(out): \(f.kind), \(f.tensors.count) tensors, \(expected) expected results; next: rnnref check \(out)")
        }
    }

    /// `--onnx`: one fixture per recurrent node.
    func runONNX(_ path: String) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { throw RNNError(.io, path, "cannot read the ONNX model") }
        let npzURL = URL(fileURLWithPath: arrays)
        let npz: [String: NPYArray]
        do { npz = try NPZ.read(npzURL) } catch let e as RNNError { throw e.location.hasPrefix(arrays) ? e : e.within(arrays) }
        let modelName = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let nodes = try ONNXModelFile.nodes(data, arrays: npz, modelName: modelName, what: path)
        for node in nodes {
            let target = nodes.count == 1 ? out : (out.hasSuffix(".json") ? String(out.dropLast(5)) : out) + "-" + node.name.dropFirst(modelName.count + 1) + ".json"
            let doc: JSONValue
            do {
                doc = try FixtureBuilder.build(description: node.description, arrays: node.arrays, defaultName: node.name, sidecar: nil,
                                               npzName: npzURL.lastPathComponent)
            } catch let e as RNNError { throw e.within(path) }
            let f = try FixtureBuilder.validate(doc, path: target)
            do { try Data((doc.serialized(indent: " ") + "\n").utf8).write(to: URL(fileURLWithPath: target)) } catch {
                throw RNNError(.io, target, "cannot write the fixture (\(error.localizedDescription))")
            }
            let expected = (try? f.expected())??.entries.count ?? 0
            print("wrote \(target): \(f.kind), \(f.tensors.count) tensors, \(expected) expected results; next: rnnref check \(target)")
        }
    }
}
