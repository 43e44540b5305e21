import CTCSQLite
import Foundation
import TCSamples
import Testing
@testable import TeleClaudeMigration

@Suite("Every database of the installation: events.db beside teleclaude.db", .timeLimit(.minutes(5)))
struct MultiDatabaseTests {
    /// The bundled sample in `folder/s`, with its home folder's events.db.
    func sample(_ folder: TemporaryFolder) throws -> (project: String, home: String) {
        try BundledSample.write(to: folder.file("s"))
        return (folder.file("s/project"), folder.file("s/home"))
    }

    @Test("detection: ~/.teleclaude/events.db when present, a warning when absent, --events-db overrides (and must exist), --extra-db adds one")
    func detection() throws {
        let folder = try TemporaryFolder()
        let (project, home) = try sample(folder)
        let found = try Installation.locate(.init(projectRoot: project), environment: ["HOME": home])
        #expect(found.extraDatabases == [.init(name: "events", path: home + "/.teleclaude/events.db")])
        #expect(found.notes.contains("events database: \(home)/.teleclaude/events.db"))

        let elsewhere = folder.file("elsewhere/ev.db")
        try FileManager.default.createDirectory(atPath: folder.file("elsewhere"), withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: home + "/.teleclaude/events.db", toPath: elsewhere)
        let absent = try Installation.locate(.init(projectRoot: project), environment: ["HOME": home])
        #expect(absent.extraDatabases.isEmpty)
        #expect(absent.warnings.contains { $0.contains("no events database at \(home)/.teleclaude/events.db") && $0.contains("--events-db") })

        let overridden = try Installation.locate(.init(projectRoot: project, eventsDatabase: elsewhere), environment: ["HOME": home])
        #expect(overridden.extraDatabases == [.init(name: "events", path: elsewhere)])
        #expect(throws: ExportError.self) {
            _ = try Installation.locate(.init(projectRoot: project, eventsDatabase: folder.file("nope.db")), environment: ["HOME": home])
        }
        let extra = try Installation.locate(.init(projectRoot: project, eventsDatabase: elsewhere,
                                                  extraDatabases: [.init(name: "metrics", path: elsewhere)]), environment: ["HOME": home])
        #expect(extra.extraDatabases.map(\.name) == ["events", "metrics"])
        for bad in ["main", "events", "bad-name", ""] {
            let result = try runTool("tc-export", ["--project-root", project, "--dry-run", "--extra-db", "\(bad)=\(elsewhere)"])
            #expect(result.status != 0, "--extra-db \(bad)= was taken")
        }
    }

    @Test("the archive lists both databases, requires multiple_databases, and keeps two tables of one name apart; a reader that knows only 1.2 refuses it")
    func format() throws {
        let folder = try TemporaryFolder()
        let (project, home) = try sample(folder)
        // A third database holding a table named like one of the main database's.
        let metrics = folder.file("metrics.db")
        let db = try makeDatabase(metrics, wal: false, ["CREATE TABLE sessions (id INTEGER PRIMARY KEY, seconds REAL)",
                                                         "INSERT INTO sessions VALUES (1, 2.5), (2, 7.25)"])
        db.close()
        let archive = folder.file("a.tcar")
        let eventsDB = home + "/.teleclaude/events.db"
        let before = try Data(contentsOf: URL(fileURLWithPath: eventsDB))
        let result = try runTool("tc-export", ["--project-root", project, "--extra-db", "metrics=\(metrics)", "-o", archive],
                                 environment: ["HOME": home])
        #expect(result.status == 0, "\(result.stderr)")
        // Read as the main database is: not a byte changed, no -wal or -shm left beside it.
        #expect(try Data(contentsOf: URL(fileURLWithPath: eventsDB)) == before)
        #expect(!FileManager.default.fileExists(atPath: eventsDB + "-wal") && !FileManager.default.fileExists(atPath: eventsDB + "-shm"))
        let manifest = try ArchiveReader(.file(archive)).readManifest()
        #expect(manifest.formatVersion >= FormatVersion(major: 1, minor: 3), "several databases came with 1.3")
        #expect(manifest.requiredFeatures == [DatabaseEntry.multipleDatabasesFeature])
        #expect(manifest.allDatabases.map(\.name) == ["main", "events", "metrics"])
        #expect(manifest.allDatabases[1].path == home + "/.teleclaude/events.db")
        #expect(manifest.tables.contains { $0.displayName == "events.notifications" && $0.member == "tables/events.notifications" })
        #expect(manifest.tables.filter { $0.name == "sessions" }.map(\.member) == ["tables/sessions", "tables/metrics.sessions"])
        let collected = try CollectedArchive.read(archive)
        #expect(collected.rows["metrics.sessions"]?.count == 2 && collected.rows["sessions"]?.count == 4)
        #expect(collected.rows["events.notifications"]?.count == EventsSample.rowCounts["notifications"])

        // A 1.2 reader knows no features: it refuses the archive by the feature's name.
        let manifestBytes = try CanonicalJSON.encode(manifest)
        #expect(throws: ArchiveError.self) { _ = try ManifestCheck.parse(manifestBytes, knownFeatures: []) }
        do {
            _ = try ManifestCheck.parse(manifestBytes, knownFeatures: [])
        } catch let error as ArchiveError {
            #expect("\(error)".contains("requires features this tool does not implement: multiple_databases"))
        }
        // And a manifest of several databases that does not require the feature is refused too.
        var unmarked = manifest
        unmarked.requiredFeatures = []
        #expect(throws: ArchiveError.self) { _ = try ManifestCheck.parse(try CanonicalJSON.encode(unmarked)) }
        // Tables of one database must stay together.
        var scattered = manifest
        scattered.tables.swapAt(0, scattered.tables.count - 1)
        #expect(throws: ArchiveError.self) { _ = try ManifestCheck.parse(try CanonicalJSON.encode(scattered)) }
    }

    @Test("while both databases are written to, each is read in its own consistent snapshot")
    func twoSnapshots() throws {
        let folder = try TemporaryFolder()
        let main = folder.file("main.db"), events = folder.file("events.db")
        try PythonSQLite.makeLedger(main)
        try PythonSQLite.makeLedger(events)
        let writers = [try PythonSQLite.startLedgerWriter(main), try PythonSQLite.startLedgerWriter(events)]
        defer { writers.forEach { $0.stop() } }
        let before = try PythonSQLite.count(database: events, table: "debit")
        let options = ExportOptions(locations: .init(projectRoot: folder.path, database: main, docs: nil, eventsDatabase: events),
                                    output: folder.file("a.tcar"), createdAt: Date(timeIntervalSince1970: 1_700_000_000), chunkTarget: 16 * 1024)
        let result = try Exporter(options: options, console: MessageLog().console).run()
        #expect(result.databases.map(\.snapshot) == [DatabaseSnapshot.Mode.walSnapshot.rawValue, DatabaseSnapshot.Mode.walSnapshot.rawValue])
        let archive = try CollectedArchive.read(folder.file("a.tcar"))
        for prefix in ["", "events."] {
            let debit = try #require(archive.rows[prefix + "debit"]), credit = try #require(archive.rows[prefix + "credit"])
            #expect(debit.count == credit.count && debit.count >= 3_000, "\(prefix): \(debit.count) debits, \(credit.count) credits")
        }
        #expect(try PythonSQLite.count(database: events, table: "debit") > before, "the writer should have committed during the export")
    }

    @Test("load: each database into its schema, --schema-for maps one, a collision in one schema is refused, a missing schema is named")
    func schemas() throws {
        let folder = try TemporaryFolder()
        let (project, home) = try sample(folder)
        let archive = folder.file("a.tcar")
        #expect(try runTool("tc-export", ["--project-root", project, "-o", archive], environment: ["HOME": home]).status == 0)
        let schema = try TestServer.Schema(events: true)
        let base = ["-d", schema.url, "--schema", schema.name, "--owner-person", "Maurice Faber", "--skip-files",
                    "--on-error", "reject", "--rejects", folder.file("r.ndjson")]

        // Without a mapping the events database goes to a schema named events, which this server lacks.
        let unmapped = try runTool("tc-import", ["plan", archive] + base.prefix(6))
        #expect(unmapped.status == 1 && unmapped.stdout.contains("the schema events (for the database events) does not exist"), "\(unmapped.stdout)")
        // Both into one schema: they hold no table of the same name, so the plan only misses the events tables.
        let wrong = try runTool("tc-import", ["plan", archive, "--schema-for", "nosuch=x"] + base.prefix(6))
        #expect(wrong.stdout.contains("--schema-for nosuch=…: the archive has no database nosuch; it has: events"), "\(wrong.stdout)")

        let loaded = try runTool("tc-import", ["load", archive, "--schema-for", "events=\(schema.events)", "--json"] + base)
        #expect(loaded.status == 2, "\(loaded.stderr)")  // the sample's orphan, rejected
        #expect(try schema.eventCounts() == EventsSample.rowCounts)
        #expect(try schema.counts()["sessions"] == 4)
        let report = try JSONSerialization.jsonObject(with: Data(loaded.stdout.utf8)) as? [String: Any]
        let targets = (report?["databases"] as? [[String: Any]])?.map { "\($0["name"] as? String ?? "?")→\($0["schema"] as? String ?? "?")" }
        #expect(targets == ["main→\(schema.name)", "events→\(schema.events)"])
        let tables = report?["tables"] as? [[String: Any]] ?? []
        #expect(tables.contains { $0["name"] as? String == "events.notifications" && $0["database"] as? String == "events" })
        let rollback = (report?["rollback"] as? [String])?.joined(separator: "\n") ?? ""
        #expect(rollback.contains("\"\(schema.events)\".\"notifications\"") && rollback.contains("\"\(schema.name)\".\"sessions\""), "\(rollback)")
        let rejected = try String(contentsOfFile: folder.file("r.ndjson"), encoding: .utf8)
        #expect(rejected.contains("\"database\":\"main\""))

        // A third database with a table named like a main one, sent to the main schema, is refused before BEGIN.
        let metrics = folder.file("metrics.db")
        let db = try makeDatabase(metrics, wal: false, ["CREATE TABLE sessions (id INTEGER PRIMARY KEY)"])
        db.close()
        let both = folder.file("b.tcar")
        #expect(try runTool("tc-export", ["--project-root", project, "--extra-db", "metrics=\(metrics)", "-o", both], environment: ["HOME": home]).status == 0)
        let clash = try runTool("tc-import", ["plan", both, "--schema-for", "events=\(schema.events)", "--schema-for", "metrics=\(schema.name)"] + base.prefix(6))
        let clashed = clash.stdout.contains("the databases main and metrics both hold a table sessions, and both load into the schema \(schema.name)")
        #expect(clash.status == 1 && clashed, "\(clash.stdout)")
    }

    @Test("all or nothing across databases: killed while the events database streams in, neither schema holds a row")
    func killed() throws {
        let folder = try TemporaryFolder()
        let (project, home) = try sample(folder)
        try EventsSample.write(home + "/.teleclaude/events.db", notifications: 60_000)
        let archive = folder.file("a.tcar")
        #expect(try runTool("tc-export", ["--project-root", project, "-o", archive], environment: ["HOME": home]).status == 0)
        let schema = try TestServer.Schema(events: true)
        let arguments = ["load", archive, "-d", schema.url] + schema.options + ["--owner-person", "Maurice Faber", "--quiet", "--skip-files",
                                                                              "--on-error", "reject", "--rejects", folder.file("r.ndjson")]
        let process = try launchTool("tc-import", arguments)
        #expect(try schema.waitForCopy(process, where: "query LIKE '%\(schema.events)%'"), "the load never reached the events database's COPY")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(try schema.counts().values.allSatisfy { $0 == 0 }, "the main database's rows, loaded before the kill, are visible")
        #expect(try schema.eventCounts().values.allSatisfy { $0 == 0 })
    }
}
