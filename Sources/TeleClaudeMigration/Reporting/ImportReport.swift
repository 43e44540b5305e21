import Foundation

/// Result lines of `tc-import`, as text or JSON.
public enum ImportReport {
    public static func text(_ result: ArchiveVerifier.Result) -> String {
        "\(result.archive): OK (format \(result.formatVersion), \(result.tables) tables, \(Units.count(result.rows)) rows, "
            + "\(result.members) members, \(Units.bytes(result.decompressedBytes)) of data, checked in \(Units.seconds(result.seconds)))"
            + (result.signature.map { "; signed by \($0.principals ?? "?") (key \($0.key))" } ?? "")
    }

    public static func text(_ report: Loader.Report) -> String {
        let into = report.databases.count > 1
            ? "schemas " + report.databases.map { "\($0.schema) (database \($0.name))" }.joined(separator: ", ")
            : "schema \(report.schema)"
        var lines = [report.dryRun
            ? "dry run: \(report.tables.count) tables loaded into \(into) and checked in \(Units.seconds(report.seconds)), then rolled back; nothing was changed"
            : "committed: \(report.tables.count) tables into \(into) in \(Units.seconds(report.seconds))", ""]
        let width = max(5, report.tables.map(\.name.count).max() ?? 0)
        lines.append("table".padding(toLength: width, withPad: " ", startingAt: 0) + "     archive      loaded    rejected     skipped")
        func cell(_ value: Int64) -> String { String(repeating: " ", count: max(1, 12 - Units.count(value).count)) + Units.count(value) }
        for table in report.tables {
            lines.append(table.name.padding(toLength: width, withPad: " ", startingAt: 0) + cell(table.rows) + cell(table.loaded) + cell(table.rejected) + cell(table.skipped))
        }
        if !report.leftOut.isEmpty {
            lines.append(Loader.Report.LeftOut.list(report.leftOut))
        }
        for table in report.tables where table.conflicts > 0 {
            let kept = table.conflicts - table.updated
            lines.append("\(table.name): \(Units.count(table.conflicts)) row(s) already in the target under the same key with other values: "
                + (table.updated > 0 ? "\(Units.count(table.updated)) given the archive's values (--on-conflict take-archive)" : "")
                + (table.updated > 0 && kept > 0 ? ", " : "")
                + (kept > 0 ? "\(Units.count(kept)) kept as the target had them (--on-conflict keep-target)" : ""))
        }
        let changes = report.tables.flatMap { table in table.changed.map { (table.name, $0) } }
        if !changes.isEmpty {
            lines.append("")
            for (table, change) in changes {
                lines.append("\(table).\(change.column): \(Units.count(change.count)) value(s) changed (\(change.change.rawValue)), accepted by --allow-change")
            }
        }
        if !report.renamed.isEmpty {
            lines.append("")
            lines.append("renamed for PostgreSQL, whose names hold 63 bytes: " + report.renamed.map { "\($0.kind) \($0.archive) → \($0.target)" }.joined(separator: ", "))
        }
        if !report.createdTables.isEmpty {
            lines.append("")
            lines.append("created by --create-missing-tables: \(report.createdTables.joined(separator: ", "))")
            for note in report.creationNotes { lines.append("  note: \(note)") }
        }
        if let rejects = report.rejects {
            lines.append("")
            lines.append("rejected rows were written whole to \(rejects)")
        } else if report.dryRun, report.tables.contains(where: { $0.rejected > 0 }) {
            lines.append("")
            lines.append("the real load would reject the rows counted above (this dry run wrote no rejects file)")
        }
        if !report.sequences.isEmpty {
            lines.append("")
            lines.append("sequences set: " + report.sequences.map { "\($0.sequence) = \($0.value)" }.joined(separator: ", "))
        }
        if let signature = report.signature {
            lines.append("signature checked: signed by \(signature.principals ?? "?") (key \(signature.key)), over every byte read")
        }
        let verified = report.tables.reduce(0) { $0 + $1.verified }
        if report.verification == "counts" {
            lines.append("row counts checked: every table holds its archive rows less the rejected ones; values were not read back (--verify counts)")
        } else if verified == 0, report.tables.contains(where: { $0.skipped + $0.conflicts + $0.loaded > 0 && $0.verified == 0 }),
                  report.tables.allSatisfy({ $0.verified == 0 }) {
            lines.append("counts checked: every archive row inserted, already there, in conflict or rejected; values were not read back (--if-exists merge and append compare each row with the target's by key instead)")
        } else {
            lines.append("content verified: \(Units.count(verified)) rows read back inside the transaction, every value equal to the archive's")
        }
        if let seconds = report.analyzeSeconds {
            lines.append("statistics gathered (ANALYZE of the loaded tables, inside the transaction) in \(Units.seconds(seconds))"
                + (report.analyzeSkipped.isEmpty ? "" : "; not of \(report.analyzeSkipped.joined(separator: ", ")), which another role owns (ANALYZE by their owner, or autovacuum, gathers them)"))
        }
        lines.append("sessions given an owner: \(report.ownershipUpdated)" + (report.owner.map { " (\($0))" } ?? ""))
        if !report.indexesBuiltAfterData.isEmpty {
            lines.append("indexes built after their table's rows (--keep-indexes keeps them in place): \(report.indexesBuiltAfterData.joined(separator: ", "))")
        }
        if let method = report.toastCompression {
            lines.append("large values compressed with \(method) (--toast-compression server keeps the server's default_toast_compression)")
        }
        if let files = report.files {
            lines.append("configuration and docs:")
            lines += files.lines
        }
        for check in report.checks {
            lines.append("check \(check.passed ? "passed" : "FAILED"): \(check.name): \(check.detail)")
        }
        if !report.exportWarningLines.isEmpty {
            lines.append("")
            lines += report.exportWarningLines
        }
        guard !report.dryRun else { return lines.joined(separator: "\n") }
        lines.append("")
        lines.append("To roll back:")
        for (number, step) in report.rollback.enumerated() { lines.append("  \(number + 1). \(step)") }
        return lines.joined(separator: "\n")
    }

