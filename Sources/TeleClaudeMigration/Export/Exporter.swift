import CTCSQLite
import Foundation

/// Runs an export: finds the installation, pins a read snapshot, and streams the archive
/// (manifest, table data in chunks, summary, checksum list) to its output.
public struct Exporter {
    public let options: ExportOptions
    public let console: Console
    public static let toolVersion = "0.1.0"

    public init(options: ExportOptions, console: Console) {
        self.options = options
        self.console = console
    }

    public func run() throws -> ExportResult {
        let started = Date()
        let installation = try Installation.locate(options.locations)
        installation.notes.forEach { console.info("found \($0)") }
        var warnings = installation.warnings
        let files = try ExportFiles.gather(installation, owner: CurrentUser.lookup().name)
        warnings += files.warnings
        if let daemon = RunningDaemon.find(projectRoot: installation.projectRoot) { warnings.append(daemon.warning) }
        // What the person who loads should hear again (format 1.5): not where this export
        // writes its file, which is about this machine and would make two exports of one
        // database to two paths differ.
        let archived = warnings
        if !options.dryRun, options.recipients.isEmpty, let exposed = Self.unencryptedExposure(output: options.output, files: files) {
            warnings.append(exposed)
        }
        warnings.forEach { console.warning($0) }

        // Each database in its own read snapshot, all opened before anything is read.
        var snapshots: [(name: String, path: String, snapshot: DatabaseSnapshot)] = []
        var snapshotsFinished = false
        defer { if !snapshotsFinished { snapshots.forEach { try? $0.snapshot.finish() } } }
        for (name, path) in [(DatabaseEntry.main, installation.database)] + installation.extraDatabases.map({ ($0.name, $0.path) }) {
            let snapshot = try DatabaseSnapshot(path: path)
            snapshots.append((name, path, snapshot))
            console.info("reading \(path): \(snapshot.mode.rawValue)")
        }
        func finishSnapshots() throws {
            snapshotsFinished = true
            for entry in snapshots { try entry.snapshot.finish() }
        }
        let snapshotModes = snapshots.map { $0.snapshot.mode.rawValue }.joined(separator: "; ")
        if options.checkSource {
            for entry in snapshots { try Self.checkSource(entry.path, entry.snapshot.connection, console: console) }
        }

        let manifest = try buildManifest(snapshots.map { ($0.name, $0.path, $0.snapshot) }, installation: installation,
                                         files: files.members.map(\.entry), warnings: archived)
        if options.dryRun {
            try finishSnapshots()
            var result = ExportResult(
                archive: "", compression: options.compression, snapshot: snapshotModes,
                tables: manifest.tables.map { .init(name: $0.displayName, rows: $0.rows, bytes: 0) },
                rows: manifest.tables.reduce(0) { $0 + $1.rows }, dataBytes: 0, archiveBytes: 0,
                seconds: Date().timeIntervalSince(started), warnings: warnings, dryRun: true,
                files: files.members.map(\.entry), config: files.split, docs: files.docs)
            result.excludedTables = manifest.allExcludedTables
            result.databases = manifest.allDatabases
            return result
        }
        let output = try ArchiveOutput(path: options.output, replaceExisting: options.replaceExisting)
        for path in output.removedPartials {
            console.info("removed \(path), the partial file of an earlier export to the same path that was killed")
        }
        if options.output != "-" {
            TemporaryFiles.setInterruptMessage("interrupted: nothing was written at \(output.displayPath) (the partial file is removed)")
        }
        defer { TemporaryFiles.setInterruptMessage(nil) }
        let writer = try TarWriter(fileDescriptor: output.fileDescriptor, compression: options.compression,
                                       modificationTime: Int(options.createdAt.timeIntervalSince1970),
                                       zstdLevel: options.zstdLevel, zstdWorkers: options.zstdWorkers, recipients: options.recipients,
                                       signer: options.signer)
        let assembler = ArchiveAssembler(writer: writer, tableCount: manifest.tables.count)
        assembler.start()

        var tallies: [Summary.Table] = []
        do {
            try assembler.submit(.member(name: ArchiveLayout.manifest, bytes: try CanonicalJSON.encode(manifest), table: nil))
            for member in files.members {
                try assembler.submit(.member(name: member.entry.path, bytes: member.bytes, table: nil))
            }
            let progress = ExportProgress(console: console, totalRows: manifest.tables.reduce(0) { $0 + $1.rows })
            for (position, table) in manifest.tables.enumerated() {
                let connection = snapshots.first { $0.name == table.databaseName }!.snapshot.connection
                tallies.append(try exportTable(table, position: position, connection: connection,
                                               assembler: assembler, progress: progress))
            }
            try assembler.submit(.finish(tables: tallies))
            try assembler.wait()
            progress.finish()
            try finishSnapshots()
            try output.commit()
        } catch {
            assembler.cancel()
            output.abandon()
            console.endProgress()
            throw error
        }

        let archiveBytes = writer.bytesWritten
        var result = ExportResult(
            archive: output.displayPath, compression: options.compression, snapshot: snapshotModes,
            tables: zip(manifest.tables, tallies).map { .init(name: $0.displayName, rows: $1.rows, bytes: $1.bytes) },
            rows: tallies.reduce(0) { $0 + $1.rows }, dataBytes: tallies.reduce(0) { $0 + $1.bytes },
            archiveBytes: archiveBytes, seconds: Date().timeIntervalSince(started), warnings: warnings, dryRun: false,
            files: files.members.map(\.entry), config: files.split, docs: files.docs)
        result.excludedTables = manifest.allExcludedTables
        result.databases = manifest.allDatabases
        result.encryptedTo = options.recipients.map(\.kind)
        result.signedBy = options.signer.map { SSHSignature.fingerprint($0.publicKey) }
        return result
    }

