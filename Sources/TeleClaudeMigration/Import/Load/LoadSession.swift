import Foundation

/// The archive visitor of `load`: hands each part of the archive to what owns it. The
/// manifest and files go to the preflight of every database and then the transaction's
/// start; each table to its database's `DatabaseLoad`, which gives it a `TableLoad` for its
/// lifetime; the end to every database's finish, then the one COMMIT.
struct LoadSession: ArchiveVisitor {
    let context: LoadContext
    /// One per database of the archive, the main one first; all in one transaction.
    var databases: [DatabaseLoad] = []
    /// The archive's summary, read first when created tables take their types from it.
    let summary: Summary?
    /// Configuration and docs, kept for installing after COMMIT.
    var files = ArchiveFiles()
    /// The database loading the current table; nil while a table left out streams past.
    var current: Int?

    init(context: LoadContext, summary: Summary?) {
        self.context = context
        self.summary = summary
    }

    /// For the report: the tables not loaded, by export or by this load.
    var leftOut: [Loader.Report.LeftOut] { databases.flatMap(\.view.notLoaded) }
    var renamed: [TargetNames.Renamed] { databases.flatMap(\.view.renamed) }

    mutating func manifest(_ archived: Manifest, warnings: [String]) throws {
        warnings.forEach { context.console.warning($0) }
        databases = LoadView.all(archived, options: context.options).map { view in
            DatabaseLoad(view: view, context: context, summary: view.summary(summary))
        }
        context.progress.totalRows = databases.reduce(0) { $0 + $1.view.manifest.tables.reduce(0) { $0 + $1.rows } }
        if !leftOut.isEmpty { context.console.info(Loader.Report.LeftOut.list(leftOut)) }
        try files.manifest(archived, warnings: warnings)
        // The file members come next; the owner may be in the archived config.yml.
        if archived.files.isEmpty { try begin() }
    }

    mutating func file(_ entry: Manifest.FileEntry, bytes: [UInt8]) throws {
        try files.file(entry, bytes: bytes)
        if files.members.count == files.manifest!.files.count { try begin() }
    }

    /// Everything checked before BEGIN for every database (`Preflight`, the same checks
    /// `plan` runs), then BEGIN once; nothing is begun when any database has a problem.
    mutating func begin() throws {
        var checked: [Preflight] = []
        for index in databases.indices {
            checked.append(try databases[index].preflight(files: files))
        }
        let collisions = Preflight.collisions(databases.map(\.view), schemas: checked.map(\.catalog.schema))
        if let main = checked.first, context.options.ownerPerson == nil, let owner = main.owner, let source = main.ownerSource {
            context.console.info("owner of sessions without one: \(owner) (\(source))")
        }
        let blocked = checked.filter { !$0.problems.isEmpty }
        guard blocked.isEmpty, collisions.isEmpty else {
            let schemas = Array(Set(checked.map(\.catalog.schema))).sorted().joined(separator: ", ")
            throw Loader.Failure("the archive cannot be loaded into schema \(schemas)",
                                 problems: collisions.map(\.description) + blocked.flatMap(\.plan.failureLines))
        }
        for index in databases.indices {
            try databases[index].start(checked[index], opensTransaction: index == 0)
        }
    }

    mutating func beginTable(_ archived: TableSchema, position: Int) throws {
        current = databases.firstIndex { $0.view.viewPosition(ofArchivePosition: position) != nil }
        guard let current else { return }
        try databases[current].beginTable(position: position)
    }

    mutating func row(_ row: RowValues, table archived: TableSchema, line: Int64) throws {
        guard let current else { return }
        context.progress.row()
        try databases[current].table!.row(row, line: line)
    }

    mutating func endTable(_ archived: TableSchema, rows: Int64) throws {
        guard let current else { return }
        try databases[current].endTable(rows: rows)
        self.current = nil
    }

