import Foundation

/// `tc-import load`: streams an archive into PostgreSQL in one transaction. The plan is
/// checked before BEGIN; rows go in with COPY as the archive is read; the transaction is
/// committed only after the whole archive verified (seal, checksums, counts) and the
/// loaded row counts matched. Anything else rolls everything back.
///
/// The parts, by lifetime: `Preflight` (before BEGIN, shared with `Planner`), `LoadSession`
/// (the archive visitor), `LoadTransaction` (BEGIN to COMMIT), `TableLoad` and its
/// `StagingTable` (one table), `LoadReport`, `AfterCommitChecks` and `RollbackSteps`.
public final class Loader {
    public let options: LoadOptions
    public let console: Console

    public init(options: LoadOptions, console: Console) {
        self.options = options
        self.console = console
    }

    public func run() throws -> Report {
        let started = Date()
        let connection = try TargetConnection.open(options.databaseURL, console: console, lockTimeout: options.lockTimeout)
        defer {
            // What the server said on the way (kept off the terminal by the connection): -v and --log.
            for notice in connection.takeNotices() { console.detail("PostgreSQL said: \(notice)") }
            connection.close()
        }
        let reader = ArchiveReader(options.archive, keys: options.keys)
        let summary = try Planner(options: options, console: console)
            .summaryForCreatedTables(LoadView.all(try reader.readManifest(), options: options), connection)
        var rejects: RejectsFile?
        if options.onError == .reject {
            rejects = try RejectsFile(path: options.rejectsPath)
            TemporaryFiles.register(options.rejectsPath)
        }
        defer { if let rejects { TemporaryFiles.unregister(rejects.path) } }
        let context = LoadContext(connection: connection, options: options, console: console, rejects: rejects)
        // Ctrl-C says what the load left (before COMMIT nothing, and a rejects file goes again).
        TemporaryFiles.setInterruptMessage(context.outcome.interrupted)
        defer { TemporaryFiles.setInterruptMessage(nil) }
        var session = LoadSession(context: context, summary: summary)
        context.watchLoad()
        defer { context.endWatch() }

        do {
            try reader.read(into: &session)
        } catch {
            console.endProgress()
            session.abandon()
            if let rejects {
                try? rejects.close()
                unlink(rejects.path)  // nothing was committed, so no row was rejected from anything
            }
            context.endWatch()
            if context.serverStoppedAnswering {
                context.outcome.abandonedSilentServer()
                throw context.outcome.worded(Failure("the server stopped answering: no reply for --peer-timeout \(Int(options.peerTimeout)) s, on the load's connection nor on a second one, \(context.progress.where)",
                                                     hint: "check the network path to the server and the server itself; --peer-timeout sets how long silence is waited out (0: forever)",
                                                     problems: (error as? Failure)?.problems ?? ["\(error)"]))
            }
            if let error = error as? PostgresError, error.sqlState == "55P03" {
                throw context.outcome.worded(Failure("a lock was not granted within --lock-timeout \(Int(options.lockTimeout)) s",
                                                     hint: "the sessions named above held it; end them, or pass a longer --lock-timeout (0 waits as long as it takes)",
                                                     problems: [context.naming.describe(error)]))
            }
            if options.showValues, let error = error as? PostgresError {
                throw context.outcome.worded(Failure("PostgreSQL refused the load", problems: [context.naming.describe(error)]))
            }
            throw context.outcome.worded(error)
        }
        console.endProgress()
        var rejectsPath: String?
        if let rejects {
            try rejects.close()
            // A dry run keeps nothing: the real load writes the same file again.
            if rejects.count == 0 || options.dryRun { unlink(rejects.path) } else { rejectsPath = rejects.path }
        }
        var report = Report(session)
        let main = session.databases[0].transaction!
        let parts = session.databases.map { (view: $0.view, transaction: $0.transaction!) }
        if options.dryRun {
            report.seconds = Date().timeIntervalSince(started)
            writeJSONReport(&report)
            return report
        }
        // An append that added many rows by natural key: its DELETE statements go to a file
        // (owner-only: it names keys) that the rollback step runs; a failure to write it is
        // a failed check, and the step then holds the statements itself.
        let appended = parts.flatMap(\.transaction.appended)
        var appendedFile: String?
        var fileCheck: Report.Check?
        let sql = Self.appendedSQL(appended)
        if sql.utf8.count > Self.inlineRollbackBytes {
            let path = options.archive.sidecar("rollback.sql")
            do {
                try AtomicFile.write(Array(sql.utf8), to: path, mode: 0o600)
                appendedFile = path
                fileCheck = .init(name: "rollback statements written", passed: true, detail: path)
            } catch {
                fileCheck = .init(name: "rollback statements written", passed: false,
                                  detail: "\(path): \(error); the rollback step below holds the statements instead")
            }
        }
        let rollback = Self.rollbackSteps(manifest: session.databases[0].view.manifest,
                                          targets: parts.map { ($0.view.manifest.tables, $0.transaction.catalog, $0.transaction.created.map(\.name)) },
                                          rejects: rejectsPath, connection: PostgresConnection.redacted(options.databaseURL), mode: options.ifExists,
                                          appended: appended, appendedFile: appendedFile,
                                          record: main.recordID.map { (main.catalog.schema, $0) })
        var checks = afterCommitChecks(context.connection, catalog: main.catalog, owner: main.owner, addedSessions: main.addedSessions) + (fileCheck.map { [$0] } ?? [])
        var installed: InstallReport?
        var steps = rollback
        if let install = options.install, !session.files.members.isEmpty {
            // A failure part of the way still leaves `report` naming every file written.
            var files = InstallReport()
            do {
                try FileInstaller(files: session.files, options: install).install(into: &files)
                checks.append(.init(name: "configuration and docs installed", passed: true,
                                    detail: files.summary))
            } catch {
                checks.append(.init(name: "configuration and docs installed", passed: false,
                                    detail: "\(error). Run `tc-import install-files` again once that is fixed; the database is committed"))
            }
            installed = files
            steps += FileInstaller.rollbackSteps(files)
        }
        report.rejects = rejectsPath
        report.checks = checks
        report.rollback = steps
        report.files = installed
        report.seconds = Date().timeIntervalSince(started)
        writeJSONReport(&report)
        return report
    }

    /// A table's name as the report shows it: `events.notifications` outside the main database.
    static func display(_ name: String, in view: LoadView) -> String {
        view.database == DatabaseEntry.main ? name : "\(view.database).\(name)"
    }

    static func named(_ table: Report.Table, in view: LoadView) -> Report.Table {
        var table = table
        table.name = display(table.name, in: view)
        table.database = view.database
        return table
    }

    /// `--report-json`: its folder was checked before BEGIN; should the write still fail,
    /// the report is printed all the same and says so.
    func writeJSONReport(_ report: inout Report) {
        guard let path = options.reportPath else { return }
        do {
            try AtomicFile.write(Array(try ImportReport.json(report).utf8), to: path, mode: 0o600)
        } catch {
            report.checks.append(.init(name: "JSON report written", passed: false, detail: "\(path): \(error)"))
        }
    }
}
