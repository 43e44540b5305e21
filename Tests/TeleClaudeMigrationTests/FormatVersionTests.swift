import Foundation
import Testing
@testable import TeleClaudeMigration

/// Archives are kept for years: every archive an earlier writer made keeps reading. A 1.0
/// archive of the bundled sample, written by tc-export before format 1.1, is kept in
/// `Tests/fixtures/format-1.0/` (never regenerated), and 1.1's generated columns are
/// exported and loaded as format-spec.md section 10 says.
@Suite("Format versions: 1.0 archives keep reading; 1.1 generated columns", .timeLimit(.minutes(5)))
struct FormatVersionTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/format-1.0/bundled-sample.tcar").path

    @Test("the kept 1.0 archive verifies, is inspected and loads, without a warning")
    func keptArchive() throws {
        let result = try ArchiveVerifier(.file(Self.fixture), console: MessageLog().console).run()
        #expect(result.formatVersion == "1.0" && result.tables == 13 && result.rows == 28)
        let inspected = try ArchiveInspector(.file(Self.fixture)).run()
        #expect(inspected.warnings.isEmpty, "\(inspected.warnings)")
        let schema = try TestServer.Schema()
        let folder = try TemporaryFolder()
        let options = LoadOptions(archive: .file(Self.fixture), databaseURL: schema.url, schema: schema.name, ownerPerson: "Maurice Faber",
                                  onError: .reject, rejectsPath: folder.file("rejects.ndjson"))
        let report = try Loader(options: options, console: MessageLog().console).run()
        #expect(report.committed && report.tables.reduce(0) { $0 + $1.loaded + $1.rejected } == 28)
        #expect(report.tables.allSatisfy { $0.verified == $0.loaded })
        #expect(report.rejectedByTable == "conversation_link_members 1", "the sample's one orphan")
    }

    @Test("generated columns are exported with their values and expression, marked, and loaded by what the target does")
    func generatedColumns() throws {
        let folder = try TemporaryFolder()
        let db = try makeDatabase(folder.file("g.db"), wal: false, [
            "CREATE TABLE g (id INTEGER PRIMARY KEY, price REAL, qty INTEGER, total REAL GENERATED ALWAYS AS (price * qty) STORED, label TEXT AS (upper(name)) VIRTUAL, name TEXT)",
            "INSERT INTO g (id, price, qty, name) VALUES (1, 2.5, 4, 'ab'), (2, 1.0, NULL, NULL)",
        ])
        db.close()
        try export(database: folder.file("g.db"), to: folder.file("g.tcar"))
        let manifest = try ArchiveReader(.file(folder.file("g.tcar"))).readManifest()
        #expect(manifest.formatVersion >= FormatVersion(major: 1, minor: 1), "generated columns came with 1.1")
        let columns = manifest.tables[0].columns
        #expect(columns.map(\.name) == ["id", "price", "qty", "total", "label", "name"])
        #expect(columns[3].generated == "stored" && columns[3].generationSQL == "price * qty")
        #expect(columns[4].generated == "virtual" && columns[4].generationSQL == "upper(name)")
        #expect(columns[0].generated == nil)
        let rows = try CollectedArchive.read(folder.file("g.tcar")).rows["g"] ?? []
        #expect(rows.first == [.integer(1), .real(2.5), .integer(4), .real(10), .text(Array("AB".utf8)), .text(Array("ab".utf8))])

        // A target that computes the column itself: not loaded, said so in plan.
        let computing = try TestServer.Schema(withSampleTables: false, """
            CREATE TABLE g (id int8 PRIMARY KEY, price float8, qty int8, total float8 GENERATED ALWAYS AS (price * qty) STORED,
                            label text, name text)
            """)
        let options = LoadOptions(archive: .file(folder.file("g.tcar")), databaseURL: computing.url, schema: computing.name)
        let plan = try Planner(options: options, console: MessageLog().console).plan()
        #expect(plan.problems.isEmpty, "\(plan.problems)")
        #expect(plan.render().contains("computed by PostgreSQL (not loaded, not compared): total"))
        _ = try Loader(options: options, console: MessageLog().console).run()
        #expect(try computing.value("SELECT total::text || ' ' || label FROM g WHERE id = 1") == "10 AB")

        // A created table holds the values in plain columns, with a note.
        let created = try TestServer.Schema(withSampleTables: false)
        var create = LoadOptions(archive: .file(folder.file("g.tcar")), databaseURL: created.url, schema: created.name)
        create.createMissingTables = true
        let report = try Loader(options: create, console: MessageLog().console).run()
        #expect(report.creationNotes.contains { $0.contains("g.total: generated in SQLite (stored, AS (price * qty)); created as a plain column") })
        #expect(report.tables[0].verified == 2)
        #expect(try created.value("SELECT total::text FROM g WHERE id = 1") == "10")
    }
}
