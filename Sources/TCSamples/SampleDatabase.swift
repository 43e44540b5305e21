import CTCSQLite
import Foundation
import TeleClaudeMigration

/// Creates an SQLite database the way the TeleClaude daemon leaves one: WAL mode, the
/// sample schema, and whatever rows the caller inserts in one transaction.
public final class SampleDatabase {
    public let connection: SQLiteConnection
    private var statements: [String: SQLiteStatement] = [:]

    public init(path: String, schema: [String] = SampleSchema.statements) throws {
        try? FileManager.default.removeItem(atPath: path)
        connection = try SQLiteConnection(uri: path, path: path, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        try connection.execute("PRAGMA journal_mode = WAL")
        try connection.execute("PRAGMA synchronous = NORMAL")
        for statement in schema { try connection.execute(statement) }
    }

    public func begin() throws { try connection.execute("BEGIN") }

    public func commit() throws { try connection.execute("COMMIT") }

    /// Inserts one row; the statement is prepared once per table and column list.
    public func insert(_ table: String, _ columns: [String], _ values: [SQLiteValue]) throws {
        let key = table + "(" + columns.joined(separator: ",") + ")"
        let statement: SQLiteStatement
        if let cached = statements[key] {
            statement = cached
        } else {
            let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
            statement = try connection.prepare("INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(placeholders))")
            statements[key] = statement
        }
        try statement.run(values)
    }

    /// Checkpoints the WAL into the database file and closes, as a daemon shutdown does.
    public func close() throws {
        for statement in statements.values { statement.finalize() }
        statements.removeAll()
        try connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
    }
}
