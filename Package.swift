// swift-tools-version:6.0
// Tailor: customize open LLMs end to end, in Swift. See ../shared/DESIGN.md for the layer map.
import PackageDescription

#if os(Linux)
let blasDeps: [Target.Dependency] = ["COpenBLAS"]
let blasTargets: [Target] = [
    .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas",
                   providers: [.apt(["libopenblas-dev"])]),
]
let blasLinker: [LinkerSetting] = []
#else
let blasDeps: [Target.Dependency] = []
let blasTargets: [Target] = []
let blasLinker: [LinkerSetting] = [.linkedFramework("Accelerate")]
#endif

let cflags: [CSetting] = [.unsafeFlags(["-O3", "-ffp-contract=fast"])]

let package = Package(
    name: "Tailor",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tailor", targets: ["tailor"]),
        .library(name: "TailorKit", targets: ["Tensor", "NN", "Formats", "Tokenizers", "Models", "Loading", "Generation", "Evaluation", "Training", "Adapters", "Retrieval"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
    ],
    targets: blasTargets + [
        .target(name: "CKernels", dependencies: blasDeps, cSettings: cflags, linkerSettings: blasLinker),
        .target(name: "Tensor", dependencies: ["CKernels"]),
        .target(name: "NN", dependencies: ["Tensor"]),
        .target(name: "Formats", dependencies: ["Tensor"]),
        .target(name: "Tokenizers"),
        .target(name: "Models", dependencies: ["NN"]),
        .target(name: "Loading", dependencies: ["Formats", "Tokenizers", "Models"]),
        .target(name: "Generation", dependencies: ["Models", "Tokenizers", "CKernels"]),
        .executableTarget(name: "tailor", dependencies: [
            "Loading", "Generation", "Evaluation", "Training", "Adapters", "Retrieval",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .target(name: "TestSupport", dependencies: ["Generation"], path: "Tests/TestSupport"),
        .testTarget(name: "KernelsTests", dependencies: ["TestSupport", "CKernels", "Tensor", "Formats"]),
        .testTarget(name: "FormatsTests", dependencies: ["TestSupport", "Formats"]),
        .testTarget(name: "TokenizersTests", dependencies: ["TestSupport", "Tokenizers", "Loading"]),
        .testTarget(name: "ChatTemplateTests", dependencies: ["TestSupport", "Tokenizers"]),
        .testTarget(name: "ModelsTests", dependencies: ["TestSupport", "Loading", "Generation"]),
        .testTarget(name: "CLITests", dependencies: ["TestSupport", "tailor"]),
        .testTarget(name: "GenerationTests", dependencies: ["TestSupport", "Generation"]),
        .target(name: "Evaluation", dependencies: ["Generation"]),
        .testTarget(name: "EvaluationTests", dependencies: ["TestSupport", "Evaluation"]),
        .target(name: "Training", dependencies: ["NN", "Models", "Formats", "Tokenizers", "Evaluation"]),
        .testTarget(name: "TrainingTests", dependencies: ["TestSupport", "Training", "Loading"]),
        .target(name: "Adapters", dependencies: ["NN", "Formats", "Training"]),
        .testTarget(name: "AdaptersTests", dependencies: ["TestSupport", "Adapters", "Training", "Loading"]),
        .testTarget(name: "PromptingTests", dependencies: ["TestSupport", "Evaluation", "Loading", "tailor"]),
        .target(name: "Retrieval", dependencies: ["Tensor", "Formats", "Tokenizers", "Models",
                                                  .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "RetrievalTests", dependencies: ["TestSupport", "Retrieval", "Loading"]),
    ],
    swiftLanguageModes: [.v5]
)
