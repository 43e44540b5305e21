/// The staging table of a table whose rows must be checked before they go in (the plan's
/// strategy `staged` or `merge`): created without the target's constraints, checked for
/// rows that break the target's rules and for orphans (each named, or rejected under
/// `--on-error reject`), then moved into the target in one INSERT.
extension TableLoad {
    /// One per table (a table whose parents the archive holds later keeps its staging
    /// table until they are loaded, while other tables stage theirs).
    var staging: String { "tc_import_staging_\(position)" }
    static let lineColumn = "tc_import_line"

    /// The mapped columns' types without the target's constraints, and the archive line.
    func createStaging(columns: String) throws {
        try connection.execute("CREATE TEMPORARY TABLE \(staging) ON COMMIT DROP AS SELECT \(columns) FROM \(target.qualifiedName) WITH NO DATA")
        try connection.execute("ALTER TABLE \(staging) ADD COLUMN \(Self.lineColumn) bigint")
    }

    /// Why a row whose parent is missing is refused (staged, or with its keys set aside).
    static func orphan(_ key: TargetCatalog.ForeignKey) -> String {
        "orphan: no \(key.referencedTable) row matches its \(key.columns.joined(separator: ", ")) (foreign key \(key.name))"
    }

    /// The columns a message about a row shows for `key`: the table's key, then the
    /// foreign key's columns (values only as `RowNaming` allows).
    func shownColumns(for key: TargetCatalog.ForeignKey) -> [String] {
        let keyColumns = table.primaryKey.isEmpty ? plan.columns.map(\.column) : table.primaryKey
        return keyColumns + key.columns.filter { !keyColumns.contains($0) }
    }

    /// Lists rows of the staging table whose parent is missing, then moves the rest in.
    mutating func moveStagedRows() throws {
        defer { _ = try? connection.execute("DROP TABLE IF EXISTS \(staging)") }
        let keyColumns = table.primaryKey.isEmpty ? plan.columns.map(\.column) : table.primaryKey
        // Append: new keys first, so every later check sees the rows as they will be.
        if plan.strategy == .append { try renumber(keyColumns: keyColumns) }
        // Under reject, rule-breaking rows leave first; otherwise the rules are checked only
        // if the INSERT fails, to name the rows (so a clean load pays nothing for them).
        if spool != nil { try rejectRowsBreakingRules(keyColumns: keyColumns) }
        let keys = plan.stagingKeys
        // A row whose parent is a row of the same table may lose its parent to a rejection:
        // check again until a pass rejects nothing.
        let selfReferencing = keys.contains { $0.referencedTable == table.name && $0.referencedSchema == target.schema }
        var again = true
        while again {
            again = false
            for key in keys {
                let parent = SQLIdentifier.quote(key.referencedSchema) + "." + SQLIdentifier.quote(key.referencedTable)
                let notNull = key.columns.map { "s.\(SQLIdentifier.quote($0)) IS NOT NULL" }.joined(separator: " AND ")
                let match = zip(key.columns, key.referencedColumns)
                    .map { "p.\(SQLIdentifier.quote($1)) = s.\(SQLIdentifier.quote($0))" }.joined(separator: " AND ")
                let shown = shownColumns(for: key)
                let select = shown.map { "s.\(SQLIdentifier.quote($0))::text" }.joined(separator: ", ")
                let sameTable = key.referencedTable == table.name && key.referencedSchema == target.schema
                let alsoStaged = sameTable ? " AND NOT EXISTS (SELECT 1 FROM \(staging) p WHERE \(match))" : ""
                let orphans = try connection.execute(
                    "SELECT s.\(Self.lineColumn), \(select) FROM \(staging) s WHERE \(notNull) AND NOT EXISTS (SELECT 1 FROM \(parent) p WHERE \(match))\(alsoStaged) ORDER BY 1\(spool == nil ? " LIMIT 1000" : "")")
                if selfReferencing, spool != nil, orphans.rowCount > 0 { again = true }
                try rejectStaged(orphans.rows, shown: shown, reason: Self.orphan(key))
            }
        }
        let rejecting = spool != nil
        spool = nil
        guard problems.isEmpty else { return }
        do {
            try connection.inSavepoint("tc_import_move", rollingBackOn: { $0 is PostgresError && !rejecting }) { try insertStaged() }
        } catch let error as PostgresError where !rejecting {
            try rejectRowsBreakingRules(keyColumns: keyColumns)
            if problems.isEmpty { throw error }  // a rule no query here knows (a trigger, an exclusion)
        }
    }

