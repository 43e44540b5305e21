/// Why an export stopped. Each case says what to do about it.
public enum ExportError: Error, CustomStringConvertible, Equatable {
    case databaseNotFound(tried: [String])
    case notSQLite(path: String, reason: String)
    case unreadable(what: String, path: String)
    /// It exists, but cannot be read (permission, not a regular file, invalid UTF-8).
    case cannotRead(what: String, path: String, reason: String, user: String)
    case invalidConfig(path: String, reason: String)
    case outputExists(path: String)
    case outputIsTerminal
    case output(path: String, reason: String)
    case changedDuringExport(path: String)
    case rowCountChanged(table: String, counted: Int64, read: Int64)
    /// `PRAGMA quick_check` found the database's pages damaged; `problems`: its first lines.
    case damagedSource(path: String, problems: [String])
    case interrupted
    /// `-t`/`-T` named tables the database does not have.
    case unknownTables([String])
    /// `--extra-db NAME=PATH` with a name that cannot name a database in the archive.
    case invalidDatabaseName(String)

    public var description: String {
        switch self {
        case .databaseNotFound(let tried):
            return "no readable TeleClaude database found. Tried, in order:\n"
                + tried.map { "  - \($0)" }.joined(separator: "\n")
                + "\nPass --db PATH or --project-root DIR."
        case .notSQLite(let path, let reason):
            return "\(path) cannot be read as an SQLite database: \(reason)"
        case .unreadable(let what, let path):
            return "the \(what) \(path) does not exist or is not readable"
        case .cannotRead(let what, let path, let reason, let user):
            return "the \(what) \(path) exists but cannot be read: \(reason) (running as user \(user)); nothing was written. Run tc-export as the user who owns the installation, or fix the file's permissions"
        case .invalidConfig(let path, let reason):
            return "\(path) is not valid YAML: \(reason)"
        case .outputExists(let path):
            return "\(path) already exists; choose another -o PATH or pass --force to replace it"
        case .outputIsTerminal:
            return "refusing to write a binary archive to a terminal; redirect standard output or use -o PATH"
        case .output(let path, let reason):
            return "cannot write the archive \(path): \(reason)"
        case .changedDuringExport(let path):
            return "\(path) was opened for writing by another process while it was read (it has no \(path)-shm, so no WAL snapshot could hold it still): the file or its \(path)-wal changed; nothing was written. Stop whatever writes it (the TeleClaude daemon), then export again"
        case .rowCountChanged(let table, let counted, let read):
            return "table '\(table)' had \(counted) rows when counted and \(read) when read in the same snapshot; nothing was written"
        case .damagedSource(let path, let problems):
            return "\(path) is damaged (PRAGMA quick_check: \(problems.prefix(5).joined(separator: "; "))\(problems.count > 5 ? "; …" : "")); "
                + "nothing was written. Its values cannot be trusted as they are: make a copy, recover what can be read "
                + "(sqlite3 COPY.db .recover | sqlite3 recovered.db) and export that with --db recovered.db, after checking it; "
                + "--no-source-check exports the damaged file as it reads"
        case .interrupted:
            return "interrupted; nothing was written at the target path"
        case .invalidDatabaseName(let name):
            return "--extra-db \(name): a database is named with ASCII letters, digits and _ (at most 64 bytes), once each, and not main or events (--events-db names that one)"
        case .unknownTables(let messages):
            return messages.joined(separator: "\n") + "\nNothing was written"
        }
    }
}
