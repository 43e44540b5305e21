import Foundation

/// `tc-import inspect`: what an archive holds, from its manifest and summary. It reads the
/// whole archive (the summary is at the end), so it also checks it as `verify` does.
public struct ArchiveInspector {
    public struct Report: Codable, Sendable {
        public struct Table: Codable, Sendable {
            /// As messages name it: `events.notifications` outside the main database.
            public var name: String
            public var database: String
            public var rows: Int64
            public var bytes: Int64
            public var columns: Int
            public var member: String
        }

        public var archive: String
        public var formatVersion: String
        public var createdAt: String
        public var tool: String
        public var source: Manifest.Source
        public var databases: [DatabaseEntry]
        public var tables: [Table]
        /// Tables `tc-export -t`/`-T` left out, of every database.
        public var excludedTables: [Manifest.ExcludedTable]
        public var files: [Manifest.FileEntry]
        public var warnings: [String]
        /// The export's warnings (format 1.5, `source.export_warnings`), also at the top for `--json` readers.
        public var exportWarnings: [String]
        /// Who signed it (nil: not signed); checked against `--require-signature`'s file when given.
        public var signature: SignatureInfo?

        enum CodingKeys: String, CodingKey {
            case archive
            case formatVersion = "format_version"
            case createdAt = "created_at"
            case tool, source, databases, tables
            case excludedTables = "excluded_tables"
            case files, warnings, signature
            case exportWarnings = "export_warnings"
        }
    }

    public let source: ArchiveSource
    public let keys: ArchiveKeys

    public init(_ source: ArchiveSource, keys: ArchiveKeys = .none) {
        self.source = source
        self.keys = keys
    }

    public func run() throws -> Report {
        var collector = Collector()
        try ArchiveReader(source, keys: keys).read(into: &collector)
        guard let manifest = collector.manifest, let summary = collector.summary else {
            throw ArchiveError("the archive ended before its manifest and summary were read")
        }
        let tables = zip(manifest.tables, summary.tables).map { table, written in
            Report.Table(name: table.displayName, database: table.databaseName, rows: written.rows, bytes: written.bytes,
                         columns: table.columns.count, member: table.member)
        }
        return Report(archive: source.argument, formatVersion: manifest.formatVersion.description, createdAt: manifest.createdAt,
                      tool: "\(manifest.tool.name) \(manifest.tool.version)", source: manifest.source,
                      databases: manifest.allDatabases, tables: tables, excludedTables: manifest.allExcludedTables,
                      files: manifest.files, warnings: collector.warnings, exportWarnings: manifest.source.exportWarnings ?? [],
                      signature: collector.signature)
    }

    public static func render(_ report: Report) -> String {
        var lines: [String] = []
        lines.append("archive:   \(report.archive) (format \(report.formatVersion), written by \(report.tool) at \(report.createdAt))")
        lines.append("source:    \(report.source.user) (uid \(report.source.uid)) on \(report.source.host), SQLite \(report.source.sqliteVersion)")
        for database in report.databases {
            lines.append("database:  \(database.name == DatabaseEntry.main ? "" : database.name + ": ")\(database.path)")
        }
        lines.append("config:    \(report.source.paths.config ?? "(none)")")
        lines.append(".env:      \(report.source.paths.env ?? "(none)")")
        lines.append("docs:      \(report.source.paths.docs ?? "(none)")")
        lines.append("")
        let width = max(5, report.tables.map(\.name.count).max() ?? 0)
        lines.append("table".padding(toLength: width, withPad: " ", startingAt: 0) + "        rows  columns        size")
        for table in report.tables {
            lines.append(table.name.padding(toLength: width, withPad: " ", startingAt: 0)
                         + String(repeating: " ", count: max(1, 12 - Units.count(table.rows).count)) + Units.count(table.rows)
                         + String(repeating: " ", count: max(1, 9 - String(table.columns).count)) + String(table.columns)
                         + String(repeating: " ", count: max(1, 12 - Units.bytes(table.bytes).count)) + Units.bytes(table.bytes))
        }
        let rows = report.tables.reduce(0) { $0 + $1.rows }
        let bytes = report.tables.reduce(0) { $0 + $1.bytes }
        lines.append("\(report.tables.count) tables, \(Units.count(rows)) rows, \(Units.bytes(bytes)) of data")
        if !report.excludedTables.isEmpty {
            lines.append("not in the archive (left out by tc-export -t/-T): "
                         + report.excludedTables.map { "\($0.name) (\(Units.count($0.rows)) rows)" }.joined(separator: ", "))
        }
        lines.append("")
        if report.files.isEmpty {
            lines.append("config and docs members: none")
        } else {
            lines.append("config and docs members:")
            for file in report.files { lines.append("  \(file.path)  (\(file.role), \(Units.bytes(Int64(file.size))))") }
        }
        if let signature = report.signature {
            lines.append(!signature.valid ? "signature: INVALID (key \(signature.key)): it does not cover the bytes read"
                         : "signed by \(signature.principals ?? "a key no allowed signers file was given for") (key \(signature.key))")
        } else {
            lines.append("signature: none")
        }
        let exported = report.source.exportWarningLines
        if !exported.isEmpty { lines.append("") }
        lines += exported
        for warning in report.warnings { lines.append("warning: \(warning)") }
        return lines.joined(separator: "\n") + "\n"
    }

    struct Collector: ArchiveVisitor {
        var manifest: Manifest?
        var summary: Summary?
        var warnings: [String] = []
        var signature: SignatureInfo?

        mutating func signature(_ info: SignatureInfo?) throws { signature = info }

        mutating func manifest(_ manifest: Manifest, warnings: [String]) throws {
            self.manifest = manifest
            self.warnings = warnings
        }

        mutating func end(summary: Summary, checksums: ChecksumList) throws {
            self.summary = summary
        }
    }
}
