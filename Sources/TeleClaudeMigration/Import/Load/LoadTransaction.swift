import Foundation

/// The load's one transaction: session settings, BEGIN, the tables `--create-missing-tables`
/// creates, ownership columns, the TRUNCATE of `--if-exists replace`; at the end the created
/// tables' keys and indexes, the row counts, sequences, owners, and COMMIT (ROLLBACK for a
/// dry run). Everything here was checked by `Preflight` before BEGIN.
struct LoadTransaction {
    let context: LoadContext
    var catalog: TargetCatalog
    let created: [TableSchema]
    var creationNotes: [String] = []
    let owner: String?
    /// The TOAST compression the load set for its session, when it set one.
    var toastCompression: String?
    var loaded: [Loader.Report.Table] = []
    /// Per table, the rows its read-back saw (tables read back in full only).
    var rowsReadBack: [String: Int64] = [:]
    /// The sequences of the loaded tables and where each stands after the load (or would, in a dry run).
    var sequences: [Loader.Report.Sequence] = []
    /// Each sequence and the value it must reach (its column's highest key, or SQLite's
    /// high-water mark); set by `advanceSequences`, just before COMMIT.
    private var sequencesNeeded: [(sequence: String, value: Int64)] = []
    var ownershipUpdated = 0
    var indexesBuiltAfterData: [String] = []
    /// Append: the sessions this load added (their key column and keys as a text[] literal);
    /// the owners given and checked are theirs alone. Nil: every session of the table.
    var addedSessions: (column: String, keys: String)?
    /// Loaded tables this role may not analyze (another role owns them), as regclass text.
    var analyzeSkipped: [String] = []
    /// How long ANALYZE of the loaded tables took (nil: not run, `--no-analyze`).
    var analyzeSeconds: Double?
    /// The id of this load in the target's record of loads (the main database's transaction).
    var recordID: Int64?
    /// Append: per table that rows were added to, in load order, their keys (for the rollback steps).
    var appended: [Loader.AddedRows] = []

    var connection: PostgresConnection { context.connection }
    var options: LoadOptions { context.options }
    var console: Console { context.console }
    var naming: RowNaming { context.naming }

    /// BEGIN, and what comes before the data.
    /// With several databases, the first one's `begin` opens the transaction and the others
    /// join it (`opensTransaction` false): one transaction for all of them.
    static func begin(_ checked: Preflight, manifest: Manifest, summary: Summary?, context: LoadContext,
                      opensTransaction: Bool = true) throws -> LoadTransaction {
        var transaction = LoadTransaction(context: context, catalog: checked.catalog, created: checked.created, owner: checked.owner)
        let connection = context.connection, options = context.options, console = context.console
        if opensTransaction {
            // Read-back compares instants in UTC and floats in their shortest exact form.
            try connection.execute("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 1; SET bytea_output = 'hex'")
            if options.toastCompression != .server {
                do {
                    try connection.execute("SET default_toast_compression = '\(options.toastCompression.rawValue)'")
                    transaction.toastCompression = options.toastCompression.rawValue
                } catch let error as PostgresError {
                    console.info("large values keep the server's TOAST compression: \(error.message)")
                }
            }
            try connection.execute("BEGIN")
            context.outcome.began()
            // One load at a time (every lock wait is bounded from the connection on).
            try LoadLock.take(context)
        }
        // What the preflight found empty is asked again under the lock: a load that waited
        // for another sees the rows it committed.
        if options.ifExists == .fail {
            let occupied = try Preflight.occupiedTables(manifest, catalog: checked.catalog, created: checked.created, connection)
            guard occupied.isEmpty else {
                throw Loader.Failure("rows arrived in the target after the plan was checked (another load or the daemon committed them first)",
                                     hint: "run plan again: it says which --if-exists fits them",
                                     problems: occupied.map { "\($0): the target table now holds rows" })
            }
        }
        let schema = checked.catalog.schema
        if checked.createsSchema {
            try connection.execute("CREATE SCHEMA \(SQLIdentifier.quote(schema))")
            console.info("created the schema \(schema) (--create-missing-tables, inside the transaction)")
        }
        if !checked.created.isEmpty {
            for table in checked.created {
                let (sql, warnings) = TableCreator.createTable(table, schema: schema,
                                                               classes: LoadPlan.classes(of: table.name, manifest: manifest, summary: summary))
                do {
                    try connection.execute(sql)
                } catch let error as PostgresError {
                    throw Loader.Failure("PostgreSQL refused to create \(table.displayName) (--create-missing-tables)",
                                         problems: [transaction.naming.describe(error)])
                }
                warnings.forEach { console.warning($0) }
                transaction.creationNotes += warnings
            }
            transaction.catalog = try TargetCatalog.read(connection, schema: schema)
            console.info("created \(checked.created.map(\.name).joined(separator: ", ")) (inside the transaction; indexes and foreign keys follow the data)")
        }
        if options.addOwnershipColumns, let sessions = transaction.catalog.tables[OwnershipColumns.table],
           OwnershipColumns.names.contains(where: { sessions.column($0) == nil }) {
            try connection.execute("ALTER TABLE \(sessions.qualifiedName) ADD COLUMN IF NOT EXISTS \(OwnershipColumns.person) text, ADD COLUMN IF NOT EXISTS \(OwnershipColumns.uid) integer")
            transaction.catalog = try TargetCatalog.read(connection, schema: schema)
            console.info("added \(OwnershipColumns.person) and \(OwnershipColumns.uid) to \(sessions.qualifiedName) (inside the transaction)")
        }
        if !checked.replaced.isEmpty {
            try connection.execute("TRUNCATE \(checked.replaced.map(\.qualifiedName).joined(separator: ", "))")
            let names = checked.replaced.map(\.name)
            let held = Set(checked.occupied) == Set(names) ? "" : "; rows were in \(checked.occupied.joined(separator: ", "))"
            console.info("emptied inside the transaction (--if-exists replace): \(names.joined(separator: ", "))\(held)")
        }
        return transaction
    }

