import CTCPostgres
import Foundation

/// Owns one `PGconn*` and finishes it exactly once.
public final class PostgresConnection {
    private var handle: OpaquePointer?
    /// Told of each statement once it ran (`-v`, `--log`): its text and seconds. The text
    /// only: parameters and COPY data, where values travel, are never passed on.
    public var trace: ((_ statement: String, _ seconds: Double) -> Void)?

    /// `connectionString` is any libpq connection string or URI; empty means libpq's
    /// defaults (PG* variables, the local socket, peer authentication).
    /// `connectTimeout`: seconds a connection attempt may take, unless the connection
    /// string sets its own `connect_timeout` (the string's settings win).
    /// `keepalives`: TCP keepalives that notice a dead peer within about a minute (idle
    /// 30 s, then 3 probes 10 s apart) instead of the system's two hours, unless the string
    /// sets its own; a local socket ignores them.
    public init(connectionString: String, connectTimeout: Int? = nil, keepalives: Bool = false) throws {
        var defaults: [(String, String)] = []
        if let connectTimeout { defaults.append(("connect_timeout", String(connectTimeout))) }
        if keepalives { defaults += [("keepalives", "1"), ("keepalives_idle", "30"), ("keepalives_interval", "10"), ("keepalives_count", "3")] }
        let connection: OpaquePointer?
        if !defaults.isEmpty {
            // Keywords in order, the connection string (expanded from dbname) last: what it
            // sets overrides the default given before it.
            let keywords = (defaults.map(\.0) + ["dbname"]).map { strdup($0) }
            let values = (defaults.map(\.1) + [connectionString]).map { strdup($0) }
            defer { (keywords + values).forEach { free($0) } }
            let names: [UnsafePointer<CChar>?] = keywords.map { $0.map { UnsafePointer($0) } } + [nil]
            let settings: [UnsafePointer<CChar>?] = values.map { $0.map { UnsafePointer($0) } } + [nil]
            connection = PQconnectdbParams(names, settings, 1)
        } else {
            connection = PQconnectdb(connectionString)
        }
        guard let connection, PQstatus(connection) == CONNECTION_OK else {
            let message = connection.flatMap { PQerrorMessage($0) }.map { String(cString: $0) } ?? "out of memory"
            PQfinish(connection)  // a failed connection still has to be freed
            throw PostgresError(message: Self.clean(message), sqlState: nil, statement: nil)  // one line: nothing of a row in it
        }
        handle = connection
        // The server's notices and warnings are kept here, not printed by libpq on the
        // user's terminal; whoever ran the statements says what matters (`takeNotices`).
        PQsetNoticeReceiver(connection, { argument, result in
            guard let argument, let result else { return }
            let notices = Unmanaged<Notices>.fromOpaque(argument).takeUnretainedValue()
            let severity = PQresultErrorField(result, Int32(UInt8(ascii: "V"))).map { String(cString: $0) } ?? "NOTICE"
            let message = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) } ?? ""
            notices.list.append("\(severity): \(message)")
        }, Unmanaged.passUnretained(notices).toOpaque())
    }

    /// Holds the notices libpq hands the receiver (the primary message with its severity;
    /// never DETAIL, which may quote a value).
    final class Notices {
        var list: [String] = []
    }

    private let notices = Notices()

    /// The server's notices and warnings since the last call, oldest first.
    public func takeNotices() -> [String] {
        defer { notices.list.removeAll() }
        return notices.list
    }

    deinit { close() }

    public func close() {
        guard let connection = handle else { return }
        PQfinish(connection)
        handle = nil
    }

    /// A connection option as libpq uses it (`PQconninfo`): what the string set, else the default given.
    func setting(_ keyword: String) -> String? {
        guard let options = PQconninfo(raw) else { return nil }
        defer { PQconninfoFree(options) }
        var option = options
        while let name = option.pointee.keyword {
            if String(cString: name) == keyword { return option.pointee.val.map { String(cString: $0) } }
            option += 1
        }
        return nil
    }

    /// The server process serving this connection (`pg_backend_pid()`), for what watches it.
    public var backendPID: Int32 { PQbackendPID(raw) }

    /// The connection's socket, for what watches it.
    var socket: Int32 { PQsocket(raw) }

    /// Runs one statement and waits at most `seconds` for its answer: nil when none came
    /// (the server or the way to it stopped answering; the connection is then of no more
    /// use). For a watcher, which must never hang where the load it watches would.
    func execute(_ sql: String, _ parameters: [String?] = [], within seconds: Double) throws -> PostgresResult? {
        var cStrings = parameters.map { $0.flatMap { strdup($0) } }
        defer { cStrings.forEach { free($0) } }
        let sent = cStrings.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: UnsafePointer<CChar>?.self) { values in
                PQsendQueryParams(raw, sql, Int32(parameters.count), nil, values.baseAddress, nil, nil, 0)
            }
        }
        guard sent == 1 else { return try PostgresResult(nil, connection: self, statement: sql) }
        let deadline = Self.now() + seconds
        while PQisBusy(raw) == 1 {
            let left = deadline - Self.now()
            guard left > 0 else { return nil }
            var descriptor = pollfd(fd: PQsocket(raw), events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(min(left, 1) * 1000))
            if ready < 0 && errno != EINTR { return try PostgresResult(nil, connection: self, statement: sql) }
            if ready > 0 && PQconsumeInput(raw) == 0 { return try PostgresResult(nil, connection: self, statement: sql) }
        }
        let result = PQgetResult(raw)
        while let extra = PQgetResult(raw) { PQclear(extra) }
        return try PostgresResult(result, connection: self, statement: sql)
    }

    /// Ends the connection's socket under whatever waits on it (another thread's call then
    /// fails as a lost connection): what a watcher does when the server stopped answering.
    func cutSocket() {
        guard let handle else { return }
        let descriptor = PQsocket(handle)
        if descriptor >= 0 { _ = shutdown(descriptor, Int32(SHUT_RDWR)) }
    }

    var raw: OpaquePointer {
        guard let handle else { preconditionFailure("PostgreSQL connection used after close()") }
        return handle
    }

    /// Runs one statement with text parameters (`$1`, `$2`, ...; nil is NULL).
    @discardableResult
    public func execute(_ sql: String, _ parameters: [String?] = []) throws -> PostgresResult {
        let started = trace == nil ? 0 : Self.now()
        defer { trace?(sql, Self.now() - started) }
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

    /// Runs `body` inside the savepoint `name`, released when it succeeds. When it throws an
    /// error `rollsBack` takes (by default any the server gave), what it did is rolled back
    /// to the savepoint and the error rethrown, the transaction usable again for the caller
    /// that handles it; any other error propagates as it is.
    @discardableResult
    func inSavepoint<T>(_ name: String, rollingBackOn rollsBack: (any Error) -> Bool = { $0 is PostgresError },
                        _ body: () throws -> T) throws -> T {
        try execute("SAVEPOINT \(name)")
        do {
            let value = try body()
            try execute("RELEASE SAVEPOINT \(name)")
            return value
        } catch where rollsBack(error) {
            try execute("ROLLBACK TO SAVEPOINT \(name)")
            throw error
        }
    }

    /// Starts `COPY ... FROM STDIN`; rows go through `CopyIn.send`, then `finish`.
    public func copyIn(_ sql: String) throws -> CopyIn {
        let result = try PostgresResult(PQexec(raw, sql), connection: self, statement: sql, expecting: PGRES_COPY_IN)
        result.clear()
        return CopyIn(connection: self, statement: sql)
    }

    /// Runs `COPY (...) TO STDOUT` and hands each message to `body` as it came: one row
    /// (in text format with its newline; in binary format the header comes with the first
    /// row and the trailer alone).
    ///
    /// A receiver thread takes rows from libpq into batches of about 1 MiB while `body`
    /// works through the previous batch on the calling thread, so the server keeps
    /// producing while rows are checked (at most four batches wait in between).
    public func copyOut(_ sql: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        let started = trace == nil ? 0 : Self.now()
        defer { trace?(sql, Self.now() - started) }
        let result = try PostgresResult(PQexec(raw, sql), connection: self, statement: sql, expecting: PGRES_COPY_OUT)
        result.clear()
        struct Batch: Sendable {
            var bytes: [UInt8] = []
            var ends: [Int] = []
        }
        final class Receiver: @unchecked Sendable {
            let queue = BlockingQueue<Batch>(capacity: 4)
            let finished = DispatchSemaphore(value: 0)
            var error: PostgresError?
        }
        let receiver = Receiver()
        let spares = BufferPool(limit: 6, capacity: CopyIn.bufferCapacity)
        /// The connection crosses to the receiver thread; the caller does not touch it
        /// until `finished` is signalled.
        struct Handle: @unchecked Sendable { let connection: PostgresConnection }
        let handle = Handle(connection: self)
        let thread = Thread {
            let connection = handle.connection.raw
            var batch = Batch(bytes: spares.take())
            while true {
                var buffer: UnsafeMutablePointer<CChar>?
                let count = PQgetCopyData(connection, &buffer, 0)
                if count == -1 { break }  // done; the final result follows
                if count < 0 {
                    receiver.error = PostgresError(message: handle.connection.errorMessage, sqlState: nil, statement: sql)
                    break
                }
                if let buffer {
                    let bytes = UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self)
                    batch.bytes.append(contentsOf: UnsafeBufferPointer(start: bytes, count: Int(count)))
                    batch.ends.append(batch.bytes.count)
                    PQfreemem(buffer)
                }
                if batch.bytes.count >= 1 << 20 {
                    if !receiver.queue.push(batch) { break }
                    batch = Batch(bytes: spares.take())
                }
            }
            if !batch.ends.isEmpty { receiver.queue.push(batch) }
            receiver.queue.close()
            receiver.finished.signal()
        }
        thread.name = "tc-import COPY receiver"
        thread.start()
        var failure: Error?
        while var batch = receiver.queue.pop() {
            guard failure == nil else { continue }
            batch.bytes.withUnsafeBufferPointer { all in
                var start = 0
                for end in batch.ends where failure == nil {
                    do { try body(UnsafeBufferPointer(rebasing: all[start..<end])) } catch { failure = error }
                    start = end
                }
            }
            var spent: [UInt8] = []
            swap(&spent, &batch.bytes)  // the only reference, so its storage is kept
            spares.give(consume spent)
        }
        receiver.finished.wait()
        if let error = receiver.error { throw error }
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

    /// libpq's text of the last failure, lines kept (PostgresError splits off DETAIL and CONTEXT).
    var errorMessage: String {
        (PQerrorMessage(raw).map { String(cString: $0) } ?? "unknown error").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Monotonic seconds, for the trace.
    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
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

    /// Quotes a string literal for SQL.
    public static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }
}

