import CTCPostgres

/// Owns one `PGresult*` and clears it exactly once.
public final class PostgresResult {
    private var handle: OpaquePointer?

    init(_ result: OpaquePointer?, connection: PostgresConnection, statement: String,
         expecting expected: ExecStatusType? = nil) throws {
        guard let result else {
            throw PostgresError(message: connection.errorMessage, sqlState: nil, statement: statement)
        }
        let status = PQresultStatus(result)
        let ok = expected.map { status == $0 } ?? (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
        guard ok else {
            let error = Self.error(of: result, statement: statement)
            PQclear(result)
            throw error
        }
        handle = result
    }

    deinit { clear() }

    func clear() {
        guard let result = handle else { return }
        PQclear(result)
        handle = nil
    }

    static func error(of result: OpaquePointer, statement: String) -> PostgresError {
        PostgresError(result: result, statement: statement)
    }

    public var rowCount: Int { handle.map { Int(PQntuples($0)) } ?? 0 }
    public var columnCount: Int { handle.map { Int(PQnfields($0)) } ?? 0 }

    /// The text value at (row, column), nil for NULL and for a row or column the result
    /// does not have (checked here: libpq prints "row number 0 is out of range" on the
    /// user's terminal when asked).
    public func value(_ row: Int, _ column: Int) -> String? {
        guard let result = handle, row >= 0, row < rowCount, column >= 0, column < columnCount,
              PQgetisnull(result, Int32(row), Int32(column)) == 0 else { return nil }
        return PQgetvalue(result, Int32(row), Int32(column)).map { String(cString: $0) }
    }

    /// Every row as text values.
    public var rows: [[String?]] {
        (0..<rowCount).map { row in (0..<columnCount).map { value(row, $0) } }
    }

    /// Rows affected by an INSERT/UPDATE/DELETE.
    public var affectedRows: Int {
        handle.flatMap { PQcmdTuples($0) }.flatMap { Int(String(cString: $0)) } ?? 0
    }
}