    /// After the last table: keys and indexes of created tables, counts, owners, and what each
    /// sequence must reach. Then, for every database, `advanceSequences`, and the first
    /// one's `commit`.
    /// `readBackCountsHold`: nothing but this load wrote to its tables (`readBackCountsHold(_:connection:)`),
    /// so a table read back in full holds the rows its read-back saw.
    mutating func finish(manifest: Manifest, readBackCountsHold: Bool = false) throws {
        context.progress.enter("keys, counts, sequences and owners", table: "")
        try finishCreatedTables(manifest: manifest)
        // Counts: what is in each table now is exactly what the archive holds (a table read
        // back in full: what its read-back saw, when that still holds; no second scan).
        var mismatches: [String] = []
        for index in loaded.indices {
            let entry = loaded[index]
            if options.ifExists.keepsTargetRows {
                // Rows that were there before stay; what is checked is that every archive row
                // was inserted, skipped as present, or rejected.
                if entry.loaded + entry.skipped + entry.conflicts + entry.rejected != entry.rows {
                    mismatches.append("\(entry.name): \(entry.loaded) inserted + \(entry.skipped) already there + \(entry.conflicts) in conflict + \(entry.rejected) rejected, \(entry.rows) in the archive")
                }
                continue
            }
            let table = catalog.tables[entry.name]!
            let count = try (readBackCountsHold ? rowsReadBack[entry.name] : nil)
                ?? Int64(connection.execute("SELECT count(*) FROM \(table.qualifiedName)").value(0, 0) ?? "") ?? -1
            loaded[index].loaded = count
            if count + entry.rejected != entry.rows {
                mismatches.append("\(table.name): \(count) rows after the load and \(entry.rejected) rejected, \(entry.rows) in the archive")
            }
        }
        guard mismatches.isEmpty else {
            throw Loader.Failure("row counts differ", problems: mismatches)
        }
        // What each sequence must reach: the highest key and SQLite's high-water mark.
        for table in manifest.tables {
            guard let target = catalog.tables[table.name] else { continue }
            for column in target.columns {
                guard let sequence = column.sequence else { continue }
                let maxKey = try connection.execute("SELECT max(\(SQLIdentifier.quote(column.name)))::bigint FROM \(target.qualifiedName)").value(0, 0).flatMap { Int64($0) } ?? 0
                let isKey = table.primaryKey == [column.name]
                // SQLite's high-water mark counts the archive's own keys, which append renumbered.
                let highWater = isKey && options.ifExists != .append ? (table.sequence ?? 0) : 0
                sequencesNeeded.append((sequence, max(maxKey, highWater)))
            }
        }
        // Ownership: sessions nobody owns go to the migrating person. Under append, only the
        // sessions this load added: an ownerless session of another person's stays theirs.
        if let sessions = catalog.tables[OwnershipColumns.table], sessions.column(OwnershipColumns.person) != nil, let person = owner {
            let uid = options.ownerUID ?? manifest.source.uid
            let uidSet = sessions.column(OwnershipColumns.uid) != nil ? ", \(OwnershipColumns.uid) = COALESCE(\(OwnershipColumns.uid), $2::integer)" : ""
            var parameters: [String?] = uidSet.isEmpty ? [person] : [person, String(uid)]
            var added = ""
            if options.ifExists == .append {
                let rows = appended.first { $0.table == sessions.qualifiedName }
                let key = manifest.tables.first { $0.name == OwnershipColumns.table }?.primaryKey ?? []
                if let rows, key.count == 1, !rows.renumbered {
                    addedSessions = (key[0], "{" + rows.keys.map { "\"" + $0[0].replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }.joined(separator: ",") + "}")
                    parameters.append(addedSessions!.keys)
                    added = " AND \(SQLIdentifier.quote(key[0]))::text = ANY($\(parameters.count)::text[])"
                } else {
                    addedSessions = ("", "{}")
                    added = " AND false"  // no session added, or none this load can name: nobody else's is touched
                }
            }
            ownershipUpdated = try connection.execute(
                "UPDATE \(sessions.qualifiedName) SET \(OwnershipColumns.person) = $1\(uidSet) WHERE \(OwnershipColumns.person) IS NULL\(added)", parameters).affectedRows
        }
    }

