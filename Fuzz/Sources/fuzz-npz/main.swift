import Foundation
import FuzzDriver
import RNNNumpy

/// An .npz archive (ZIPFoundation, then every entry through the .npy reader), read from a file
/// as `rnnref` reads one: the input is written to a private temporary file first.
let path = FileManager.default.temporaryDirectory.appendingPathComponent("rnnref-fuzz-\(getpid()).npz")

func fuzzNPZ(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start else { return 0 }
    guard (try? Data(bytes: start, count: count).write(to: path)) != nil else { fatalError("cannot write \(path.path)") }
    _ = try? NPZ.read(path)
    return 0
}

runFuzzer(fuzzNPZ)
