import Foundation
import TCSamples
import Testing
@testable import TeleClaudeMigration

@Suite("--create-missing-tables", .timeLimit(.minutes(5)))
struct CreateMissingTablesTests {
    func options(_ archive: String, _ schema: TestServer.Schema) -> LoadOptions {
        var options = LoadOptions(archive: .file(archive), databaseURL: schema.url, schema: schema.name, ownerPerson: "Maurice Faber")
        options.createMissingTables = true
        options.addOwnershipColumns = true
        return options
    }

    @Test func anEmptySchemaGetsEveryTableWithKeysIndexesAndForeignKeys() throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder)
        let schema = try TestServer.Schema(withSampleTables: false)
        let s = schema.name

        let plan = try Planner(options: options(archive, schema), console: MessageLog().console).plan()
        #expect(plan.problems.isEmpty, "\(plan.problems)")
        #expect(plan.render().contains("sessions: target missing, created by --create-missing-tables"))

        let report = try Loader(options: options(archive, schema), console: MessageLog().console).run()
        #expect(report.createdTables.count == 13)
        #expect(report.tables.allSatisfy { $0.rows == $0.loaded && $0.verified == $0.rows })
        // The documented type mapping.
        let types = Dictionary(uniqueKeysWithValues: try schema.rows(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = '\(s)' AND table_name = 'sessions'").map { ($0[0]!, $0[1]!) })
        #expect(types["closed"] == "boolean")
        #expect(types["created_at"] == "timestamp with time zone")
        #expect(types["session_id"] == "text")
        #expect(types["owner_person"] == "text")
        #expect(try schema.value("SELECT closed FROM \(s).sessions WHERE session_id LIKE 'b2e4%'") == "t")
        // Keys, identity past the highest id and the sqlite_sequence mark, indexes, foreign keys.
        #expect(try schema.value("SELECT nextval('\(s).hook_outbox_id_seq')") == "6")
        #expect(try schema.value("SELECT count(*) FROM pg_indexes WHERE schemaname = '\(s)' AND indexname = 'idx_hook_outbox_pending'") == "1")
        #expect(try schema.value("SELECT confdeltype FROM pg_constraint WHERE contype = 'f' AND conrelid = '\(s).conversation_link_members'::regclass") == "c")
        #expect(try schema.value("SELECT count(*) FROM pg_constraint WHERE contype = 'p' AND conrelid = '\(s).session_listeners'::regclass") == "1")
        #expect(report.rollback.contains { $0.contains("DROP TABLE") && $0.contains("\"\(s)\".\"sessions\"") })
        #expect(!report.rollback.contains { $0.contains("TRUNCATE") })
    }

    @Test func anOrphanStopsTheLoadAndNoTableIsLeftBehind() throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder, keepOrphan: true)
        let schema = try TestServer.Schema(withSampleTables: false)
        #expect {
            _ = try Loader(options: options(archive, schema), console: MessageLog().console).run()
        } throws: { error in
            "\(error)".contains("conversation_link_members (link_id=link-0000) is an orphan")
        }
        #expect(try schema.value("SELECT count(*) FROM pg_tables WHERE schemaname = '\(schema.name)'") == "0")
    }

    @Test(arguments: [
        ("INTEGER", "bigint"), ("BOOLEAN", "boolean"), ("TIMESTAMP", "timestamptz"), ("DATETIME", "timestamptz"),
        ("DATE", "date"), ("JSON", "jsonb"), ("VARCHAR(20)", "text"), ("TEXT", "text"), ("BLOB", "bytea"),
        ("REAL", "double precision"), ("DOUBLE PRECISION", "double precision"), ("NUMERIC(10,2)", "numeric"), ("", "text"),
    ])
    func typeMapping(declared: String, expected: String) {
        let column = TableSchema.Column(name: "c", declaredType: declared, notNull: false, defaultSQL: nil, primaryKeyPosition: 0)
        let table = TableSchema(name: "t", member: "tables/t", rows: 0, columns: [column], primaryKey: [], rowidAlias: false,
                                withoutRowid: false, strict: false, autoincrement: false, sequence: nil, uniqueConstraints: [],
                                indexes: [], foreignKeys: [], createSQL: "", rowOrder: ["rowid"])
        #expect(TableCreator.type(of: column, in: table).sql == expected)
    }
}
