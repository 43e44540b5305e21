/// One SQLite database of an archive (format 1.3, `databases`): the installation's main
/// database first, then others such as TeleClaude's `events.db`.
public struct DatabaseEntry: Codable, Sendable, Equatable {
    /// `main` for the first; ASCII letters, digits and `_`, at most 64 bytes.
    public var name: String
    /// The absolute path it was read from.
    public var path: String
    public var sqliteVersion: String
    public var databaseEncoding: String
    public var userVersion: Int64
    public var excludedTables: [Manifest.ExcludedTable]?
    /// How it was read (the writer's words, for people).
    public var snapshot: String?

    public static let main = "main"
    /// The feature an archive of more than one database requires (format-spec.md, 10).
    public static let multipleDatabasesFeature = "multiple_databases"

    enum CodingKeys: String, CodingKey {
        case name, path
        case sqliteVersion = "sqlite_version"
        case databaseEncoding = "database_encoding"
        case userVersion = "user_version"
        case excludedTables = "excluded_tables"
        case snapshot
    }

    /// Whether `name` can name a database: ASCII letters, digits and `_`, 1 to 64 bytes.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F }
    }
}
