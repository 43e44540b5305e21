/// One database of the archive as one load (or plan) sees it: its tables that `-t/--table`
/// and `-T/--exclude-table` select, in archive order, with PostgreSQL's names
/// (`TargetNames`). Everything before BEGIN and after it works on views, one per database;
/// the reader still reads and verifies every table, and rows of a table left out are
/// checked and counted, never sent.
struct LoadView {
    /// The database (`main` for the first) and the schema it loads into.
    let database: String
    let schema: String?
    /// The selected tables, renamed for PostgreSQL.
    let manifest: Manifest
    let renamed: [TargetNames.Renamed]
    /// Per selected table, its position in the archive.
    let archivePositions: [Int]
    /// Names in `-t`/`-T` that are not archive tables.
    let problems: [LoadPlan.Problem]

    /// The view of `database`; names in `-t`/`-T` that no database has are the main view's
    /// problems, so they are named once.
    init(_ archived: Manifest, database: String = DatabaseEntry.main, schema: String? = nil, selection: TableSelection,
         options: LoadOptions? = nil) {
        self.database = database
        self.schema = schema
        let isMain = database == DatabaseEntry.main
        let problems = !isMain ? [] : Self.unknownNames(archived, selection: selection, options: options)
        var positions: [Int] = []
        var view = archived
        view.tables = []
        var leftOut: [TableSchema] = []
        for (position, table) in archived.tables.enumerated() where table.databaseName == database {
            if selection.takes(table.displayName) {
                positions.append(position)
                view.tables.append(table)
            } else {
                leftOut.append(table)
            }
        }
        (manifest, renamed) = TargetNames.apply(view)
        archivePositions = positions
        notLoaded = (isMain ? archived.allExcludedTables : []).map { .init(name: $0.name, rows: $0.rows, by: "export") }
            + leftOut.map { .init(name: $0.displayName, rows: $0.rows, by: "load") }
        self.problems = problems
    }

    /// Names in the options that match nothing in any database of the archive: `-t`/`-T`
    /// tables, `--skip-column` and `--allow-change` columns, `--schema-for` databases.
    static func unknownNames(_ archived: Manifest, selection: TableSelection, options: LoadOptions?) -> [LoadPlan.Problem] {
        var problems = selection.unknownNames(among: archived.tables.map(\.displayName), in: "the archive").map { LoadPlan.Problem(.option, $0) }
        guard let options else { return problems }
        let known = Set(archived.tables.flatMap { table in table.columns.map { "\(table.displayName).\($0.name)" } })
        for skip in options.skipColumns.sorted() where !known.contains(skip) {
            problems.append(.init(.option, "--skip-column \(skip) names no column of the archive"))
        }
        for allowed in options.allowChange.sorted() where !known.contains(allowed) {
            problems.append(.init(.option, "--allow-change \(allowed) names no column of the archive"))
        }
        let databases = archived.allDatabases.map(\.name).filter { $0 != DatabaseEntry.main }
        for name in options.schemaFor.keys.sorted() where !databases.contains(name) {
            problems.append(.init(.option, "--schema-for \(name)=…: the archive has no database \(name)"
                                  + (databases.isEmpty ? " (it holds only the main database; --schema sets its schema)" : "; it has: \(databases.joined(separator: ", "))")))
        }
        return problems
    }

    /// The view's table at an archive position, or nil for a table left out.
    func viewPosition(ofArchivePosition position: Int) -> Int? {
        archivePositions.firstIndex(of: position)
    }

    /// The archive's summary cut to the view's tables (it is aligned by position).
    func summary(_ archived: Summary?) -> Summary? {
        archived.map { summary in Summary(tables: archivePositions.compactMap { summary.tables[safe: $0] }) }
    }

    /// What the load does not load: the tables the export left out (in the manifest's
    /// source), then those this load's options leave out.
    let notLoaded: [Loader.Report.LeftOut]
}

extension LoadView {
    /// One view per database of the archive, the main one first, each with its target schema:
    /// the main database goes to `--schema` (nil: the connection's current schema), another
    /// to `--schema-for NAME=SCHEMA`, else to a schema of its own name.
    static func all(_ archived: Manifest, options: LoadOptions) -> [LoadView] {
        archived.allDatabases.map { database in
            let schema = database.name == DatabaseEntry.main ? options.schema : options.schemaFor[database.name] ?? database.name
            return LoadView(archived, database: database.name, schema: schema, selection: options.tables, options: options)
        }
    }
}
