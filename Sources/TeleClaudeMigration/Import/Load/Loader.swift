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
        let views = LoadView.all(files.manifest!, options: options)
        let archiveSummary = storageClasses ? try readSummary() : try summaryForCreatedTables(views, connection)
        var plans: [LoadPlan] = []
        for view in views {
            var options = self.options
            options.schema = view.schema
            let manifest = view.manifest
            let summary = view.summary(archiveSummary)
            let checked = try Preflight.run(manifest: manifest, files: files, connection: connection, options: options, summary: summary,
                                            view: view)
            var plan = checked.plan
            plan.renamed = view.renamed
            plan.leftOut = view.notLoaded
            plan.createSQL = (checked.createsSchema ? ["CREATE SCHEMA \(SQLIdentifier.quote(checked.catalog.schema))"] : [])
                + Self.creationStatements(checked, manifest: manifest, summary: summary, options: options)
            // The DDL --create-missing-tables would run, tried and rolled back.
            if !plan.general.contains(where: { $0.kind == .schemaMissing }) {
                plan.add(try Preflight.tryCreating(checked.created, manifest: manifest, summary: summary, schema: checked.catalog.schema,
                                                   createsSchema: checked.createsSchema, connection: connection))
            }
            plans.append(plan)
        }
        var plan = LoadPlan.merged(plans)
        plan.add(Preflight.collisions(views, schemas: plans.map(\.schema)))
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
    /// `views` are read only when the summary could be needed; the summary is the archive's
    /// (each view cuts it to its tables).
    func summaryForCreatedTables(_ views: @autoclosure () throws -> [LoadView], _ connection: PostgresConnection) throws -> Summary? {
        guard options.createMissingTables, !options.declaredTypes, options.archive != "-" else { return nil }
        var missing = false
        for view in try views() {
            let schema = try view.schema ?? connection.execute("SELECT current_schema()").value(0, 0)
            let catalog = try TargetCatalog.read(connection, schema: schema)
            missing = missing || view.manifest.tables.contains { catalog.tables[$0.name] == nil }
        }
        guard missing else { return nil }
        console.info("reading the archive once for the storage classes of the tables to create (--declared-types skips this)")
        return try readSummary()
    }

    public func run() throws -> Report {
        let started = Date()
        let connection = try connect()
        defer { connection.close() }
        var session = LoadSession(connection: connection, options: options, console: console)
        session.summary = try summaryForCreatedTables(LoadView.all(try ArchiveReader(path: options.archive).readManifest(), options: options),
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
        let main = session.databases[0].transaction!
        let parts = session.databases.map { (view: $0.view, transaction: $0.transaction!) }
        var report = Report(archive: options.archive, schema: main.catalog.schema, committed: !options.dryRun,
                            tables: parts.flatMap { part in part.transaction.loaded.map { Self.named($0, in: part.view) } },
                            sequences: parts.flatMap(\.transaction.sequences), ownershipUpdated: main.ownershipUpdated,
                            rejects: nil, seconds: 0, checks: [], rollback: [], owner: main.owner, files: nil,
                            createdTables: parts.flatMap { part in part.transaction.created.map { Self.display($0.name, in: part.view) } },
                            creationNotes: parts.flatMap(\.transaction.creationNotes), toastCompression: main.toastCompression,
                            indexesBuiltAfterData: parts.flatMap(\.transaction.indexesBuiltAfterData), dryRun: options.dryRun,
                            renamed: session.renamed, verification: options.verify.rawValue)
        report.leftOut = session.leftOut
        report.databases = parts.map { .init(name: $0.view.database, schema: $0.transaction.catalog.schema) }
        if options.dryRun {
            report.seconds = Date().timeIntervalSince(started)
            writeJSONReport(&report)
            return report
        }
        let rollback = Self.rollbackSteps(manifest: session.databases[0].view.manifest,
                                          targets: parts.map { ($0.view.manifest.tables, $0.transaction.catalog, $0.transaction.created.map(\.name)) },
                                          rejects: rejectsPath, connection: PostgresConnection.redacted(options.databaseURL), mode: options.ifExists)
        var checks = try afterCommitChecks(connection, catalog: main.catalog, owner: main.owner)
        var installed: InstallReport?
        var steps = rollback
        if let install = options.install, !session.files.members.isEmpty {
            // A failure part of the way still leaves `report` naming every file written.
            var files = InstallReport()
            do {
                try FileInstaller(files: session.files, options: install).install(into: &files)
                checks.append(.init(name: "configuration and docs installed", passed: true,
                                    detail: "\(files.config.count) config files, \(files.docsCopied.count) docs copied, \(files.docsConflicts.count) in conflict"))
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