    /// With `--require-signature`: who signed what was read (the reader refused anything else).
    var signature: SignatureInfo?

    mutating func signature(_ info: SignatureInfo?) throws {
        signature = info
    }

    mutating func end(summary: Summary, checksums: ChecksumList) throws {
        for index in databases.indices { try databases[index].completeAll() }
        try files.end(summary: summary, checksums: checksums)
        let problems = databases.flatMap(\.problems)
        guard problems.isEmpty else {
            throw Loader.Failure("\(problems.count) problem(s) in the archive's rows",
                                 problems: problems)
        }
        let hold = try LoadTransaction.readBackCountsHold(databases.map { $0.transaction! }, connection: context.connection)
        for index in databases.indices.dropFirst() + [0] {
            try databases[index].transaction!.finish(manifest: databases[index].view.manifest, readBackCountsHold: hold)
        }
        if context.options.analyze { try analyze() }
        try record()
        for index in databases.indices { try databases[index].transaction!.advanceSequences() }
        try databases[0].transaction!.commit { [rejects = context.rejects] in
            if let rejects { TemporaryFiles.unregister(rejects.path) }
        }
        context.progress.finish()
    }

    /// Statistics for every table the load wrote, inside the transaction (PostgreSQL allows
    /// ANALYZE there; VACUUM it does not): they commit with the rows.
    /// Only tables this role may analyze (their owner's role, the database owner's, a
    /// superuser): ANALYZE of another's table is a server WARNING, not statistics; those
    /// are named in the report, for their owner (or autovacuum) to gather.
    mutating func analyze() throws {
        let started = Date()
        context.progress.enter("statistics", table: "")
        let written = databases.flatMap { database in
            database.transaction!.loaded.filter { $0.loaded > 0 || $0.updated > 0 }
                .compactMap { database.transaction!.catalog.tables[$0.name]?.qualifiedName }
        }
        guard !written.isEmpty else { return }
        let list = "ARRAY[" + written.map { PostgresConnection.literal($0) + "::regclass" }.joined(separator: ", ") + "]"
        let refused = try context.connection.execute("""
            SELECT t.name::text FROM unnest(\(list)) WITH ORDINALITY AS t(name, position) JOIN pg_class c ON c.oid = t.name
            WHERE NOT (pg_has_role(c.relowner, 'USAGE')
                       OR pg_has_role((SELECT datdba FROM pg_database WHERE datname = current_database()), 'USAGE')
                       OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user))
            ORDER BY t.position
            """).rows.compactMap { $0[0] }
        let skipped = Set(refused)
        for table in written where !skipped.contains(table) {
            try context.connection.execute("ANALYZE \(table)")
        }
        databases[0].transaction!.analyzeSeconds = Date().timeIntervalSince(started)
        databases[0].transaction!.analyzeSkipped = refused
    }

    /// This load in the target's record of loads (`LoadRecord`), inside the transaction. A
    /// role that may not create the record's table loads all the same, unrecorded, and is
    /// told what that costs.
    mutating func record() throws {
        let main = databases[0]
        let tables = databases.flatMap { database in
            database.transaction!.loaded.map { (Loader.display($0.name, in: database.view), $0.rows, $0.loaded) }
        }
        do {
            databases[0].transaction!.recordID = try context.connection.inSavepoint(
                "tc_import_record", rollingBackOn: { ($0 as? PostgresError)?.sqlState == "42501" }) {
                try LoadRecord.write(schema: main.transaction!.catalog.schema, manifest: main.view.manifest,
                                     policy: context.options.ifExists, tables: tables, context.connection)
            }
        } catch let error as PostgresError where error.sqlState == "42501" {
            context.console.warning("this load is not recorded in \(LoadRecord.table) (\(error.message)): a later load cannot tell which installation these rows came from; GRANT CREATE ON SCHEMA \(main.transaction!.catalog.schema) to the loading role, or create the table once")
        }
    }

