/// Everything checked before BEGIN, in one place that `plan`, `load` and `load --dry-run`
/// all run, so that they cannot disagree about anything the manifest, the archived config,
/// the options and the target catalog decide: the table plan, the owner of sessions, the
/// destinations written after COMMIT, tables that already hold rows, and references
/// `--if-exists replace` would have to cascade into. It changes nothing.
struct Preflight {
    /// The catalog as the load will see it (tables `--create-missing-tables` creates included).
    let catalog: TargetCatalog
    let created: [TableSchema]
    let plan: LoadPlan
    /// The person ownerless sessions get, and why that one.
    let owner: String?
    let ownerSource: String?
    /// Archive tables whose target already holds rows.
    let occupied: [String]
    /// Tables `--if-exists replace` empties (all archive tables not created, when any holds rows).
    let replaced: [TargetCatalog.Table]
    /// The schema does not exist and `--create-missing-tables` creates it.
    let createsSchema: Bool
    /// Every problem found (the plan holds them all, each with its table).
    var problems: [LoadPlan.Problem] { plan.allProblems }

    static func run(manifest: Manifest, files: ArchiveFiles, connection: PostgresConnection, options: LoadOptions,
                    summary: Summary? = nil, view: LoadView) throws -> Preflight {
        var extra = view.problems
        let schemaName = try view.schema ?? connection.execute("SELECT current_schema()").value(0, 0)
        var createsSchema = false
        // A database whose every table -t/-T leave out loads nothing, and needs no schema.
        if let schemaName, !view.manifest.tables.isEmpty,
           try connection.execute("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schemaName]).rowCount == 0 {
            if options.createMissingTables {
                createsSchema = true  // CREATE SCHEMA inside the transaction, then its tables
            } else {
                let option = view.database == DatabaseEntry.main ? "--schema NAME" : "--schema-for \(view.database)=NAME"
                extra.append(.init(.schemaMissing, "the schema \(schemaName) (for the database \(view.database)) does not exist in the target database; create it (CREATE SCHEMA \(SQLIdentifier.quote(schemaName))), pass --create-missing-tables to create it with its tables, or pass \(option)"))
            }
        }
        let (catalog, created) = LoadPlan.withCreatedTables(manifest: manifest, catalog: try TargetCatalog.read(connection, schema: schemaName),
                                                            options: options, summary: summary)
        var plan = LoadPlan.make(manifest: manifest, catalog: catalog, options: options, created: created, summary: summary)

        // The owner: --owner-person, else the archived config's people: entry for the exporting user.
        // Sessions and their owners are the main database's.
        var owner = view.database == DatabaseEntry.main ? options.ownerPerson : nil
        var ownerSource: String? = owner.map { _ in "--owner-person" }
        let config = files.bytes(of: .configOriginal).map { String(decoding: $0, as: UTF8.self) }
        if owner == nil, view.database == DatabaseEntry.main, let config, let person = People.name(ofUser: manifest.source.user, inConfig: config) {
            owner = person
            ownerSource = "the people: entry of config.yml whose username is \(manifest.source.user)"
        }
        let ownersGiven = manifest.tables.contains { $0.name == OwnershipColumns.table }
            && plan.tables.first { $0.table == OwnershipColumns.table }?.ownershipColumns.isEmpty == false
        if ownersGiven, owner == nil {
            extra.append(.init(.owner, "sessions without an owner need one, and the archived config.yml has no people: entry with username \(manifest.source.user): pass --owner-person NAME"))
        }
        // The name is checked where it is used: a misspelt person would own sessions no one can list.
        if ownersGiven, let person = options.ownerPerson, !options.ownerPersonUnlisted {
            let names = config.flatMap { People.names(inConfig: $0) }
            if let names, !names.contains(person) {
                extra.append(.init(.owner, "--owner-person \(person) is not a name in the archived people: list (\(names.isEmpty ? "no names" : names.joined(separator: ", "))); give a person's name, or pass --owner-person-unlisted to use this one anyway"))
            } else if names == nil {
                extra.append(.init(.owner, "--owner-person \(person): the archive has no people: list in config.yml to check the name against; pass --owner-person-unlisted to use it anyway"))
            }
        }
        // What is written after COMMIT, checked now.
        if let install = options.install, view.database == DatabaseEntry.main, !files.members.isEmpty {
            do {
                plan.afterCommit = try FileInstaller(files: files, options: install).preview()
            } catch {
                extra.append(.init(.destination, "\(error)"))
            }
        }
        if let path = options.reportPath, let problem = Destination.problem(writing: path, makesFolders: false) {
            extra.append(.init(.destination, "--report-json \(path): \(problem)"))
        }
        if options.ifExists.keepsTargetRows {
            for table in manifest.tables where table.primaryKey.isEmpty {
                extra.append(.init(.mergeWithoutKey, table: table.name, "--if-exists \(options.ifExists.rawValue) needs a primary key to tell new rows from those already there, and the table has none"))
            }
        }

        // Tables that hold rows already, and what replacing them would reach.
        let occupied = try Self.occupiedTables(manifest, catalog: catalog, created: created, connection)
        // Where the rows there came from, by the target's record of loads (the main database's).
        let records = view.database == DatabaseEntry.main && !createsSchema
            ? try LoadRecord.read(schema: catalog.schema, connection) : []
        extra += LoadRecord.problems(records, manifest: manifest, policy: options.ifExists, occupied: occupied)
        if options.ifExists == .fail {
            let advice = LoadRecord.advice(records, manifest: manifest)
                ?? "another person's installation goes beside them with --if-exists append; a re-run of the same installation with --if-exists merge; --if-exists replace empties the table inside the load's transaction (never over another person's rows)"
            for name in occupied {
                extra.append(.init(.occupied, table: name, "the target table already holds rows: " + advice))
            }
        }
        // Replace empties every archive table in one TRUNCATE (so keys among them do not
        // stand in the way), and never cascades into a table the archive does not hold.
        let replaced = options.ifExists == .replace && !occupied.isEmpty
            ? manifest.tables.filter { table in !created.contains { $0.name == table.name } }.compactMap { catalog.tables[$0.name] } : []
        if !replaced.isEmpty {
            let list = "ARRAY[" + replaced.map { PostgresConnection.literal($0.qualifiedName) + "::regclass" }.joined(separator: ", ") + "]"
            let outside = try connection.execute("""
                SELECT con.conrelid::regclass::text, con.conname, con.confrelid::regclass::text FROM pg_constraint con
                WHERE con.contype = 'f' AND con.confrelid = ANY(\(list)) AND NOT con.conrelid = ANY(\(list))
                ORDER BY 1, 2
                """)
            for row in outside.rows {
                extra.append(.init(.replaceReference, "--if-exists replace would have to empty \(row[0] ?? "?"), which this load does not take (the archive does not hold it, or -t/-T leave it out), because it references \(row[2] ?? "?") (foreign key \(row[1] ?? "?")); empty or drop that reference first (tc-import never cascades)"))
            }
        }
        extra += try Self.writeAccess(manifest, catalog: catalog, created: created, replaced: replaced, createsSchema: createsSchema,
                                      owner: owner, options: options, connection)
        plan.add(extra)
        plan.database = view.database
        plan.createsSchema = createsSchema
        return Preflight(catalog: catalog, created: created, plan: plan, owner: owner, ownerSource: ownerSource,
                         occupied: occupied, replaced: replaced, createsSchema: createsSchema)
    }