    // MARK: - Manifest

    /// A warning when an archive holding secrets (.env, the secrets layer) goes unencrypted
    /// where others may read it: a path outside the user's home, or a standard output that
    /// is not a pipe (a file or terminal a redirect chose). A pipe is the `ssh` migration.
    /// `PRAGMA quick_check` inside the snapshot (every page and cell, not index contents):
    /// SQLite reads a damaged leaf page without an error, and the archive would hold what
    /// it happened to read. Its time is said.
    static func checkSource(_ path: String, _ connection: SQLiteConnection, console: Console) throws {
        let started = Date()
        let found: [String]
        do {
            found = try connection.rows("PRAGMA quick_check").compactMap { $0.first?.textValue }
        } catch let error as SQLiteError where error.code & 0xFF == SQLITE_CORRUPT || error.code & 0xFF == SQLITE_NOTADB {
            // Damaged so badly the check cannot walk it.
            throw ExportError.damagedSource(path: path, problems: [error.message])
        }
        guard found == ["ok"] else { throw ExportError.damagedSource(path: path, problems: found) }
        console.info("checked \(path): its pages are sound (PRAGMA quick_check, \(Units.seconds(Date().timeIntervalSince(started))))")
    }

    static func unencryptedExposure(output: String, files: ExportFiles,
                                    home: String = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()) -> String? {
        let secretRoles = [FileRole.configSecrets.rawValue, FileRole.envOriginal.rawValue]
        guard files.members.contains(where: { secretRoles.contains($0.entry.role) }) else { return nil }
        let advice = "pass --encrypt-to age1... (or --passphrase-file FILE) to encrypt it"
        if output == "-" {
            var info = stat()
            guard fstat(STDOUT_FILENO, &info) == 0, (info.st_mode & S_IFMT) != S_IFIFO else { return nil }
            return "the archive holds secrets (.env, secrets.yml) and goes unencrypted to standard output, which is not a pipe; \(advice)"
        }
        let path = Installation.absolute(output, relativeTo: FileManager.default.currentDirectoryPath)
        let homeFolder = (home as NSString).standardizingPath
        guard !path.hasPrefix(homeFolder.hasSuffix("/") ? homeFolder : homeFolder + "/") else { return nil }
        return "the archive holds secrets (.env, secrets.yml) and is written unencrypted to \(path), outside your home folder \(homeFolder) (mode 0600 is its only protection); \(advice)"
    }

