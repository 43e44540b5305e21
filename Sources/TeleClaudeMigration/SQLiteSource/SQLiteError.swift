import CTCSQLite

/// A failure reported by SQLite, with the path and statement it happened on.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String
    public let path: String
    public let sql: String?

    public var description: String {
        var text = "SQLite error \(code) on \(path): \(message)"
        if let sql { text += " (while running: \(sql))" }
        return text
    }

    static func check(_ code: Int32, _ handle: OpaquePointer?, path: String, sql: String? = nil) throws {
        guard code != SQLITE_OK else { return }
        throw SQLiteError(code: code, handle: handle, path: path, sql: sql)
    }

    init(code: Int32, handle: OpaquePointer?, path: String, sql: String?) {
        self.code = code
        self.message = handle.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
            ?? sqlite3_errstr(code).map { String(cString: $0) } ?? "unknown error"
        self.path = path
        self.sql = sql
    }
}
