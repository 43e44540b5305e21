import Foundation

/// `tc-import load`: streams an archive into PostgreSQL in one transaction. The plan is
/// checked before BEGIN; rows go in with COPY as the archive is read; the transaction is
/// committed only after the whole archive verified (seal, checksums, counts) and the
/// loaded row counts matched. Anything else rolls everything back.
///
/// Over 400 lines: the report, the after-COMMIT steps and the `LoadSession` visitor still
/// share this file; issue 13 splits them by lifetime (preflight, one table's load, the
/// transaction, the report and rollback steps).
public final class Loader {
    public struct Report: Codable, Sendable {
        public struct Table: Codable, Sendable {
            public var name: String
            public var rows: Int64
            public var loaded: Int64
            public var rejected: Int64
            /// Rows read back and compared value by value (0 with `--verify counts` or merge).
            public var verified: Int64
            /// Rows already in the target under the same key (`--if-exists merge`), left as they were.
            public var skipped: Int64
            /// Values their conversion changed, in columns named with `--allow-change`.
            public var changed: [Change] = []
        }

        /// `count` values of `column` were changed this way (`--allow-change`).
        public struct Change: Codable, Sendable, Equatable {
            public var column: String
            public var change: ValueChange
            public var count: Int64
        }

        public struct Sequence: Codable, Sendable {
            public var sequence: String
            public var value: Int64
        }

        public var archive: String
        public var schema: String
        public var committed: Bool
        public var tables: [Table]
        public var sequences: [Sequence]
        public var ownershipUpdated: Int
        /// The rejects file, when rows were rejected (`--on-error reject`).
        public var rejects: String?
        public var seconds: Double
        /// Checks after COMMIT; the command exits 0 only when all passed.
        public var checks: [Check]

        public struct Check: Codable, Sendable {
            public var name: String
            public var passed: Bool
            public var detail: String
        }
        /// How to go back to the single-user installation, step by step.
        public var rollback: [String]
        /// The person ownerless sessions were given, and where that name came from.
        public var owner: String?
        /// Configuration and docs installed after COMMIT (nil with --skip-files or none archived).
        public var files: InstallReport?
        /// Tables `--create-missing-tables` created, and what their definition left out.
        public var createdTables: [String] = []
        public var creationNotes: [String] = []
        /// How large values were compressed (`--toast-compression`); nil: the server's default.
        public var toastCompression: String?
        /// Secondary indexes dropped before their table's rows and built again after them.
        public var indexesBuiltAfterData: [String] = []
        /// `load --dry-run`: everything was done inside the transaction, then rolled back.
        public var dryRun = false
        /// Names PostgreSQL holds differently from the archive (longer than 63 bytes).
        public var renamed: [TargetNames.Renamed] = []

        /// How `tc-import load` exits after a COMMIT (README, "Exit status"): 0 every row
        /// loaded and every check passed; 2 committed, but rows were rejected; 3 committed,
        /// but something after COMMIT failed (a check, installing the files, the JSON report).
        public var exitStatus: Int32 {
            if checks.contains(where: { !$0.passed }) { return dryRun ? 1 : 3 }
            return tables.contains { $0.rejected > 0 } ? 2 : 0
        }

        /// `sessions 3, hook_outbox 1`: the tables that rejected rows, with their counts.
        public var rejectedByTable: String {
            tables.filter { $0.rejected > 0 }.map { "\($0.name) \($0.rejected)" }.joined(separator: ", ")
        }

        enum CodingKeys: String, CodingKey {
            case archive, schema, committed, tables, sequences
            case ownershipUpdated = "ownership_updated"
            case rejects, seconds, checks, rollback, owner, files
            case createdTables = "created_tables"
            case creationNotes = "creation_notes"
            case toastCompression = "toast_compression"
            case indexesBuiltAfterData = "indexes_built_after_data"
            case dryRun = "dry_run"
            case renamed
        }
    }