    /// The staged rows into the target (merge: only those whose key is new; a key already
    /// there is the same row when every value is equal, else a conflict, which
    /// `--on-conflict` resolves or lists). Append keeps the keys of the rows it adds, so the
    /// rollback steps delete exactly those.
    mutating func insertStaged() throws {
        let columns = plan.columns.map { SQLIdentifier.quote($0.column) }.joined(separator: ", ")
        if let key = plan.renumbered.map(SQLIdentifier.quote), plan.strategy == .append {
            // Keys fresh from the target's sequence: no row can hold one, so no comparison
            // and no anti-join; a row inserted with an explicit key past the sequence would
            // stop this INSERT (and be named), never be passed over. The added keys are
            // kept as ranges of new values: a few rows, however many were added.
            inserted = Int64(try connection.execute("INSERT INTO \(target.qualifiedName) (\(columns)) SELECT \(columns) FROM \(staging)").affectedRows)
            guard inserted > 0 else { return }
            addedKeys = try connection.execute("""
                SELECT min(k)::text, max(k)::text FROM (SELECT \(key) AS k, \(key) - row_number() OVER (ORDER BY \(key)) AS g FROM \(staging)) r
                GROUP BY g ORDER BY 1
                """).rows.map { $0.map { $0 ?? "" } }
        } else if plan.strategy.merges {
            let staged = Int64(try connection.execute("SELECT count(*) FROM \(staging)").value(0, 0) ?? "") ?? 0
            let same = table.primaryKey.map { "t.\(SQLIdentifier.quote($0)) = s.\(SQLIdentifier.quote($0))" }.joined(separator: " AND ")
            let selected = plan.columns.map { "s." + SQLIdentifier.quote($0.column) }.joined(separator: ", ")
            try resolveConflicts(same: same)
            guard problems.isEmpty else { return }
            let returning = plan.strategy == .append ? " RETURNING " + table.primaryKey.map { SQLIdentifier.quote($0) + "::text" }.joined(separator: ", ") : ""
            let result = try connection.execute(
                "INSERT INTO \(target.qualifiedName) (\(columns)) SELECT \(selected) FROM \(staging) s WHERE NOT EXISTS (SELECT 1 FROM \(target.qualifiedName) t WHERE \(same))\(returning)")
            inserted = Int64(result.affectedRows)
            if plan.strategy == .append { addedKeys = result.rows.map { $0.map { $0 ?? "" } } }
            skipped = staged - inserted - conflicts
        } else {
            try connection.execute("INSERT INTO \(target.qualifiedName) (\(columns)) SELECT \(columns) FROM \(staging)")
        }
    }

