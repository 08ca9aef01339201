// swift-tools-version: 6.1
import PackageDescription

// Module map (README "How to read the sources" has the table). Each imports only those above it:
//   RNNCore       tensor type, activations, errors, cell specs and their quoted framework `call`,
//                 parameters and weight layouts, typed caches, the time loop (dynamic_rnn)
//   RNNScalar     the reference: plain loops that read like the math; never imports BLAS
//   RNNBLAS       the same files, names and signatures, vectorised through OpenBLAS's CBLAS
//   RNNLayers     typed layers over the cells: Keras layers (flags, masks), Bidirectional,
//                 Sequential, encoder/decoder; PyTorch stacked modules (imports RNNCore only)
//   RNNNumpy      numpy's legacy random stream (GSL's MT19937), .npy and .npz
//   RNNFixtures   the fixture document, its JSON reader, decoders mapping each kind onto typed
//                 values (they run no math), weight conversion between layouts
//   RNNCheck      the registry of fixture models and the runner, metrics, finite differences
//                 (Float64 and GSL), random models, gru-drift, fixture building
//   RNNTrain      the documents' training programs (min-char-rnn, sine, sine regression, PTB LM)
//   RNNFigures    deterministic SVG figures: nice ticks, measured text, legends that cover no
//                 data; line and bar charts, heat maps, small multiples, diagrams (no imports)
//   RNNNotebooks  the notebooks' generated blocks and figures
//   RNNRefCLI     the `rnnref` commands (swift-argument-parser); `rnnref` is its thin executable
// Release builds optimise across modules, so RNNCore's generic time loop and tensor helpers are
// specialised for Float and Double where the cells call them (`rnnref bench` measures it).
let crossModule: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]

