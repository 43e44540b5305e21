import Foundation

/// `tc-import plan`: what a load would do, from the manifest and the target catalog,
/// changing nothing. The same `Preflight` runs before the load's BEGIN, so the plan tells
/// the truth about the load; the DDL `--create-missing-tables` would run is tried and
/// rolled back. Also what the load decides before BEGIN with the same rules: which
/// summary chooses created tables' types.
public struct Planner {
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
        let files = try ArchiveReader(options.archive, keys: options.keys).readHead()
        let connection = try TargetConnection.open(options.databaseURL, console: console, lockTimeout: options.lockTimeout)
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
        plan.source = views.first?.manifest.source
        plan.add(Preflight.collisions(views, schemas: plans.map(\.schema)))
        return plan
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
        try ArchiveReader(options.archive, keys: options.keys).read(into: &reader)
        return reader.summary
    }

    /// The summary, when `--create-missing-tables` will create a table and the archive is
    /// a file: its storage classes choose the created columns' types (plan and load read it
    /// alike, so they choose the same). Standard input is read once: declared types then.
    /// `views` are read only when the summary could be needed; the summary is the archive's
    /// (each view cuts it to its tables).
    func summaryForCreatedTables(_ views: @autoclosure () throws -> [LoadView], _ connection: PostgresConnection) throws -> Summary? {
        guard options.createMissingTables, !options.declaredTypes, options.archive.canBeReadAgain else { return nil }
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
}