    /// Append: the staged rows' generated key gets new values from the target's sequence
    /// (in archive order), recorded in a map (old → new) that lives until COMMIT, and every
    /// column referencing a renumbered key (this table's own, or a parent's loaded before)
    /// follows through the parent's map. A reference no archive row matches is an orphan
    /// (named, or rejected): left as it was, it could name another person's row.
    mutating func renumber(keyColumns: [String]) throws {
        let shown = keyColumns
        for rewrite in plan.rewrites {
            let name = context.keyMaps[LoadContext.mapKey(database: table.databaseName, table: rewrite.parent)]
            // The parent's map, or this table's own (a row referencing a row of its table).
            let map = rewrite.parent == table.name ? Self.map(position) : name
            guard let map else {
                problems.append("\(table.displayName): \(rewrite.column) references \(rewrite.parent), whose keys this load renumbers, but \(rewrite.parent) is not loaded (-t/-T): its references cannot follow; load both, or neither")
                continue
            }
            if rewrite.parent == table.name { try createMap() }
            let column = SQLIdentifier.quote(rewrite.column)
            let select = "s.\(Self.lineColumn), " + shown.map { "s.\(SQLIdentifier.quote($0))::text" }.joined(separator: ", ")
            let orphans = try connection.execute(
                "SELECT \(select) FROM \(staging) s WHERE s.\(column) IS NOT NULL AND NOT EXISTS (SELECT 1 FROM \(map) m WHERE m.old = s.\(column)) ORDER BY 1\(spool == nil ? " LIMIT 1000" : "")")
            try rejectStaged(orphans.rows, shown: shown,
                             reason: "orphan: no \(rewrite.parent) row of the archive has \(rewrite.parentKey) equal to its \(rewrite.column) (--if-exists append gives that key a new value, and the reference follows it)")
            try connection.execute("UPDATE \(staging) s SET \(column) = m.new FROM \(map) m WHERE s.\(column) = m.old")
        }
        guard let key = plan.renumbered else { return }
        try createMap()
        let quoted = SQLIdentifier.quote(key)
        try connection.execute("UPDATE \(staging) s SET \(quoted) = m.new FROM \(Self.map(position)) m WHERE s.\(quoted) = m.old")
        context.keyMaps[LoadContext.mapKey(database: table.databaseName, table: table.name)] = Self.map(position)
    }

    /// This table's map of renumbered keys, once: each staged key and the next value of
    /// the target column's sequence, in archive order. `nextval` is never rolled back, so
    /// the outcome says the sequence moved; a dry run moves none and numbers the rows from
    /// where the sequence (or the highest key) stands, as the real load would.
    mutating func createMap() throws {
        guard let key = plan.renumbered, !mapCreated, let sequence = target.column(key)?.sequence else { return }
        mapCreated = true
        let map = Self.map(position)
        let quoted = SQLIdentifier.quote(key)
        try connection.execute("CREATE TEMPORARY TABLE \(map) (old bigint PRIMARY KEY, new bigint NOT NULL) ON COMMIT DROP")
        let staged = "SELECT \(quoted) AS k, \(Self.lineColumn) AS line FROM \(staging)"
        if context.options.dryRun {
            try connection.execute("""
                INSERT INTO \(map) (old, new)
                SELECT k, GREATEST(COALESCE(pg_sequence_last_value($1::regclass), 0), (SELECT COALESCE(max(\(quoted)), 0) FROM \(target.qualifiedName)))
                       + row_number() OVER (ORDER BY line) FROM (\(staged)) s
                """, [sequence])
        } else {
            context.outcome.moved(sequence: sequence)
            try connection.execute("INSERT INTO \(map) (old, new) SELECT k, nextval($1::regclass) FROM (\(staged) ORDER BY line) s", [sequence])
        }
    }

    /// The name of the key map of the table at `position` in the manifest (a temporary table).
    static func map(_ position: Int) -> String { "tc_import_key_map_\(position)" }

