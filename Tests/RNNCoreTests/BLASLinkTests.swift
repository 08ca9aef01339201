import COpenBLAS
import Foundation
import RNNBLAS
import RNNTestSupport
import Testing

/// GSL's pkg-config would also link libgslcblas, which defines the same cblas_* symbols as
/// OpenBLAS. The BLAS module must really call OpenBLAS.
@Suite("The BLAS module calls OpenBLAS")
struct BLASLinkTests {
    /// The mapped file that holds `address`, from /proc/self/maps.
    func mappedFile(_ address: UnsafeRawPointer) -> String? {
        // /proc files report size 0: read to the end through a handle.
        guard let h = FileHandle(forReadingAtPath: "/proc/self/maps") else { return nil }
        let maps = String(decoding: h.readDataToEndOfFile(), as: UTF8.self)
        let a = UInt(bitPattern: address)
        for line in maps.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 6 else { continue }
            let range = parts[0].split(separator: "-")
            guard range.count == 2, let lo = UInt(range[0], radix: 16), let hi = UInt(range[1], radix: 16) else { continue }
            if a >= lo && a < hi { return parts[5...].joined(separator: " ") }
        }
        return nil
    }

    /// The library that defines `symbol` as this process resolves it (global lookup order).
    func definingLibrary(_ symbol: String) -> String? {
        guard let handle = dlopen(nil, RTLD_NOW), let sym = dlsym(handle, symbol) else { return nil }
        return mappedFile(UnsafeRawPointer(sym))
    }

    @Test(arguments: ["cblas_dgemm", "cblas_sgemm", "cblas_dgemv", "cblas_sgemv", "cblas_dger", "cblas_sger"])
    func cblasSymbolsResolveToOpenBLAS(_ symbol: String) throws {
        let lib = try #require(definingLibrary(symbol), "\(symbol) is not resolvable")
        #expect(lib.contains("openblas"), "\(symbol) resolves to \(lib)")
        #expect(!lib.contains("gslcblas"))
    }

    /// The address Swift code calls through is OpenBLAS's too.
    @Test func theFunctionSwiftCallsIsOpenBLASs() throws {
        let f: @convention(c) (CBLAS_ORDER, CBLAS_TRANSPOSE, CBLAS_TRANSPOSE, blasint, blasint, blasint, Double,
                               UnsafePointer<Double>?, blasint, UnsafePointer<Double>?, blasint, Double,
                               UnsafeMutablePointer<Double>?, blasint) -> Void = cblas_dgemm
        let p = unsafeBitCast(f, to: UnsafeRawPointer.self)
        let lib = try #require(mappedFile(p))
        #expect(lib.contains("openblas"), "Swift's cblas_dgemm is in \(lib)")
    }

    @Test func openBLASIdentifiesItself() {
        #expect(openBLASConfig().contains("OpenBLAS"))
        #expect(openBLASThreads() >= 1)
    }
}