    /// Every value that could not be converted, or the plan's problems: nothing was committed.
    public struct Failure: Error, CustomStringConvertible {
        public var summary: String
        public var problems: [String]
        public var description: String {
            ([summary] + problems.prefix(200).map { "  - \($0)" }
                + (problems.count > 200 ? ["  … and \(problems.count - 200) more"] : [])).joined(separator: "\n")
        }
    }

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
        let files = try ArchiveReader(path: options.archive).readHead()
        let connection = try PostgresConnection(connectionString: options.databaseURL)
        defer { connection.close() }
        let (manifest, renamed) = TargetNames.apply(files.manifest!)
        let summary = storageClasses ? try readSummary() : try summaryForCreatedTables(manifest, connection)
        let checked = try Preflight.run(manifest: manifest, files: files, connection: connection, options: options, summary: summary)
        var plan = checked.plan
        plan.renamed = renamed
        // The DDL --create-missing-tables would run, tried and rolled back.
        if !plan.general.contains(where: { $0.kind == .schemaMissing }) {
            plan.add(try Preflight.tryCreating(checked.created, manifest: manifest, summary: summary, schema: checked.catalog.schema,
                                               connection: connection))
        }
        return plan
    }

    /// The archive's summary, from a whole read (and verification) of it.
    func readSummary() throws -> Summary? {
        struct SummaryReader: ArchiveVisitor {
            var summary: Summary?
            mutating func end(summary: Summary, checksums: ChecksumList) throws { self.summary = summary }
        }
        var reader = SummaryReader()
        try ArchiveReader(path: options.archive).read(into: &reader)
        return reader.summary
    }

    /// The summary, when `--create-missing-tables` will create a table and the archive is
    /// a file: its storage classes choose the created columns' types (plan and load read it
    /// alike, so they choose the same). Standard input is read once: declared types then.
    func summaryForCreatedTables(_ manifest: Manifest, _ connection: PostgresConnection) throws -> Summary? {
        guard options.createMissingTables, !options.declaredTypes, options.archive != "-" else { return nil }
        let schema = try options.schema ?? connection.execute("SELECT current_schema()").value(0, 0)
        let catalog = try TargetCatalog.read(connection, schema: schema)
        guard manifest.tables.contains(where: { catalog.tables[$0.name] == nil }) else { return nil }
        console.info("reading the archive once for the storage classes of the tables to create (--declared-types skips this)")
        return try readSummary()
    }

    public func run() throws -> Report {
        let started = Date()
        let connection = try PostgresConnection(connectionString: options.databaseURL)
        defer { connection.close() }
        var session = LoadSession(connection: connection, options: options, console: console)
        if options.createMissingTables, !options.declaredTypes, options.archive != "-" {
            session.summary = try summaryForCreatedTables(TargetNames.apply(try ArchiveReader(path: options.archive).readManifest()).0, connection)
        }
        if options.onError == .reject { session.rejects = try RejectsFile(path: options.rejectsPath) }
        var reader = ArchiveReader(path: options.archive)
        reader.onProgress = { [console] bytes in console.progress("loading: \(Format.bytes(bytes)) of archive data read") }
        do {
            try reader.read(into: &session)
        } catch {
            console.endProgress()
            session.copy?.abandon()  // the sender thread lets go of the connection first
            if session.inTransaction { _ = try? connection.execute("ROLLBACK") }
            if let rejects = session.rejects {
                try? rejects.close()
                unlink(rejects.path)  // nothing was committed, so no row was rejected from anything
            }
            if options.showValues, let error = error as? PostgresError {
                throw Failure(summary: "PostgreSQL refused the load; the transaction was rolled back and nothing was changed:",
                              problems: [session.naming.describe(error)])
            }
            throw error
        }
        console.endProgress()
        var rejectsPath: String?
        if let rejects = session.rejects {
            try rejects.close()
            // A dry run keeps nothing: the real load writes the same file again.
            if rejects.count == 0 || options.dryRun { unlink(rejects.path) } else { rejectsPath = rejects.path }
        }
        if options.dryRun {
            var report = Report(archive: options.archive, schema: session.catalog?.schema ?? "", committed: false,
                          tables: session.loadedTables, sequences: session.sequences, ownershipUpdated: session.ownershipUpdated,
                          rejects: nil, seconds: Date().timeIntervalSince(started), checks: [], rollback: [],
                          owner: session.owner, files: nil, createdTables: session.createdTables.map(\.name),
                          creationNotes: session.creationNotes, toastCompression: session.toastCompression,
                          indexesBuiltAfterData: session.indexesBuiltAfterData, dryRun: true, renamed: session.renamed)
            writeJSONReport(&report)
            return report
        }
        let rollback = Self.rollbackSteps(manifest: session.manifest!, catalog: session.catalog!, rejects: rejectsPath,
                                          connection: PostgresConnection.redacted(options.databaseURL), mode: options.ifExists,
                                          created: session.createdTables.map(\.name))
        var checks = try afterCommitChecks(connection, catalog: session.catalog!, owner: session.owner)
        var installed: InstallReport?
        var steps = rollback
        if let install = options.install, !session.files.members.isEmpty {
            // A failure part of the way still leaves `report` naming every file written.
            var report = InstallReport()
            do {
                try FileInstaller(files: session.files, options: install).install(into: &report)
                checks.append(.init(name: "configuration and docs installed", passed: true,
                                    detail: "\(report.config.count) config files, \(report.docsCopied.count) docs copied, \(report.docsConflicts.count) in conflict"))
            } catch {
                checks.append(.init(name: "configuration and docs installed", passed: false,
                                    detail: "\(error). Run `tc-import install-files` again once that is fixed; the database is committed"))
            }
            installed = report
            steps += FileInstaller.rollbackSteps(report)
        }
        var report = Report(archive: options.archive, schema: session.catalog?.schema ?? "", committed: true,
                      tables: session.loadedTables, sequences: session.sequences, ownershipUpdated: session.ownershipUpdated,
                      rejects: rejectsPath, seconds: Date().timeIntervalSince(started), checks: checks, rollback: steps,
                      owner: session.owner, files: installed, createdTables: session.createdTables.map(\.name),
                      creationNotes: session.creationNotes, toastCompression: session.toastCompression,
                      indexesBuiltAfterData: session.indexesBuiltAfterData, renamed: session.renamed)
        writeJSONReport(&report)
        return report
    }

    /// `--report-json`: its folder was checked before BEGIN; should the write still fail,
    /// the report is printed all the same and says so.
    func writeJSONReport(_ report: inout Report) {
        guard let path = options.reportPath else { return }
        do {
            try AtomicFile.write(Array(try ImportReport.json(report).utf8), to: path, mode: 0o600)
        } catch {
            report.checks.append(.init(name: "JSON report written", passed: false, detail: "\(path): \(error)"))
        }
    }

    /// What the daemon needs on its first start: the owner's sessions can be listed the way
    /// its session tools list them, and (with --daemon-check) the daemon's own check passes.
    func afterCommitChecks(_ connection: PostgresConnection, catalog: TargetCatalog, owner: String?) throws -> [Report.Check] {
        var checks: [Report.Check] = []
        if let person = owner, let sessions = catalog.tables["sessions"], sessions.column("owner_person") != nil {
            let listed = try connection.execute(
                "SELECT count(*) FROM \(sessions.qualifiedName) WHERE owner_person = $1", [person]).value(0, 0) ?? "0"
            let unowned = try connection.execute(
                "SELECT count(*) FROM \(sessions.qualifiedName) WHERE owner_person IS NULL").value(0, 0) ?? "0"
            checks.append(.init(name: "owner's sessions listable", passed: unowned == "0",
                                detail: "\(listed) session(s) listed for \(person), \(unowned) without an owner"))
        }
        if let command = options.daemonCheck {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", command]
            process.standardInput = FileHandle.nullDevice
            do {
                try process.run()
                process.waitUntilExit()
                checks.append(.init(name: "daemon check", passed: process.terminationStatus == 0,
                                    detail: "`\(command)` exited with \(process.terminationStatus)"))
            } catch {
                checks.append(.init(name: "daemon check", passed: false, detail: "`\(command)` could not start: \(error)"))
            }
        }
        return checks
    }

    /// The way back: nothing of the old installation was touched, so going back is stopping
    /// the new daemon, emptying what the load filled, and starting the old one.
    static func rollbackSteps(manifest: Manifest, catalog: TargetCatalog, rejects: String?, connection: String,
                              mode: LoadOptions.IfExists = .fail, created: [String] = []) -> [String] {
        let paths = manifest.source.paths
        let tables = manifest.tables.filter { !created.contains($0.name) }.compactMap { catalog.tables[$0.name]?.qualifiedName }.joined(separator: ", ")
        var steps = [
            "Stop the system TeleClaude daemon (for example: sudo systemctl stop teleclaude).",
            "The single-user installation was not modified: database \(paths.database)"
                + (paths.config.map { ", config \($0)" } ?? "") + (paths.env.map { ", .env \($0)" } ?? "")
                + (paths.docs.map { ", docs \($0)" } ?? "") + " on \(manifest.source.host), as user \(manifest.source.user).",
            "Start the single-user daemon again as \(manifest.source.user) from \(paths.projectRoot ?? "its project root"), the way it was started before the migration.",
        ]
        let truncate = "    psql \"\(connection)\" -c 'TRUNCATE \(tables.replacingOccurrences(of: "'", with: "'\\''")) RESTART IDENTITY'"
        if !created.isEmpty {
            let names = created.compactMap { catalog.tables[$0]?.qualifiedName }.joined(separator: ", ")
            steps.append("Drop the tables this import created (--create-missing-tables):\n    psql \"\(connection)\" -c 'DROP TABLE \(names.replacingOccurrences(of: "'", with: "'\\''"))'")
        }
        switch mode {
        case _ where tables.isEmpty && !created.isEmpty:
            break
        case .fail:
            steps.append("Remove what this import loaded (the tables were empty before it; every row goes and their sequences reset):\n" + truncate)
        case .replace:
            steps.append("Remove what this import loaded with the command below. The rows these tables held before were emptied by --if-exists replace: only a backup taken before the load brings them back.\n" + truncate)
        case .merge:
            steps.append("This load merged into tables that already held rows: do not TRUNCATE them. To undo it, restore the backup taken before the load; the rows it inserted are the archive rows whose keys were new (see the inserted counts above).")
        }
        if let rejects { steps.append("Delete the rejects file \(rejects) (it holds rows of the archive, possibly secrets).") }
        return steps
    }


}

