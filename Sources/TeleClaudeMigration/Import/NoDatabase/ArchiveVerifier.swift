import Foundation

/// `tc-import verify`: every check that needs no database, over the whole archive.
public struct ArchiveVerifier {
    public struct Result: Codable, Sendable {
        public var archive: String
        public var formatVersion: String
        public var tables: Int
        public var rows: Int64
        public var members: Int
        public var decompressedBytes: Int64
        public var warnings: [String]
        public var seconds: Double
        /// With `--require-signature`: the signature that was checked.
        public var signature: SignatureInfo?

        enum CodingKeys: String, CodingKey {
            case archive
            case formatVersion = "format_version"
            case tables, rows, members
            case decompressedBytes = "decompressed_bytes"
            case warnings, seconds, signature
        }
    }

    public let source: ArchiveSource
    public let keys: ArchiveKeys
    public let console: Console

    public init(_ source: ArchiveSource, keys: ArchiveKeys = .none, console: Console) {
        self.source = source
        self.keys = keys
        self.console = console
    }

    public func run() throws -> Result {
        let started = Date()
        var reader = ArchiveReader(source, keys: keys)
        let console = self.console
        reader.onProgress = { bytes in console.progress("verifying: \(Units.bytes(bytes)) read") }
        var tally = Tally()
        defer { console.endProgress() }
        try reader.read(into: &tally)
        return Result(archive: source.displayName,
                      formatVersion: tally.version, tables: tally.tables, rows: tally.rows,
                      members: tally.members, decompressedBytes: tally.bytes, warnings: tally.warnings,
                      seconds: Date().timeIntervalSince(started), signature: tally.signature)
    }

    struct Tally: ArchiveVisitor {
        var version = ""
        var tables = 0
        var rows: Int64 = 0
        var members = 0
        var bytes: Int64 = 0
        var warnings: [String] = []
        var signature: SignatureInfo?

        mutating func signature(_ info: SignatureInfo?) throws { signature = info }

        mutating func manifest(_ manifest: Manifest, warnings: [String]) throws {
            version = manifest.formatVersion.description
            tables = manifest.tables.count
            self.warnings = warnings
        }

        mutating func endTable(_ table: TableSchema, rows: Int64) throws {
            self.rows += rows
        }

        mutating func end(summary: Summary, checksums: ChecksumList) throws {
            members = checksums.entries.count + 1
            bytes = summary.tables.reduce(0) { $0 + $1.bytes }
        }
    }
}