    /// What the load will write, checked against what the connection may do: not a
    /// read-only transaction (a standby, `default_transaction_read_only`); INSERT and SELECT
    /// (the read-back) on each target table, TRUNCATE where `--if-exists replace` empties,
    /// UPDATE of sessions for the owners; UPDATE and SELECT of each sequence it sets; CREATE
    /// on the schema (or the database) for what `--create-missing-tables` creates.
    static func writeAccess(_ manifest: Manifest, catalog: TargetCatalog, created: [TableSchema], replaced: [TargetCatalog.Table],
                            createsSchema: Bool, owner: String?, options: LoadOptions,
                            _ connection: PostgresConnection) throws -> [LoadPlan.Problem] {
        var problems: [LoadPlan.Problem] = []
        if try connection.execute("SELECT current_setting('transaction_read_only')").value(0, 0) == "on" {
            problems.append(.init(.privilege, "the connection is read-only (a standby, or default_transaction_read_only is on for this role or database): the load cannot write; connect to the primary, or as a role that may write"))
            return problems
        }
        func lacks(_ check: String, _ parameters: [String?]) throws -> Bool {
            try connection.execute("SELECT \(check)", parameters).value(0, 0) == "f"
        }
        let role = try connection.execute("SELECT current_user").value(0, 0) ?? "?"
        if createsSchema {
            if try lacks("has_database_privilege(current_database(), 'CREATE')", []) {
                problems.append(.init(.privilege, "the role \(role) may not create the schema \(catalog.schema) (CREATE on the database); create it first, or GRANT CREATE ON DATABASE"))
            }
        } else if !created.isEmpty, try lacks("has_schema_privilege($1, 'CREATE')", [catalog.schema]) {
            problems.append(.init(.privilege, "the role \(role) may not create tables in the schema \(catalog.schema) (--create-missing-tables needs CREATE on it)"))
        }
        for table in manifest.tables where !created.contains(where: { $0.name == table.name }) {
            guard let target = catalog.tables[table.name] else { continue }
            var needed = ["INSERT", "SELECT"]
            if replaced.contains(where: { $0.name == table.name }) { needed.append("TRUNCATE") }
            if owner != nil, table.name == OwnershipColumns.table, target.column(OwnershipColumns.person) != nil { needed.append("UPDATE") }
            let missing = try needed.filter { try lacks("has_table_privilege($1, $2)", [target.qualifiedName, $0]) }
            if !missing.isEmpty {
                problems.append(.init(.privilege, table: table.name, "the role \(role) lacks \(missing.joined(separator: ", ")) on \(target.qualifiedName), which the load needs"))
            }
            for column in target.columns {
                guard let sequence = column.sequence else { continue }
                let missing = try ["UPDATE", "SELECT"].filter { (privilege: String) in try lacks("has_sequence_privilege($1, $2)", [sequence, privilege]) }
                if !missing.isEmpty {
                    problems.append(.init(.privilege, table: table.name, "the role \(role) lacks \(missing.joined(separator: ", ")) on the sequence \(sequence), which the load sets past the loaded keys"))
                }
            }
        }
        return problems
    }

