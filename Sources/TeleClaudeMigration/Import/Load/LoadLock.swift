/// One load at a time per target database: a transaction-level advisory lock taken first
/// thing after BEGIN, held until COMMIT or ROLLBACK. A second load waits for the first
/// (saying for whom) and then sees its rows: the occupancy checks run again under the lock
/// (`Preflight.occupiedTables`), so two loads into one empty database never both commit.
enum LoadLock {
    /// The advisory lock's key, the same for every tc-import (`tc_impor`, as bytes).
    static let key: Int64 = 0x7463_5F69_6D70_6F72

    static func take(_ context: LoadContext) throws {
        let connection = context.connection
        if try connection.execute("SELECT pg_try_advisory_xact_lock($1::bigint)", [String(key)]).value(0, 0) == "t" { return }
        let holder = try connection.execute("""
            SELECT a.pid, COALESCE(NULLIF(a.application_name, ''), a.usename), COALESCE(extract(epoch FROM now() - a.xact_start)::bigint, 0)
            FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint AND l.objsubid = 1
            """, [String(key)])
        let who = holder.rows.first.map { "pid \($0[0] ?? "?"), \($0[1] ?? "?"), for \($0[2] ?? "?") s" } ?? "a session that has just ended"
        let bound = context.options.lockTimeout > 0 ? "at most \(Int(context.options.lockTimeout)) s (--lock-timeout)" : "until it ends (--lock-timeout 0)"
        context.console.info("another tc-import load into this database is running (\(who)); waiting \(bound), then checking the target again")
        try connection.execute("SELECT pg_advisory_xact_lock($1::bigint)", [String(key)])
    }
}
