import Foundation
import Testing
@testable import TeleClaudeMigration

/// A child table under the default policies goes straight into the target with its foreign
/// keys set aside inside the transaction, and they are added back once its parents are in
/// (strategy `keysAfter`): the keys come back exactly as they were, every orphan is named by
/// its archive line, and a table in use, or one whose file has pages, goes through staging.
@Suite("Foreign keys set aside and checked after the rows", .timeLimit(.minutes(5)))
struct SetAsideKeysTests {
    // ch comes before pa in the archive (alphabetical): its rows go in before their parents.
    static let tables = """
        CREATE TABLE pa (id int8 PRIMARY KEY, code text NOT NULL, UNIQUE (id, code));
        CREATE TABLE ch (id int8 PRIMARY KEY, pa_id int8, pa_code text, note text,
                         CONSTRAINT ch_parent FOREIGN KEY (pa_id) REFERENCES pa (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
                         CONSTRAINT ch_pair FOREIGN KEY (pa_id, pa_code) REFERENCES pa (id, code) MATCH FULL);
        """

    static func archive(_ folder: TemporaryFolder, orphans: [Int] = []) throws -> String {
        let db = try makeDatabase(folder.file("k.db"), wal: false, [
            "CREATE TABLE pa (id INTEGER PRIMARY KEY, code TEXT NOT NULL)",
            "CREATE TABLE ch (id INTEGER PRIMARY KEY, pa_id INTEGER, pa_code TEXT, note TEXT)",
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20) INSERT INTO pa SELECT i, 'c' || i FROM n",
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60) INSERT INTO ch SELECT i, i % 20 + 1, 'c' || (i % 20 + 1), 'n' || i FROM n",
            "UPDATE ch SET pa_id = NULL, pa_code = NULL WHERE id = 5",
        ] + orphans.map { "UPDATE ch SET pa_id = 99, pa_code = 'c99' WHERE id = \($0)" })
        db.close()
        try export(database: folder.file("k.db"), to: folder.file("k.tcar"))
        return folder.file("k.tcar")
    }

    /// name → (oid, definition) of ch's foreign keys.
    static func keys(_ schema: TestServer.Schema) throws -> [String: [String?]] {
        var keys: [String: [String?]] = [:]
        for row in try schema.rows("SELECT conname, oid::text, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = '\(schema.name).ch'::regclass AND contype = 'f'") {
            keys[row[0]!] = [row[1], row[2]]
        }
        return keys
    }

    func options(_ archive: String, _ schema: TestServer.Schema) -> LoadOptions {
        LoadOptions(archive: .file(archive), databaseURL: schema.url, schema: schema.name)
    }

    @Test("the rows go straight in, the keys come back with their definitions, every row is read back")
    func keysComeBack() throws {
        let folder = try TemporaryFolder()
        let schema = try TestServer.Schema(withSampleTables: false, Self.tables)
        let before = try Self.keys(schema)
        let archive = try Self.archive(folder)
        let plan = try Planner(options: options(archive, schema), console: MessageLog().console).plan()
        let child = try #require(plan.tables.first { $0.table == "ch" })
        #expect(child.strategy == .keysAfter && child.waitsFor == ["pa"], "\(child.strategy)")
        #expect(plan.render().contains("foreign keys set aside and checked once the rows are in"))
        #expect(plan.render().contains("waits for pa, which the archive holds later: its foreign keys are added back and checked after them"))
        let report = try Loader(options: options(archive, schema), console: MessageLog().console).run()
        let loaded = try #require(report.tables.first { $0.name == "ch" })
        #expect(report.committed && loaded.verified == 60, "\(loaded)")
        let after = try Self.keys(schema)
        #expect(after.mapValues { $0[1] } == before.mapValues { $0[1] }, "the same definitions")
        #expect(after["ch_parent"]?[0] != before["ch_parent"]?[0], "added again (a new object)")
        #expect(try schema.value("SELECT count(*) FROM \(schema.name).ch") == "60")
        // The key works: a row without its parent is refused.
        #expect(throws: PostgresError.self) {
            try schema.connection.execute("INSERT INTO \(schema.name).ch VALUES (100, 999, 'c999', 'x')")
        }
    }

    @Test("every orphan is named by its archive line; nothing is changed and the keys are as they were")
    func orphansNamed() throws {
        let folder = try TemporaryFolder()
        let schema = try TestServer.Schema(withSampleTables: false, Self.tables)
        let before = try Self.keys(schema)
        let archive = try Self.archive(folder, orphans: [7, 31, 60])
        #expect {
            _ = try Loader(options: options(archive, schema), console: MessageLog().console).run()
        } throws: { error in
            let text = "\(error)"
            return ["ch row 7 (id=7, pa_id=99)", "ch row 31 (id=31, pa_id=99)", "ch row 60 (id=60, pa_id=99)"].allSatisfy(text.contains)
                && text.contains("foreign key ch_parent") && text.contains("nothing was changed") && !text.contains("row 5 ")
        }
        #expect(try Self.keys(schema) == before, "rolled back: the same key objects")
        #expect(try schema.value("SELECT count(*) FROM \(schema.name).ch") == "0")
    }

    @Test("a table another session reads goes through staging, with the same result; one with pages or a trigger is staged by the plan")
    func stagedWhenInUseOrNotEmpty() throws {
        let folder = try TemporaryFolder()
        let schema = try TestServer.Schema(withSampleTables: false, Self.tables)
        let archive = try Self.archive(folder, orphans: [12])
        let reader = try PostgresConnection(connectionString: schema.url)
        defer { reader.close() }
        try reader.execute("BEGIN")
        try reader.execute("SELECT count(*) FROM \(schema.name).ch")  // ACCESS SHARE until its transaction ends
        let started = Date()
        #expect {
            _ = try Loader(options: options(archive, schema), console: MessageLog().console).run()
        } throws: { error in "\(error)".contains("ch row 12 (id=12, pa_id=99)") }
        #expect(Date().timeIntervalSince(started) < 20, "no wait for the reader's lock")
        let cleanFolder = try TemporaryFolder()
        let clean = try Loader(options: options(try Self.archive(cleanFolder), schema), console: MessageLog().console).run()
        #expect(clean.committed && clean.tables.first { $0.name == "ch" }?.verified == 60)
        try reader.execute("ROLLBACK")

        let used = try TestServer.Schema(withSampleTables: false, Self.tables)
        try used.connection.execute("INSERT INTO \(used.name).pa VALUES (1, 'c1'); INSERT INTO \(used.name).ch VALUES (1, 1, 'c1', 'x'); DELETE FROM \(used.name).pa")
        let plan = try Planner(options: options(archive, used), console: MessageLog().console).plan()
        #expect(plan.tables.first { $0.table == "ch" }?.strategy == .staged)

        // A trigger may drop or add rows: the rows would no longer be the COPY's lines.
        let triggered = try TestServer.Schema(withSampleTables: false, Self.tables + """
            CREATE FUNCTION keep() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
            CREATE TRIGGER ch_keep BEFORE INSERT ON ch FOR EACH ROW EXECUTE FUNCTION keep();
            """)
        let triggeredPlan = try Planner(options: options(archive, triggered), console: MessageLog().console).plan()
        #expect(triggeredPlan.tables.first { $0.table == "ch" }?.strategy == .staged)
    }

    @Test("a parent with a trigger deferred to COMMIT: the child is staged (PostgreSQL alters no table with pending events), and loads")
    func parentWithDeferredTrigger() throws {
        let folder = try TemporaryFolder()
        // ch's parent pa gets rows before ch's key comes back; its deferred trigger's events
        // wait for COMMIT, and ALTER TABLE on pa would be refused.
        let schema = try TestServer.Schema(withSampleTables: false, Self.tables + """
            CREATE TABLE zz (id int8 PRIMARY KEY, pa_id int8 REFERENCES pa (id));
            CREATE FUNCTION noted() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
            CREATE CONSTRAINT TRIGGER pa_noted AFTER INSERT ON pa DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION noted();
            """)
        let db = try makeDatabase(folder.file("k.db"), wal: false, [
            "CREATE TABLE pa (id INTEGER PRIMARY KEY, code TEXT NOT NULL)",
            "CREATE TABLE zz (id INTEGER PRIMARY KEY, pa_id INTEGER)",
            "INSERT INTO pa VALUES (1, 'c1'), (2, 'c2')", "INSERT INTO zz VALUES (1, 1), (2, 2)",
        ])
        db.close()
        try export(database: folder.file("k.db"), to: folder.file("k.tcar"))
        // zz comes after pa in the archive: pa's deferred events are pending when zz's turn comes.
        let plan = try Planner(options: options(folder.file("k.tcar"), schema), console: MessageLog().console).plan()
        #expect(plan.tables.first { $0.table == "zz" }?.strategy == .staged)
        let report = try Loader(options: options(folder.file("k.tcar"), schema), console: MessageLog().console).run()
        #expect(report.committed && report.tables.first { $0.name == "zz" }?.verified == 2)
    }
}