    /// Moves each sequence forward to the value it must reach, never back: one the running
    /// daemon already took further stays where it is. The last step before COMMIT, after
    /// every check, because PostgreSQL never rolls `setval` back; a dry run only reads
    /// where each would stand. `sequences` says where each stands after it.
    mutating func advanceSequences() throws {
        for (sequence, value) in sequencesNeeded {
            // One statement, so the value is compared with the sequence as it is then (the
            // daemon may be taking values); its last value read once (OFFSET 0 keeps the
            // subquery from being folded into the outer one and read again after setval).
            let now = "(SELECT COALESCE(pg_sequence_last_value($1::regclass), 0) AS last OFFSET 0) s"
            let sql = options.dryRun
                ? "SELECT GREATEST($2::bigint, s.last), false FROM \(now)"
                : "SELECT CASE WHEN $2::bigint > s.last THEN setval($1::regclass, $2::bigint, true) ELSE s.last END, $2::bigint > s.last FROM \(now)"
            let result = try connection.execute(sql, [sequence, String(value)])
            if result.value(0, 1) == "t" { context.outcome.moved(sequence: sequence) }
            sequences.append(.init(sequence: sequence, value: result.value(0, 0).flatMap { Int64($0) } ?? value))
        }
    }

    /// Whether the rows each read-back saw are still its table's at the end. This load
    /// writes nothing to a table after reading it back (the owners' UPDATE changes no count),
    /// so only what runs on the side could: a user trigger or rule on a table it writes (a
    /// later table's trigger inserting into an earlier one, of any database of the load), an
    /// event trigger (the load's own DDL, indexes built after the data, fires them), or
    /// whatever fires on partitions or child tables of a loaded table, not looked into here.
    /// With any of those, every table is counted again. (The internal triggers of foreign
    /// keys write only when a key is deleted or changed, which the load never does.)
    static func readBackCountsHold(_ transactions: [LoadTransaction], connection: PostgresConnection) throws -> Bool {
        guard transactions.contains(where: { !$0.rowsReadBack.isEmpty }) else { return false }
        let names = transactions.flatMap { transaction in transaction.loaded.compactMap { transaction.catalog.tables[$0.name]?.qualifiedName } }
        let list = "ARRAY[" + names.map { PostgresConnection.literal($0) + "::regclass" }.joined(separator: ", ") + "]::oid[]"
        return try connection.execute("""
            SELECT NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger WHERE NOT tgisinternal AND tgrelid = ANY(\(list)))
               AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_rewrite WHERE rulename <> '_RETURN' AND ev_class = ANY(\(list)))
               AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits WHERE inhparent = ANY(\(list)))
               AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger WHERE evtenabled <> 'D')
            """).value(0, 0) == "t"
    }