/// An open `COPY ... FROM STDIN`: data in, then `finish()` to learn whether the server took it.
///
/// `send` hands each buffer to a sender thread that feeds libpq, so the caller prepares
/// the next rows while the server parses the previous ones. Sending on the calling thread
/// made the two take turns: a blocking `PQputCopyData` returns only once the socket took
/// most of the buffer, and then the server waits while the next buffer is built. At most
/// `queueDepth` buffers wait in between. Nothing else may use the connection until
/// `finish()` or `abandon()` returns.
public final class CopyIn: @unchecked Sendable {
    private let connection: PostgresConnection
    private let statement: String
    private var done = false
    private let queue: BlockingQueue<[UInt8]>
    private let stopped = DispatchSemaphore(value: 0)
    private var started = false
    private let failure = FirstFailure()
    /// Buffers the sender is done with, for the caller to fill again.
    private let spares = BufferPool(limit: CopyIn.queueDepth + 2, capacity: CopyIn.bufferCapacity)

    public static let queueDepth = 4
    /// What a caller's buffer holds before it sends it (1 MiB), with room for the last row.
    public static let bufferCapacity = 1 << 20 + 1 << 16

    /// An empty buffer to fill: one the sender has finished with, when there is one.
    public func spareBuffer() -> [UInt8] { spares.take() }