    /// `load -q`: the outcome line, and each check that failed.
    public static func summary(_ report: Loader.Report) -> String {
        let first = text(report).split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
        return ([first] + report.checks.filter { !$0.passed }.map { "check FAILED: \($0.name): \($0.detail)" }).joined(separator: "\n")
    }

    /// The report as the one JSON object of `--json`, with `ok`, `verdict` and `exit_status`.
    public static func json<T: JSONReport>(_ report: T) throws -> String {
        String(decoding: try CanonicalJSON.encode(JSONOutput(report: report)), as: UTF8.self)
    }

    /// The one shape of a failure under `--json`, on standard output: `ok` false and an
    /// `error` object with the message and, for an archive, why it failed.
    /// The JSON failure's `reason`: the kind of error that stopped the command (a load's
    /// `Stopped` by what stopped it).
    static func failureReason(_ error: Error) -> String {
        switch error {
        case let error as ArchiveError: error.reason.rawValue
        case is Loader.Failure: "refused"
        case is PostgresError: "database"
        case let stopped as Loader.Stopped: failureReason(stopped.cause)
        default: "failed"
        }
    }

    public static func jsonFailure(archive: String?, error: Error, exitStatus: Int32 = 1) -> String {
        struct Failure: Encodable {
            struct Details: Encodable { var message: String; var reason: String }
            var archive: String?
            var ok = false
            var verdict = "failed"
            var exitStatus: Int32
            var error: Details
            enum CodingKeys: String, CodingKey { case archive, ok, verdict, exitStatus = "exit_status", error }
        }
        let reason = Self.failureReason(error)
        return (try? CanonicalJSON.encode(Failure(archive: archive, exitStatus: exitStatus, error: .init(message: "\(error)", reason: reason))))
            .map { String(decoding: $0, as: UTF8.self) } ?? "{\"ok\":false}\n"
    }
}
