// swift-tools-version: 6.1
import PackageDescription

// Module map (see README "How to read the sources"):
//   RNNCore    tensor type, activations, errors, cell protocols, sequence runner (dynamic_rnn)
//   RNNScalar  the reference: plain loops that read like the math; never imports BLAS
//   RNNBLAS    the same files, names and signatures, vectorised through OpenBLAS's CBLAS
//   RNNLayers  typed layers over the cells: Keras layers (flags, masks), Bidirectional,
//              Sequential, encoder/decoder; PyTorch stacked modules (imports RNNCore only)
//   RNNVerify  finite differences (Float64 and GSL), error metrics, numpy-compatible randomness,
//              fixture decoding and the fixture runner
//   RNNTrain   the documents' training programs (min-char-rnn, sine, sine regression, PTB LM)
//   RNNRefCLI  the `rnnref` commands (swift-argument-parser); `rnnref` is its thin executable
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
        .library(name: "RNNVerify", targets: ["RNNVerify"]),
        .library(name: "RNNTrain", targets: ["RNNTrain"]),
        .library(name: "RNNRefCLI", targets: ["RNNRefCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-numerics.git", from: "1.1.1"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
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
        .target(name: "RNNBLAS", dependencies: ["RNNCore", "COpenBLAS"], swiftSettings: crossModule),
        .target(name: "RNNLayers", dependencies: ["RNNCore"], swiftSettings: crossModule),
        .target(
            name: "RNNVerify",
            dependencies: ["RNNCore", "RNNScalar", "RNNBLAS", "RNNLayers", "CGSL",
                           .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            swiftSettings: crossModule
        ),
        .target(name: "RNNTrain", dependencies: ["RNNCore", "RNNScalar", "RNNBLAS", "RNNVerify"], swiftSettings: crossModule),
        .target(
            name: "RNNRefCLI",
            dependencies: [
                "RNNCore", "RNNScalar", "RNNBLAS", "RNNVerify", "RNNTrain",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "rnnref", dependencies: ["RNNRefCLI"]),
        .testTarget(
            name: "RNNRefTests",
            dependencies: [
                "RNNCore", "RNNScalar", "RNNBLAS", "RNNLayers", "RNNVerify", "RNNTrain", "RNNRefCLI", "COpenBLAS",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
    ]
)
