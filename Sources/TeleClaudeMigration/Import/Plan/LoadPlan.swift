/// How each archive table maps onto the target schema: columns matched by name (never by
/// position), the conversion of each, and every problem that stops a load before BEGIN.
public struct LoadPlan: Sendable, Encodable {
    public struct ColumnMapping: Sendable, Codable {
        enum CodingKeys: String, CodingKey {
            case column, conversion, seen, notes
            case sourceIndex = "source_index"
            case targetType = "target_type"
        }

        public var column: String
        /// Position of the column in the archive rows.
        public var sourceIndex: Int
        public var targetType: String
        public var conversion: String
        /// Storage classes the column holds in the archive (`plan --storage-classes`).
        public var seen: String?
        /// Values this conversion may change or refuse (`ConversionRisks`).
        public var notes: [String] = []
    }

    /// How a table's rows go in.
    public enum Strategy: String, Sendable, Encodable {
        /// `COPY` straight into the target.
        case direct
        /// `COPY` into a staging table without the target's constraints, where orphans (and,
        /// under `--on-error reject`, rows breaking NOT NULL, CHECK or unique rules) are
        /// found by their archive row, then `INSERT ... SELECT` into the target.
        case staged
        /// `COPY` straight into the target with its foreign keys set aside inside the
        /// transaction, and added back once the rows (and their parents) are in: adding a key
        /// checks every row in one query, and a key that cannot come back names each orphan
        /// by its archive row (`SetAsideForeignKeys`). Where the keys cannot be set aside when
        /// the load comes to it (another session uses the table), it goes through staging.
        case keysAfter = "keys_after"
        /// Staged, and only rows whose primary key is absent from the target are inserted.
        case merge
        /// Staged, generated keys renumbered and references to them rewritten, then merged.
        case append

        /// Whether the target keeps its rows and the staged ones are merged beside them.
        var merges: Bool { self == .merge || self == .append }
    }

    /// A column of an appended table that references a renumbered key: rewritten to the
    /// parent row's new key.
    public struct Rewrite: Sendable, Encodable, Equatable {
        public var column: String
        /// The referenced archive table and its key column.
        public var parent: String
        public var parentKey: String
    }

    public struct TablePlan: Sendable, Encodable {
        public var table: String
        public var rows: Int64
        public var targetFound: Bool
        /// The target is missing and `--create-missing-tables` creates it.
        public var created = false
        public var columns: [ColumnMapping]
        public var skippedColumns: [String]
        /// Skipped because they are generated in the archive and in the target (computed there, not compared).
        public var generatedColumns: [String] = []
        /// Target columns the archive does not provide (filled by their default or NULL).
        public var targetOnlyColumns: [String]
        public var ownershipColumns: [String]
        public var problems: [Problem] { didSet { verdict = problems.isEmpty ? "ok" : "blocked" } }
        /// `binary` when every mapped column has a simple binary form, else `text` (README, "plan / load").
        public var copyFormat = "binary"
        /// How the rows go in, decided here once; the load does exactly this.
        public var strategy: Strategy = .direct
        /// The foreign keys staged rows are checked against (`strategy` `.staged`/`.merge`).
        public var stagingKeys: [TargetCatalog.ForeignKey] = []
        /// The archive's other tables whose rows reference this one's (by the archive's
        /// foreign keys or the target's): a merge conflict kept as the target has it would
        /// link their rows to a row that is not theirs.
        public var referencedBy: [String] = []
        /// `--if-exists append`: the generated integer key that gets new values from the
        /// target's sequence (nil: the table's keys are kept), and the references rewritten.
        public var renumbered: String?
        public var rewrites: [Rewrite] = []
        /// Tables this one's staged rows are checked against (or take new keys from) that the
        /// archive holds later: its rows wait in their staging table, and are checked and
        /// moved in once those are loaded (a target's foreign key need not follow the
        /// archive's table order).
        public var waitsFor: [String] = []

        /// `ok`, or `blocked` when the table has problems.
        public private(set) var verdict = "ok"

