import Foundation
import FuzzDriver
import RNNRefCLI

/// The command line: the input, split at NUL bytes, is argv after `rnnref`. Parsing (and each
/// command's validation) must end in a command or an error, never a trap.
func fuzzCLI(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start else { return 0 }
    let data = Data(bytes: start, count: count)
    let args = data.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    _ = try? RNNRef.parseAsRoot(args)
    return 0
}

runFuzzer(fuzzCLI)
