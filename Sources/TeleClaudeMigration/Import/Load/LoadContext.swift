import Foundation

/// What every part of one load shares, passed down from `Loader.run` to each database and
/// table: the connection, the load's options, the console and progress, the rejects file,
/// how rows are named, the JSON validator, and the outcome so far. Per-database and
/// per-table values (`DatabaseLoad`, `LoadTransaction`, `TableLoad`) hold only what is theirs.
final class LoadContext {
    /// The load's connection; after a COMMIT whose answer was lost, the one that asked.
    private(set) var connection: PostgresConnection
    /// The load's options; `options(for:)` gives them as one database of the archive applies them.
    let options: LoadOptions
    let console: Console
    let progress: LoadProgress
    /// `--on-error reject`: where rejected rows go; nil in rollback mode.
    let rejects: RejectsFile?
    let naming: RowNaming
    /// Validates (and hashes) JSON values; reused for every one.
    let json = JSONHasher()
    /// What the load has done to the target so far.
    let outcome: LoadOutcome
    /// Append: the temporary table mapping each renumbered table's archive keys to its new
    /// ones, by `mapKey`; children loaded later rewrite their references through it.
    var keyMaps: [String: String] = [:]

    static func mapKey(database: String, table: String) -> String { database + "\u{1F}" + table }

    /// Watches the load from a second connection (lock waits, a server that stops answering).
    private var watch: LoadWatch?
    /// The watch found the server silent for `--peer-timeout` and shut the load's socket.
    private(set) var serverStoppedAnswering = false

    init(connection: PostgresConnection, options: LoadOptions, console: Console, rejects: RejectsFile?) {
        self.connection = connection
        self.options = options
        self.console = console
        self.rejects = rejects
        naming = RowNaming(showValues: options.showValues)
        progress = LoadProgress(console: console, style: options.progress, totalRows: 0)
        outcome = LoadOutcome(dryRun: options.dryRun)
    }

    /// Watches the load's connection until `endWatch`.
    func watchLoad() {
        watch = LoadWatch(url: options.databaseURL, watching: connection, console: console, timeout: options.lockTimeout,
                          peerTimeout: options.peerTimeout)
    }

    func endWatch() {
        guard let watch else { return }
        watch.end()
        serverStoppedAnswering = serverStoppedAnswering || watch.silent.withLock { $0 }
        self.watch = nil
    }

    /// The connection failed during COMMIT (`error`): asks the server, on a new connection,
    /// whether the transaction committed. Returns when it did (the new connection is the
    /// load's from then on); throws `error` when it aborted (nothing was changed); when no
    /// answer comes within `options.commitQuestionSeconds`, the outcome is unknown and says the
    /// query that tells.
    func resolveCommit(after error: Error) throws {
        guard let id = outcome.transactionID, !id.isEmpty else { throw error }
        console.warning("the connection failed during COMMIT (\(error)); asking the server whether transaction \(id) committed")
        let deadline = Date().addingTimeInterval(options.commitQuestionSeconds)
        while Date() < deadline {
            let asking: PostgresConnection
            let status: String?
            do {
                asking = try TargetConnection.open(options.databaseURL, console: console, lockTimeout: options.lockTimeout, connectTimeout: 10)
                status = try asking.execute("SELECT txid_status($1::bigint)", [id]).value(0, 0)
            } catch let answer as PostgresError where answer.sqlState == "22023" {
                // "transaction ID ... is in the future": the server restarted without it ever
                // reaching its log (a crash before the commit record was written), so it did
                // not commit. (Asked later, after other transactions, the id may be another's.)
                outcome.rolledBack()
                throw error
            } catch {
                // Not reachable yet (down, restarting, refusing connections): ask again.
                usleep(500_000)
                continue
            }
            switch status {
            case "committed":
                console.info("the server says transaction \(id) committed")
                connection = asking
                return
            case "aborted":
                outcome.rolledBack()
                throw error
            case "in progress":
                usleep(200_000)  // its backend is still ending; ask again
            default:
                outcome.commitUnknown()  // too old to tell
                throw error
            }
        }
        outcome.commitUnknown()
        throw error
    }

    /// The options as they apply to one database of the archive: its schema; installing
    /// files, the JSON report and the owner of sessions belong to the main one only.
    func options(for view: LoadView) -> LoadOptions {
        var options = self.options
        options.schema = view.schema
        if view.database != DatabaseEntry.main {
            options.install = nil
            options.reportPath = nil
        }
        return options
    }
}
