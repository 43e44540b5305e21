import Foundation

/// `tc-import load`: streams an archive into PostgreSQL in one transaction. The plan is
/// checked before BEGIN; rows go in with COPY as the archive is read; the transaction is
/// committed only after the whole archive verified (seal, checksums, counts) and the
/// loaded row counts matched. Anything else rolls everything back.
///
/// The parts, by lifetime: `Preflight` (before BEGIN, shared with `plan`), `LoadSession`
/// (the archive visitor), `LoadTransaction` (BEGIN to COMMIT), `TableLoad` and its
/// `StagingTable` (one table), `LoadReport`, `AfterCommitChecks` and `RollbackSteps`.
public final class Loader {
    public let options: LoadOptions
    public let console: Console

    public init(options: LoadOptions, console: Console) {
        self.options = options
        self.console = console
    }

    /// Reads only the manifest and the target catalog, and says what a load would do.
    /// With `storageClasses`, the whole archive is read (and verified) first, for the
    /// storage classes each column holds (from `summary.json`, at the archive's end).
    public func plan(storageClasses: Bool = false) throws -> LoadPlan {
        let files = try ArchiveReader(path: options.archive).readHead()
        let connection = try connect()
        defer { connection.close() }
        let view = LoadView(files.manifest!, selection: options.tables)
        let manifest = view.manifest
        let summary = storageClasses ? view.summary(try readSummary()) : try summaryForCreatedTables(view, connection)
        let checked = try Preflight.run(manifest: manifest, files: files, connection: connection, options: options, summary: summary,
                                        view: view)
        var plan = checked.plan
        plan.renamed = view.renamed
        plan.leftOut = view.notLoaded
        plan.createSQL = Self.creationStatements(checked, manifest: manifest, summary: summary, options: options)
        // The DDL --create-missing-tables would run, tried and rolled back.
        if !plan.general.contains(where: { $0.kind == .schemaMissing }) {
            plan.add(try Preflight.tryCreating(checked.created, manifest: manifest, summary: summary, schema: checked.catalog.schema,
                                               connection: connection))
        }
        return plan
    }

    /// The connection, with each statement it runs told to `-v` and `--log` (text and time).
    func connect() throws -> PostgresConnection {
        let connection = try PostgresConnection(connectionString: options.databaseURL)
        if console.wantsDetails {
            connection.trace = { [console] statement, seconds in
                let text = statement.split(whereSeparator: \.isWhitespace).joined(separator: " ")
                console.detail("SQL \(String(format: "%.1f", seconds * 1000)) ms: \(text.count > 400 ? text.prefix(400) + " …" : text)")
            }
        }
        return connection
    }

