import CTCSQLite

/// Owns one `sqlite3_stmt*` and finalizes it exactly once.
public final class SQLiteStatement {
    private var handle: OpaquePointer?
    private let connection: SQLiteConnection
    public let sql: String

    init(connection: SQLiteConnection, sql: String) throws {
        self.connection = connection
        self.sql = sql
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(connection.raw, sql, -1, &statement, nil)
        if code != SQLITE_OK {
            sqlite3_finalize(statement)
            throw SQLiteError(code: code, handle: connection.raw, path: connection.path, sql: sql)
        }
        handle = statement
    }

    deinit { finalize() }

    public func finalize() {
        guard let statement = handle else { return }
        sqlite3_finalize(statement)
        handle = nil
    }

    var raw: OpaquePointer {
        guard let handle else { preconditionFailure("SQLite statement used after finalize(): \(sql)") }
        return handle
    }

    /// Advances to the next row: `true` when a row is available, `false` when done.
    public func step() throws -> Bool {
        let code = sqlite3_step(raw)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw SQLiteError(code: code, handle: connection.raw, path: connection.path, sql: sql)
        }
    }

    /// Makes the statement ready to run again with new bindings.
    public func reset() throws {
        let code = sqlite3_reset(raw)
        try SQLiteError.check(code, connection.raw, path: connection.path, sql: sql)
        sqlite3_clear_bindings(raw)
    }

    /// Binds `values`, runs the statement to completion and resets it.
    public func run(_ values: [SQLiteValue]) throws {
        try bind(values)
        while try step() {}
        try reset()
    }

    public var columnCount: Int32 { sqlite3_column_count(raw) }

    public func bind(_ values: [SQLiteValue]) throws {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null: code = sqlite3_bind_null(raw, index)
            case .integer(let v): code = sqlite3_bind_int64(raw, index, v)
            case .real(let v): code = sqlite3_bind_double(raw, index, v)
            case .text(let bytes):
                code = bytes.withUnsafeBufferPointer {
                    sqlite3_bind_text64(raw, index, UnsafeRawPointer($0.baseAddress ?? UnsafePointer(bitPattern: 1)!)
                        .assumingMemoryBound(to: CChar.self), sqlite3_uint64($0.count), tc_sqlite_transient(), UInt8(SQLITE_UTF8))
                }
            case .blob(let bytes):
                code = bytes.withUnsafeBytes {
                    sqlite3_bind_blob64(raw, index, $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!,
                                        sqlite3_uint64($0.count), tc_sqlite_transient())
                }
            }
            try SQLiteError.check(code, connection.raw, path: connection.path, sql: sql)
        }
    }

    public func storageClass(at column: Int32) -> Int32 { sqlite3_column_type(raw, column) }
    public func int64(at column: Int32) -> Int64 { sqlite3_column_int64(raw, column) }
    public func double(at column: Int32) -> Double { sqlite3_column_double(raw, column) }

    /// The bytes of a TEXT value (UTF-8 as stored, not checked) without copying.
    public func withTextBytes<R>(at column: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let pointer = sqlite3_column_text(raw, column)  // must come before sqlite3_column_bytes
        let count = Int(sqlite3_column_bytes(raw, column))
        return try body(UnsafeBufferPointer(start: pointer, count: pointer == nil ? 0 : count))
    }

    public func withBlobBytes<R>(at column: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let pointer = sqlite3_column_blob(raw, column)
        let count = Int(sqlite3_column_bytes(raw, column))
        return try body(UnsafeBufferPointer(start: pointer?.assumingMemoryBound(to: UInt8.self), count: pointer == nil ? 0 : count))
    }

    public func value(at column: Int32) -> SQLiteValue {
        switch storageClass(at: column) {
        case SQLITE_INTEGER: return .integer(int64(at: column))
        case SQLITE_FLOAT: return .real(double(at: column))
        case SQLITE_TEXT: return .text(withTextBytes(at: column) { Array($0) })
        case SQLITE_BLOB: return .blob(withBlobBytes(at: column) { Array($0) })
        default: return .null
        }
    }

    /// The value as a Swift string, for catalogue queries (names, SQL text).
    public func string(at column: Int32) -> String? {
        guard storageClass(at: column) != SQLITE_NULL else { return nil }
        return withTextBytes(at: column) { String(decoding: $0, as: UTF8.self) }
    }
}
