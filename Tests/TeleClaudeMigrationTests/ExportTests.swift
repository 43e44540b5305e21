import CTCSQLite
import Foundation
import TCSamples
import Testing
@testable import TeleClaudeMigration

@Suite("tc-export finds the installation as REFERENCE.md orders it")
struct DetectionTests {
    func installation(_ folder: TemporaryFolder, config: String? = nil) throws {
        try folder.write("root/teleclaude.db", "")
        try folder.write("elsewhere/custom.db", "")
        try folder.write("env-db/env.db", "")
        try folder.write("root/sub/configured.db", "")
        if let config { try folder.write("root/config.yml", config) }
        try folder.write("root/.env", "A=1\n")
    }

    @Test("--db wins over everything")
    func explicitDatabase() throws {
        let folder = try TemporaryFolder()
        try installation(folder, config: "database:\n  path: sub/configured.db\n")
        let found = try Installation.locate(.init(projectRoot: folder.file("root"), database: folder.file("elsewhere/custom.db")),
                                            environment: ["TELECLAUDE_DB_PATH": folder.file("env-db/env.db"), "HOME": folder.path])
        #expect(found.database == folder.file("elsewhere/custom.db"))
    }

    @Test("then $TELECLAUDE_DB_PATH")
    func environmentDatabase() throws {
        let folder = try TemporaryFolder()
        try installation(folder, config: "database:\n  path: sub/configured.db\n")
        let found = try Installation.locate(.init(projectRoot: folder.file("root")),
                                            environment: ["TELECLAUDE_DB_PATH": folder.file("env-db/env.db"), "HOME": folder.path])
        #expect(found.database == folder.file("env-db/env.db"))
    }

    @Test("then database.path in config.yml, relative to the project root, with ${VAR}")
    func configuredDatabase() throws {
        let folder = try TemporaryFolder()
        try installation(folder, config: "# comment\ndatabase:\n  path: ${SUBDIR}/configured.db  # trailing\n")
        let found = try Installation.locate(.init(projectRoot: folder.file("root")), environment: ["SUBDIR": "sub", "HOME": folder.path])
        #expect(found.database == folder.file("root/sub/configured.db"))
        #expect(found.config == folder.file("root/config.yml"))
        #expect(found.env == folder.file("root/.env"))
    }

    @Test("then <project root>/teleclaude.db; missing .env and docs are warnings")
    func defaultDatabase() throws {
        let folder = try TemporaryFolder()
        try folder.write("root/teleclaude.db", "")
        let found = try Installation.locate(.init(projectRoot: folder.file("root")), environment: ["HOME": folder.path])
        #expect(found.database == folder.file("root/teleclaude.db"))
        #expect(found.env == nil && found.docs == nil && found.config == nil)
        #expect(found.warnings.contains { $0.contains(".env") })
        #expect(found.warnings.contains { $0.contains("docs") })
    }

    @Test("a missing database is an error naming every path tried")
    func missingDatabase() throws {
        let folder = try TemporaryFolder()
        try folder.write("root/config.yml", "database:\n  path: nowhere.db\n")
        #expect {
            _ = try Installation.locate(.init(projectRoot: folder.file("root")), environment: ["HOME": folder.path])
        } throws: { error in
            let text = "\(error)"
            return text.contains(folder.file("root/nowhere.db")) && text.contains("--db")
        }
    }

    @Test("a file that is not SQLite is refused with its path")
    func notSQLite() throws {
        let folder = try TemporaryFolder()
        try folder.write("root/teleclaude.db", "this is not a database, just text that is long enough to have a header.......................")
        #expect {
            try export(database: folder.file("root/teleclaude.db"), to: folder.file("a.tcar"))
        } throws: { error in
            "\(error)".contains("teleclaude.db") && "\(error)".contains("SQLite")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.file("a.tcar")))
    }
}

