/// One exported table as the manifest describes it: its SQLite schema, where its
/// data lives in the archive, and how many rows it has.
public struct TableSchema: Codable, Sendable, Equatable {
    public var name: String
    /// Since 1.3: the database it belongs to; nil is the first (`main`).
    public var database: String?
    /// Data members are `<member>/000000.ndjson`, `<member>/000001.ndjson`, ...
    public var member: String
    public var rows: Int64
    public var columns: [Column]
    /// Column names of the primary key in key order; empty when the table has none.
    public var primaryKey: [String]
    /// True when the primary key is an alias of the rowid (`INTEGER PRIMARY KEY`).
    public var rowidAlias: Bool
    public var withoutRowid: Bool
    public var strict: Bool
    public var autoincrement: Bool
    /// The `sqlite_sequence` high-water mark, when the table has one.
    public var sequence: Int64?
    public var uniqueConstraints: [[String]]
    public var indexes: [Index]
    public var foreignKeys: [ForeignKey]
    public var createSQL: String
    /// The ORDER BY the exporter used: `rowid` or the primary key columns.
    public var rowOrder: [String]

    /// The database's name, `main` for the first.
    public var databaseName: String { database ?? DatabaseEntry.main }
    /// How messages name it: `notifications` in the main database, `events.notifications` in another.
    public var displayName: String { database.map { "\($0).\(name)" } ?? name }

    enum CodingKeys: String, CodingKey {
        case name, database, member, rows, columns
        case primaryKey = "primary_key"
        case rowidAlias = "rowid_alias"
        case withoutRowid = "without_rowid"
        case strict, autoincrement, sequence
        case uniqueConstraints = "unique_constraints"
        case indexes
        case foreignKeys = "foreign_keys"
        case createSQL = "create_sql"
        case rowOrder = "row_order"
    }

    public struct Column: Codable, Sendable, Equatable {
        public var name: String
        public var declaredType: String
        public var notNull: Bool
        /// The default as SQL text, exactly as declared (`CURRENT_TIMESTAMP`, `'x'`, `0`).
        public var defaultSQL: String?
        /// 1-based position in the primary key, 0 when not part of it.
        public var primaryKeyPosition: Int
        /// `virtual` or `stored` for a generated column (format 1.1), nil for an ordinary one.
        public var generated: String?
        /// A generated column's expression as written in CREATE TABLE, when it was found.
        public var generationSQL: String?

        public init(name: String, declaredType: String, notNull: Bool, defaultSQL: String?, primaryKeyPosition: Int,
                    generated: String? = nil, generationSQL: String? = nil) {
            self.name = name
            self.declaredType = declaredType
            self.notNull = notNull
            self.defaultSQL = defaultSQL
            self.primaryKeyPosition = primaryKeyPosition
            self.generated = generated
            self.generationSQL = generationSQL
        }

        enum CodingKeys: String, CodingKey {
            case name
            case declaredType = "declared_type"
            case notNull = "not_null"
            case defaultSQL = "default_sql"
            case primaryKeyPosition = "primary_key_position"
            case generated
            case generationSQL = "generation_sql"
        }
    }

    public struct Index: Codable, Sendable, Equatable {
        public var name: String
        public var unique: Bool
        /// `c` CREATE INDEX, `u` UNIQUE constraint, `pk` PRIMARY KEY, as `PRAGMA index_list` says.
        public var origin: String
        public var partial: Bool
        /// Column names; an expression column is recorded as `null`.
        public var columns: [String?]
        public var sql: String?
    }

    public struct ForeignKey: Codable, Sendable, Equatable {
        public var columns: [String]
        public var referencedTable: String
        /// Empty when the reference names no columns (it then means the parent's primary key).
        public var referencedColumns: [String]
        public var onUpdate: String
        public var onDelete: String
        public var match: String

        enum CodingKeys: String, CodingKey {
            case columns
            case referencedTable = "referenced_table"
            case referencedColumns = "referenced_columns"
            case onUpdate = "on_update"
            case onDelete = "on_delete"
            case match
        }
    }
}
