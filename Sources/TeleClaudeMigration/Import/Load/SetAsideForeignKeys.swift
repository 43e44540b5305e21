/// The foreign keys of a table loaded with the strategy `keysAfter`: dropped inside the
/// load's transaction before its COPY goes straight into the target, and added back from
/// their own definitions (`pg_get_constraintdef`) once its rows and their parents are in.
/// Adding a key makes PostgreSQL check every row in one anti-join; staging checked the same
/// thing but paid for a second copy of the rows (COPY into the staging table, then
/// INSERT ... SELECT: on a child of 100,000 rows of 1-8 KB of JSON, 3.5 s of the 9.6 s the
/// table took). A key whose rows break it is not added: its orphans are named, each by its
/// archive row, and the load fails, which rolls the drop back with everything else.
///
/// The plan chooses this only where nothing can come back different: under the default
/// policies (no rejects file to fill, no rows already there), on a table the role owns whose
/// file has no pages and which has no triggers or rules (so its rows are the COPY's lines, in
/// their order, and a row's position is its archive line), for keys that are validated,
/// declared on the table itself and without a comment, whose parents the role may reference
/// and which have no deferred triggers (PostgreSQL will not alter a table with trigger
/// events pending until COMMIT). The drop locks the table and its parents without waiting;
/// refused (another session uses one), the table goes through staging instead.
struct SetAsideForeignKeys {
    struct Key {
        var key: TargetCatalog.ForeignKey
        /// As `pg_get_constraintdef` prints it: `FOREIGN KEY (...) REFERENCES ...`.
        var definition: String
    }

    private(set) var keys: [Key] = []

    /// Drops `keys` from `table`; nil (nothing dropped) when the table must be staged instead.
    static func drop(_ keys: [TargetCatalog.ForeignKey], on table: TargetCatalog.Table,
                     _ connection: PostgresConnection) throws -> SetAsideForeignKeys? {
        let definitions = try connection.execute("""
            SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f'
            """, [table.qualifiedName])
        var byName: [String: String] = [:]
        for row in definitions.rows { if let name = row[0], let definition = row[1] { byName[name] = definition } }
        var setAside = SetAsideForeignKeys()
        for key in keys {
            guard let definition = byName[key.name] else { return nil }
            setAside.keys.append(Key(key: key, definition: definition))
        }
        let parents = Set(keys.map { SQLIdentifier.quote($0.referencedSchema) + "." + SQLIdentifier.quote($0.referencedTable) })
        let locked = ([table.qualifiedName] + parents.subtracting([table.qualifiedName]).sorted()).joined(separator: ", ")
        do {
            try connection.inSavepoint("tc_import_keys", rollingBackOn: Self.meansStage) {
                try connection.execute("LOCK TABLE \(locked) IN ACCESS EXCLUSIVE MODE NOWAIT")
                // The plan saw an empty file before BEGIN; under the lock it is sure to stay as it is now.
                guard try connection.execute("SELECT pg_relation_size($1::regclass) = 0", [table.qualifiedName]).value(0, 0) == "t" else {
                    throw FileNotEmpty()
                }
                for key in keys {
                    try connection.execute("ALTER TABLE \(table.qualifiedName) DROP CONSTRAINT \(SQLIdentifier.quote(key.name))")
                }
            }
        } catch where Self.meansStage(error) {
            return nil
        }
        return setAside
    }

    /// The table's file has pages after all: its rows would not lie in the COPY's order.
    struct FileNotEmpty: Error {}

    /// Refusals that mean "stage the table instead": a file with pages, a lock another
    /// session holds, trigger events pending on the table or a parent (the plan stages tables
    /// whose parents have deferred triggers; this is the net under it), an object that
    /// depends on the key, a privilege the role lacks after all.
    static func meansStage(_ error: any Error) -> Bool {
        error is FileNotEmpty || ["55P03", "55006", "2BP01", "42501"].contains((error as? PostgresError)?.sqlState ?? "")
    }
}

extension TableLoad {
    /// Adds each set-aside key back; a key its rows break stays out, and every orphan is
    /// named (the load then fails and rolls back).
    mutating func restore(_ setAside: SetAsideForeignKeys) throws {
        for entry in setAside.keys {
            do {
                try connection.inSavepoint("tc_import_key", rollingBackOn: { ($0 as? PostgresError)?.sqlState == "23503" }) {
                    try connection.execute("ALTER TABLE \(target.qualifiedName) ADD CONSTRAINT \(SQLIdentifier.quote(entry.key.name)) \(entry.definition)")
                }
            } catch let error as PostgresError where error.sqlState == "23503" {
                try nameOrphans(entry.key)
                if problems.isEmpty { throw error }  // the server saw an orphan this query does not
            }
        }
    }

    /// The rows whose parent is missing, by archive line: the table's file had no pages
    /// before its one COPY, so the rows' physical order is the COPY's. `ONLY` on both
    /// sides, as the key itself checks (an inheritance child's rows are not the table's).
    mutating func nameOrphans(_ key: TargetCatalog.ForeignKey) throws {
        let shown = shownColumns(for: key)
        let parent = SQLIdentifier.quote(key.referencedSchema) + "." + SQLIdentifier.quote(key.referencedTable)
        let notNull = key.columns.map { "s.\(SQLIdentifier.quote($0)) IS NOT NULL" }.joined(separator: " AND ")
        let match = zip(key.columns, key.referencedColumns)
            .map { "p.\(SQLIdentifier.quote($1)) = s.\(SQLIdentifier.quote($0))" }.joined(separator: " AND ")
        let select = shown.map { "s.\(SQLIdentifier.quote($0))::text" }.joined(separator: ", ")
        let line = Self.lineColumn
        let orphans = try connection.execute("""
            SELECT s.\(line), \(select)
            FROM (SELECT row_number() OVER (ORDER BY ctid) AS \(line), * FROM ONLY \(target.qualifiedName)) s
            WHERE \(notNull) AND NOT EXISTS (SELECT 1 FROM ONLY \(parent) p WHERE \(match))
            ORDER BY 1 LIMIT 1000
            """)
        for row in orphans.rows {
            let copied = row[0].flatMap { Int64($0) } ?? 0
            let described = naming.row(line: archiveLine(copied: copied), key: zip(shown, row.dropFirst()).map { ($0, $1 ?? "NULL") })
            problems.append("\(table.displayName) \(described): \(Self.orphan(key))")
        }
    }
}
