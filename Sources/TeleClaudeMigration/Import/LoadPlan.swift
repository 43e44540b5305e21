/// How each archive table maps onto the target schema: columns matched by name (never by
/// position), the conversion of each, and every problem that stops a load before BEGIN.
public struct LoadPlan: Sendable {
    public struct ColumnMapping: Sendable, Codable {
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

    public struct TablePlan: Sendable, Codable {
        public var table: String
        public var rows: Int64
        public var targetFound: Bool
        /// The target is missing and `--create-missing-tables` creates it.
        public var created = false
        public var columns: [ColumnMapping]
        public var skippedColumns: [String]
        /// Target columns the archive does not provide (filled by their default or NULL).
        public var targetOnlyColumns: [String]
        public var ownershipColumns: [String]
        public var problems: [String]
        /// `binary` when every mapped column has a simple binary form, else `text` (README, "plan / load").
        public var copyFormat = "binary"

        public var verdict: String { problems.isEmpty ? "ok" : "blocked" }
    }

    public var schema: String
    public var tables: [TablePlan]
    /// Problems that are not about one table.
    public var general: [String]

    public var problems: [String] { general + tables.flatMap { table in table.problems.map { "\(table.table): \($0)" } } }

    static let ownershipColumns = ["owner_person", "owner_uid"]

    /// The catalog as it will be once `--create-missing-tables` created what is missing,
    /// and the archive tables it creates.
    public static func withCreatedTables(manifest: Manifest, catalog: TargetCatalog, options: LoadOptions) -> (TargetCatalog, [TableSchema]) {
        guard options.createMissingTables else { return (catalog, []) }
        var catalog = catalog
        var created: [TableSchema] = []
        for table in manifest.tables where catalog.tables[table.name] == nil {
            catalog.tables[table.name] = TableCreator.plannedTable(table, schema: catalog.schema)
            created.append(table)
        }
        return (catalog, created)
    }

    public static func make(manifest: Manifest, catalog: TargetCatalog, options: LoadOptions, created: [TableSchema] = [],
                            summary: Summary? = nil) -> LoadPlan {
        var general: [String] = []
        let known = Set(manifest.tables.flatMap { table in table.columns.map { "\(table.name).\($0.name)" } })
        for skip in options.skipColumns.sorted() where !known.contains(skip) {
            general.append("--skip-column \(skip) names no column of the archive")
        }
        for allowed in options.allowChange.sorted() where !known.contains(allowed) {
            general.append("--allow-change \(allowed) names no column of the archive")
        }
        let tables = manifest.tables.map { table -> TablePlan in
            var plan = TablePlan(table: table.name, rows: table.rows, targetFound: false, columns: [], skippedColumns: [],
                                 targetOnlyColumns: [], ownershipColumns: [], problems: [])
            guard let target = catalog.tables[table.name] else {
                plan.problems.append("no table \(table.name) in schema \(catalog.schema); create the target schema first (the system installer does), or pass --create-missing-tables")
                return plan
            }
            plan.created = created.contains { $0.name == table.name }
            plan.targetFound = !plan.created
            for (index, column) in table.columns.enumerated() {
                if options.skipColumns.contains("\(table.name).\(column.name)") {
                    plan.skippedColumns.append(column.name)
                    continue
                }
                guard let targetColumn = target.column(column.name) else {
                    plan.problems.append("the archive column \(column.name) has no column in the target table; add it to the target or pass --skip-column \(table.name).\(column.name)")
                    continue
                }
                if targetColumn.generated {
                    plan.problems.append("the target column \(column.name) is generated and cannot be loaded; pass --skip-column \(table.name).\(column.name)")
                    continue
                }
                let converter = ValueConverter(type: targetColumn.targetType)
                if !converter.hasBinaryForm { plan.copyFormat = "text" }
                let counts = summary?.tables.first { $0.name == table.name }?.classes[safe: index]
                let qualified = "\(table.name).\(column.name)"
                let notes = ConversionRisks.notes(converter.type, classes: ConversionRisks.classes(counts: counts, declaredType: column.declaredType),
                                                  allowFlag: "--allow-change \(qualified)", allowed: options.allowChange.contains(qualified))
                plan.columns.append(ColumnMapping(column: column.name, sourceIndex: index, targetType: targetColumn.type,
                                                  conversion: "\(column.declaredType.isEmpty ? "(no type)" : column.declaredType) → \(targetColumn.type) (\(converter.kind.rawValue) rules)",
                                                  seen: counts.map(Self.describe), notes: notes))
            }
            let provided = Set(plan.columns.map(\.column))
            for column in target.columns where !provided.contains(column.name) {
                plan.targetOnlyColumns.append(column.name)
                if column.notNull && !column.hasDefault && column.identity.isEmpty && !column.generated
                    && !(table.name == "sessions" && ownershipColumns.contains(column.name)) {
                    plan.problems.append("the target column \(column.name) is NOT NULL, has no default, and the archive has no value for it")
                }
            }
            if table.name == "sessions" {
                plan.ownershipColumns = ownershipColumns.filter { target.column($0) != nil }
                let missing = ownershipColumns.filter { target.column($0) == nil }
                if !missing.isEmpty && !options.addOwnershipColumns {
                    plan.problems.append("the target sessions table lacks the ownership columns \(missing.joined(separator: ", ")); the multi-user schema must have them (--add-ownership-columns adds them inside the load's transaction)")
                }
            }
            return plan
        }
        return LoadPlan(schema: catalog.schema, tables: tables, general: general)
    }

    /// `text 3, null 1`: the storage classes a column holds, most frequent first.
    static func describe(_ counts: ClassCounts) -> String {
        let all = [("integer", counts.integer), ("real", counts.real), ("text", counts.text), ("blob", counts.blob), ("null", counts.null)]
        let present = all.filter { $0.1 > 0 }.sorted { $0.1 > $1.1 }
        return present.isEmpty ? "no rows" : present.map { "\($0.0) \(Format.count($0.1))" }.joined(separator: ", ")
    }

    public func render() -> String {
        var lines = ["target schema: \(schema)"]
        for table in tables {
            lines.append("")
            lines.append("\(table.table): \(table.targetFound ? "target found" : table.created ? "target missing, created by --create-missing-tables" : "target missing"), \(table.rows) rows, \(table.verdict)"
                + (table.targetFound || table.created ? ", COPY in \(table.copyFormat) format" : ""))
            for column in table.columns {
                lines.append("  \(column.column): \(column.conversion)" + (column.seen.map { "; seen: \($0)" } ?? ""))
                for note in column.notes { lines.append("    note: \(note)") }
            }
            if !table.skippedColumns.isEmpty { lines.append("  skipped: \(table.skippedColumns.joined(separator: ", "))") }
            if !table.targetOnlyColumns.isEmpty { lines.append("  target only (default or NULL): \(table.targetOnlyColumns.joined(separator: ", "))") }
            if !table.ownershipColumns.isEmpty { lines.append("  ownership columns: \(table.ownershipColumns.joined(separator: ", "))") }
            for problem in table.problems { lines.append("  problem: \(problem)") }
        }
        for problem in general { lines.append("problem: \(problem)") }
        lines.append("")
        lines.append(problems.isEmpty ? "verdict: the archive can be loaded" : "verdict: \(problems.count) problem(s); load would stop before BEGIN")
        return lines.joined(separator: "\n") + "\n"
    }
}