    /// The archive tables whose target holds rows (tables to be created aside). Asked
    /// before BEGIN, and again under the load's lock (`LoadLock`), where a load that waited
    /// sees what the one before it committed.
    static func occupiedTables(_ manifest: Manifest, catalog: TargetCatalog, created: [TableSchema],
                               _ connection: PostgresConnection) throws -> [String] {
        var occupied: [String] = []
        for table in manifest.tables where !created.contains(where: { $0.name == table.name }) {
            guard let target = catalog.tables[table.name] else { continue }
            if try connection.execute("SELECT EXISTS (SELECT 1 FROM \(target.qualifiedName))").value(0, 0) == "t" {
                occupied.append(table.name)
            }
        }
        return occupied
    }

    /// `CREATE TABLE` for the tables `--create-missing-tables` creates, tried inside a
    /// transaction that is rolled back: what PostgreSQL refuses is found before a load.
    static func tryCreating(_ created: [TableSchema], manifest: Manifest, summary: Summary?, schema: String,
                            createsSchema: Bool = false, connection: PostgresConnection) throws -> [LoadPlan.Problem] {
        guard !created.isEmpty else { return [] }
        var problems: [LoadPlan.Problem] = []
        try connection.execute("BEGIN")
        defer { _ = try? connection.execute("ROLLBACK") }
        if createsSchema { try connection.execute("CREATE SCHEMA \(SQLIdentifier.quote(schema))") }
        for table in created {
            let (sql, _) = TableCreator.createTable(table, schema: schema, classes: LoadPlan.classes(of: table.name, manifest: manifest, summary: summary))
            do {
                try connection.inSavepoint("tc_plan_create") { try connection.execute(sql) }
            } catch let error as PostgresError {
                problems.append(.init(.ddl, table: table.name, "PostgreSQL refuses the CREATE TABLE that --create-missing-tables would run: \(error.description)"))
            }
        }
        return problems
    }
}

extension Preflight {
    /// Problems between databases: two that load into one schema and hold a table of the
    /// same (target) name would write one table twice.
    static func collisions(_ views: [LoadView], schemas: [String]) -> [LoadPlan.Problem] {
        var problems: [LoadPlan.Problem] = []
        var seen: [String: String] = [:]  // schema.table → database
        for (view, schema) in zip(views, schemas) {
            for table in view.manifest.tables {
                let key = schema + "." + table.name
                if let other = seen[key] {
                    problems.append(.init(.option, table: table.displayName, "the databases \(other) and \(view.database) both hold a table \(table.name), and both load into the schema \(schema); send one elsewhere with --schema-for \(view.database)=NAME (or leave one table out with -T)"))
                } else {
                    seen[key] = view.database
                }
            }
        }
        return problems
    }
}
