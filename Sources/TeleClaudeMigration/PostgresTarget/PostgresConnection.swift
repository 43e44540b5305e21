import CTCPostgres
import Foundation

/// Owns one `PGconn*` and finishes it exactly once.
public final class PostgresConnection {
    private var handle: OpaquePointer?

    /// `connectionString` is any libpq connection string or URI; empty means libpq's
    /// defaults (PG* variables, the local socket, peer authentication).
    public init(connectionString: String) throws {
        let connection = PQconnectdb(connectionString)
        guard let connection, PQstatus(connection) == CONNECTION_OK else {
            let message = connection.flatMap { PQerrorMessage($0) }.map { String(cString: $0) } ?? "out of memory"
            PQfinish(connection)  // a failed connection still has to be freed
            throw PostgresError(message: Self.clean(message), sqlState: nil, statement: nil)
        }
        handle = connection
    }

    deinit { close() }

    public func close() {
        guard let connection = handle else { return }
        PQfinish(connection)
        handle = nil
    }

    var raw: OpaquePointer {
        guard let handle else { preconditionFailure("PostgreSQL connection used after close()") }
        return handle
    }

    /// Runs one statement with text parameters (`$1`, `$2`, ...; nil is NULL).
    @discardableResult
    public func execute(_ sql: String, _ parameters: [String?] = []) throws -> PostgresResult {
        let result: OpaquePointer?
        if parameters.isEmpty {
            result = PQexec(raw, sql)
        } else {
            var cStrings = parameters.map { $0.flatMap { strdup($0) } }
            defer { cStrings.forEach { free($0) } }
            result = cStrings.withUnsafeMutableBufferPointer { buffer in
                buffer.withMemoryRebound(to: UnsafePointer<CChar>?.self) { values in
                    PQexecParams(raw, sql, Int32(parameters.count), nil, values.baseAddress, nil, nil, 0)
                }
            }
        }
        return try PostgresResult(result, connection: self, statement: sql)
    }

    /// Starts `COPY ... FROM STDIN`; rows go through `CopyIn.send`, then `finish`.
    public func copyIn(_ sql: String) throws -> CopyIn {
        let result = try PostgresResult(PQexec(raw, sql), connection: self, statement: sql, expecting: PGRES_COPY_IN)
        result.clear()
        return CopyIn(connection: self, statement: sql)
    }

    /// Runs `COPY (...) TO STDOUT` and hands each row (without its newline) to `body`.
    public func copyOut(_ sql: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        let result = try PostgresResult(PQexec(raw, sql), connection: self, statement: sql, expecting: PGRES_COPY_OUT)
        result.clear()
        var failure: Error?
        while true {
            var buffer: UnsafeMutablePointer<CChar>?
            let count = PQgetCopyData(raw, &buffer, 0)
            if count == -1 { break }  // done; the final result follows
            if count < 0 {
                throw PostgresError(message: errorMessage, sqlState: nil, statement: sql)
            }
            defer { PQfreemem(buffer) }
            if failure == nil, let buffer {
                let bytes = UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self)
                let length = count > 0 && bytes[Int(count) - 1] == 0x0A ? Int(count) - 1 : Int(count)
                do { try body(UnsafeBufferPointer(start: bytes, count: length)) } catch { failure = error }
            }
        }
        var serverError: PostgresError?
        while let result = PQgetResult(raw) {
            if PQresultStatus(result) != PGRES_COMMAND_OK, serverError == nil {
                serverError = PostgresResult.error(of: result, statement: sql)
            }
            PQclear(result)
        }
        if let serverError { throw serverError }
        if let failure { throw failure }
    }

    var errorMessage: String {
        Self.clean(PQerrorMessage(raw).map { String(cString: $0) } ?? "unknown error")
    }

    static func clean(_ message: String) -> String {
        message.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: "; ")
    }

    /// The connection string without its password (and other secrets), for messages.
    public static func redacted(_ connectionString: String) -> String {
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(connectionString, &error) else {
            PQfreemem(error)
            return "(connection string)"
        }
        defer { PQconninfoFree(options) }
        var parts: [String] = []
        var option = options
        while let keyword = option.pointee.keyword {
            let key = String(cString: keyword)
            if let value = option.pointee.val, !["password", "sslpassword", "passfile"].contains(key) {
                let text = String(cString: value)
                let quoted = text.contains(where: { $0 == " " || $0 == "'" || $0 == "\\" }) || text.isEmpty
                    ? "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'" : text
                parts.append("\(key)=\(quoted)")
            }
            option += 1
        }
        return parts.joined(separator: " ")
    }

    /// Quotes an identifier (table, column) for SQL: never splice a name unquoted.
    public static func quote(_ identifier: String) -> String { SQLIdentifier.quote(identifier) }

    /// Quotes a string literal for SQL.
    public static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }
}

/// An open `COPY ... FROM STDIN`: data in, then `finish()` to learn whether the server took it.
public final class CopyIn {
    private let connection: PostgresConnection
    private let statement: String
    private var done = false

    init(connection: PostgresConnection, statement: String) {
        self.connection = connection
        self.statement = statement
    }

    public func send(_ bytes: UnsafeRawBufferPointer) throws {
        guard !bytes.isEmpty else { return }
        let status = PQputCopyData(connection.raw, bytes.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(bytes.count))
        guard status == 1 else {
            throw PostgresError(message: connection.errorMessage, sqlState: nil, statement: statement)
        }
    }

    public func send(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try send($0) }
    }

    /// Ends the COPY (or aborts it with `abortMessage`) and drains every result.
    public func finish(abortMessage: String? = nil) throws {
        guard !done else { return }
        done = true
        guard PQputCopyEnd(connection.raw, abortMessage) == 1 else {
            throw PostgresError(message: connection.errorMessage, sqlState: nil, statement: statement)
        }
        var failure: PostgresError?
        while let result = PQgetResult(connection.raw) {
            let status = PQresultStatus(result)
            if status != PGRES_COMMAND_OK && failure == nil {
                failure = PostgresResult.error(of: result, statement: statement)
            }
            PQclear(result)
        }
        if let failure, abortMessage == nil { throw failure }
    }
}
