import Foundation
import Testing
@testable import TeleClaudeMigration

/// Sequences are never rolled back by PostgreSQL, so the load moves them only once every
/// check passed, just before COMMIT, only forward, and never in a dry run; and what a
/// stopped load says it left names the sequences it did move.
@Suite("Sequences: set last, only forward, never by a dry run", .timeLimit(.minutes(5)))
struct SequenceTests {
    /// Every sequence of the schema with its last value ("-" for one never used).
    static func sequences(_ schema: TestServer.Schema) throws -> [String: String] {
        let rows = try schema.rows("""
            SELECT c.relname, COALESCE(pg_sequence_last_value(c.oid)::text, '-') FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname = '\(schema.name)'
            """)
        return Dictionary(uniqueKeysWithValues: rows.map { ($0[0]!, $0[1]!) })
    }

    func options(_ archive: String, _ schema: TestServer.Schema) -> LoadOptions {
        LoadOptions(archive: .file(archive), databaseURL: schema.url, schema: schema.name, ownerPerson: "Maurice Faber")
    }

    @Test("a dry run leaves every sequence as it was and reports where each would stand; the load then sets them there")
    func dryRun() throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder)
        let schema = try TestServer.Schema()
        let before = try Self.sequences(schema)
        #expect(!before.isEmpty && before.values.allSatisfy { $0 == "-" }, "\(before)")
        var dry = options(archive, schema)
        dry.dryRun = true
        let predicted = try Loader(options: dry, console: MessageLog().console).run()
        #expect(try Self.sequences(schema) == before, "a dry run moved a sequence")
        let report = try Loader(options: options(archive, schema), console: MessageLog().console).run()
        #expect(report.committed)
        let stand = { (report: Loader.Report) in report.sequences.map { "\($0.sequence)=\($0.value)" }.sorted() }
        #expect(stand(predicted) == stand(report), "the dry run predicts the load's sequences")
        #expect(try Self.sequences(schema)["hook_outbox_id_seq"] == "5")
    }

    @Test("a sequence the running daemon took further is never moved back by a later load")
    func neverBack() throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder)
        let schema = try TestServer.Schema()
        _ = try Loader(options: options(archive, schema), console: MessageLog().console).run()
        // The daemon hands out ids up to 100.
        _ = try schema.value("SELECT setval('\(schema.name).hook_outbox_id_seq', 100)")
        var again = options(archive, schema)
        again.ifExists = .merge
        let report = try Loader(options: again, console: MessageLog().console).run()
        #expect(report.sequences.first { $0.sequence.hasSuffix("hook_outbox_id_seq") }?.value == 100, "\(report.sequences)")
        #expect(try schema.value("SELECT nextval('\(schema.name).hook_outbox_id_seq')") == "101")
    }

    @Test("a load that stops leaves every sequence as it was and says nothing was changed")
    func failedLoad() throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder, keepOrphan: true)
        let schema = try TestServer.Schema()
        let before = try Self.sequences(schema)
        #expect {
            _ = try Loader(options: options(archive, schema), console: MessageLog().console).run()
        } throws: { error in
            "\(error)".contains("the transaction was rolled back and nothing was changed")
        }
        #expect(try Self.sequences(schema) == before)
    }
}

/// Statistics commit with the data: the daemon's first queries are not planned blind.
@Suite("ANALYZE inside the load's transaction", .timeLimit(.minutes(5)))
struct AnalyzeTests {
    @Test("after a load every loaded table has statistics and the report gives their time; --no-analyze leaves them unset")
    func statistics() throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder)
        func reltuples(_ schema: TestServer.Schema) throws -> String? {
            try schema.value("SELECT reltuples::bigint FROM pg_class WHERE oid = '\(schema.name).sessions'::regclass")
        }
        let analyzed = try TestServer.Schema()
        let report = try Loader(options: LoadOptions(archive: .file(archive), databaseURL: analyzed.url, schema: analyzed.name,
                                                     ownerPerson: "Maurice Faber"), console: MessageLog().console).run()
        #expect(report.analyzeSeconds != nil && ImportReport.text(report).contains("statistics gathered"))
        #expect(try reltuples(analyzed) == "4")
        let skipped = try TestServer.Schema()
        var options = LoadOptions(archive: .file(archive), databaseURL: skipped.url, schema: skipped.name, ownerPerson: "Maurice Faber")
        options.analyze = false
        #expect(try Loader(options: options, console: MessageLog().console).run().analyzeSeconds == nil)
        #expect(try reltuples(skipped) == "-1", "never analyzed")
    }
}
