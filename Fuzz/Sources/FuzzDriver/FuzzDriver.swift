/// libFuzzer's driver, entered from each target's own `main` (SwiftPM renames an executable's
/// `main`, so libFuzzer's would not be the entry point): `runFuzzer(test)` hands argv to
/// `LLVMFuzzerRunDriver`, which calls `test` with each input. Needs `-sanitize=fuzzer`.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

public func runFuzzer(_ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, test))
}

#if canImport(Glibc)
import Glibc
#endif