    private let begun = PostgresConnection.now()

    init(connection: PostgresConnection, statement: String) {
        self.connection = connection
        self.statement = statement
        self.queue = BlockingQueue(capacity: Self.queueDepth)
    }

    deinit { abandon() }

    private var currentFailure: Error? { failure.current }

    private func startSender() {
        started = true
        let thread = Thread { [self] in
            while let bytes = queue.pop() {
                guard currentFailure == nil else { continue }
                do {
                    try bytes.withUnsafeBytes { try put($0) }
                } catch {
                    failure.record(error)
                    queue.close()
                }
                spares.give(consume bytes)
            }
            stopped.signal()
        }
        thread.name = "tc-import COPY sender"
        thread.start()
    }

    private func put(_ bytes: UnsafeRawBufferPointer) throws {
        guard !bytes.isEmpty else { return }
        let status = PQputCopyData(connection.raw, bytes.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(bytes.count))
        guard status == 1 else {
            throw PostgresError(message: connection.errorMessage, sqlState: nil, statement: statement)
        }
    }

    /// Queues a buffer for the server; throws the sender's error once it has one.
    public func send(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        if let failure = currentFailure { throw failure }
        if !started { startSender() }
        if !queue.push(bytes), let failure = currentFailure { throw failure }
    }

    /// Waits until every queued buffer went to libpq (or the sender failed).
    private func drain() throws {
        if started {
            queue.close()
            stopped.wait()
            started = false
        }
        if let failure = currentFailure { throw failure }
    }

    /// Stops the sender without ending the COPY (after a failure elsewhere); the
    /// connection is then free for the caller to close or roll back.
    public func abandon() {
        guard started else { return }
        failure.record(CancellationError())
        queue.close()
        stopped.wait()
        started = false
    }

    /// Ends the COPY (or aborts it with `abortMessage`) and drains every result.
    public func finish(abortMessage: String? = nil) throws {
        guard !done else { return }
        done = true
        defer { connection.trace?(statement, PostgresConnection.now() - begun) }
        if abortMessage == nil { try drain() } else { abandon() }
        guard PQputCopyEnd(connection.raw, abortMessage) == 1 else {
            throw PostgresError(message: connection.errorMessage, sqlState: nil, statement: statement)
        }
        var serverError: PostgresError?
        while let result = PQgetResult(connection.raw) {
            let status = PQresultStatus(result)
            if status != PGRES_COMMAND_OK && serverError == nil {
                serverError = PostgresResult.error(of: result, statement: statement)
            }
            PQclear(result)
        }
        if let serverError, abortMessage == nil { throw serverError }
    }
}