    /// Merge: the staged rows whose key is in the target with other values (compared as
    /// PostgreSQL prints them, so every type compares, json included). Under
    /// `--on-conflict fail` each is listed by its archive row, key and the columns that
    /// differ (no values); `keep-target` leaves the target's row, unless another archive
    /// table references this one (its rows would be linked to a row that is not theirs);
    /// `take-archive` gives the target row the archive's values.
    mutating func resolveConflicts(same: String) throws {
        let keyColumns = table.primaryKey
        let compared = plan.columns.map(\.column).filter { !keyColumns.contains($0) }
        guard !compared.isEmpty else { return }
        let differs = compared.map { "s.\(SQLIdentifier.quote($0))::text IS DISTINCT FROM t.\(SQLIdentifier.quote($0))::text" }
        let which = zip(compared, differs).map { "CASE WHEN \($1) THEN \(PostgresConnection.literal($0)) END" }
        let keys = keyColumns.map { "s.\(SQLIdentifier.quote($0))::text" }.joined(separator: ", ")
        let found = try connection.execute("""
            SELECT s.\(Self.lineColumn), array_to_string(ARRAY[\(which.joined(separator: ", "))], ', '), \(keys)
            FROM \(staging) s JOIN \(target.qualifiedName) t ON \(same)
            WHERE \(differs.joined(separator: " OR ")) ORDER BY 1
            """)
        conflicts = Int64(found.rowCount)
        guard conflicts > 0 else { return }
        let referencing = context.options.onConflict == .keepTarget ? plan.referencedBy : []
        let listed = context.options.onConflict == .fail || !referencing.isEmpty
        if listed {
            for row in found.rows.prefix(1000) {
                let key = naming.key(zip(keyColumns, row.dropFirst(2)).map { ($0, $1 ?? "NULL") }) ?? "its key looks secret and is not shown"
                problems.append("\(table.displayName) row \(row[0] ?? "?") (\(key)) is in the target with other values in \(row[1] ?? "?")")
            }
            if found.rowCount > 1000 { problems.append("… and \(found.rowCount - 1000) more conflicting rows of \(table.displayName)") }
            problems.append(referencing.isEmpty
                ? "\(table.displayName): \(found.rowCount) archive row(s) have a key the target holds with other values (another installation's rows, or rows changed since the last load): --on-conflict keep-target keeps the target's, --on-conflict take-archive takes the archive's; to add another person's rows beside the first one's, use --if-exists append"
                : "\(table.displayName): keeping the target's rows would link the archive's rows of \(referencing.joined(separator: ", ")) to rows that are not theirs; --on-conflict take-archive, or --if-exists append for another person's installation")
        } else if context.options.onConflict == .takeArchive {
            let set = compared.map { "\(SQLIdentifier.quote($0)) = s.\(SQLIdentifier.quote($0))" }.joined(separator: ", ")
            updated = Int64(try connection.execute("""
                UPDATE \(target.qualifiedName) t SET \(set) FROM \(staging) s WHERE \(same) AND (\(differs.joined(separator: " OR ")))
                """).affectedRows)
        }
    }

