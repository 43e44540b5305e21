import Foundation
import Testing
@testable import TeleClaudeMigration

/// Issue 11, part 3: rows that break a rule of an existing target table (UNIQUE, CHECK,
/// NOT NULL, a foreign key) go to the rejects file under `--on-error reject`, named by
/// reason and constraint, and everything else loads; without it, the error names the
/// archive row and its key, not only PostgreSQL's message.
@Suite("The target's rules under --on-error reject", .timeLimit(.minutes(5)))
struct TargetRuleTests {
    static func archive(_ folder: TemporaryFolder, _ statements: [String]) throws -> String {
        try exportedDatabase(folder, statements, name: "r")
    }

    @Test("UNIQUE, primary key, NOT NULL, CHECK and foreign-key violations are rejected with their constraint; the rest loads and reads back")
    func rejected() throws {
        let folder = try TemporaryFolder()
        let archive = try Self.archive(folder, [
            "CREATE TABLE p (id INTEGER PRIMARY KEY)",
            "CREATE TABLE c (id INTEGER, email TEXT, n INTEGER, v INTEGER, p INTEGER REFERENCES p(id))",
            "INSERT INTO p VALUES (1)",
            """
            INSERT INTO c VALUES (1, 'a', 1, 1, 1), (2, 'a', 1, 1, 1), (3, 'b', NULL, 1, 1), (4, 'c', 1, -5, 1),
                                 (5, 'd', 1, 2, NULL), (1, 'e', 1, 1, 1), (7, 'f', 1, 1, 42)
            """,
        ])
        let schema = try TestServer.Schema(withSampleTables: false, """
            CREATE TABLE p (id int8 PRIMARY KEY);
            CREATE TABLE c (id int8 PRIMARY KEY, email text UNIQUE, n int NOT NULL, v int CONSTRAINT v_positive CHECK (v > 0),
                            p int8 REFERENCES p(id));
            """)
        let options = LoadOptions.test(archive, schema, reject: folder)
        let report = try Loader(options: options, console: MessageLog().console).run()
        let c = try #require(report.tables.first { $0.name == "c" })
        #expect(c.loaded == 2 && c.rejected == 5 && c.verified == 2, "\(c)")
        #expect(try schema.value("SELECT string_agg(id::text, ',' ORDER BY id) FROM c") == "1,5")
        let rejects = String(decoding: contents(folder.file("rejects.ndjson")) ?? [], as: UTF8.self)
        for reason in ["repeats the key (email) of c_email_key", "NULL in column n, which is NOT NULL", "breaks the check constraint v_positive",
                       "repeats the key (id) of c_pkey", "orphan: no p row matches its p"] {
            #expect(rejects.contains(reason), "\(reason)")
        }
    }

    @Test("without --on-error reject, the error names the archive row and key and the constraint")
    func named() throws {
        let folder = try TemporaryFolder()
        let archive = try Self.archive(folder, ["CREATE TABLE d (id INTEGER PRIMARY KEY, v INTEGER)", "INSERT INTO d VALUES (1, 5), (2, -1), (3, 4)"])
        let schema = try TestServer.Schema(withSampleTables: false, "CREATE TABLE d (id int8 PRIMARY KEY, v int CONSTRAINT v_positive CHECK (v > 0))")
        #expect {
            _ = try Loader(options: LoadOptions(archive: .file(archive), databaseURL: schema.url, schema: schema.name), console: MessageLog().console).run()
        } throws: { error in
            let message = "\(error)"
            return message.contains("d row 2 (id=2): PostgreSQL: ERROR:") && message.contains("constraint v_positive")
                && message.contains("--on-error reject sends each row") && !message.contains("-1")
        }
        #expect(try schema.value("SELECT count(*) FROM d") == "0")
    }
}
