// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "polarpipe",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "polarpipe", targets: ["polarpipe"]),
        .library(name: "PolarPipeCore", targets: ["PolarPipeCore"]),
        .library(name: "PolarPipeSQLite", targets: ["PolarPipeSQLite"]),
        .library(name: "PolarPipePostgres", targets: ["PolarPipePostgres"]),
        .library(name: "PolarPipeService", targets: ["PolarPipeService"]),
        // For the fuzz harness under Fuzz/ (its seed corpus); not part of the product.
        .library(name: "PolarPipeTestSupport", targets: ["PolarPipeTestSupport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // Domain model, decoders, validation, statistics, reports, the DAG engine and its tasks.
        // Knows no database driver: storage is the `PipelineStore` protocol.
        .target(
            name: "PolarPipeCore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        // The embedded SQLite store (GRDB, WAL) and its migrations.
        .target(
            name: "PolarPipeSQLite",
            dependencies: [
                "PolarPipeCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The scale-out store: PostgreSQL through PostgresNIO (JSONB raw, month partitions, COPY loads).
        .target(
            name: "PolarPipePostgres",
            dependencies: [
                "PolarPipeCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The HTTP service: upload and read API, dashboards (cached in-process or in Redis through its own RESP2
        // client), metrics, the AccessLink sync client and the scheduler, as services of one ServiceGroup. Knows no
        // database driver: storage is `PipelineStore` plus `AccountStore`.
        .target(
            name: "PolarPipeService",
            dependencies: [
                "PolarPipeCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            resources: [.copy("Resources/openapi.json")]
        ),
        // Synthetic data generator and fixtures shared by tests, the CLI's `generate` and benchmarks.
        .target(
            name: "PolarPipeTestSupport",
            dependencies: ["PolarPipeCore", .product(name: "Logging", package: "swift-log"),
                           .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            resources: [.copy("Resources/samples"), .copy("Resources/export-parts")]
        ),
        // Thin executable: argument parsing and exit codes only.
        .executableTarget(
            name: "polarpipe",
            dependencies: [
                "PolarPipeCore",
                "PolarPipeSQLite",
                "PolarPipePostgres",
                "PolarPipeService",
                "PolarPipeTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "PolarPipeCoreTests",
            dependencies: ["PolarPipeCore", "PolarPipeTestSupport",
                           .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(
            name: "PolarPipeSQLiteTests",
            dependencies: ["PolarPipeCore", "PolarPipeSQLite", "PolarPipeTestSupport",
                           .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
        // The storage contract: the same tests against SQLite and PostgreSQL.
        .testTarget(
            name: "PolarPipeStorageTests",
            dependencies: ["PolarPipeCore", "PolarPipeSQLite", "PolarPipePostgres", "PolarPipeTestSupport",
                           .product(name: "PostgresNIO", package: "postgres-nio")]
        ),
        .testTarget(
            name: "PolarPipeServiceTests",
            dependencies: ["PolarPipeCore", "PolarPipeSQLite", "PolarPipeService", "PolarPipeTestSupport",
                           .product(name: "HummingbirdTesting", package: "hummingbird"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
