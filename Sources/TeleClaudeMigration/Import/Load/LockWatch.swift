import Foundation

/// While the load's transaction is open, a second connection looks every two seconds at
/// whether the load's backend waits for a lock, and says on what and behind whom (pid,
/// application, state, how long in its transaction), once per set of blockers; the wait
/// itself ends at `--lock-timeout`. Without a second connection (the server allows no
/// more), the load goes on unwatched, and says so.
final class LockWatch: @unchecked Sendable {
    private let stopped = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let connection: PostgresConnection
    private let pid: Int32
    private let console: Console
    private let timeout: Double
    private var lastBlockers = ""

    init?(url: String, watching pid: Int32, console: Console, timeout: Double) {
        guard let connection = try? PostgresConnection(connectionString: url) else {
            console.info("lock waits are not watched (no second connection to the server); --lock-timeout still ends them")
            return nil
        }
        self.connection = connection
        self.pid = pid
        self.console = console
        self.timeout = timeout
        Thread.detachNewThread { [self] in
            while stopped.wait(timeout: .now() + 2) == .timedOut { look() }
            self.connection.close()
            finished.signal()
        }
    }

    /// Stops watching (at COMMIT, ROLLBACK or a failure); returns once the thread is done.
    func end() {
        stopped.signal()
        finished.wait()
    }

    private func look() {
        let found = try? connection.execute("""
            SELECT b.pid, COALESCE(NULLIF(b.application_name, ''), b.usename), b.state,
                   COALESCE(extract(epoch FROM now() - b.xact_start)::bigint, 0),
                   (SELECT string_agg(DISTINCT COALESCE(c.relname, w.locktype), ', ') FROM pg_locks w
                    LEFT JOIN pg_class c ON c.oid = w.relation WHERE w.pid = $1::int AND NOT w.granted)
            FROM pg_stat_activity b WHERE b.pid = ANY(pg_blocking_pids($1::int)) ORDER BY b.pid
            """, [String(pid)])
        guard let rows = found?.rows, !rows.isEmpty else {
            lastBlockers = ""
            return
        }
        let blockers = rows.map { "pid \($0[0] ?? "?") (\($0[1] ?? "?"), \($0[2] ?? "?"), in its transaction for \($0[3] ?? "?") s)" }
            .joined(separator: ", ")
        guard blockers != lastBlockers else { return }
        lastBlockers = blockers
        let what = rows.first?[4].flatMap { $0 } ?? "a lock"
        let bound = timeout > 0 ? "the load gives up after --lock-timeout \(Int(timeout)) s" : "--lock-timeout 0: the load waits as long as it takes"
        console.warning("waiting for \(what) held by \(blockers); \(bound)")
    }
}
