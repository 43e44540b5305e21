extension Loader {
    /// The rows one table got from an `--if-exists append` load: their keys (as text, per key column).
    /// The DELETE statements that remove what an append added, children first, one per line.
    static func appendedSQL(_ appended: [AddedRows]) -> String {
        deletes(appended).map { $0 + ";\n" }.joined()
    }

    /// The statements, children first: rows were added parents first.
    static func deletes(_ appended: [AddedRows]) -> [String] { appended.reversed().map(\.delete) }

    /// Beyond this, the statements go to a file rather than into the printed step.
    static let inlineRollbackBytes = 8192

    struct AddedRows {
        var table: String
        var key: [String]
        /// The key is a renumbered integer: `keys` are ranges, [first, last], of new values.
        var renumbered: Bool
        var keys: [[String]]

        /// The statement that deletes exactly these rows.
        var delete: String {
            let columns = key.map(SQLIdentifier.quote)
            if renumbered, columns.count == 1 {
                let condition = keys.map { $0[0] == $0[1] ? "\(columns[0]) = \($0[0])" : "\(columns[0]) BETWEEN \($0[0]) AND \($0[1])" }
                return "DELETE FROM \(table) WHERE " + condition.joined(separator: " OR ")
            }
            let tuple = "(" + columns.map { $0 + "::text" }.joined(separator: ", ") + ")"
            let values = keys.map { "(" + $0.map(PostgresConnection.literal).joined(separator: ", ") + ")" }
            return "DELETE FROM \(table) WHERE \(tuple) IN (\(values.joined(separator: ", ")))"
        }
    }

    /// The way back: nothing of the old installation was touched, so going back is stopping
    /// the new daemon, emptying what the load filled, and starting the old one.
    /// `targets`: per database, its tables, the catalog of its schema and the tables the load created there.
    static func rollbackSteps(manifest: Manifest, targets: [(tables: [TableSchema], catalog: TargetCatalog, created: [String])],
                              rejects: String?, connection: String, mode: LoadOptions.IfExists = .fail,
                              appended: [AddedRows] = [], appendedFile: String? = nil, record: (schema: String, id: Int64)? = nil) -> [String] {
        let paths = manifest.source.paths
        let tables = targets.flatMap { target in
            target.tables.filter { !target.created.contains($0.name) }.compactMap { target.catalog.tables[$0.name]?.qualifiedName }
        }.joined(separator: ", ")
        let createdNames = targets.flatMap { target in target.created.compactMap { target.catalog.tables[$0]?.qualifiedName } }
        var steps = [
            "Stop the system TeleClaude daemon (for example: sudo systemctl stop teleclaude).",
            "The single-user installation was not modified: database \(paths.database)"
                + manifest.allDatabases.dropFirst().map { ", \($0.name) database \($0.path)" }.joined()
                + (paths.config.map { ", config \($0)" } ?? "") + (paths.env.map { ", .env \($0)" } ?? "")
                + (paths.docs.map { ", docs \($0)" } ?? "") + " on \(manifest.source.host), as user \(manifest.source.user).",
            "Start the single-user daemon again as \(manifest.source.user) from \(paths.projectRoot ?? "its project root"), the way it was started before the migration.",
        ]
        let truncate = "    psql \"\(connection)\" -c 'TRUNCATE \(tables.replacingOccurrences(of: "'", with: "'\\''")) RESTART IDENTITY'"
        if !createdNames.isEmpty {
            let names = createdNames.joined(separator: ", ")
            steps.append("Drop the tables this import created (--create-missing-tables):\n    psql \"\(connection)\" -c 'DROP TABLE \(names.replacingOccurrences(of: "'", with: "'\\''"))'")
        }
        switch mode {
        case _ where tables.isEmpty && !createdNames.isEmpty:
            break
        case .fail:
            steps.append("Remove what this import loaded (the tables were empty before it; every row goes and their sequences reset):\n" + truncate)
        case .replace:
            steps.append("Remove what this import loaded with the command below. The rows these tables held before were emptied by --if-exists replace: only a backup taken before the load brings them back.\n" + truncate)
        case .append:
            // Children were added after their parents: deleted before them.
            let deletes = deletes(appended).joined(separator: "; ")
            let command = appendedFile.map { "    psql \"\(connection)\" -1 -f \(FileInstaller.shellQuoted($0))" }
                ?? "    psql \"\(connection)\" -1 -c '\(deletes.replacingOccurrences(of: "'", with: "'\\''"))'"
            steps.append(appended.isEmpty
                ? "This load added no row (every archive row was already there)."
                : "Remove exactly the rows this load added (every other row, the first person's included, stays as it was), in one transaction:\n" + command)
        case .merge:
            steps.append("This load merged into tables that already held rows: do not TRUNCATE them. To undo it, restore the backup taken before the load; the rows it inserted are the archive rows whose keys were new (see the inserted counts above).")
        }
        if let record {
            let delete = "DELETE FROM \(LoadRecord.qualified(record.schema)) WHERE id = \(record.id)"
            steps.append("Remove this load from the target's record of loads (so a later load does not take its rows for present):\n    psql \"\(connection)\" -c '\(delete.replacingOccurrences(of: "'", with: "'\\''"))'")
        }
        if let appendedFile { steps.append("Then delete \(appendedFile) (it names the keys of the rows this load added).") }
        if let rejects { steps.append("Delete the rejects file \(rejects) (it holds rows of the archive, possibly secrets).") }
        return steps
    }
}
