import Foundation
import TCSamples
import Testing
@testable import TeleClaudeMigration

/// Issue 11, part 2: `plan` and `load` share one preflight, and `load --dry-run` does the
/// whole load and rolls it back, so that a clean dry run means a clean load.
@Suite("plan and load --dry-run predict load", .timeLimit(.minutes(5)))
struct PlanPredictsLoadTests {
    enum Outcome: Equatable, CustomStringConvertible {
        case clean, rejects(Int64), failed
        var description: String {
            switch self {
            case .clean: return "clean"
            case .rejects(let n): return "\(n) rejected"
            case .failed: return "failed"
            }
        }
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var sqlite: [String]
        var target: String
        var createMissing = false
        var reject = false
        var expected: Outcome
        /// What `plan` says before anything is read (problems found, or none).
        var planBlocks = false
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "exact values", sqlite: ["CREATE TABLE c (id INTEGER PRIMARY KEY, v REAL)", "INSERT INTO c VALUES (1, 0.5)"],
             target: "CREATE TABLE c (id int8 PRIMARY KEY, v real)", expected: .clean),
        Case(name: "a value rounded to real", sqlite: ["CREATE TABLE c (id INTEGER PRIMARY KEY, v REAL)", "INSERT INTO c VALUES (1, 0.1)"],
             target: "CREATE TABLE c (id int8 PRIMARY KEY, v real)", expected: .failed),
        Case(name: "a value rounded to real, under reject", sqlite: ["CREATE TABLE c (id INTEGER PRIMARY KEY, v REAL)", "INSERT INTO c VALUES (1, 0.1), (2, 0.5)"],
             target: "CREATE TABLE c (id int8 PRIMARY KEY, v real)", reject: true, expected: .rejects(1)),
        Case(name: "a missing table", sqlite: ["CREATE TABLE c (id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO c VALUES (1, 'a')"],
             target: "", expected: .failed, planBlocks: true),
        Case(name: "a missing table, created", sqlite: ["CREATE TABLE c (id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO c VALUES (1, 'a')"],
             target: "", createMissing: true, expected: .clean),
        Case(name: "a trigger that changes a value", sqlite: ["CREATE TABLE c (id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO c VALUES (1, 'a')"],
             target: """
                CREATE TABLE c (id int8 PRIMARY KEY, v text);
                CREATE FUNCTION up() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.v := upper(NEW.v); RETURN NEW; END $$;
                CREATE TRIGGER up BEFORE INSERT ON c FOR EACH ROW EXECUTE FUNCTION up();
                """, expected: .failed),
        Case(name: "a type that rewrites its input", sqlite: ["CREATE TABLE c (id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO c VALUES (1, '90 minutes')"],
             target: "CREATE TABLE c (id int8 PRIMARY KEY, v interval)", expected: .failed),
        Case(name: "a table that holds rows", sqlite: ["CREATE TABLE c (id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO c VALUES (1, 'a')"],
             target: "CREATE TABLE c (id int8 PRIMARY KEY, v text); INSERT INTO c VALUES (9, 'old')", expected: .failed, planBlocks: true),
        Case(name: "an orphan, under reject", sqlite: [
                "CREATE TABLE p (id INTEGER PRIMARY KEY)", "CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p(id))",
                "INSERT INTO p VALUES (1)", "INSERT INTO c VALUES (1, 1), (2, 7)"],
             target: "CREATE TABLE p (id int8 PRIMARY KEY); CREATE TABLE c (id int8 PRIMARY KEY, p int8 REFERENCES p(id))",
             reject: true, expected: .rejects(1)),
        Case(name: "a CHECK constraint the archive violates", sqlite: ["CREATE TABLE c (id INTEGER PRIMARY KEY, v INTEGER)", "INSERT INTO c VALUES (1, -5)"],
             target: "CREATE TABLE c (id int8 PRIMARY KEY, v int CHECK (v > 0))", expected: .failed),
    ]

    static func outcome(_ options: LoadOptions) -> (Outcome, Loader.Report?) {
        do {
            let report = try Loader(options: options, console: MessageLog().console).run()
            let rejected = report.tables.reduce(0) { $0 + $1.rejected }
            return (rejected > 0 ? .rejects(rejected) : .clean, report)
        } catch {
            return (.failed, nil)
        }
    }

    @Test("a dry run's outcome is the real load's, and the dry run changes nothing", arguments: cases)
    func agreement(_ item: Case) throws {
        let folder = try TemporaryFolder()
        let schema = try TestServer.Schema(withSampleTables: false, item.target)
        let before = try schema.counts()
        let options = LoadOptions.test(try exportedDatabase(folder, item.sqlite, name: "c"), schema, createMissing: item.createMissing,
                                       reject: item.reject ? folder : nil)

        let plan = try Planner(options: options, console: MessageLog().console).plan()
        #expect(!plan.problems.isEmpty == item.planBlocks, "\(plan.problems)")

        var dry = options
        dry.dryRun = true
        let (predicted, dryReport) = Self.outcome(dry)
        #expect(predicted == item.expected)
        #expect(try schema.counts() == before, "the dry run changed the schema")
        #expect(!FileManager.default.fileExists(atPath: folder.file("rejects.ndjson")), "a dry run keeps no rejects file")
        if let dryReport {
            #expect(!dryReport.committed && dryReport.dryRun)
            #expect(ImportReport.text(dryReport).contains("then rolled back; nothing was changed"))
        }

        let (actual, report) = Self.outcome(options)
        #expect(actual == predicted, "the dry run said \(predicted), the load did \(actual)")
        if let dryReport, let report {
            #expect(dryReport.tables.map(\.rejected) == report.tables.map(\.rejected))
            #expect(dryReport.tables.map(\.verified) == report.tables.map(\.verified))
        }
    }

    @Test("an empty database gets one verdict with the flags that fix it, in plan and in load")
    func emptyDatabase() throws {
        let folder = try TemporaryFolder()
        try BundledSample.write(to: folder.file("s"))
        try export(database: folder.file("s/project/teleclaude.db"), to: folder.file("s.tcar"))
        let schema = try TestServer.Schema(withSampleTables: false)
        let options = LoadOptions(archive: .file(folder.file("s.tcar")), databaseURL: schema.url, schema: schema.name, ownerPerson: "Maurice Faber")
        let plan = try Planner(options: options, console: MessageLog().console).plan()
        let text = plan.render()
        let tables = plan.tables.count
        #expect(text.contains("verdict: \(tables) problem(s) (\(tables) missing tables); load would stop before BEGIN"), "\(text)")
        #expect(text.contains("the schema \(schema.name) holds none of the archive's tables; the flags that fix the common case: --create-missing-tables --add-ownership-columns"))
        #expect {
            _ = try Loader(options: options, console: MessageLog().console).run()
        } throws: { error in
            let message = "\(error)"
            return message.components(separatedBy: "no table").count == 2
                && message.contains("no table in schema \(schema.name) for \(tables) archive tables")
                && message.contains("--create-missing-tables --add-ownership-columns")
        }
        // --json: one object, snake_case keys, the verdict and each problem's kind.
        let json = try JSONSerialization.jsonObject(with: Data(try ImportReport.json(plan).utf8)) as? [String: Any]
        #expect(json?["ok"] as? Bool == false && json?["verdict"] as? String == "blocked" && json?["exit_status"] as? Int == 1)
        #expect((json?["summary"] as? [String])?.first?.hasPrefix("verdict: \(tables) problem(s)") == true)
        let first = (json?["tables"] as? [[String: Any]])?.first
        #expect(first?["target_found"] as? Bool == false && first?["verdict"] as? String == "blocked" && first?["strategy"] as? String == "direct")
        #expect(((json?["problems"] as? [[String: Any]])?.first?["kind"] as? String) == "missing_table")
        // And those flags do fix it.
        var fixed = options
        fixed.createMissingTables = true
        fixed.addOwnershipColumns = true
        fixed.onError = .reject
        fixed.rejectsPath = folder.file("rejects.ndjson")
        let fixedPlan = try Planner(options: fixed, console: MessageLog().console).plan()
        #expect(fixedPlan.problems.isEmpty)

        // plan --sql: the same schema, created by hand from the printed statements, needs no flag.
        #expect(fixedPlan.createSQL.filter { $0.hasPrefix("CREATE TABLE") }.count == tables)
        let byHand = try TestServer.Schema(withSampleTables: false)
        for statement in fixedPlan.createSQL {
            try byHand.connection.execute(statement.replacingOccurrences(of: "\"\(schema.name)\".", with: "\"\(byHand.name)\"."))
        }
        var plain = options
        plain.schema = byHand.name
        plain.onError = .reject
        plain.rejectsPath = folder.file("rejects-by-hand.ndjson")
        #expect(try Planner(options: plain, console: MessageLog().console).plan().problems.isEmpty)
        let report = try Loader(options: plain, console: MessageLog().console).run()
        #expect(report.committed && report.rejectedByTable == "conversation_link_members 1")
    }

    @Test("a schema that does not exist is named by the preflight; --create-missing-tables creates it inside the transaction")
    func missingSchema() throws {
        let folder = try TemporaryFolder()
        let archive = try exportedDatabase(folder, ["CREATE TABLE c (id INTEGER PRIMARY KEY)"], name: "c")
        let name = "no_such_schema_" + UUID().uuidString.prefix(8).lowercased()
        var options = LoadOptions(archive: .file(archive), databaseURL: try TestServer.url(), schema: name)
        let plan = try Planner(options: options, console: MessageLog().console).plan()
        #expect(plan.problems.contains { $0.contains("the schema \(name) (for the database main) does not exist") && $0.contains("--create-missing-tables") },
                "\(plan.problems)")
        #expect(throws: Loader.Failure.self) { _ = try Loader(options: options, console: MessageLog().console).run() }

        options.createMissingTables = true
        let creating = try Planner(options: options, console: MessageLog().console).plan()
        #expect(creating.problems.isEmpty && creating.render().contains("target schema: \(name) (created by --create-missing-tables)"),
                "\(creating.problems)")
        #expect(creating.createSQL.first == "CREATE SCHEMA \"\(name)\"")
        let connection = try PostgresConnection(connectionString: try TestServer.url())
        defer { _ = try? connection.execute("SET client_min_messages = warning; DROP SCHEMA IF EXISTS \"\(name)\" CASCADE"); connection.close() }
        let report = try Loader(options: options, console: MessageLog().console).run()
        #expect(report.committed && report.createdTables == ["c"])
        #expect(try connection.execute("SELECT count(*) FROM \"\(name)\".c").value(0, 0) == "0")
    }
}
