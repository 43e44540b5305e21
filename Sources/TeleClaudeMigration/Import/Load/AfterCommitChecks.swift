import Foundation

extension Loader {
    /// What the daemon needs on its first start: the owner's sessions can be listed the way
    /// its session tools list them, and (with --daemon-check) the daemon's own check passes.
    /// Runs after COMMIT, so nothing here throws: a check that cannot run (the connection
    /// lost) is a failed check, and the load still reports what it committed (exit 3).
    /// `addedSessions` (append): only the sessions this load added are counted.
    func afterCommitChecks(_ connection: PostgresConnection, catalog: TargetCatalog, owner: String?,
                           addedSessions: (column: String, keys: String)? = nil) -> [Report.Check] {
        var checks: [Report.Check] = []
        if let person = owner, let sessions = catalog.tables[OwnershipColumns.table], sessions.column(OwnershipColumns.person) != nil {
            do {
                let listed = try connection.execute(
                    "SELECT count(*) FROM \(sessions.qualifiedName) WHERE \(OwnershipColumns.person) = $1", [person]).value(0, 0) ?? "0"
                let own = addedSessions.map { " AND \(SQLIdentifier.quote($0.column))::text = ANY($1::text[])" } ?? ""
                let unowned = try connection.execute(
                    "SELECT count(*) FROM \(sessions.qualifiedName) WHERE \(OwnershipColumns.person) IS NULL\(own)",
                    addedSessions.map { [$0.keys] } ?? []).value(0, 0) ?? "0"
                checks.append(.init(name: "owner's sessions listable", passed: unowned == "0",
                                    detail: "\(listed) session(s) listed for \(person), \(unowned) without an owner"))
            } catch {
                checks.append(.init(name: "owner's sessions listable", passed: false,
                                    detail: "the check could not run after COMMIT (\(error)); the data is committed"))
            }
        }
        if let command = options.daemonCheck {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", command]
            process.standardInput = FileHandle.nullDevice
            do {
                try process.run()
                process.waitUntilExit()
                checks.append(.init(name: "daemon check", passed: process.terminationStatus == 0,
                                    detail: "`\(command)` exited with \(process.terminationStatus)"))
            } catch {
                checks.append(.init(name: "daemon check", passed: false, detail: "`\(command)` could not start: \(error)"))
            }
        }
        return checks
    }
}
