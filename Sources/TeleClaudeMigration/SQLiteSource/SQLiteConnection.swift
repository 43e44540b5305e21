import CTCSQLite

/// Owns one `sqlite3*` handle, opened read-only, and closes it exactly once.
public final class SQLiteConnection {
    public let path: String
    private var handle: OpaquePointer?

    /// Opens `uri` (a `file:` URI) with `SQLITE_OPEN_READONLY | SQLITE_OPEN_URI`.
    /// `path` is the plain file path, used in error messages.
    public init(uri: String, path: String, flags: Int32 = SQLITE_OPEN_READONLY | SQLITE_OPEN_URI) throws {
        self.path = path
        var db: OpaquePointer?
        let code = sqlite3_open_v2(uri, &db, flags | SQLITE_OPEN_NOMUTEX, nil)
        if code != SQLITE_OK {
            let error = SQLiteError(code: code, handle: db, path: path, sql: nil)
            sqlite3_close_v2(db)  // a failed open still allocates a handle
            throw error
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
    }

    deinit { close() }

    public func close() {
        guard let db = handle else { return }
        sqlite3_close_v2(db)
        handle = nil
    }

    var raw: OpaquePointer {
        guard let handle else { preconditionFailure("SQLite connection to \(path) used after close()") }
        return handle
    }

    public func prepare(_ sql: String) throws -> SQLiteStatement {
        try SQLiteStatement(connection: self, sql: sql)
    }

    public func execute(_ sql: String) throws {
        let code = sqlite3_exec(raw, sql, nil, nil, nil)
        try SQLiteError.check(code, raw, path: path, sql: sql)
    }

    /// Runs `sql` and returns every row as values; for small catalogue queries only.
    public func rows(_ sql: String, _ arguments: [SQLiteValue] = []) throws -> [[SQLiteValue]] {
        let statement = try prepare(sql)
        defer { statement.finalize() }
        try statement.bind(arguments)
        var result: [[SQLiteValue]] = []
        while try statement.step() {
            result.append((0..<statement.columnCount).map { statement.value(at: $0) })
        }
        return result
    }

    public var busyTimeoutMilliseconds: Int32 = 0 {
        didSet { sqlite3_busy_timeout(raw, busyTimeoutMilliseconds) }
    }

    public static var libraryVersion: String { String(cString: sqlite3_libversion()) }
}