    /// COMMIT (ROLLBACK for a dry run) of the transaction this one opened.
    func commit(committed: () -> Void = {}) throws {
        // A dry run did everything a load does, checked; nothing is kept.
        if options.dryRun {
            try connection.execute("ROLLBACK")
            context.outcome.rolledBack()
            context.endWatch()
        } else {
            // Asked for now, while the connection stands: what the server is asked about
            // should the connection fail during COMMIT.
            let id = try connection.execute("SELECT txid_current()").value(0, 0) ?? ""
            context.outcome.commitSent(transactionID: id)
            context.progress.enter("COMMIT", table: "")
            defer { context.endWatch() }
            do {
                try connection.execute("COMMIT")
            } catch {
                try context.resolveCommit(after: error)
            }
            context.outcome.committed()
            committed()
        }
    }

    /// Indexes and foreign keys of the tables this load created, now that the data is in.
    /// An index PostgreSQL cannot build from SQLite's definition is left out with a
    /// warning (a savepoint keeps the transaction); orphan rows stop the load.
    mutating func finishCreatedTables(manifest: Manifest) throws {
        guard !created.isEmpty else { return }
        let schema = catalog.schema
        let parents = Dictionary(manifest.tables.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var orphans: [String] = []
        for table in created {
            let target = SQLIdentifier.quote(schema) + "." + SQLIdentifier.quote(table.name)
            for key in TableCreator.foreignKeys(table, schema: schema, parents: parents) {
                let parent = SQLIdentifier.quote(schema) + "." + SQLIdentifier.quote(key.key.referencedTable)
                let notNull = key.key.columns.map { "c.\(SQLIdentifier.quote($0)) IS NOT NULL" }.joined(separator: " AND ")
                let match = zip(key.key.columns, key.referenced).map { "p.\(SQLIdentifier.quote($1)) = c.\(SQLIdentifier.quote($0))" }.joined(separator: " AND ")
                let shown = key.key.columns.map { "c.\(SQLIdentifier.quote($0))::text" }.joined(separator: ", ")
                let found = try connection.execute("SELECT \(shown) FROM \(target) c WHERE \(notNull) AND NOT EXISTS (SELECT 1 FROM \(parent) p WHERE \(match)) LIMIT 100")
                for row in found.rows {
                    let described = naming.key(zip(key.key.columns, row).map { ($0, $1 ?? "NULL") }) ?? "(its key looks secret and is not shown)"
                    orphans.append("\(table.displayName) (\(described)) is an orphan: no \(key.key.referencedTable) row matches, so the foreign key cannot be created")
                }
                if found.rows.isEmpty { try connection.execute(key.sql) }
            }
            let (indexes, warnings) = TableCreator.indexes(table, schema: schema)
            creationNotes += warnings
            warnings.forEach { console.warning($0) }
            for index in indexes {
                do {
                    try connection.inSavepoint("tc_import_index") { try connection.execute(index.sql) }
                } catch let error as PostgresError {
                    let note = "\(table.displayName): the index \(index.name) was not created (\(error.message)); create it by hand: \(index.sql)"
                    creationNotes.append(note)
                    console.warning(note)
                }
            }
        }
        guard orphans.isEmpty else {
            throw Loader.Failure("tables created by --create-missing-tables hold rows whose parent is missing",
                                 hint: "--on-error reject moves such rows to the rejects file, except where two created tables reference each other",
                                 problems: orphans)
        }
    }
}
