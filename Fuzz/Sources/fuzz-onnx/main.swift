import Foundation
import FuzzDriver
import RNNCheck
import RNNFixtures
import RNNNumpy
import RNNONNX

/// An ONNX model through `rnnref fixture --onnx`'s reader: the protobuf parse, every recurrent
/// node's attributes and initializers, and (when that succeeds) the fixture built from them, decoded.
func fuzzONNX(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start else { return 0 }
    let data = Data(bytes: start, count: count)
    guard let nodes = try? ONNXModelFile.nodes(data, arrays: [:], modelName: "fuzz", what: "fuzz.onnx") else { return 0 }
    for node in nodes {
        guard let doc = try? FixtureBuilder.build(description: node.description, arrays: node.arrays, defaultName: node.name,
                                                  sidecar: nil, npzName: "fuzz.npz"),
              let f = try? Fixture(source: "fuzz.json", json: doc) else { continue }
        _ = try? FixtureRunner.model(f)
    }
    return 0
}

runFuzzer(fuzzONNX)
