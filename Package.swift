// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "tc-migrate",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tc-export", targets: ["tc-export"]),
        .executable(name: "tc-import", targets: ["tc-import"]),
        .executable(name: "tc-sample", targets: ["tc-sample"]),
        .executable(name: "tc-fuzz", targets: ["tc-fuzz"]),
        .library(name: "TeleClaudeMigration", targets: ["TeleClaudeMigration"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    ],
    targets: [
        // MARK: - C libraries, each behind a prefixed shim module
        .systemLibrary(
            name: "CTCSQLite", path: "Sources/CTCSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(
            name: "CTCPostgres", path: "Sources/CTCPostgres", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]),
        .systemLibrary(
            name: "CTCArchive", path: "Sources/CTCArchive", pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"])]),

        // UTF-8 validation and JSON-escape detection with AVX2 (text_check.c says why it is hand-written).
        .target(name: "CTCText", path: "Sources/CTCText"),

        // MARK: - All logic
        .target(
            name: "TeleClaudeMigration",
            dependencies: [
                "CTCSQLite", "CTCPostgres", "CTCArchive", "CTCText",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]),
        .target(name: "TCSamples", dependencies: ["CTCSQLite", "TeleClaudeMigration"]),

        // MARK: - The commands (option parsing into the core's configuration), and thin executables
        .target(
            name: "TCCommands",
            dependencies: ["TeleClaudeMigration", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // ArgumentParser named here too: its generate-manual plugin only documents executables
        // that depend on it directly (scripts/install makes the man pages with it).
        .executableTarget(name: "tc-export", dependencies: ["TCCommands", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "tc-import", dependencies: ["TCCommands", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // Both commands in one binary, chosen by the name it runs as (the release archive's).
        .executableTarget(name: "tc-migrate", dependencies: ["TCCommands", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(
            name: "tc-sample",
            dependencies: ["TCSamples", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // The libFuzzer entry points (scripts/fuzz), or a corpus replayer in normal builds.
        .executableTarget(
            name: "tc-fuzz", dependencies: ["TeleClaudeMigration"],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]),

        .testTarget(
            name: "TeleClaudeMigrationTests",
            dependencies: ["TeleClaudeMigration", "TCSamples", "TCCommands", "CTCSQLite",
                           .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Crypto", package: "swift-crypto")]),
    ],
    swiftLanguageModes: [.v6]
)