    /// Staged rows that would break a NOT NULL, CHECK or unique rule of the target: each
    /// rejected (`--on-error reject`) or listed, by its archive row and key, before the
    /// INSERT that would otherwise stop at the first with PostgreSQL's message. A CHECK
    /// that cannot be evaluated on the staged columns (it reads a column the archive does
    /// not fill) is left to the INSERT.
    mutating func rejectRowsBreakingRules(keyColumns: [String]) throws {
        let mapped = Set(plan.columns.map(\.column))
        let select = "s.\(Self.lineColumn), " + keyColumns.map { "s.\(SQLIdentifier.quote($0))::text" }.joined(separator: ", ")
        let limit = spool == nil ? " LIMIT 1000" : ""
        // Merge skips rows whose primary key is present: they are not loaded, so not checked.
        let pk = table.primaryKey.map { "k.\(SQLIdentifier.quote($0)) = s.\(SQLIdentifier.quote($0))" }.joined(separator: " AND ")
        let loaded = plan.strategy.merges && !pk.isEmpty ? " AND NOT EXISTS (SELECT 1 FROM \(target.qualifiedName) k WHERE \(pk))" : ""
        // One scan for every NOT NULL column: the first NULL column of each row names it.
        let notNull = target.columns.filter { $0.notNull && mapped.contains($0.name) }.map(\.name)
        if !notNull.isEmpty {
            let which = "CASE " + notNull.map { "WHEN s.\(SQLIdentifier.quote($0)) IS NULL THEN \(PostgresConnection.literal($0))" }.joined(separator: " ") + " END"
            let found = try connection.execute(
                "SELECT * FROM (SELECT \(select), \(which) AS tc_column FROM \(staging) s WHERE true\(loaded)) f WHERE tc_column IS NOT NULL ORDER BY 1\(limit)")
            for column in notNull {
                let rows = found.rows.filter { $0.last == column }.map { Array($0.dropLast()) }
                try rejectStaged(rows, shown: keyColumns, reason: "NULL in column \(column), which is NOT NULL in the target")
            }
        }
        for check in target.checks {
            let found: PostgresResult
            do {
                found = try connection.inSavepoint("tc_import_check") {
                    try connection.execute("SELECT \(select) FROM \(staging) s WHERE NOT \(check.expression)\(loaded) ORDER BY 1\(limit)")
                }
            } catch is PostgresError {
                continue
            }
            try rejectStaged(found.rows, shown: keyColumns, reason: "breaks the check constraint \(check.name) of the target")
        }
        for unique in target.uniques where unique.columns.allSatisfy(mapped.contains) {
            func same(_ alias: String) -> String {
                unique.columns.map { "\(alias).\(SQLIdentifier.quote($0)) = s.\(SQLIdentifier.quote($0))" }.joined(separator: " AND ")
            }
            let present = unique.columns.map { "s.\(SQLIdentifier.quote($0)) IS NOT NULL" }.joined(separator: " AND ")
            let reason = "repeats the key (\(unique.columns.joined(separator: ", "))) of \(unique.name)"
            // Two queries, not one with OR: each can then be a hash or index join (an OR of
            // two EXISTS made PostgreSQL compare every staged row with every other).
            let key = unique.columns.map { "s.\(SQLIdentifier.quote($0))" }.joined(separator: ", ")
            let repeated = try connection.execute("""
                SELECT \(select) FROM (SELECT s.*, row_number() OVER (PARTITION BY \(key) ORDER BY s.\(Self.lineColumn)) AS tc_nth
                FROM \(staging) s WHERE \(present)\(loaded)) s WHERE tc_nth > 1 ORDER BY 1\(limit)
                """)
            try rejectStaged(repeated.rows, shown: keyColumns, reason: reason + ", held by an earlier archive row")
            // Merge leaves rows whose primary key is present alone (skipped, not rejected).
            guard !(plan.strategy.merges && Set(unique.columns) == Set(table.primaryKey)) else { continue }
            let held = try connection.execute(
                "SELECT \(select) FROM \(staging) s WHERE \(present) AND EXISTS (SELECT 1 FROM \(target.qualifiedName) t WHERE \(same("t")))\(loaded) ORDER BY 1\(limit)")
            try rejectStaged(held.rows, shown: keyColumns, reason: reason + ", held by a row already in the table")
        }
    }

    /// Staged rows found breaking a rule (`line`, then the `shown` columns as text): under
    /// `--on-error reject` each goes whole to the rejects file and leaves the staging table
    /// and the read-back; otherwise each is a problem.
    mutating func rejectStaged(_ rows: [[String?]], shown: [String], reason: String) throws {
        for row in rows {
            let line = row[0].flatMap { Int64($0) } ?? 0
            if let spool, let rejects {
                let original = try spool.line(line)
                try rejects.write(table: table, line: line, reason: reason, row: original)
                if let values = try? RowDecoder.decode(Array(original.dropLast())) {
                    takeBackFromCheck(values)
                }
                rejected += 1
                try connection.execute("DELETE FROM \(staging) WHERE \(Self.lineColumn) = $1", [String(line)])
            } else {
                let described = naming.row(line: line, key: zip(shown, row.dropFirst()).map { ($0, $1 ?? "NULL") })
                problems.append("\(table.displayName) \(described): \(reason)")
            }
        }
    }
}
