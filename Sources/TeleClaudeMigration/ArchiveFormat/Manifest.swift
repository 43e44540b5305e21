import Foundation

/// `manifest.json`, the first member of every archive: what was exported, from where,
/// and the full schema, so a streaming reader can plan before any data arrives.
/// Field names and meaning are defined in `format-spec.md`; unknown fields are ignored
/// when reading, so later minor versions may add fields.
public struct Manifest: Codable, Sendable, Equatable {
    public var format: String
    public var formatVersion: FormatVersion
    public var requiredFeatures: [String]
    public var tool: Tool
    public var createdAt: String
    public var source: Source
    /// Since 1.3: every database read, the first being the main one (nil in older archives).
    public var databases: [DatabaseEntry]?
    public var tables: [TableSchema]
    /// Views and triggers, kept for reference; they are not data.
    public var otherSchema: [SchemaObject]
    /// Non-table members (config, docs), in archive order. Empty in archives without them.
    public var files: [FileEntry]

    public static let formatName = "teleclaude-migration-archive"

    enum CodingKeys: String, CodingKey {
        case format
        case formatVersion = "format_version"
        case requiredFeatures = "required_features"
        case tool
        case createdAt = "created_at"
        case source, databases, tables
        case otherSchema = "other_schema"
        case files
    }

    public init(formatVersion: FormatVersion = .current, tool: Tool, createdAt: String, source: Source,
                tables: [TableSchema], otherSchema: [SchemaObject], files: [FileEntry]) {
        self.format = Manifest.formatName
        self.formatVersion = formatVersion
        self.requiredFeatures = []
        self.tool = tool
        self.createdAt = createdAt
        self.source = source
        self.tables = tables
        self.otherSchema = otherSchema
        self.files = files
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        format = try c.decode(String.self, forKey: .format)
        formatVersion = try c.decode(FormatVersion.self, forKey: .formatVersion)
        requiredFeatures = try c.decodeIfPresent([String].self, forKey: .requiredFeatures) ?? []
        tool = try c.decode(Tool.self, forKey: .tool)
        createdAt = try c.decode(String.self, forKey: .createdAt)
        source = try c.decode(Source.self, forKey: .source)
        databases = try c.decodeIfPresent([DatabaseEntry].self, forKey: .databases)
        tables = try c.decode([TableSchema].self, forKey: .tables)
        otherSchema = try c.decodeIfPresent([SchemaObject].self, forKey: .otherSchema) ?? []
        files = try c.decodeIfPresent([FileEntry].self, forKey: .files) ?? []
    }

    public struct Tool: Codable, Sendable, Equatable {
        public var name: String
        public var version: String
    }

    /// A table of the source database the export was told to leave out, with its row count.
    public struct ExcludedTable: Codable, Sendable, Equatable {
        public var name: String
        public var rows: Int64
    }

    public struct Source: Codable, Sendable, Equatable {
        public var host: String
        public var user: String
        public var uid: Int
        public var paths: DetectedPaths
        public var sqliteVersion: String
        /// `PRAGMA encoding` of the database: TEXT bytes in the archive are always UTF-8 as
        /// SQLite returns them, whatever the database stores.
        public var databaseEncoding: String
        public var userVersion: Int64
        /// Since 1.2: the database's tables `-t`/`-T` left out of the archive (absent: none).
        public var excludedTables: [ExcludedTable]?
        /// Since 1.5: the warnings the export gave its user, for whoever loads the archive
        /// (absent: none, or an older writer). Names, never values.
        public var exportWarnings: [String]?

        enum CodingKeys: String, CodingKey {
            case host, user, uid, paths
            case sqliteVersion = "sqlite_version"
            case databaseEncoding = "database_encoding"
            case userVersion = "user_version"
            case excludedTables = "excluded_tables"
            case exportWarnings = "export_warnings"
        }

        /// The export's warnings as report lines: `inspect`, `plan` and the load's report say
        /// them again to whoever loads the archive, who did not see the export.
        public var exportWarningLines: [String] {
            guard let warnings = exportWarnings, !warnings.isEmpty else { return [] }
            return ["warnings tc-export gave \(user) on \(host) (said again here):"] + warnings.map { "  - " + $0 }
        }
    }

    public struct DetectedPaths: Codable, Sendable, Equatable {
        public var projectRoot: String?
        public var database: String
        public var config: String?
        public var env: String?
        public var docs: String?

        enum CodingKeys: String, CodingKey {
            case projectRoot = "project_root"
            case database, config, env, docs
        }
    }

    public struct SchemaObject: Codable, Sendable, Equatable {
        public var type: String
        public var name: String
        public var table: String
        public var sql: String?
        /// Since 1.3: its database; nil is the first.
        public var database: String?
    }

    /// The databases of the archive, in order: as listed (1.3), or the one database of an
    /// older archive, described by `source`.
    public var allDatabases: [DatabaseEntry] {
        databases ?? [DatabaseEntry(name: DatabaseEntry.main, path: source.paths.database, sqliteVersion: source.sqliteVersion,
                                    databaseEncoding: source.databaseEncoding, userVersion: source.userVersion,
                                    excludedTables: source.excludedTables, snapshot: nil)]
    }

    /// The tables `tc-export -t`/`-T` left out, of every database, named as messages name
    /// them (`events.NAME` outside the main database).
    public var allExcludedTables: [ExcludedTable] {
        allDatabases.flatMap { database in
            (database.excludedTables ?? []).map {
                ExcludedTable(name: database.name == DatabaseEntry.main ? $0.name : "\(database.name).\($0.name)", rows: $0.rows)
            }
        }
    }

    /// The tables of one database, in archive order.
    public func tables(of database: String) -> [TableSchema] {
        tables.filter { $0.databaseName == database }
    }

    public struct FileEntry: Codable, Sendable, Equatable {
        public var path: String
        public var role: String
        public var size: Int
        public var sha256: String
    }
}

/// `major.minor`. A reader refuses another major version; see format-spec.md for minors.
public struct FormatVersion: Codable, Sendable, Equatable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public static let current = FormatVersion(major: 1, minor: 5)

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]),
              major >= 0, minor >= 0, parts.allSatisfy({ $0.allSatisfy(\.isASCII) }) else { return nil }
        self.init(major: major, minor: minor)
    }

    public var description: String { "\(major).\(minor)" }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let version = FormatVersion(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "format_version '\(text)' is not MAJOR.MINOR"))
        }
        self = version
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    public static func < (a: FormatVersion, b: FormatVersion) -> Bool {
        (a.major, a.minor) < (b.major, b.minor)
    }
}