        enum CodingKeys: String, CodingKey {
            case table, rows, columns, problems, verdict
            case targetFound = "target_found"
            case created
            case skippedColumns = "skipped_columns"
            case generatedColumns = "generated_columns"
            case targetOnlyColumns = "target_only_columns"
            case ownershipColumns = "ownership_columns"
            case copyFormat = "copy_format"
            case strategy, renumbered, rewrites
            case waitsFor = "waits_for"
        }
    }

    enum CodingKeys: String, CodingKey { case schema, databases, tables, problems, renamed, summary, leftOut = "left_out", afterCommit = "after_commit", exportWarnings = "export_warnings" }

    /// `plan --json`: the tables, every problem with its kind, the renamed names and the verdict's
    /// lines as `summary` (JSONOutput adds `verdict`).
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(schema, forKey: .schema)
        try container.encode(databases, forKey: .databases)
        try container.encode(verdictLines, forKey: .summary)
        try container.encode(allProblems, forKey: .problems)
        try container.encode(renamed, forKey: .renamed)
        try container.encode(tables, forKey: .tables)
        try container.encode(leftOut, forKey: .leftOut)
        try container.encode(afterCommit, forKey: .afterCommit)
        try container.encode(source?.exportWarnings ?? [], forKey: .exportWarnings)
    }

    public var schema: String
    public var tables: [TablePlan]
    /// Problems that are not about one table.
    public var general: [Problem]
    /// Names PostgreSQL holds differently from the archive (`TargetNames`).
    public var renamed: [TargetNames.Renamed] = []
    /// The statements `--create-missing-tables` (and `--add-ownership-columns`) would run,
    /// in order: tables, then after the data their indexes and foreign keys (`plan --sql`).
    public var createSQL: [String] = []
    /// The database this plan is of (`main` for the first), and whether its schema is created.
    public var database = DatabaseEntry.main
    public var createsSchema = false
    /// Every database and its schema (a merged plan of several, `PlanOfDatabases`).
    public var databases: [Target] = []
    /// Tables the load would not load: left out at export, or by `-t`/`-T` (read, verified, not loaded).
    public var leftOut: [Loader.Report.LeftOut] = []
    /// What the load installs after COMMIT, file by file (`FileInstaller.preview`): empty
    /// with `--skip-files` or when the archive holds no files.
    public var afterCommit: [String] = []
    /// Who exported the archive, where, and the warnings they were given (said again).
    public var source: Manifest.Source?

    /// Every problem: each table's, then the others.
    public var allProblems: [Problem] { tables.flatMap(\.problems) + general }
    public var problems: [String] { allProblems.map(\.description) }


    /// The catalog as it will be once `--create-missing-tables` created what is missing,
    /// and the archive tables it creates.
    public static func withCreatedTables(manifest: Manifest, catalog: TargetCatalog, options: LoadOptions, summary: Summary? = nil) -> (TargetCatalog, [TableSchema]) {
        guard options.createMissingTables else { return (catalog, []) }
        var catalog = catalog
        var created: [TableSchema] = []
        for table in manifest.tables where catalog.tables[table.name] == nil {
            catalog.tables[table.name] = TableCreator.plannedTable(table, schema: catalog.schema,
                                                                   classes: classes(of: table.name, manifest: manifest, summary: summary))
            created.append(table)
        }
        return (catalog, created)
    }

    /// How a table's rows go in: merged when `--if-exists merge`; staged when its rows must
    /// be checked against foreign keys (the target's, or those a created table gets after
    /// the data, under reject, whose parent loads earlier or is the table itself) or, under
    /// reject, against the target's NOT NULL, CHECK and unique rules; else direct. Checked
    /// against the target's foreign keys under the default policies, a table the role owns,
    /// whose file is empty and which has no triggers or rules, whose parents have no deferred
    /// triggers, goes straight in, its keys set aside until the rows are in (`keysAfter`): the
    /// same checks for one copy of the rows instead of two.
    static func strategy(for table: TableSchema, position: Int, target: TargetCatalog.Table, created: Bool,
                         manifest: Manifest, catalog: TargetCatalog, options: LoadOptions) -> (Strategy, [TargetCatalog.ForeignKey]) {
        let rejecting = options.onError == .reject
        var keys = target.foreignKeys
        if created {
            let parents = Dictionary(manifest.tables.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            let earlier = Set(manifest.tables.prefix(position).map(\.name) + [table.name])
            keys = !rejecting ? [] : TableCreator.foreignKeys(table, schema: target.schema, parents: parents).compactMap { key in
                let parent = key.key.referencedTable
                guard earlier.contains(parent) else { return nil }  // a cycle: checked when the key is added
                return TargetCatalog.ForeignKey(name: "\(table.name) → \(parent)", columns: key.key.columns, referencedSchema: target.schema,
                                                referencedTable: parent, referencedColumns: key.referenced)
            }
        }
        if options.ifExists == .merge { return (.merge, keys) }
        if options.ifExists == .append { return (.append, keys) }
        if !keys.isEmpty || (rejecting && target.hasRowConstraints) {
            // Dropping or adding a key alters its parent too, which PostgreSQL refuses while
            // the parent has trigger events pending until COMMIT: only parents known here
            // without deferred triggers.
            let quietParents = keys.allSatisfy { key in
                key.referencedSchema == catalog.schema && catalog.tables[key.referencedTable].map { !$0.hasDeferredTriggers } == true
            }
            if !rejecting && !created && options.ifExists == .fail && target.ownedByRole && target.rowsLieInCopyOrder
                && keys.allSatisfy(\.canSetAside) && quietParents {
                return (.keysAfter, keys)
            }
            return (.staged, keys)
        }
        return (.direct, [])
    }

    /// The storage classes of a table's columns, from the summary (tables in manifest order).
    static func classes(of table: String, manifest: Manifest, summary: Summary?) -> [ClassCounts]? {
        guard let summary, let position = manifest.tables.firstIndex(where: { $0.name == table }) else { return nil }
        return summary.tables[safe: position]?.classes
    }

    /// `--if-exists append`: the archive tables whose key gets new values, by name, with
    /// that key: a SQLite `INTEGER PRIMARY KEY` (the rowid) whose target column draws from a
    /// sequence (identity or serial). Other keys are natural (text ids, composite keys).
    static func renumberedKeys(manifest: Manifest, catalog: TargetCatalog, options: LoadOptions) -> [String: String] {
        guard options.ifExists == .append else { return [:] }
        var keys: [String: String] = [:]
        for table in manifest.tables where table.rowidAlias && table.primaryKey.count == 1 {
            if catalog.tables[table.name]?.column(table.primaryKey[0])?.sequence != nil { keys[table.name] = table.primaryKey[0] }
        }
        return keys
    }

    /// The columns of `table` that reference a renumbered key, by the archive's foreign
    /// keys or the target's (single-column ones; a composite key holding a renumbered
    /// column is named as a problem instead).
    static func rewrites(of table: TableSchema, target: TargetCatalog.Table?, renumbered: [String: String]) -> [Rewrite] {
        var found: [Rewrite] = []
        let archived = table.foreignKeys.map { (columns: $0.columns, parent: $0.referencedTable, referenced: $0.referencedColumns) }
        let targeted = (target?.foreignKeys ?? []).filter { $0.referencedSchema == target?.schema }
            .map { (columns: $0.columns, parent: $0.referencedTable, referenced: $0.referencedColumns) }
        for key in archived + targeted where key.columns.count == 1 {
            guard let parentKey = renumbered[key.parent], key.referenced.isEmpty || key.referenced == [parentKey] else { continue }
            let rewrite = Rewrite(column: key.columns[0], parent: key.parent, parentKey: parentKey)
            if !found.contains(rewrite) { found.append(rewrite) }
        }
        return found
    }

    public static func make(manifest: Manifest, catalog: TargetCatalog, options: LoadOptions, created: [TableSchema] = [],
                            summary: Summary? = nil) -> LoadPlan {
        let renumbered = renumberedKeys(manifest: manifest, catalog: catalog, options: options)
        let tables = manifest.tables.enumerated().map { position, table -> TablePlan in
            var plan = TablePlan(table: table.name, rows: table.rows, targetFound: false, columns: [], skippedColumns: [],
                                 targetOnlyColumns: [], ownershipColumns: [], problems: [])
            guard let target = catalog.tables[table.name] else {
                plan.problems.append(.init(.missingTable, table: table.name, "no table \(table.name) in schema \(catalog.schema)"))
                return plan
            }
            plan.created = created.contains { $0.name == table.name }
            plan.targetFound = !plan.created
            for (index, column) in table.columns.enumerated() {
                if options.skipColumns.contains("\(table.displayName).\(column.name)") {
                    plan.skippedColumns.append(column.name)
                    continue
                }
                guard let targetColumn = target.column(column.name) else {
                    plan.problems.append(.init(.unmatchedColumn, table: table.name, "the archive column \(column.name) has no column in the target table; add it to the target or pass --skip-column \(table.name).\(column.name)"))
                    continue
                }
                if targetColumn.generated {
                    // Generated on both sides: PostgreSQL computes it from the loaded columns.
                    if column.generated != nil {
                        plan.skippedColumns.append(column.name)
                        plan.generatedColumns.append(column.name)
                        continue
                    }
                    plan.problems.append(.init(.generatedTarget, table: table.name, "the target column \(column.name) is generated and cannot be loaded; pass --skip-column \(table.name).\(column.name)"))
                    continue
                }
                let converter = ValueConverter(type: targetColumn.targetType)
                if !converter.hasBinaryForm { plan.copyFormat = "text" }
                let counts = summary?.tables[safe: position]?.classes[safe: index]
                let qualified = "\(table.displayName).\(column.name)"
                let chosen = plan.created ? TableCreator.chosenType(of: column, in: table, classes: counts).why : nil
                let notes = (chosen.map { [$0] } ?? []) + ConversionRisks.notes(converter.type, classes: ConversionRisks.classes(counts: counts, declaredType: column.declaredType),
                                                  allowFlag: "--allow-change \(qualified)", allowed: options.allowChange.contains(qualified))
                plan.columns.append(ColumnMapping(column: column.name, sourceIndex: index, targetType: targetColumn.type,
                                                  conversion: "\(column.declaredType.isEmpty ? "(no type)" : column.declaredType) → \(targetColumn.type) (\(converter.kind.rawValue) rules)",
                                                  seen: counts.map(Self.describe), notes: notes))
            }
            let provided = Set(plan.columns.map(\.column))
            for column in target.columns where !provided.contains(column.name) {
                plan.targetOnlyColumns.append(column.name)
                if column.notNull && !column.hasDefault && column.identity.isEmpty && !column.generated
                    && !(table.name == OwnershipColumns.table && OwnershipColumns.names.contains(column.name)) {
                    plan.problems.append(.init(.notNullWithoutSource, table: table.name, "the target column \(column.name) is NOT NULL, has no default, and the archive has no value for it"))
                }
            }
            if table.name == OwnershipColumns.table {
                plan.ownershipColumns = OwnershipColumns.names.filter { target.column($0) != nil }
                let missing = OwnershipColumns.names.filter { target.column($0) == nil }
                if !missing.isEmpty && !options.addOwnershipColumns {
                    plan.problems.append(.init(.ownershipColumns, table: table.name, "the target sessions table lacks the ownership columns \(missing.joined(separator: ", ")); the multi-user schema must have them (--add-ownership-columns adds them inside the load's transaction)"))
                }
            }
            (plan.strategy, plan.stagingKeys) = strategy(for: table, position: position, target: target, created: plan.created,
                                                         manifest: manifest, catalog: catalog, options: options)
            plan.renumbered = renumbered[table.name]
            plan.rewrites = rewrites(of: table, target: target, renumbered: renumbered)
            let later = Set(manifest.tables.dropFirst(position + 1).map(\.name))
            plan.waitsFor = Set(plan.stagingKeys.filter { $0.referencedSchema == catalog.schema }.map(\.referencedTable) + plan.rewrites.map(\.parent))
                .filter { later.contains($0) }.sorted()
            plan.referencedBy = manifest.tables.filter { other in
                other.name != table.name && (other.foreignKeys.contains { $0.referencedTable == table.name }
                    || catalog.tables[other.name]?.foreignKeys.contains { $0.referencedTable == table.name && $0.referencedSchema == catalog.schema } == true)
            }.map(\.displayName)
            return plan
        }
        // Names in the options that match nothing are the LoadView's, once for all databases.
        return LoadPlan(schema: catalog.schema, tables: tables, general: [])
    }

    /// `text 3, null 1`: the storage classes a column holds, most frequent first.
    static func describe(_ counts: ClassCounts) -> String {
        let all = [("integer", counts.integer), ("real", counts.real), ("text", counts.text), ("blob", counts.blob), ("null", counts.null)]
        let present = all.filter { $0.1 > 0 }.sorted { $0.1 > $1.1 }
        return present.isEmpty ? "no rows" : present.map { "\($0.0) \(Units.count($0.1))" }.joined(separator: ", ")
    }

    /// How `render` says a table's strategy, after its COPY format.
    static let strategyWords: [Strategy: String] = [
        .staged: ", through a staging table", .merge: ", merged through a staging table", .append: ", merged through a staging table",
        .keysAfter: ", foreign keys set aside and checked once the rows are in (through a staging table if the table is in use then)",
    ]

    public func render() -> String {
        var lines = targetLines
        for table in tables {
            lines.append("")
            lines.append("\(table.table): \(table.targetFound ? "target found" : table.created ? "target missing, created by --create-missing-tables" : "target missing"), \(Units.count(table.rows)) rows, \(table.verdict)"
                + (table.targetFound || table.created ? ", COPY in \(table.copyFormat) format" : "")
                + (table.problems.isEmpty ? Self.strategyWords[table.strategy] ?? "" : ""))
            if table.strategy == .append {
                lines.append("  append: " + (table.renumbered.map { "\($0) renumbered (new values from the target's sequence)" } ?? "keys kept (a key already there: the same row, or a conflict)")
                    + table.rewrites.map { "; \($0.column) rewritten to \($0.parent).\($0.parentKey)'s new values" }.joined())
            }
            if !table.waitsFor.isEmpty {
                lines.append("  waits for \(table.waitsFor.joined(separator: ", ")), which the archive holds later: "
                    + (table.strategy == .keysAfter ? "its foreign keys are added back and checked after them" : "its rows are checked and moved in after them"))
            }
            for column in table.columns {
                lines.append("  \(column.column): \(column.conversion)" + (column.seen.map { "; seen: \($0)" } ?? ""))
                for note in column.notes { lines.append("    note: \(note)") }
            }
            let skipped = table.skippedColumns.filter { !table.generatedColumns.contains($0) }
            if !skipped.isEmpty { lines.append("  skipped: \(skipped.joined(separator: ", "))") }
            if !table.generatedColumns.isEmpty {
                lines.append("  generated in the archive and the target, computed by PostgreSQL (not loaded, not compared): \(table.generatedColumns.joined(separator: ", "))")
            }
            if !table.targetOnlyColumns.isEmpty { lines.append("  target only (default or NULL): \(table.targetOnlyColumns.joined(separator: ", "))") }
            if !table.ownershipColumns.isEmpty { lines.append("  ownership columns: \(table.ownershipColumns.joined(separator: ", "))") }
            for problem in table.problems { lines.append("  problem: " + (problem.kind == .occupied ? "already holds rows (below)" : problem.message)) }
        }
        if !renamed.isEmpty {
            lines.append("")
            lines.append("renamed for PostgreSQL, whose names hold 63 bytes:")
            for name in renamed { lines.append("  \(name.kind) \(name.archive) → \(name.target)") }
        }
        if !leftOut.isEmpty {
            lines.append("")
            lines.append(Loader.Report.LeftOut.list(leftOut))
        }
        if !afterCommit.isEmpty {
            lines.append("")
            lines.append("after COMMIT, the files:")
            lines += afterCommit.map { "  " + $0 }
        }
        if let warned = source?.exportWarningLines, !warned.isEmpty {
            lines.append("")
            lines += warned
        }
        let all = allProblems
        if !all.isEmpty {
            lines.append("")
            lines.append("problems:")
            lines += Self.grouped(all, schema: schema).map { "  " + $0 }
        }
        lines.append("")
        lines += verdictLines
        return lines.joined(separator: "\n") + "\n"
    }

    /// Adds problems found outside the table plan (the preflight's), each to its table.
    mutating func add(_ problems: [Problem]) {
        for problem in problems {
            if let table = problem.table, let index = tables.firstIndex(where: { $0.table == table }) {
                tables[index].problems.append(problem)
            } else {
                general.append(problem)
            }
        }
    }
}
