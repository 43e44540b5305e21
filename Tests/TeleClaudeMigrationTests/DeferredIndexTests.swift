import Foundation
import Testing
@testable import TeleClaudeMigration

/// Secondary indexes are dropped before a table's rows and built after them, inside the
/// transaction; only those `pg_get_indexdef` re-creates exactly, and never in merge mode.
@Suite("Indexes built after the data", .timeLimit(.minutes(5)))
struct DeferredIndexTests {
    static let indexes = """
        CREATE TABLE ev (id int8 PRIMARY KEY, kind text, at timestamptz, score int4);
        CREATE INDEX ev_kind ON ev (kind, at);
        CREATE INDEX ev_recent ON ev (at) WHERE score > 10;
        CREATE UNIQUE INDEX ev_score ON ev (score, id);
        CREATE INDEX ev_noted ON ev (score);
        COMMENT ON INDEX ev_noted IS 'kept: a comment would be lost';
        """

    static func archive(_ folder: TemporaryFolder, badRow: Bool = false) throws -> String {
        let db = try makeDatabase(folder.file("ev.db"), wal: false, [
            "CREATE TABLE ev (id INTEGER PRIMARY KEY, kind TEXT, at TEXT, score INTEGER)",
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) INSERT INTO ev SELECT i, 'k' || (i % 3), '2025-01-01 10:00:00', i FROM n",
        ] + (badRow ? ["UPDATE ev SET score = 'many' WHERE id = 7"] : []))
        db.close()
        try export(database: folder.file("ev.db"), to: folder.file("ev.tcar"))
        return folder.file("ev.tcar")
    }

    /// name → (oid, definition) of every index on ev, and the comment.
    static func indexState(_ schema: TestServer.Schema) throws -> [String: [String?]] {
        var state: [String: [String?]] = [:]
        for row in try schema.rows("SELECT indexrelid::regclass::text, indexrelid::text, pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = '\(schema.name).ev'::regclass") {
            state[row[0]!.components(separatedBy: ".").last!] = [row[1], row[2]]
        }
        state["comment"] = [try schema.value("SELECT obj_description('\(schema.name).ev_noted'::regclass, 'pg_class')")]
        return state
    }

    func load(_ archive: String, _ schema: TestServer.Schema, keep: Bool = false, ifExists: LoadOptions.IfExists = .fail) throws -> Loader.Report {
        var options = LoadOptions(archive: .file(archive), databaseURL: schema.url, schema: schema.name, ifExists: ifExists)
        options.indexDeferralRows = 1
        options.keepIndexes = keep
        return try Loader(options: options, console: MessageLog().console).run()
    }

    @Test("plain and partial indexes are rebuilt with their definitions; unique and commented ones stay")
    func rebuilt() throws {
        let folder = try TemporaryFolder()
        let schema = try TestServer.Schema(withSampleTables: false, Self.indexes)
        let before = try Self.indexState(schema)
        let report = try load(try Self.archive(folder), schema)
        #expect(report.indexesBuiltAfterData.map { $0.components(separatedBy: ".").last! } == ["ev_kind", "ev_recent"])
        let after = try Self.indexState(schema)
        // Same definitions everywhere, the comment kept; new objects only for the rebuilt ones.
        #expect(before.mapValues { $0.last! } == after.mapValues { $0.last! })
        #expect(after["ev_kind"]![0] != before["ev_kind"]![0] && after["ev_recent"]![0] != before["ev_recent"]![0])
        for kept in ["ev_pkey", "ev_score", "ev_noted"] { #expect(after[kept]![0] == before[kept]![0], "\(kept)") }
        #expect(try schema.value("SELECT count(*) FROM \(schema.name).ev") == "50")
        // The rebuilt partial index holds what it should.
        #expect(try schema.value("SELECT count(*) FROM \(schema.name).ev WHERE score > 10") == "40")
    }

    @Test("--keep-indexes, merge mode, and a failed load leave every index as it was")
    func untouched() throws {
        let folder = try TemporaryFolder()
        let schema = try TestServer.Schema(withSampleTables: false, Self.indexes)
        let before = try Self.indexState(schema)

        let failing = try TemporaryFolder()
        #expect(throws: Loader.Failure.self) { _ = try load(try Self.archive(failing, badRow: true), schema) }
        #expect(try Self.indexState(schema) == before)

        let kept = try load(try Self.archive(folder), schema, keep: true)
        #expect(kept.indexesBuiltAfterData.isEmpty)
        #expect(try Self.indexState(schema) == before)

        let merged = try load(folder.file("ev.tcar"), schema, ifExists: .merge)
        #expect(merged.indexesBuiltAfterData.isEmpty)
        #expect(try Self.indexState(schema) == before)
    }
}
