// swift-tools-version: 6.1
import PackageDescription

/// The libFuzzer harness of polarpipe's decoders. A package of its own so that building and testing polarpipe are
/// not affected; it is only meant to be built by `run.sh`, with `-sanitize=fuzzer,address`.
let package = Package(
    name: "polarpipe-fuzz",
    dependencies: [
        .package(name: "polarpipe", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "DecodeFuzzer",
            dependencies: [
                "FuzzerEntry",
                .product(name: "PolarPipeCore", package: "polarpipe"),
                .product(name: "PolarPipeTestSupport", package: "polarpipe"),
            ]
        ),
        // The process entry point: hands control to libFuzzer's driver.
        .target(name: "FuzzerEntry"),
    ],
    swiftLanguageModes: [.v6]
)
