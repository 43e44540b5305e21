import Foundation
import Testing
@testable import TeleClaudeMigration

/// A table read back in full is not counted again at the end, unless something besides the
/// load may have written to it since (LoadTransaction.readBackCountsHold). Serialized: the
/// event trigger one test makes is the whole database's, and would make the other's load
/// count again. (Loads of other suites meanwhile count again too, which they do not check.)
@Suite("Row counts after the read-back", .serialized, .timeLimit(.minutes(5)))
struct ReadBackCountTests {
    static func countStatements(_ stderr: String, schema: String) -> [String] {
        // The whole table's count, not the owners' counts after COMMIT (with a WHERE).
        stderr.split(separator: "\n").map(String.init).filter {
            $0.hasPrefix("SQL ") && $0.contains("SELECT count(*) FROM \"\(schema)\".") && !$0.contains(" WHERE ")
        }
    }

    @Test("with no trigger or rule on the tables, the read-back's counts stand: no table is scanned a second time")
    func noSecondScan() throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder)
        let schema = try TestServer.Schema()
        let loaded = try runTool("tc-import", ["load", archive, "-v", "-d", schema.url, "--schema", schema.name,
                                               "--owner-person", "Maurice Faber", "--skip-files"])
        #expect(loaded.status == 0, "\(loaded.stderr)")
        #expect(Self.countStatements(loaded.stderr, schema: schema.name).isEmpty, "\(loaded.stderr)")
        #expect(try schema.counts()["sessions"] == 4 && schema.counts()["agent_availability"] == 2)

        // --verify counts reads nothing back, so it counts every table.
        let counted = try runTool("tc-import", ["load", archive, "-v", "--verify", "counts", "--if-exists", "replace", "-d", schema.url,
                                                "--schema", schema.name, "--owner-person", "Maurice Faber", "--skip-files"])
        #expect(counted.status == 0, "\(counted.stderr)")
        #expect(Self.countStatements(counted.stderr, schema: schema.name).count == (try schema.counts()).count, "\(counted.stderr)")
    }

    @Test("a trigger of a later table that adds a row to an earlier one, after its read-back, is caught by counting again",
          arguments: ["trigger", "rule"])
    func laterWriteCaught(_ kind: String) throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder)
        // session_tokens is loaded after agent_availability (the first table) was read back.
        // (COPY fires no rule; the rows of session_tokens, whose foreign keys are checked in
        // a staging table, go in with INSERT ... SELECT, which does.)
        let writer = kind == "trigger" ? """
            CREATE FUNCTION sneak() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN EXECUTE format('INSERT INTO %I.agent_availability (agent) VALUES (%L) ON CONFLICT DO NOTHING', TG_TABLE_SCHEMA, 'sneaked-in');
            RETURN NULL; END $$;
            CREATE TRIGGER sneak AFTER INSERT ON session_tokens FOR EACH STATEMENT EXECUTE FUNCTION sneak();
            """ : """
            CREATE RULE sneak AS ON INSERT TO session_tokens DO ALSO INSERT INTO agent_availability (agent) VALUES (md5(random()::text));
            """
        let schema = try TestServer.Schema(withSampleTables: true, writer)
        let options = LoadOptions(archive: .file(archive), databaseURL: schema.url, schema: schema.name, ownerPerson: "Maurice Faber")
        #expect {
            _ = try Loader(options: options, console: MessageLog().console).run()
        } throws: { error in
            "\(error)".contains("row counts differ") && "\(error)".contains("agent_availability: ")
                && !"\(error)".contains("agent_availability: 2 rows after the load")
        }
        #expect(try schema.counts().values.allSatisfy { $0 == 0 })
    }

    @Test("an event trigger fired by the load's own DDL after a read-back (a created table's foreign key) is caught by counting again")
    func eventTriggerCaught() throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder)
        // session_tokens is missing, so --create-missing-tables makes it, and adds its foreign
        // key after every table was read back: an ALTER TABLE in this schema.
        let schema = try TestServer.Schema(withSampleTables: true, "DROP TABLE session_tokens")
        let s = schema.name
        try schema.connection.execute("""
            CREATE FUNCTION \(s).sneak() RETURNS event_trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF EXISTS (SELECT 1 FROM pg_event_trigger_ddl_commands() WHERE schema_name = '\(s)' AND command_tag = 'ALTER TABLE') THEN
                    INSERT INTO \(s).agent_availability (agent) VALUES (md5(random()::text));
                END IF;
            END $$;
            CREATE EVENT TRIGGER \(s)_sneak ON ddl_command_end EXECUTE FUNCTION \(s).sneak();
            """)
        // Database-wide: gone before the schema is (other tests' DDL fires it meanwhile, harmlessly).
        defer { _ = try? schema.connection.execute("DROP EVENT TRIGGER IF EXISTS \(s)_sneak") }
        var options = LoadOptions.test(archive, schema, createMissing: true)
        options.ownerPerson = "Maurice Faber"
        #expect {
            _ = try Loader(options: options, console: MessageLog().console).run()
        } throws: { error in
            "\(error)".contains("row counts differ") && "\(error)".contains("agent_availability: ")
        }
        #expect(try schema.counts()["agent_availability"] == 0)
    }
}