/// The visitor that does the work while the archive streams by.
struct LoadSession: ArchiveVisitor {
    let connection: PostgresConnection
    let options: LoadOptions
    let console: Console
    var catalog: TargetCatalog?
    var manifest: Manifest?
    /// The plan of every table, made once from the manifest; `plan` is the current table's.
    var tablePlans: [LoadPlan.TablePlan] = []
    var plan: LoadPlan.TablePlan?
    var converters: [ValueConverter] = []
    /// Whether the current table's COPY is in binary format.
    var binary = false
    /// Per mapped column, its position in the archive's rows.
    var sourceIndexes: [Int] = []
    /// Validates (and hashes) JSON values; reused for every one.
    let json = JSONHasher()
    /// How messages name rows and show values (`--show-values`).
    var naming: RowNaming { RowNaming(showValues: options.showValues) }
    /// Configuration and docs, kept for installing after COMMIT.
    var files = ArchiveFiles()
    /// Tables `--create-missing-tables` creates, and what it could not carry over.
    var createdTables: [TableSchema] = []
    var creationNotes: [String] = []
    var owner: String?
    /// The TOAST compression the load set for its session, when it set one.
    var toastCompression: String?
    /// The current table's indexes to build after its rows, and all built so far.
    var deferredIndexes = DeferredIndexes()
    var indexesBuiltAfterData: [String] = []
    var copy: CopyIn?
    var buffer: [UInt8] = []
    var problems: [String] = []
    var inTransaction = false
    var rejects: RejectsFile?
    /// Canonical lines of the current table, when it loads through staging in reject mode.
    var spool: RowSpool?
    var rejectedInTable: Int64 = 0
    var skippedInTable: Int64 = 0
    var insertedInTable: Int64 = 0
    var contentCheck: ContentCheck?
    /// Whether the current table loads through staging (decided once per table).
    var currentStaged = false
    /// The current table, with its target names, and its position in the manifest.
    var currentTable: TableSchema?
    var currentPosition = 0
    /// Archive lines of the current table rejected before COPY (so COPY's line N can be
    /// turned back into the archive's line).
    var linesNotSent: [Int64] = []
    /// The archive's summary, read first when created tables take their types from it.
    var summary: Summary?
    /// Names the target gives differently (`TargetNames`).
    var renamed: [TargetNames.Renamed] = []
    /// Per mapped column of the current table: named with `--allow-change`.
    var allowedChanges: [Bool] = []
    /// Changed values of the current table, by (mapped column, change).
    var changeCounts: [ChangeKey: Int64] = [:]
    struct ChangeKey: Hashable { var column: Int; var change: ValueChange }
    var loadedTables: [Loader.Report.Table] = []
    var sequences: [Loader.Report.Sequence] = []
    var ownershipUpdated = 0

    init(connection: PostgresConnection, options: LoadOptions, console: Console) {
        self.connection = connection
        self.options = options
        self.console = console
        buffer.reserveCapacity(1 << 20)
    }

    mutating func manifest(_ manifest: Manifest, warnings: [String]) throws {
        warnings.forEach { console.warning($0) }
        // The load works on the target's names (`TargetNames`); the reader's tables are
        // replaced by these, by position, in every callback.
        (self.manifest, renamed) = TargetNames.apply(manifest)
        try files.manifest(manifest, warnings: warnings)
        // The file members come next; the owner may be in the archived config.yml.
        if manifest.files.isEmpty { try preflight(self.manifest!) }
    }

    mutating func file(_ entry: Manifest.FileEntry, bytes: [UInt8]) throws {
        try files.file(entry, bytes: bytes)
        if files.members.count == manifest!.files.count { try preflight(manifest!) }
    }