    /// What the load runs to create the target's missing parts, for `plan --sql`: an
    /// administrator can review it, or run it by hand instead of passing the flags.
    static func creationStatements(_ checked: Preflight, manifest: Manifest, summary: Summary?, options: LoadOptions) -> [String] {
        let schema = checked.catalog.schema
        let parents = Dictionary(manifest.tables.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var statements = checked.created.map {
            TableCreator.createTable($0, schema: schema, classes: LoadPlan.classes(of: $0.name, manifest: manifest, summary: summary)).sql
        }
        if options.addOwnershipColumns, let sessions = checked.catalog.tables[OwnershipColumns.table],
           OwnershipColumns.names.contains(where: { sessions.column($0) == nil }) {
            statements.append("ALTER TABLE \(sessions.qualifiedName) ADD COLUMN IF NOT EXISTS \(OwnershipColumns.person) text, ADD COLUMN IF NOT EXISTS \(OwnershipColumns.uid) integer")
        }
        for table in checked.created {
            statements += TableCreator.indexes(table, schema: schema).statements.map(\.sql)
            statements += TableCreator.foreignKeys(table, schema: schema, parents: parents).map(\.sql)
        }
        return statements
    }

    /// The archive's summary, from a whole read (and verification) of it.
    func readSummary() throws -> Summary? {
        struct SummaryReader: ArchiveVisitor {
            var summary: Summary?
            mutating func end(summary: Summary, checksums: ChecksumList) throws { self.summary = summary }
        }
        var reader = SummaryReader()
        try ArchiveReader(path: options.archive).read(into: &reader)
        return reader.summary
    }

    /// The summary, when `--create-missing-tables` will create a table and the archive is
    /// a file: its storage classes choose the created columns' types (plan and load read it
    /// alike, so they choose the same). Standard input is read once: declared types then.
    /// `view` is read only when the summary could be needed; the summary is cut to its tables.
    func summaryForCreatedTables(_ view: @autoclosure () throws -> LoadView, _ connection: PostgresConnection) throws -> Summary? {
        guard options.createMissingTables, !options.declaredTypes, options.archive != "-" else { return nil }
        let view = try view()
        let manifest = view.manifest
        let schema = try options.schema ?? connection.execute("SELECT current_schema()").value(0, 0)
        let catalog = try TargetCatalog.read(connection, schema: schema)
        guard manifest.tables.contains(where: { catalog.tables[$0.name] == nil }) else { return nil }
        console.info("reading the archive once for the storage classes of the tables to create (--declared-types skips this)")
        return view.summary(try readSummary())
    }

    public func run() throws -> Report {
        let started = Date()
        let connection = try connect()
        defer { connection.close() }
        var session = LoadSession(connection: connection, options: options, console: console)
        session.summary = try summaryForCreatedTables(LoadView(try ArchiveReader(path: options.archive).readManifest(), selection: options.tables),
                                                      connection)
        // Ctrl-C says what it did: before COMMIT, nothing (and a rejects file goes again).
        TemporaryFiles.setInterruptMessage(LoadTransaction.interruptedBeforeCommit)
        defer { TemporaryFiles.setInterruptMessage(nil) }
        if options.onError == .reject {
            let rejects = try RejectsFile(path: options.rejectsPath)
            TemporaryFiles.register(rejects.path)
            session.rejects = rejects
        }
        defer { if let rejects = session.rejects { TemporaryFiles.unregister(rejects.path) } }
        let reader = ArchiveReader(path: options.archive)

        do {
            try reader.read(into: &session)
        } catch {
            console.endProgress()
            session.abandon()
            if let rejects = session.rejects {
                try? rejects.close()
                unlink(rejects.path)  // nothing was committed, so no row was rejected from anything
            }
            if options.showValues, let error = error as? PostgresError {
                throw Failure(summary: "PostgreSQL refused the load; the transaction was rolled back and nothing was changed:",
                              problems: [session.naming.describe(error)])
            }
            throw error
        }
        console.endProgress()
        var rejectsPath: String?
        if let rejects = session.rejects {
            try rejects.close()
            // A dry run keeps nothing: the real load writes the same file again.
            if rejects.count == 0 || options.dryRun { unlink(rejects.path) } else { rejectsPath = rejects.path }
        }
        let transaction = session.transaction!
        if options.dryRun {
            var report = Report(archive: options.archive, schema: transaction.catalog.schema, committed: false,
                          tables: transaction.loaded, sequences: transaction.sequences, ownershipUpdated: transaction.ownershipUpdated,
                          rejects: nil, seconds: Date().timeIntervalSince(started), checks: [], rollback: [],
                          owner: transaction.owner, files: nil, createdTables: transaction.created.map(\.name),
                          creationNotes: transaction.creationNotes, toastCompression: transaction.toastCompression,
                          indexesBuiltAfterData: transaction.indexesBuiltAfterData, dryRun: true, renamed: session.renamed,
                          verification: options.verify.rawValue)
            report.leftOut = session.leftOut
            writeJSONReport(&report)
            return report
        }
        let rollback = Self.rollbackSteps(manifest: session.manifest!, catalog: transaction.catalog, rejects: rejectsPath,
                                          connection: PostgresConnection.redacted(options.databaseURL), mode: options.ifExists,
                                          created: transaction.created.map(\.name))
        var checks = try afterCommitChecks(connection, catalog: transaction.catalog, owner: transaction.owner)
        var installed: InstallReport?
        var steps = rollback
        if let install = options.install, !session.files.members.isEmpty {
            // A failure part of the way still leaves `report` naming every file written.
            var report = InstallReport()
            do {
                try FileInstaller(files: session.files, options: install).install(into: &report)
                checks.append(.init(name: "configuration and docs installed", passed: true,
                                    detail: "\(report.config.count) config files, \(report.docsCopied.count) docs copied, \(report.docsConflicts.count) in conflict"))
            } catch {
                checks.append(.init(name: "configuration and docs installed", passed: false,
                                    detail: "\(error). Run `tc-import install-files` again once that is fixed; the database is committed"))
            }
            installed = report
            steps += FileInstaller.rollbackSteps(report)
        }
        var report = Report(archive: options.archive, schema: transaction.catalog.schema, committed: true,
                      tables: transaction.loaded, sequences: transaction.sequences, ownershipUpdated: transaction.ownershipUpdated,
                      rejects: rejectsPath, seconds: Date().timeIntervalSince(started), checks: checks, rollback: steps,
                      owner: transaction.owner, files: installed, createdTables: transaction.created.map(\.name),
                      creationNotes: transaction.creationNotes, toastCompression: transaction.toastCompression,
                      indexesBuiltAfterData: transaction.indexesBuiltAfterData, renamed: session.renamed,
                      verification: options.verify.rawValue)
        report.leftOut = session.leftOut
        writeJSONReport(&report)
        return report
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
