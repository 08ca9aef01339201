// swift-tools-version: 6.1
import PackageDescription

// libFuzzer targets for every reader rnnref has: fixture JSON, .npy, .npz, text corpora, the
// command line and ONNX models. Built and run by `Fuzz/run.sh` (swift build -c release -Xswiftc
// -sanitize=fuzzer,address). Each target's `main` hands its test function to libFuzzer's `LLVMFuzzerRunDriver` (FuzzDriver).
// A path dependency is named after its directory (the clone's name), not its manifest.
import Foundation
let parent = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent
let targets = ["fuzz-json", "fuzz-npy", "fuzz-npz", "fuzz-text", "fuzz-cli", "fuzz-onnx"]

let package = Package(
    name: "rnnref-fuzz",
    dependencies: [.package(path: "..")],
    targets: [.target(name: "FuzzDriver")] + targets.map { name in
        .executableTarget(
            name: name,
            dependencies: [
                "FuzzDriver",
                .product(name: "RNNCore", package: parent),
                .product(name: "RNNNumpy", package: parent),
                .product(name: "RNNFixtures", package: parent),
                .product(name: "RNNCheck", package: parent),
                .product(name: "RNNTrain", package: parent),
                .product(name: "RNNRefCLI", package: parent),
                .product(name: "RNNONNX", package: parent),
            ],
            path: "Sources/\(name)"
        )
    }
)
