/// The archive as one load (or plan) sees it: the tables `-t/--table` and `-T/--exclude-table`
/// select, in archive order, with PostgreSQL's names (`TargetNames`). Everything before
/// BEGIN and after it works on this view; the reader still reads and verifies every table,
/// and rows of a table left out are checked and counted, never sent.
struct LoadView {
    /// The selected tables, renamed for PostgreSQL.
    let manifest: Manifest
    let renamed: [TargetNames.Renamed]
    /// Per selected table, its position in the archive.
    let archivePositions: [Int]
    /// The archive's tables the options leave out, as archived.
    let leftOut: [TableSchema]
    /// Names in `-t`/`-T` that are not archive tables.
    let problems: [LoadPlan.Problem]

    init(_ archived: Manifest, selection: TableSelection) {
        let problems = selection.unknownNames(among: archived.tables.map(\.name), in: "the archive").map { LoadPlan.Problem(.option, $0) }
        var positions: [Int] = []
        var view = archived
        view.tables = []
        var leftOut: [TableSchema] = []
        for (position, table) in archived.tables.enumerated() {
            if selection.takes(table.name) {
                positions.append(position)
                view.tables.append(table)
            } else {
                leftOut.append(table)
            }
        }
        (manifest, renamed) = TargetNames.apply(view)
        archivePositions = positions
        self.leftOut = leftOut
        notLoaded = (archived.source.excludedTables ?? []).map { .init(name: $0.name, rows: $0.rows, by: "export") }
            + leftOut.map { .init(name: $0.name, rows: $0.rows, by: "load") }
        self.problems = problems
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