@Suite("tc-export writes a complete, reproducible snapshot and changes nothing it reads", .timeLimit(.minutes(5)))
struct ExportTests {
    @Test("the bundled sample exports with its schema, sequences and every row")
    func bundledSample() throws {
        let folder = try TemporaryFolder()
        try BundledSample.write(to: folder.file("s"))
        try export(database: folder.file("s/project/teleclaude.db"), to: folder.file("a.tcar"))
        let archive = try CollectedArchive.read(folder.file("a.tcar"))
        let manifest = try #require(archive.manifest)
        let names = manifest.tables.map(\.name)
        #expect(!names.contains("sqlite_sequence") && !names.contains("open_sessions"))
        #expect(manifest.otherSchema.contains { $0.name == "open_sessions" && $0.type == "view" })
        // Parents before children.
        #expect(names.firstIndex(of: "conversation_links")! < names.firstIndex(of: "conversation_link_members")!)
        #expect(names.firstIndex(of: "sessions")! < names.firstIndex(of: "session_tokens")!)
        let outbox = try #require(manifest.tables.first { $0.name == "hook_outbox" })
        #expect(outbox.autoincrement && outbox.rowidAlias && outbox.sequence == 5 && outbox.rows == 3)
        #expect(outbox.indexes.contains { $0.name == "idx_hook_outbox_pending" && $0.columns == ["delivered_at", "next_attempt_at"] })
        let members = try #require(manifest.tables.first { $0.name == "conversation_link_members" })
        #expect(members.primaryKey == ["link_id", "session_id"])
        #expect(members.foreignKeys.first?.referencedTable == "conversation_links" && members.foreignKeys.first?.onDelete == "CASCADE")
        let notifications = try #require(manifest.tables.first { $0.name == "notification_outbox" })
        #expect(notifications.indexes.contains { $0.unique && $0.partial })
        let deletions = try #require(manifest.tables.first { $0.name == "pending_message_deletions" })
        #expect(deletions.uniqueConstraints == [["session_id", "message_id", "deletion_type"]])
        let sessions = try #require(manifest.tables.first { $0.name == "sessions" })
        #expect(sessions.columns.last?.name == "notification_sent")
        #expect(sessions.columns.first { $0.name == "closed" }?.declaredType == "BOOLEAN")
        #expect(sessions.columns.first { $0.name == "origin_adapter" }?.defaultSQL == "'telegram'")
        #expect(sessions.createSQL.contains("CHECK (origin_adapter IN"))
        #expect(sessions.rowOrder == ["session_id"])
        #expect(archive.rows["sessions"]?.map { $0[0] } == ["7f3c2a1e", "b2e4d6f8", "c0ffee00", "d1d1d1d1"].map { id in
            archive.rows["sessions"]!.first { $0[0].textValue!.hasPrefix(id) }![0]
        })
        #expect(archive.rows["hook_outbox"]?.map { $0[0] } == [.integer(1), .integer(2), .integer(3)])
        #expect(manifest.source.sqliteVersion == SQLiteConnection.libraryVersion)
        #expect(manifest.source.paths.database == folder.file("s/project/teleclaude.db"))
    }

    @Test("the same database gives byte-identical archives", arguments: Compression.allCases)
    func deterministic(compression: Compression) throws {
        let folder = try TemporaryFolder()
        try BundledSample.write(to: folder.file("s"))
        try export(database: folder.file("s/project/teleclaude.db"), to: folder.file("one"), compression: compression)
        try export(database: folder.file("s/project/teleclaude.db"), to: folder.file("two"), compression: compression)
        let one = try #require(contents(folder.file("one")))
        #expect(one == contents(folder.file("two")))
    }

    @Test("the archive's bytes do not depend on how many zstd workers compress it")
    func workersDoNotChangeTheBytes() throws {
        let folder = try TemporaryFolder()
        // Large enough for zstd to cut the stream into several jobs.
        try SyntheticInstallation(scale: 0.02).write(to: folder.file("big"))
        var archives: [[UInt8]] = []
        var dataBytes: Int64 = 0
        for workers in [1, 3] {
            var options = ExportOptions(locations: .init(projectRoot: folder.file("big/project"), docs: nil),
                                        output: folder.file("w\(workers).tcar"), createdAt: Date(timeIntervalSince1970: 1_700_000_000))
            options.zstdWorkers = workers
            dataBytes = try Exporter(options: options, console: MessageLog().console).run().dataBytes
            archives.append(try #require(contents(folder.file("w\(workers).tcar"))))
        }
        #expect(dataBytes > 16 << 20)  // zstd's jobs take about 2 MiB of input each
        #expect(archives[0].count > 1 << 20)
        #expect(archives[0] == archives[1])
    }

    @Test("archives are created owner-only, and an existing file needs --force")
    func permissionsAndOverwrite() throws {
        let folder = try TemporaryFolder()
        try BundledSample.write(to: folder.file("s"))
        let previous = umask(0)
        defer { umask(previous) }
        let options = ExportOptions(locations: .init(projectRoot: folder.file("s/project")), output: folder.file("a.tcar"))
        _ = try Exporter(options: options, console: MessageLog().console).run()
        var info = stat()
        stat(folder.file("a.tcar"), &info)
        #expect(info.st_mode & 0o777 == 0o600)
        let before = contents(folder.file("a.tcar"))
        #expect(throws: ExportError.outputExists(path: folder.file("a.tcar"))) {
            _ = try Exporter(options: options, console: MessageLog().console).run()
        }
        #expect(contents(folder.file("a.tcar")) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains("partial") }.isEmpty)
    }

    @Test("nothing read is modified: database, -wal, -shm bytes, config, .env, docs")
    func readOnly() throws {
        let folder = try TemporaryFolder()
        try BundledSample.write(to: folder.file("s"))
        let db = folder.file("s/project/teleclaude.db")
        // A daemon-like process holds the database open in WAL mode with un-checkpointed frames.
        let holder = try PythonSQLite.start(database: db, script: """
            c.execute("PRAGMA wal_autocheckpoint=0")
            c.execute("INSERT INTO system_settings (key, value) VALUES ('held', 'open')")
            ready()
            time.sleep(60)
            """)
        defer { holder.stop() }
        let watched = [db, db + "-wal", db + "-shm", folder.file("s/project/config.yml"), folder.file("s/project/.env"),
                       folder.file("s/home/.teleclaude/docs/index.yaml"), folder.file("s/home/.teleclaude/docs/guides/release-checklist.md")]
        let before = watched.map(contents)
        #expect(before[1] != nil && before[2] != nil, "the WAL files should exist while the holder runs")
        let options = ExportOptions(locations: .init(projectRoot: folder.file("s/project"), docs: folder.file("s/home/.teleclaude/docs")),
                                    output: folder.file("a.tcar"))
        _ = try Exporter(options: options, console: MessageLog().console).run()
        #expect(watched.map(contents) == before)
        // The un-checkpointed row is in the snapshot.
        let archive = try CollectedArchive.read(folder.file("a.tcar"))
        #expect(archive.rows["system_settings"]?.contains { $0[0] == .text("held") } == true)
    }

    @Test("a cleanly closed WAL database is read without creating -wal or -shm")
    func noWALFilesCreated() throws {
        let folder = try TemporaryFolder()
        try BundledSample.write(to: folder.file("s"))
        let db = folder.file("s/project/teleclaude.db")
        #expect(!FileManager.default.fileExists(atPath: db + "-wal"))
        let before = contents(db)
        let result = try export(database: db, to: folder.file("a.tcar"))
        #expect(result.snapshot == DatabaseSnapshot.Mode.immutable.rawValue)
        #expect(!FileManager.default.fileExists(atPath: db + "-wal") && !FileManager.default.fileExists(atPath: db + "-shm"))
        #expect(contents(db) == before)
    }

    @Test("with a writer committing all the time, the archive is one consistent snapshot")
    func concurrentWriter() throws {
        let folder = try TemporaryFolder()
        let db = folder.file("live.db")
        try PythonSQLite.makeLedger(db)
        let writer = try PythonSQLite.startLedgerWriter(db)
        defer { writer.stop() }
        let config = folder.file("config.yml")
        try "database:\n  path: live.db\n".write(toFile: config, atomically: false, encoding: .utf8)
        let configBefore = contents(config)
        var committedDuring: Int64 = 0
        for round in 0..<3 {
            let countBefore = try PythonSQLite.count(database: db, table: "debit")
            let result = try export(database: db, to: folder.file("a\(round).tcar"), chunkTarget: 16 * 1024)
            #expect(result.snapshot == DatabaseSnapshot.Mode.walSnapshot.rawValue)
            let archive = try CollectedArchive.read(folder.file("a\(round).tcar"))
            let debit = try #require(archive.rows["debit"])
            let credit = try #require(archive.rows["credit"])
            #expect(debit.count == credit.count, "round \(round): \(debit.count) debits, \(credit.count) credits")
            #expect(debit.map { $0[1] } == credit.map { $0[1] })
            committedDuring += try PythonSQLite.count(database: db, table: "debit") - countBefore
        }
        #expect(committedDuring > 0, "the writer should have committed during the exports")
        #expect(contents(config) == configBefore)
    }

    /// A file-size limit makes the write fail, as a full disk would: at the very end (the
    /// small sample fits in one output block) or in the middle of the table data.
    @Test("an export that fails leaves nothing at the target path", arguments: [(0.0, 8), (0.01, 1024)])
    func failedExportLeavesNothing(scale: Double, limitKilobytes: Int) throws {
        let folder = try TemporaryFolder()
        if scale == 0 {
            try BundledSample.write(to: folder.file("s"))
        } else {
            try SyntheticInstallation(scale: scale).write(to: folder.file("s"))
        }
        let target = folder.file("out/a.tcar")
        try FileManager.default.createDirectory(atPath: folder.file("out"), withIntermediateDirectories: true)
        let result = try runTool("tc-export", ["--project-root", folder.file("s/project"), "-o", target, "--compression", "none"],
                                 environment: ["HOME": folder.file("s/home")], limitFileSize: limitKilobytes)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("error: ") && result.stderr.contains("File too large"), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("out")).isEmpty)
    }
}

