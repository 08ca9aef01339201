import Foundation
import FuzzDriver
import RNNNumpy

/// One .npy file: parse; a parsed array must write back and re-read to the same array.
func fuzzNPY(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start else { return 0 }
    let data = Data(bytes: start, count: count)
    guard let a = try? NPYArray(npy: data, what: "fuzz.npy") else { return 0 }
    guard let b = try? NPYArray(npy: a.npyData, what: "round trip"), b.shape == a.shape,
          zip(a.values, b.values).allSatisfy({ $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }) else {
        fatalError("an array read from .npy does not survive a write and a read")
    }
    return 0
}

runFuzzer(fuzzNPY)
