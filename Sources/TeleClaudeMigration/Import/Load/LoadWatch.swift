import Foundation
import Synchronization

/// While a load runs, a second connection looks at it every two seconds, and never waits
/// longer than the load may:
/// - a lock wait: says on what and behind whom (pid, application, state, how long in its
///   transaction), once per set of blockers; the wait itself ends at `--lock-timeout`;
/// - a server that stopped answering (a frozen network path, a stopped machine: keepalives
///   see neither when the peer's kernel still answers): when the watch's own question gets
///   no answer within `--peer-timeout`, the load's socket is shut, so the call the load is
///   blocked in fails at once, and the load says the server stopped answering, in which
///   phase (`silent`).
/// Without a second connection the load goes on unwatched, and says so.
final class LoadWatch: @unchecked Sendable {
    private let stopped = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let connection: PostgresConnection
    private let pid: Int32
    private let loadSocket: Int32
    private let console: Console
    private let timeout: Double
    private let peerTimeout: Double
    private var lastBlockers = ""
    /// Set when the server stopped answering and the load's socket was shut.
    let silent = Mutex(false)

    init?(url: String, watching load: PostgresConnection, console: Console, timeout: Double, peerTimeout: Double) {
        let connectTimeout = peerTimeout > 0 ? max(2, Int(peerTimeout)) : nil
        guard let connection = try? PostgresConnection(connectionString: url, connectTimeout: connectTimeout) else {
            console.info("the load is not watched (no second connection to the server): --lock-timeout still ends lock waits, nothing detects a server that stops answering")
            return nil
        }
        self.connection = connection
        pid = load.backendPID
        loadSocket = load.socket
        self.console = console
        self.timeout = timeout
        self.peerTimeout = peerTimeout
        Thread.detachNewThread { [self] in
            while stopped.wait(timeout: .now() + 2) == .timedOut, look() {}
            self.connection.close()
            finished.signal()
        }
    }

    /// Stops watching (at COMMIT, ROLLBACK or a failure); returns once the thread is done.
    func end() {
        stopped.signal()
        finished.wait()
    }

    /// One look; false when the watch is over (the server stopped answering).
    private func look() -> Bool {
        let question = """
            SELECT b.pid, COALESCE(NULLIF(b.application_name, ''), b.usename), b.state,
                   COALESCE(extract(epoch FROM now() - b.xact_start)::bigint, 0),
                   (SELECT string_agg(DISTINCT COALESCE(c.relname, w.locktype), ', ') FROM pg_locks w
                    LEFT JOIN pg_class c ON c.oid = w.relation WHERE w.pid = $1::int AND NOT w.granted)
            FROM pg_stat_activity b WHERE b.pid = ANY(pg_blocking_pids($1::int)) ORDER BY b.pid
            """
        let found: PostgresResult?
        do {
            found = try connection.execute(question, [String(pid)], within: peerTimeout > 0 ? peerTimeout : .infinity)
        } catch {
            return true  // an error is an answer: the server is there
        }
        guard let found else {
            silent.withLock { $0 = true }
            _ = shutdown(loadSocket, Int32(SHUT_RDWR))
            return false
        }
        let rows = found.rows
        guard !rows.isEmpty else {
            lastBlockers = ""
            return true
        }
        let blockers = rows.map { "pid \($0[0] ?? "?") (\($0[1] ?? "?"), \($0[2] ?? "?"), in its transaction for \($0[3] ?? "?") s)" }
            .joined(separator: ", ")
        guard blockers != lastBlockers else { return true }
        lastBlockers = blockers
        let what = rows.first?[4].flatMap { $0 } ?? "a lock"
        let bound = timeout > 0 ? "the load gives up after --lock-timeout \(Int(timeout)) s" : "--lock-timeout 0: the load waits as long as it takes"
        console.warning("waiting for \(what) held by \(blockers); \(bound)")
        return true
    }
}