/// A Python process that holds an SQLite connection (the system's libsqlite3) to play the
/// daemon: `c` is the connection, `ready()` tells the test it may go on.
final class PythonSQLite {
    let process: Process

    private init(process: Process) { self.process = process }

    static func start(database: String, script: String) throws -> PythonSQLite {
        let folder = (database as NSString).deletingLastPathComponent
        let flag = folder + "/.ready-\(UUID().uuidString)"
        let program = """
            import sqlite3, time, sys
            c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=5)
            c.execute("PRAGMA journal_mode=WAL")
            def ready():
                open(sys.argv[2], "w").close()
            \(script.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n"))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", program, database, flag]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: flag) {
            guard process.isRunning, Date() < deadline else { throw ArchiveError("the python3 SQLite helper did not start") }
            usleep(20_000)
        }
        try? FileManager.default.removeItem(atPath: flag)
        return PythonSQLite(process: process)
    }

    /// SIGKILL, as a crashed daemon would stop: the test process may have SIGTERM blocked,
    /// and the child inherits that mask.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// A WAL database of two tables, `debit` and `credit`, with 5,000 equal rows each.
    static func makeLedger(_ path: String) throws {
        let setup = try makeDatabase(path, [
            "CREATE TABLE debit (id INTEGER PRIMARY KEY AUTOINCREMENT, amount INTEGER NOT NULL, note TEXT)",
            "CREATE TABLE credit (id INTEGER PRIMARY KEY AUTOINCREMENT, amount INTEGER NOT NULL, note TEXT)",
        ])
        try setup.execute("BEGIN")
        let pad = String(repeating: "x", count: 300)
        for i in 0..<5_000 {
            try setup.execute("INSERT INTO debit (amount, note) VALUES (\(i), '\(pad)'); INSERT INTO credit (amount, note) VALUES (\(i), '\(pad)')")
        }
        try setup.execute("COMMIT")
        setup.close()
    }

    /// A writer committing into a ledger all the time: every transaction adds the same amount
    /// to both tables, so in any consistent snapshot their rows pair up.
    static func startLedgerWriter(_ path: String) throws -> PythonSQLite {
        try start(database: path, script: """
            ready()
            i = 0
            while True:
                c.execute("BEGIN IMMEDIATE")
                c.execute("INSERT INTO debit (amount, note) VALUES (?, ?)", (i, "w" * 500))
                c.execute("INSERT INTO credit (amount, note) VALUES (?, ?)", (i, "w" * 500))
                c.execute("COMMIT")
                i += 1
            """)
    }

    static func count(database: String, table: String) throws -> Int64 {
        let db = try SQLiteConnection(uri: "file:\(database)?mode=ro", path: database)
        defer { db.close() }
        db.busyTimeoutMilliseconds = 5000
        return try db.rows("SELECT count(*) FROM \(table)").first?.first?.integerValue ?? -1
    }
}