    /// After a failure: the COPY's sender lets go of the connection, and the transaction is
    /// rolled back.
    func abandon() {
        databases.forEach { $0.table?.abandon() }
        databases.forEach { $0.waiting.forEach { $0.table.abandon() } }
        if context.outcome.transactionOpen, (try? context.connection.execute("ROLLBACK")) != nil {
            context.outcome.rolledBack()
        }
    }
}

/// One database of the archive in the load: its view, its preflight, its part of the
/// transaction (tables created, loaded, counted; sequences), and the table loading now.
struct DatabaseLoad {
    let view: LoadView
    let context: LoadContext
    let summary: Summary?
    var plans: [LoadPlan.TablePlan] = []
    var transaction: LoadTransaction?
    var table: TableLoad?
    /// Rows that cannot be loaded, of every table so far (rollback mode).
    var problems: [String] = []

    init(view: LoadView, context: LoadContext, summary: Summary?) {
        self.view = view
        self.context = context
        self.summary = summary
    }

    mutating func preflight(files: ArchiveFiles) throws -> Preflight {
        let checked = try Preflight.run(manifest: view.manifest, files: files, connection: context.connection,
                                        options: context.options(for: view), summary: summary, view: view)
        plans = checked.plan.tables
        return checked
    }

    mutating func start(_ checked: Preflight, opensTransaction: Bool) throws {
        transaction = try LoadTransaction.begin(checked, manifest: view.manifest, summary: summary, context: context,
                                                opensTransaction: opensTransaction)
    }

    mutating func beginTable(position: Int) throws {
        let index = view.viewPosition(ofArchivePosition: position)!
        let table = view.manifest.tables[index]
        context.progress.beginTable(table.displayName, rows: table.rows)
        self.table = try TableLoad(table: table, position: position, plan: plans[index], target: transaction!.catalog.tables[table.name]!,
                                   sending: problems.isEmpty, context: context)
    }
    mutating func endTable(rows: Int64) throws {
        try table!.endCopy()  // while it fails, `abandon` still finds the COPY to stop
        var finished = table!
        table = nil
        if finished.plan.waitsFor.contains(where: { parent in !completed.contains(parent) }) {
            waiting.append((finished, rows))  // its parents come later in the archive
            return
        }
        try complete(&finished, rows: rows)
        try completeWaiting()
    }

    /// Tables whose staged rows wait for parents the archive holds later, with their rows.
    var waiting: [(table: TableLoad, rows: Int64)] = []
    /// Tables completed so far (their rows in the target), by name.
    var completed: Set<String> = []

    /// Completes each waiting table whose parents are all in now (which may let others go).
    mutating func completeWaiting() throws {
        while let index = waiting.firstIndex(where: { entry in entry.table.plan.waitsFor.allSatisfy(completed.contains) }) {
            var (table, rows) = waiting.remove(at: index)
            try complete(&table, rows: rows)
        }
    }

    /// The tables still waiting when the archive ends (none should: each waits only for
    /// tables this load holds later), completed against what the target holds.
    mutating func completeAll() throws {
        try completeWaiting()
        while !waiting.isEmpty {
            var (table, rows) = waiting.removeFirst()
            try complete(&table, rows: rows)
        }
    }

    mutating func complete(_ table: inout TableLoad, rows: Int64) throws {
        let loaded = try table.complete(rows: rows)
        problems += table.problems
        if table.problems.isEmpty { transaction!.indexesBuiltAfterData += table.deferredIndexes.dropped.map(\.name) }
        transaction!.loaded.append(loaded)
        if let seen = table.rowsReadBack { transaction!.rowsReadBack[loaded.name] = seen }
        if !table.addedKeys.isEmpty {
            transaction!.appended.append(.init(table: table.target.qualifiedName, key: table.table.primaryKey,
                                               renumbered: table.plan.renumbered != nil, keys: table.addedKeys))
        }
        completed.insert(table.table.name)
    }
}