    /// Everything checked before BEGIN (`Preflight`, the same checks `plan` runs), then
    /// the transaction's start: session settings, BEGIN, created tables, ownership
    /// columns, and the TRUNCATE of `--if-exists replace`.
    mutating func preflight(_ manifest: Manifest) throws {
        let checked = try Preflight.run(manifest: manifest, files: files, connection: connection, options: options, summary: summary)
        owner = checked.owner
        if options.ownerPerson == nil, let owner, let source = checked.ownerSource {
            console.info("owner of sessions without one: \(owner) (\(source))")
        }
        let catalog = checked.catalog
        let created = checked.created
        self.catalog = catalog
        createdTables = created
        tablePlans = checked.plan.tables
        guard checked.problems.isEmpty else {
            throw Loader.Failure(summary: "the archive cannot be loaded into schema \(catalog.schema); nothing was changed:",
                                 problems: checked.plan.failureLines)
        }
        let replaced = checked.replaced
        let occupied = checked.occupied
        // Read-back compares instants in UTC and floats in their shortest exact form.
        try connection.execute("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 1; SET bytea_output = 'hex'")
        if options.toastCompression != .server {
            do {
                try connection.execute("SET default_toast_compression = '\(options.toastCompression.rawValue)'")
                toastCompression = options.toastCompression.rawValue
            } catch let error as PostgresError {
                console.info("large values keep the server's TOAST compression: \(error.message)")
            }
        }
        try connection.execute("BEGIN")
        inTransaction = true
        if !created.isEmpty {
            for table in created {
                let (sql, warnings) = TableCreator.createTable(table, schema: catalog.schema,
                                                               classes: LoadPlan.classes(of: table.name, manifest: manifest, summary: summary))
                do {
                    try connection.execute(sql)
                } catch let error as PostgresError {
                    throw Loader.Failure(summary: "PostgreSQL refused to create \(table.name) (--create-missing-tables); the transaction was rolled back and nothing was changed:",
                                         problems: [naming.describe(error)])
                }
                warnings.forEach { console.warning($0) }
                creationNotes += warnings
            }
            self.catalog = try TargetCatalog.read(connection, schema: catalog.schema)
            console.info("created \(created.map(\.name).joined(separator: ", ")) (inside the transaction; indexes and foreign keys follow the data)")
        }
        if options.addOwnershipColumns, let sessions = catalog.tables["sessions"],
           sessions.column("owner_person") == nil || sessions.column("owner_uid") == nil {
            try connection.execute("ALTER TABLE \(sessions.qualifiedName) ADD COLUMN IF NOT EXISTS owner_person text, ADD COLUMN IF NOT EXISTS owner_uid integer")
            self.catalog = try TargetCatalog.read(connection, schema: catalog.schema)
            console.info("added owner_person and owner_uid to \(sessions.qualifiedName) (inside the transaction)")
        }
        if !replaced.isEmpty {
            try connection.execute("TRUNCATE \(replaced.map(\.qualifiedName).joined(separator: ", "))")
            console.info("emptied \(replaced.map(\.name).joined(separator: ", ")) (inside the transaction; they held rows in \(occupied.joined(separator: ", ")))")
        }
    }

    mutating func beginTable(_ archived: TableSchema, position: Int) throws {
        let table = manifest!.tables[position]
        currentTable = table
        currentPosition = position
        linesNotSent = []
        let plan = tablePlans[position]
        self.plan = plan
        let target = catalog!.tables[table.name]!
        sourceIndexes = plan.columns.map(\.sourceIndex)
        allowedChanges = plan.columns.map { options.allowChange.contains("\(table.name).\($0.column)") }
        changeCounts = [:]
        converters = plan.columns.map { mapping in
            ValueConverter(type: target.column(mapping.column)!.targetType, naiveZone: options.naiveTimeZone)
        }
        if options.verify == .content && options.ifExists != .merge {
            let names = plan.columns.map(\.column)
            let key = table.primaryKey.compactMap { names.firstIndex(of: $0) }
            contentCheck = try ContentCheck(converters: converters, names: names,
                                            keyColumns: key.count == table.primaryKey.count && !key.isEmpty ? key : Array(names.indices))
            contentCheck?.naming = naming
        }
        currentStaged = staged(table)
        // Binary COPY spares the server parsing every timestamp, number and escape; a
        // table with a column of another type (numeric, enums, arrays, ...) goes as text.
        binary = converters.allSatisfy(\.hasBinaryForm)
        guard problems.isEmpty else { return }  // the load will roll back: only collect problems now
        // Merge keeps the rows a table holds (the daemon may be using it): its indexes stay.
        if !options.keepIndexes && options.ifExists != .merge && table.rows >= options.indexDeferralRows {
            deferredIndexes = try DeferredIndexes.drop(on: target, connection)
        }
        let columns = plan.columns.map { PostgresConnection.quote($0.column) }.joined(separator: ", ")
        let format = binary ? " (FORMAT binary)" : ""
        if !staged(table) {
            copy = try connection.copyIn("COPY \(target.qualifiedName) (\(columns)) FROM STDIN\(format)")
        } else {
            // A child table goes through a staging table first, so orphan rows can be found
            // and listed instead of aborting the COPY at the first one; in merge mode every
            // table does, so rows already present can be left out.
            // The mapped columns' types without the target's constraints: a row that breaks
            // one is found by `rejectRowsBreakingRules`, not by aborting the COPY.
            try connection.execute("CREATE TEMPORARY TABLE \(Self.staging) ON COMMIT DROP AS SELECT \(columns) FROM \(target.qualifiedName) WITH NO DATA")
            try connection.execute("ALTER TABLE \(Self.staging) ADD COLUMN \(Self.lineColumn) bigint")
            copy = try connection.copyIn("COPY \(Self.staging) (\(columns), \(Self.lineColumn)) FROM STDIN\(format)")
            if rejects != nil { spool = try RowSpool() }
        }
        if binary { buffer.append(contentsOf: ContentCheck.signature + [0, 0, 0, 0, 0, 0, 0, 0]) }  // header: flags, extension length
    }

    /// Whether a table loads through the staging table.
    func staged(_ table: TableSchema) -> Bool {
        options.ifExists == .merge || !stagingKeys(table).isEmpty
            || (rejects != nil && catalog!.tables[table.name]!.hasRowConstraints)
    }