let package = Package(
    name: "rnnref",
    products: [
        .executable(name: "rnnref", targets: ["rnnref"]),
        .library(name: "RNNCore", targets: ["RNNCore"]),
        .library(name: "RNNScalar", targets: ["RNNScalar"]),
        .library(name: "RNNBLAS", targets: ["RNNBLAS"]),
        .library(name: "RNNLayers", targets: ["RNNLayers"]),
        .library(name: "RNNNumpy", targets: ["RNNNumpy"]),
        .library(name: "RNNFixtures", targets: ["RNNFixtures"]),
        .library(name: "RNNCheck", targets: ["RNNCheck"]),
        .library(name: "RNNTrain", targets: ["RNNTrain"]),
        .library(name: "RNNFigures", targets: ["RNNFigures"]),
        .library(name: "RNNNotebooks", targets: ["RNNNotebooks"]),
        .library(name: "RNNRefCLI", targets: ["RNNRefCLI"]),
        .library(name: "RNNONNX", targets: ["RNNONNX"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-numerics.git", from: "1.1.1"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
    ],
    targets: [
        // OpenBLAS's CBLAS. Linked by name so that `cblas_*` resolve to OpenBLAS (see CGSL).
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        // GSL, reduced to gsl_deriv.h and gsl_rng.h. Its module map links `gsl` only, never
        // `gslcblas` (GSL's reference CBLAS defines the same `cblas_*` symbols as OpenBLAS).
        .systemLibrary(
            name: "CGSL",
            providers: [.apt(["libgsl-dev"])]
        ),
        .target(
            name: "RNNCore",
            dependencies: [.product(name: "RealModule", package: "swift-numerics")],
            swiftSettings: crossModule
        ),
        .target(name: "RNNScalar", dependencies: ["RNNCore"], swiftSettings: crossModule),
        // The gate passes' exp/tanh/sigmoid, in C so that one binary carries an AVX-512, an AVX2
        // and a baseline version and the loader picks one (`target_clones`). Optimised in every
        // configuration: at -O0 clang forms no FMAs, and a debug build (the tests') would round
        // the gates differently from a release build (the CLI's).
        .target(name: "CVectorMath", cSettings: [.unsafeFlags(["-O3"])]),
        // C += A·B with B packed once per call: the recurrent step GEMM of the sequence schedules
        // (OpenBLAS has no API for keeping a packed B, so it packs W_h on every step).
        .target(name: "CPackedGEMM", cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "RNNBLAS", dependencies: ["RNNCore", "COpenBLAS", "CVectorMath", "CPackedGEMM"], swiftSettings: crossModule),
        .target(name: "RNNLayers", dependencies: ["RNNCore"], swiftSettings: crossModule),
        .target(
            name: "RNNNumpy",
            dependencies: ["RNNCore", "CGSL", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            swiftSettings: crossModule
        ),
        .target(name: "RNNFixtures", dependencies: ["RNNCore", "RNNLayers", "RNNNumpy"], swiftSettings: crossModule),
        .target(
            name: "RNNCheck",
            dependencies: ["RNNCore", "RNNScalar", "RNNBLAS", "RNNLayers", "RNNNumpy", "RNNFixtures", "CGSL"],
            swiftSettings: crossModule
        ),
        .target(name: "RNNFigures"),
        .target(name: "RNNTrain", dependencies: ["RNNFigures", "RNNCore", "RNNScalar", "RNNBLAS", "RNNNumpy", "RNNFixtures", "RNNCheck"],
                swiftSettings: crossModule),
        .target(
            name: "RNNNotebooks",
            dependencies: ["RNNCore", "RNNScalar", "RNNBLAS", "RNNNumpy", "RNNFixtures", "RNNCheck", "RNNTrain", "RNNLayers", "RNNFigures"],
            swiftSettings: crossModule
        ),
        // onnx.proto's messages, generated once by protoc-gen-swift (see the file's header).
        .target(name: "ONNXProto", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        // .onnx models: their recurrent nodes as fixtures.
        .target(name: "RNNONNX", dependencies: ["ONNXProto", "RNNCore", "RNNNumpy", "RNNFixtures",
                                               .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .target(
            name: "RNNRefCLI",
            dependencies: [
                "RNNCore", "RNNScalar", "RNNBLAS", "RNNNumpy", "RNNFixtures", "RNNCheck", "RNNTrain", "RNNNotebooks", "RNNONNX", "RNNFigures",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "rnnref", dependencies: ["RNNRefCLI"]),
        // Tests, one target per area over a shared support target (package root, fixtures, the
        // `rnnref` executable, both implementations).
        .target(
            name: "RNNTestSupport",
            dependencies: ["RNNCore", "RNNScalar", "RNNBLAS", "RNNNumpy", "RNNFixtures", "RNNCheck", "RNNLayers"],
            path: "Tests/RNNTestSupport"
        ),
        .testTarget(name: "RNNCoreTests", dependencies: ["RNNTestSupport", "RNNCore", "RNNScalar", "RNNBLAS", "COpenBLAS", "RNNNumpy"]),
        .testTarget(
            name: "RNNCellTests",
            dependencies: ["RNNTestSupport", "RNNCore", "RNNScalar", "RNNBLAS", "RNNNumpy", "RNNFixtures", "RNNCheck", "RNNLayers",
                           .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(name: "RNNLayerTests", dependencies: ["RNNTestSupport", "RNNCore", "RNNScalar", "RNNBLAS", "RNNLayers", "RNNFixtures", "RNNCheck"]),
        .testTarget(name: "RNNFixtureTests", dependencies: ["RNNTestSupport", "RNNCore", "RNNScalar", "RNNBLAS", "RNNNumpy", "RNNFixtures", "RNNCheck", "RNNTrain", "RNNONNX"]),
        .testTarget(name: "RNNTrainTests", dependencies: ["RNNTestSupport", "RNNCore", "RNNScalar", "RNNBLAS", "RNNNumpy", "RNNFixtures", "RNNCheck", "RNNTrain"]),
        .testTarget(name: "RNNCLITests", dependencies: ["RNNTestSupport", "RNNCore", "RNNFixtures", "RNNCheck", "RNNRefCLI", "rnnref"]),
        .testTarget(name: "RNNNotebookTests", dependencies: ["RNNTestSupport", "RNNCore", "RNNScalar", "RNNBLAS", "RNNFixtures", "RNNCheck", "RNNTrain", "RNNNotebooks"]),
        .testTarget(name: "RNNFigureTests", dependencies: ["RNNTestSupport", "RNNFigures", "RNNNotebooks", "RNNTrain",
                                                          .product(name: "PropertyBased", package: "swift-property-based"),
                                                          .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
    ]
)
