import Foundation

/// The archive visitor of `load`: hands each part of the archive to what owns it. The
/// manifest and files go to the preflight and then the transaction's start; each table to
/// a `TableLoad` for its lifetime; the end to the transaction's finish.
struct LoadSession: ArchiveVisitor {
    let connection: PostgresConnection
    let options: LoadOptions
    let console: Console
    /// The tables this load takes (`-t`/`-T`), with target names.
    var view: LoadView?
    /// The view's manifest; the reader's tables are replaced by its tables, by position.
    var manifest: Manifest?
    /// Reading the rows of a table the view leaves out: checked by the reader, not loaded.
    var skipping = false
    var renamed: [TargetNames.Renamed] = []
    /// The archive's summary, read first when created tables take their types from it.
    var summary: Summary?
    /// Configuration and docs, kept for installing after COMMIT.
    var files = ArchiveFiles()
    var rejects: RejectsFile?
    /// Validates (and hashes) JSON values; reused for every one.
    let json = JSONHasher()
    var plans: [LoadPlan.TablePlan] = []
    var transaction: LoadTransaction?
    var table: TableLoad?
    /// Rows that cannot be loaded, of every table so far (rollback mode).
    var problems: [String] = []
    var progress: LoadProgress?

    var naming: RowNaming { RowNaming(showValues: options.showValues) }

    /// For the report: the tables not loaded, by export or by this load.
    var leftOut: [Loader.Report.LeftOut] { view?.notLoaded ?? [] }

    init(connection: PostgresConnection, options: LoadOptions, console: Console) {
        self.connection = connection
        self.options = options
        self.console = console
    }

    mutating func manifest(_ archived: Manifest, warnings: [String]) throws {
        warnings.forEach { console.warning($0) }
        let view = LoadView(archived, selection: options.tables)
        (self.view, manifest, renamed) = (view, view.manifest, view.renamed)
        if !view.notLoaded.isEmpty { console.info(Loader.Report.LeftOut.list(view.notLoaded)) }
        let manifest = view.manifest
        progress = LoadProgress(console: console, style: options.progress,
                                totalRows: manifest.tables.reduce(0) { $0 + $1.rows })
        try files.manifest(manifest, warnings: warnings)
        // The file members come next; the owner may be in the archived config.yml.
        if manifest.files.isEmpty { try begin() }
    }

    mutating func file(_ entry: Manifest.FileEntry, bytes: [UInt8]) throws {
        try files.file(entry, bytes: bytes)
        if files.members.count == manifest!.files.count { try begin() }
    }

    /// Everything checked before BEGIN (`Preflight`, the same checks `plan` runs), then BEGIN.
    mutating func begin() throws {
        let manifest = self.manifest!
        let checked = try Preflight.run(manifest: manifest, files: files, connection: connection, options: options, summary: summary,
                                        view: view!)
        if options.ownerPerson == nil, let owner = checked.owner, let source = checked.ownerSource {
            console.info("owner of sessions without one: \(owner) (\(source))")
        }
        plans = checked.plan.tables
        guard checked.problems.isEmpty else {
            throw Loader.Failure(summary: "the archive cannot be loaded into schema \(checked.catalog.schema); nothing was changed:",
                                 problems: checked.plan.failureLines)
        }
        transaction = try LoadTransaction.begin(checked, manifest: manifest, summary: summary, connection: connection,
                                                options: options, console: console)
    }

    mutating func beginTable(_ archived: TableSchema, position: Int) throws {
        guard let index = view!.viewPosition(ofArchivePosition: position) else {
            skipping = true
            return
        }
        let table = manifest!.tables[index]
        progress?.beginTable(table.name, rows: table.rows)
        self.table = try TableLoad(table: table, position: position, plan: plans[index], target: transaction!.catalog.tables[table.name]!,
                                   sending: problems.isEmpty, connection: connection, options: options, json: json, rejects: rejects,
                                   progress: progress)
    }

    mutating func row(_ row: RowValues, table archived: TableSchema, line: Int64) throws {
        if skipping { return }
        progress?.row()
        try table!.row(row, line: line)
    }

    mutating func endTable(_ archived: TableSchema, rows: Int64) throws {
        if skipping {
            skipping = false
            return
        }
        let loaded = try table!.finish(rows: rows)
        problems += table!.problems
        if table!.problems.isEmpty { transaction!.indexesBuiltAfterData += table!.deferredIndexes.dropped.map(\.name) }
        transaction!.loaded.append(loaded)
        table = nil
    }

    mutating func end(summary: Summary, checksums: ChecksumList) throws {
        try files.end(summary: summary, checksums: checksums)
        guard problems.isEmpty else {
            throw Loader.Failure(summary: "\(problems.count) problem(s) in the archive's rows; the transaction was rolled back and nothing was changed:",
                                 problems: problems)
        }
        try transaction!.finish(manifest: manifest!, progress: progress) { [rejects] in
            if let rejects { TemporaryFiles.unregister(rejects.path) }
        }
        progress?.finish()
    }

    /// After a failure: the COPY's sender lets go of the connection, and the transaction is
    /// rolled back.
    func abandon() {
        table?.abandon()
        if transaction?.open == true { _ = try? connection.execute("ROLLBACK") }
    }
}