    /// The foreign keys a staged table's rows are checked against: the target's own, or,
    /// for a table this load creates, under `--on-error reject`, the keys it will get after
    /// the data (so that its orphans are rejected like any other table's). A key whose
    /// parent loads later (a cycle between created tables) is left to `finishCreatedTables`.
    func stagingKeys(_ table: TableSchema) -> [TargetCatalog.ForeignKey] {
        guard createdTables.contains(where: { $0.name == table.name }) else { return catalog!.tables[table.name]!.foreignKeys }
        guard rejects != nil else { return [] }
        let schema = catalog!.schema
        let parents = Dictionary(manifest!.tables.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        return TableCreator.foreignKeys(table, schema: schema, parents: parents).compactMap { key in
            let parent = key.key.referencedTable
            guard parent == table.name || loadedTables.contains(where: { $0.name == parent }) else { return nil }
            return TargetCatalog.ForeignKey(name: "\(table.name) → \(parent)", columns: key.key.columns, referencedSchema: schema,
                                            referencedTable: parent, referencedColumns: key.referenced)
        }
    }

    static let staging = "tc_import_staging"
    static let lineColumn = "tc_import_line"

    /// Lists rows of the staging table whose parent is missing, then moves the rest in.
    mutating func moveStagedRows(_ table: TableSchema) throws {
        let target = catalog!.tables[table.name]!
        guard staged(table) else { return }
        defer { _ = try? connection.execute("DROP TABLE IF EXISTS \(Self.staging)") }
        let keyColumns = table.primaryKey.isEmpty ? plan!.columns.map(\.column) : table.primaryKey
        // Under reject, rule-breaking rows leave first; otherwise the rules are checked only
        // if the INSERT fails, to name the rows (so a clean load pays nothing for them).
        if spool != nil { try rejectRowsBreakingRules(table, target, keyColumns: keyColumns) }
        let keys = stagingKeys(table)
        // A row whose parent is a row of the same table may lose its parent to a rejection:
        // check again until a pass rejects nothing.
        let selfReferencing = keys.contains { $0.referencedTable == table.name && $0.referencedSchema == target.schema }
        var again = true
        while again {
            again = false
            for key in keys {
                let parent = PostgresConnection.quote(key.referencedSchema) + "." + PostgresConnection.quote(key.referencedTable)
                let notNull = key.columns.map { "s.\(PostgresConnection.quote($0)) IS NOT NULL" }.joined(separator: " AND ")
                let match = zip(key.columns, key.referencedColumns)
                    .map { "p.\(PostgresConnection.quote($1)) = s.\(PostgresConnection.quote($0))" }.joined(separator: " AND ")
                let shown = (keyColumns + key.columns.filter { !keyColumns.contains($0) })
                let select = shown.map { "s.\(PostgresConnection.quote($0))::text" }.joined(separator: ", ")
                let sameTable = key.referencedTable == table.name && key.referencedSchema == target.schema
                let alsoStaged = sameTable ? " AND NOT EXISTS (SELECT 1 FROM \(Self.staging) p WHERE \(match))" : ""
                let orphans = try connection.execute(
                    "SELECT s.\(Self.lineColumn), \(select) FROM \(Self.staging) s WHERE \(notNull) AND NOT EXISTS (SELECT 1 FROM \(parent) p WHERE \(match))\(alsoStaged) ORDER BY 1\(spool == nil ? " LIMIT 1000" : "")")
                if selfReferencing, spool != nil, orphans.rowCount > 0 { again = true }
                try rejectStaged(orphans, shown: shown, table: table,
                                 reason: "orphan: no \(key.referencedTable) row matches its \(key.columns.joined(separator: ", ")) (foreign key \(key.name))")
            }
        }
        let rejecting = spool != nil
        spool = nil
        guard problems.isEmpty else { return }
        try connection.execute("SAVEPOINT tc_import_move")
        do {
            try insertStagedRows(table, target)
            try connection.execute("RELEASE SAVEPOINT tc_import_move")
        } catch let error as PostgresError where !rejecting {
            try connection.execute("ROLLBACK TO SAVEPOINT tc_import_move")
            try rejectRowsBreakingRules(table, target, keyColumns: keyColumns)
            if problems.isEmpty { throw error }  // a rule no query here knows (a trigger, an exclusion)
        }
    }

    /// The staged rows into the target (merge: only those whose key is new).
    mutating func insertStagedRows(_ table: TableSchema, _ target: TargetCatalog.Table) throws {
        let columns = plan!.columns.map { PostgresConnection.quote($0.column) }.joined(separator: ", ")
        if options.ifExists == .merge {
            let staged = Int64(try connection.execute("SELECT count(*) FROM \(Self.staging)").value(0, 0) ?? "") ?? 0
            let same = table.primaryKey.map { "t.\(PostgresConnection.quote($0)) = s.\(PostgresConnection.quote($0))" }.joined(separator: " AND ")
            let selected = plan!.columns.map { "s." + PostgresConnection.quote($0.column) }.joined(separator: ", ")
            insertedInTable = Int64(try connection.execute(
                "INSERT INTO \(target.qualifiedName) (\(columns)) SELECT \(selected) FROM \(Self.staging) s WHERE NOT EXISTS (SELECT 1 FROM \(target.qualifiedName) t WHERE \(same))").affectedRows)
            skippedInTable = staged - insertedInTable
        } else {
            try connection.execute("INSERT INTO \(target.qualifiedName) (\(columns)) SELECT \(columns) FROM \(Self.staging)")
        }
    }

    /// The server's refusal of a COPY, with the archive row it names (read again from the
    /// archive file for its key) and what changes the policy.
    func refusedRow(_ error: PostgresError, table: TableSchema) -> [String] {
        guard let copied = error.copyLine else { return [naming.describe(error)] }
        // The staging table's rows are the archive's, in order; a direct COPY's are, less
        // the rows rejected before it.
        var line = copied
        if !currentStaged {
            for skipped in linesNotSent.sorted() where skipped <= line { line += 1 }
        }
        let values = (try? ArchiveReader(path: options.archive).readRow(table: currentPosition, line: line)) ?? nil
        let row = values.map { naming.row(line: line, key: Self.keyPairs($0, table: table)) } ?? "row \(line)"
        return ["\(table.name) \(row): \(naming.describe(error))",
                "--on-error reject sends each row the target's NOT NULL, CHECK and unique rules refuse to the rejects file, and loads the rest"]
    }

    /// Staged rows that would break a NOT NULL, CHECK or unique rule of the target: each
    /// rejected (`--on-error reject`) or listed, by its archive row and key, before the
    /// INSERT that would otherwise stop at the first with PostgreSQL's message. A CHECK
    /// that cannot be evaluated on the staged columns (it reads a column the archive does
    /// not fill) is left to the INSERT.
    mutating func rejectRowsBreakingRules(_ table: TableSchema, _ target: TargetCatalog.Table, keyColumns: [String]) throws {
        let mapped = Set(plan!.columns.map(\.column))
        let select = "s.\(Self.lineColumn), " + keyColumns.map { "s.\(PostgresConnection.quote($0))::text" }.joined(separator: ", ")
        let limit = spool == nil ? " LIMIT 1000" : ""
        // Merge skips rows whose primary key is present: they are not loaded, so not checked.
        let pk = table.primaryKey.map { "k.\(PostgresConnection.quote($0)) = s.\(PostgresConnection.quote($0))" }.joined(separator: " AND ")
        let loaded = options.ifExists == .merge && !pk.isEmpty ? " AND NOT EXISTS (SELECT 1 FROM \(target.qualifiedName) k WHERE \(pk))" : ""
        // One scan for every NOT NULL column: the first NULL column of each row names it.
        let notNull = target.columns.filter { $0.notNull && mapped.contains($0.name) }.map(\.name)
        if !notNull.isEmpty {
            let which = "CASE " + notNull.map { "WHEN s.\(PostgresConnection.quote($0)) IS NULL THEN \(PostgresConnection.literal($0))" }.joined(separator: " ") + " END"
            let found = try connection.execute(
                "SELECT * FROM (SELECT \(select), \(which) AS tc_column FROM \(Self.staging) s WHERE true\(loaded)) f WHERE tc_column IS NOT NULL ORDER BY 1\(limit)")
            for column in notNull {
                let rows = found.rows.filter { $0.last == column }.map { Array($0.dropLast()) }
                try rejectStaged(rows, shown: keyColumns, table: table, reason: "NULL in column \(column), which is NOT NULL in the target")
            }
        }
        for check in target.checks {
            try connection.execute("SAVEPOINT tc_import_check")
            let found: PostgresResult
            do {
                found = try connection.execute("SELECT \(select) FROM \(Self.staging) s WHERE NOT \(check.expression)\(loaded) ORDER BY 1\(limit)")
                try connection.execute("RELEASE SAVEPOINT tc_import_check")
            } catch is PostgresError {
                try connection.execute("ROLLBACK TO SAVEPOINT tc_import_check")
                continue
            }
            try rejectStaged(found, shown: keyColumns, table: table, reason: "breaks the check constraint \(check.name) of the target")
        }
        for unique in target.uniques where unique.columns.allSatisfy(mapped.contains) {
            func same(_ alias: String) -> String {
                unique.columns.map { "\(alias).\(PostgresConnection.quote($0)) = s.\(PostgresConnection.quote($0))" }.joined(separator: " AND ")
            }
            let present = unique.columns.map { "s.\(PostgresConnection.quote($0)) IS NOT NULL" }.joined(separator: " AND ")
            // Merge leaves rows whose primary key is present alone (skipped, not rejected).
            let mergeKey = options.ifExists == .merge && Set(unique.columns) == Set(table.primaryKey)
            let inTable = mergeKey ? "" : " OR EXISTS (SELECT 1 FROM \(target.qualifiedName) t WHERE \(same("t")))"
            let earlier = "EXISTS (SELECT 1 FROM \(Self.staging) e WHERE \(same("e")) AND e.\(Self.lineColumn) < s.\(Self.lineColumn))"
            let found = try connection.execute("SELECT \(select) FROM \(Self.staging) s WHERE \(present) AND (\(earlier)\(inTable))\(loaded) ORDER BY 1\(limit)")
            try rejectStaged(found, shown: keyColumns, table: table,
                             reason: "repeats the key (\(unique.columns.joined(separator: ", "))) of \(unique.name), held by an earlier archive row or a row already in the table")
        }
    }

    /// Staged rows found breaking a rule (`line`, then the `shown` columns as text): under
    /// `--on-error reject` each goes whole to the rejects file and leaves the staging table
    /// and the read-back; otherwise each is a problem.
    mutating func rejectStaged(_ found: PostgresResult, shown: [String], table: TableSchema, reason: String) throws {
        try rejectStaged(found.rows, shown: shown, table: table, reason: reason)
    }

    mutating func rejectStaged(_ rows: [[String?]], shown: [String], table: TableSchema, reason: String) throws {
        for row in rows {
            let line = row[0].flatMap { Int64($0) } ?? 0
            if let spool, let rejects {
                let original = try spool.line(line)
                try rejects.write(table: table.name, line: line, reason: reason, row: original)
                if let values = try? RowDecoder.decode(Array(original.dropLast())) {
                    takeBackFromCheck(values)
                }
                rejectedInTable += 1
                try connection.execute("DELETE FROM \(Self.staging) WHERE \(Self.lineColumn) = $1", [String(line)])
            } else {
                let described = naming.row(line: line, key: zip(shown, row.dropFirst()).map { ($0, $1 ?? "NULL") })
                problems.append("\(table.name) \(described): \(reason)")
            }
        }
    }

    mutating func row(_ row: RowValues, table archived: TableSchema, line: Int64) throws {
        guard let plan, let table = currentTable else { return }
        let mark = buffer.count
        // Locals, so the loop borrows them instead of copying a struct (and retaining its
        // strings) for every value.
        let converters = self.converters
        let sources = sourceIndexes
        let binary = self.binary
        let check = contentCheck
        let json = self.json
        let allowed = allowedChanges
        var accepted: [ChangeKey] = []
        let failure: (column: Int, reason: String)? = row.withValues { values in
            if binary {
                ValueConverter.appendBigEndian(UInt16(sources.count + (currentStaged ? 1 : 0)), to: &buffer)
            }
            // Through an unsafe buffer, so each converter is used in place, not copied.
            return converters.withUnsafeBufferPointer { converters in
                for index in 0..<sources.count {
                    let converted: ValueConverter.Converted
                    do throws(ValueConverter.Failure) {
                        converted = try converters[index].convert(values[sources[index]], json: json)
                    } catch {
                        // A change, in a column where the user accepts it: the changed value.
                        guard let change = error.change else { return (index, error.reason) }
                        guard allowed[index], let changed = try? converters[index].convert(values[sources[index]], json: json, accept: true) else {
                            return (index, error.reason + "; --allow-change \(table.name).\(plan.columns[index].column) accepts it")
                        }
                        converted = changed
                        accepted.append(ChangeKey(column: index, change: change))
                    }
                    if binary {
                        converters[index].appendBinary(converted, to: &buffer)
                    } else {
                        if index > 0 { buffer.append(0x09) }
                        converters[index].appendText(converted, to: &buffer)
                    }
                    check?.setArchiveValue(converted, column: index)
                }
                return nil
            }
        }
        if let failure {
            buffer.removeSubrange(mark...)
            let values = row.values
            let mapping = plan.columns[failure.column]
            let reason = "column \(mapping.column) → \(mapping.targetType): \(failure.reason)"
            if let rejects {
                let original = Self.canonicalLine(values)
                try rejects.write(table: table.name, line: line, reason: reason, row: original)
                rejectedInTable += 1
                try spool?.append(original)  // keeps spool line numbers aligned
                if !currentStaged { linesNotSent.append(line) }
            } else {
                problems.append("\(table.name) \(naming.row(line: line, key: Self.keyPairs(values, table: table))), \(reason); value: \(naming.value(values[mapping.sourceIndex]))")
            }
            return
        }
        for key in accepted { changeCounts[key, default: 0] += 1 }
        if currentStaged {
            if binary {
                buffer.append(contentsOf: [0, 0, 0, 8])
                ValueConverter.appendBigEndian(UInt64(line), to: &buffer)
            } else {
                buffer.append(0x09)
                DecimalText.append(line, to: &buffer)
            }
        }
        if !binary { buffer.append(0x0A) }
        try contentCheck?.commitArchiveRow()
        if spool != nil { try spool?.append(Self.canonicalLine(row.values)) }
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// Reads the table back inside the transaction and compares it with what the archive held.
    mutating func verifyContent(_ table: TableSchema, _ check: ContentCheck) throws {
        let target = catalog!.tables[table.name]!
        let columns = ContentCheck.readBackColumns(plan!.columns.map(\.column), converters: converters)
        let readBack = "COPY (SELECT \(columns) FROM \(target.qualifiedName)) TO STDOUT (FORMAT binary)"
        try connection.copyOut(readBack) { check.addTargetMessage($0) }
        guard !check.matches else { return }
        // Name the rows: a second read of the rows in the differing buckets, against the
        // archive's rows there (from the check's spool file).
        var diagnosis = try check.diagnosis()
        try connection.copyOut(readBack) { diagnosis.addTargetMessage($0) }
        let differing = check.differingColumns
        var problems = diagnosis.unmatched.map { "\(table.name) row \($0) differs from the archive" + (differing.isEmpty ? "" : " (column(s) \(differing.joined(separator: ", ")))") }
        if diagnosis.unmatchedCount > diagnosis.unmatched.count {
            problems.append("… and \(diagnosis.unmatchedCount - diagnosis.unmatched.count) more rows of \(table.name)")
        }
        if diagnosis.missingCount > 0 {
            problems.append("\(table.name): \(diagnosis.missingCount) archive row(s) have no equal row in the table")
        }
        problems.append("\(table.name): \(check.targetRows) rows read back for \(check.archiveRows) loaded; differing column(s): \(differing.isEmpty ? "(none; the row sets differ)" : differing.joined(separator: ", ")). A trigger, a rule or a column type that changes values on insert (char(n) padding, varchar truncation) can cause this; --verify counts skips this check.")
        throw Loader.Failure(summary: "reading \(table.name) back inside the transaction found values that differ from the archive; the transaction was rolled back and nothing was changed:",
                             problems: problems)
    }

    static func canonicalLine(_ values: [SQLiteValue]) -> [UInt8] {
        var encoder = RowEncoder(columnCount: values.count, capacity: 256)
        encoder.appendRow(values)
        return encoder.buffer
    }

    /// Takes a row rejected after staging back out of the read-back check.
    mutating func takeBackFromCheck(_ values: [SQLiteValue]) {
        guard contentCheck != nil else { return }
        for (index, mapping) in plan!.columns.enumerated() {
            ValueRef.with(values[mapping.sourceIndex]) { ref in
                if let converted = try? converters[index].convert(ref, json: json, accept: allowedChanges[index]) {
                    contentCheck!.setArchiveValue(converted, column: index)
                }
            }
        }
        contentCheck!.takeBackArchiveRow()
    }

    mutating func flush() throws {
        guard let copy, problems.isEmpty else {
            buffer.removeAll(keepingCapacity: true)
            return
        }
        let full = buffer
        buffer = copy.spareBuffer()  // the sender owns the full one now; no copy, no fresh pages
        try copy.send(full)
    }

    mutating func endTable(_ archived: TableSchema, rows: Int64) throws {
        let table = currentTable!
        if binary { buffer.append(contentsOf: [0xFF, 0xFF]) }  // the binary trailer
        try flush()
        if let copy {
            if problems.isEmpty {
                do {
                    try copy.finish()
                } catch let error as PostgresError {
                    throw Loader.Failure(summary: "PostgreSQL refused the rows of \(table.name); the transaction was rolled back and nothing was changed:",
                                         problems: refusedRow(error, table: table))
                }
            } else {
                try copy.finish(abortMessage: "conversion problems; the load will be rolled back")
            }
            if problems.isEmpty {
                do {
                    try moveStagedRows(table)
                    try deferredIndexes.build(connection)
                    indexesBuiltAfterData += deferredIndexes.dropped.map(\.name)
                } catch let error as PostgresError {
                    throw Loader.Failure(summary: "PostgreSQL refused the rows of \(table.name); the transaction was rolled back and nothing was changed:",
                                         problems: [naming.describe(error)])
                }
            } else if staged(table) {
                _ = try? connection.execute("DROP TABLE IF EXISTS \(Self.staging)")
            }
        }
        copy = nil
        deferredIndexes = DeferredIndexes()
        var verified: Int64 = 0
        if let check = contentCheck, problems.isEmpty {
            try verifyContent(table, check)
            verified = check.targetRows
        }
        contentCheck = nil
        let changed = changeCounts.sorted { ($0.key.column, $0.key.change.rawValue) < ($1.key.column, $1.key.change.rawValue) }
            .map { Loader.Report.Change(column: plan!.columns[$0.key.column].column, change: $0.key.change, count: $0.value) }
        loadedTables.append(.init(name: table.name, rows: rows, loaded: insertedInTable, rejected: rejectedInTable, verified: verified,
                                  skipped: skippedInTable, changed: changed))
        rejectedInTable = 0
        skippedInTable = 0
        insertedInTable = 0
        spool = nil
    }

    mutating func end(summary: Summary, checksums: ChecksumList) throws {
        try files.end(summary: summary, checksums: checksums)
        guard problems.isEmpty else {
            throw Loader.Failure(summary: "\(problems.count) problem(s) in the archive's rows; the transaction was rolled back and nothing was changed:",
                                 problems: problems)
        }
        try finishCreatedTables()
        let catalog = self.catalog!
        // Counts: what is in each table now is exactly what the archive holds.
        var mismatches: [String] = []
        for index in loadedTables.indices {
            let entry = loadedTables[index]
            if options.ifExists == .merge {
                // Rows that were there before stay; what is checked is that every archive row
                // was inserted, skipped as present, or rejected.
                if entry.loaded + entry.skipped + entry.rejected != entry.rows {
                    mismatches.append("\(entry.name): \(entry.loaded) inserted + \(entry.skipped) skipped + \(entry.rejected) rejected, \(entry.rows) in the archive")
                }
                continue
            }
            let table = catalog.tables[entry.name]!
            let count = Int64(try connection.execute("SELECT count(*) FROM \(table.qualifiedName)").value(0, 0) ?? "") ?? -1
            loadedTables[index].loaded = count
            if count + entry.rejected != entry.rows {
                mismatches.append("\(table.name): \(count) rows after the load and \(entry.rejected) rejected, \(entry.rows) in the archive")
            }
        }
        guard mismatches.isEmpty else {
            throw Loader.Failure(summary: "row counts differ; the transaction was rolled back:", problems: mismatches)
        }
        // Sequences past the highest key and past SQLite's high-water mark.
        for table in manifest!.tables {
            guard let target = catalog.tables[table.name] else { continue }
            for column in target.columns {
                guard let sequence = column.sequence else { continue }
                let maxKey = try connection.execute("SELECT max(\(PostgresConnection.quote(column.name)))::bigint FROM \(target.qualifiedName)").value(0, 0).flatMap { Int64($0) } ?? 0
                let isKey = table.primaryKey == [column.name]
                let value = max(maxKey, isKey ? (table.sequence ?? 0) : 0)
                if value >= 1 {
                    try connection.execute("SELECT setval($1::regclass, $2::bigint, true)", [sequence, String(value)])
                } else {
                    try connection.execute("SELECT setval($1::regclass, 1, false)", [sequence])
                }
                sequences.append(.init(sequence: sequence, value: value))
            }
        }
        // Ownership: sessions nobody owns go to the migrating person.
        if let sessions = catalog.tables["sessions"], sessions.column("owner_person") != nil, let person = owner {
            let uid = options.ownerUID ?? manifest!.source.uid
            let uidSet = sessions.column("owner_uid") != nil ? ", owner_uid = COALESCE(owner_uid, $2::integer)" : ""
            let parameters: [String?] = uidSet.isEmpty ? [person] : [person, String(uid)]
            ownershipUpdated = try connection.execute(
                "UPDATE \(sessions.qualifiedName) SET owner_person = $1\(uidSet) WHERE owner_person IS NULL", parameters).affectedRows
        }
        if options.dryRun {
            // Everything a load does, checked; nothing kept.
            try connection.execute("ROLLBACK")
        } else {
            try connection.execute("COMMIT")
        }
        inTransaction = false
    }

    /// Indexes and foreign keys of the tables this load created, now that the data is in.
    /// An index PostgreSQL cannot build from SQLite's definition is left out with a
    /// warning (a savepoint keeps the transaction); orphan rows stop the load.
    mutating func finishCreatedTables() throws {
        guard !createdTables.isEmpty else { return }
        let schema = catalog!.schema
        let parents = Dictionary(manifest!.tables.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var orphans: [String] = []
        for table in createdTables {
            let target = SQLIdentifier.quote(schema) + "." + SQLIdentifier.quote(table.name)
            for key in TableCreator.foreignKeys(table, schema: schema, parents: parents) {
                let parent = SQLIdentifier.quote(schema) + "." + SQLIdentifier.quote(key.key.referencedTable)
                let notNull = key.key.columns.map { "c.\(SQLIdentifier.quote($0)) IS NOT NULL" }.joined(separator: " AND ")
                let match = zip(key.key.columns, key.referenced).map { "p.\(SQLIdentifier.quote($1)) = c.\(SQLIdentifier.quote($0))" }.joined(separator: " AND ")
                let shown = key.key.columns.map { "c.\(SQLIdentifier.quote($0))::text" }.joined(separator: ", ")
                let found = try connection.execute("SELECT \(shown) FROM \(target) c WHERE \(notNull) AND NOT EXISTS (SELECT 1 FROM \(parent) p WHERE \(match)) LIMIT 100")
                for row in found.rows {
                    let described = naming.key(zip(key.key.columns, row).map { ($0, $1 ?? "NULL") }) ?? "(its key looks secret and is not shown)"
                    orphans.append("\(table.name) (\(described)) is an orphan: no \(key.key.referencedTable) row matches, so the foreign key cannot be created")
                }
                if found.rows.isEmpty { try connection.execute(key.sql) }
            }
            let (indexes, warnings) = TableCreator.indexes(table, schema: schema)
            creationNotes += warnings
            warnings.forEach { console.warning($0) }
            for index in indexes {
                try connection.execute("SAVEPOINT tc_import_index")
                do {
                    try connection.execute(index.sql)
                    try connection.execute("RELEASE SAVEPOINT tc_import_index")
                } catch let error as PostgresError {
                    try connection.execute("ROLLBACK TO SAVEPOINT tc_import_index")
                    let note = "\(table.name): the index \(index.name) was not created (\(error.message)); create it by hand: \(index.sql)"
                    creationNotes.append(note)
                    console.warning(note)
                }
            }
        }
        guard orphans.isEmpty else {
            throw Loader.Failure(summary: "tables created by --create-missing-tables hold rows whose parent is missing; the transaction was rolled back and nothing was changed (--on-error reject moves such rows to the rejects file, except where two created tables reference each other):",
                                 problems: orphans)
        }
    }

    /// The row's primary key, as (column, value) pairs for `RowNaming`.
    static func keyPairs(_ values: [SQLiteValue], table: TableSchema) -> [(column: String, value: String)] {
        table.primaryKey.compactMap { name in
            table.columns.firstIndex(where: { $0.name == name }).map { (name, values[$0].description) }
        }
    }
}