    /// The manifest of every database, the main one first: tables in load order within each,
    /// members named so that two databases may hold tables of one name.
    func buildManifest(_ databases: [(name: String, path: String, snapshot: DatabaseSnapshot)], installation: Installation,
                       files: [Manifest.FileEntry], warnings: [String]) throws -> Manifest {
        var found: [(database: String, tables: [TableSchema], reader: SQLiteSchemaReader)] = []
        for database in databases {
            let reader = SQLiteSchemaReader(connection: database.snapshot.connection)
            let (tables, skipped) = try reader.tables()
            for name in skipped { console.warning("skipping \(name): only ordinary tables are exported") }
            found.append((database.name, tables.map { table in
                var table = table
                if database.name != DatabaseEntry.main { table.database = database.name }
                return table
            }, reader))
        }
        let unknown = options.tables.unknownNames(among: found.flatMap { $0.tables.map(\.displayName) }, in: "the database")
        guard unknown.isEmpty else { throw ExportError.unknownTables(unknown) }

        var tables: [TableSchema] = []
        var entries: [DatabaseEntry] = []
        var otherSchema: [Manifest.SchemaObject] = []
        for (index, (name, candidates, reader)) in found.enumerated() {
            let connection = databases[index].snapshot.connection
            var excluded: [Manifest.ExcludedTable] = []
            for var table in candidates {
                let counted = try connection.rows("SELECT count(*) FROM \(SQLIdentifier.quote(table.name))")
                table.rows = counted.first?.first?.integerValue ?? 0
                guard options.tables.takes(table.displayName) else {
                    excluded.append(.init(name: table.name, rows: table.rows))
                    continue
                }
                table.member = ArchiveLayout.tableMember(name: table.name, position: tables.count, database: table.database)
                tables.append(table)
            }
            otherSchema += try reader.otherObjects().map { object in
                var object = object
                if name != DatabaseEntry.main { object.database = name }
                return object
            }
            entries.append(DatabaseEntry(
                name: name, path: databases[index].path, sqliteVersion: SQLiteConnection.libraryVersion,
                databaseEncoding: try connection.rows("PRAGMA encoding").first?.first?.textValue ?? "UTF-8",
                userVersion: try connection.rows("PRAGMA user_version").first?.first?.integerValue ?? 0,
                excludedTables: excluded.isEmpty ? nil : excluded, snapshot: databases[index].snapshot.mode.rawValue))
        }
        let main = entries[0]
        let user = CurrentUser.lookup()
        let source = Manifest.Source(
            host: ProcessInfo.processInfo.hostName, user: user.name, uid: user.uid,
            paths: .init(projectRoot: installation.projectRoot, database: installation.database,
                         config: installation.config, env: installation.env, docs: installation.docs),
            sqliteVersion: main.sqliteVersion, databaseEncoding: main.databaseEncoding, userVersion: main.userVersion,
            excludedTables: main.excludedTables, exportWarnings: warnings.isEmpty ? nil : warnings)
        var manifest = Manifest(tool: .init(name: "tc-export", version: Self.toolVersion),
                                createdAt: Units.timestamp(options.createdAt), source: source,
                                tables: tables, otherSchema: otherSchema, files: files)
        manifest.databases = entries
        if entries.count > 1 { manifest.requiredFeatures = [DatabaseEntry.multipleDatabasesFeature] }
        return manifest
    }

    // MARK: - Table data

    func exportTable(_ table: TableSchema, position: Int, connection: SQLiteConnection,
                     assembler: ArchiveAssembler, progress: ExportProgress) throws -> Summary.Table {
        let columns = table.columns.map { SQLIdentifier.quote($0.name) }.joined(separator: ", ")
        let order = rowOrder(for: table)
        let statement = try connection.prepare("SELECT \(columns) FROM \(SQLIdentifier.quote(table.name)) ORDER BY \(order)")
        defer { statement.finalize() }
        let capacity = options.chunkTarget + options.chunkTarget / 4
        var encoder = RowEncoder(columnCount: table.columns.count, capacity: capacity)
        var rows: Int64 = 0
        var bytes: Int64 = 0
        var chunks = 0
        progress.beginTable(table.name, rows: table.rows)
        func flush() throws {
            let chunk = encoder.takeChunk()
            bytes += Int64(chunk.count)
            try assembler.submit(.chunk(name: ArchiveLayout.chunkName(member: table.member, index: chunks),
                                        bytes: chunk, table: position))
            chunks += 1
            progress.advance(rows: rows, bytes: bytes)
        }
        while try statement.step() {
            encoder.appendRow(from: statement)
            rows += 1
            if encoder.count >= options.chunkTarget { try flush() }
        }
        if encoder.count > 0 || chunks == 0 { try flush() }
        guard rows == table.rows else {
            throw ExportError.rowCountChanged(table: table.name, counted: table.rows, read: rows)
        }
        return Summary.Table(name: table.name, rows: rows, chunks: chunks, bytes: bytes, sha256: "",
                             classes: encoder.classCounts)
    }

    /// The primary key, or the rowid under whichever of its three names no column shadows.
    func rowOrder(for table: TableSchema) -> String {
        if table.rowOrder != ["rowid"] { return table.rowOrder.map(SQLIdentifier.quote).joined(separator: ", ") }
        let names = Set(table.columns.map { $0.name.lowercased() })
        if let alias = ["rowid", "_rowid_", "oid"].first(where: { !names.contains($0) }) { return alias }
        return table.columns.map { SQLIdentifier.quote($0.name) }.joined(separator: ", ")
    }
}
