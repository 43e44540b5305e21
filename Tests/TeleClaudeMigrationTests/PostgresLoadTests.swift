// Over 400 lines: the load suites that share the bundled sample archive and its helpers
// (sampleArchive, load); the PostgreSQL server itself is in TestServer.swift.
import Foundation
import TCSamples
import Testing
@testable import TeleClaudeMigration

@Suite("tc-import load into a real PostgreSQL", .timeLimit(.minutes(5)))
struct PostgresLoadTests {
    /// The bundled sample without its orphan row, exported.
    static func sampleArchive(_ folder: TemporaryFolder, keepOrphan: Bool = false, edit: String? = nil) throws -> String {
        try BundledSample.write(to: folder.file("s"))
        let db = folder.file("s/project/teleclaude.db")
        let connection = try makeDatabase(db, wal: false, [])
        if !keepOrphan { try connection.execute("DELETE FROM conversation_link_members WHERE link_id = 'link-0000'") }
        if let edit { try connection.execute(edit) }
        connection.close()
        try export(database: db, to: folder.file("a.tcar"))
        return folder.file("a.tcar")
    }

    func load(_ archive: String, _ schema: TestServer.Schema, ifExists: LoadOptions.IfExists = .fail,
              owner: String? = "Maurice Faber", zone: String = "UTC", allowChange: Set<String> = []) throws -> Loader.Report {
        var options = LoadOptions(archive: .file(archive), databaseURL: schema.url, schema: schema.name, ifExists: ifExists,
                                  naiveTimeZone: TimeZone(identifier: zone)!, ownerPerson: owner, ownerUID: nil)
        options.allowChange = allowChange
        return try Loader(options: options, console: MessageLog().console).run()
    }

    @Test("-q prints the outcome alone; --verify counts says what it checked")
    func quietAndCounts() throws {
        let folder = try TemporaryFolder()
        let archive = try Self.sampleArchive(folder)
        let schema = try TestServer.Schema()
        let quiet = try runTool("tc-import", ["load", archive, "-d", schema.url, "--schema", schema.name, "--owner-person", "Maurice Faber",
                                              "--skip-files", "-q", "--verify", "counts"])
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(quiet.stdout.hasPrefix("committed: 13 tables into schema \(schema.name)") && quiet.stdout.split(separator: "\n").count == 1, "\(quiet.stdout)")
        let again = try runTool("tc-import", ["load", archive, "-d", schema.url, "--schema", schema.name, "--owner-person", "Maurice Faber",
                                              "--skip-files", "--verify", "counts", "--if-exists", "replace"])
        #expect(again.stdout.contains("row counts checked: every table holds its archive rows less the rejected ones; values were not read back (--verify counts)"))
        #expect(!again.stdout.contains("content verified"))

        // Every --json output in one style: snake_case keys.
        let folderForFiles = try TemporaryFolder()
        let installTo = ["--config-dir", folderForFiles.file("etc"), "--docs-dir", folderForFiles.file("docs"), "--user-config", folderForFiles.file("u.yml")]
        for arguments in [["load", archive, "-d", schema.url, "--schema", schema.name, "--owner-person", "Maurice Faber", "--if-exists", "replace", "--json"] + installTo,
                          ["plan", archive, "-d", schema.url, "--schema", schema.name, "--owner-person", "Maurice Faber", "--if-exists", "replace", "--json"],
                          ["verify", archive, "--json"], ["inspect", archive, "--json"]] {
            let result = try runTool("tc-import", arguments)
            #expect(result.status == 0 && result.stdout.hasPrefix("{"), "\(arguments[0]): \(result.stderr)")
            let keys = try camelCaseKeys(result.stdout)
            #expect(keys.isEmpty, "\(arguments[0]): \(keys)")
        }

        // --progress plain: one line per finished phase, for logs.
        let logged = try runTool("tc-import", ["load", archive, "-d", schema.url, "--schema", schema.name, "--owner-person", "Maurice Faber",
                                               "--skip-files", "--if-exists", "replace", "--progress", "plain"])
        #expect(logged.status == 0, "\(logged.stderr)")
        for line in ["COPY sessions: 4 rows, ", "read-back sessions: ", "checks session_tokens: ", "keys, counts, sequences and owners: ", "COMMIT: "] {
            #expect(logged.stderr.contains(line), "\(line) in \(logged.stderr)")
        }
    }

    @Test("the sample loads with every conversion, sequences past deleted rows, and owners")
    func loadsSample() throws {
        let folder = try TemporaryFolder()
        let schema = try TestServer.Schema()
        let report = try load(try Self.sampleArchive(folder), schema)
        #expect(report.committed && report.tables.allSatisfy { $0.rows == $0.loaded })
        #expect(try schema.counts()["sessions"] == 4)
        let s = schema.name
        // Timestamps: naive is UTC, offsets applied, fractions kept.
        #expect(try schema.value("SELECT created_at = '2025-01-01 10:00:00+00' FROM \(s).sessions WHERE session_id LIKE '7f3c%'") == "t")
        #expect(try schema.value("SELECT created_at = '2025-03-15 18:29:59.999+00' FROM \(s).sessions WHERE session_id LIKE 'c0ffee%'") == "t")
        #expect(try schema.value("SELECT last_activity = '2025-01-02 08:15:00.123+00' FROM \(s).sessions WHERE session_id LIKE 'b2e4%'") == "t")
        // Booleans, JSON, bytes, reals, NULLs.
        #expect(try schema.value("SELECT closed FROM \(s).sessions WHERE session_id LIKE 'b2e4%'") == "t")
        #expect(try schema.value("SELECT adapter_metadata->'telegram'->>'topic_id' FROM \(s).sessions WHERE session_id LIKE '7f3c%'") == "4412")
        #expect(try schema.value("SELECT encode(avatar, 'hex') FROM \(s).sessions WHERE session_id LIKE 'b2e4%'") == "89504e470d0a1a0a0000000d")
        #expect(try schema.value("SELECT cost_usd FROM \(s).sessions WHERE session_id LIKE '7f3c%'") == "2.4375")
        #expect(try schema.value("SELECT last_output_raw LIKE E'\\x1b[1;32m✔ tests passed%' FROM \(s).sessions WHERE session_id LIKE '7f3c%'") == "t")
        #expect(try schema.value("SELECT count(*) FROM \(s).sessions WHERE session_id LIKE 'd1d1%' AND title IS NULL AND created_at IS NULL") == "1")
        // Sequences: hook_outbox had ids 4 and 5 deleted; the next id is 6, never a reused one.
        #expect(try schema.value("SELECT nextval('\(s).hook_outbox_id_seq')") == "6")
        #expect(try schema.value("SELECT nextval('\(s).inbound_queue_id_seq')") == "4")
        // Ownership: every session had no owner, now the migrating person and the exporting uid.
        #expect(report.ownershipUpdated == 4)
        #expect(try schema.value("SELECT count(*) FROM \(s).sessions WHERE owner_person = 'Maurice Faber' AND owner_uid = \(getuid())") == "4")
    }

    @Test("an orphan row is listed and nothing is committed")
    func orphan() throws {
        let folder = try TemporaryFolder()
        let schema = try TestServer.Schema()
        #expect {
            _ = try load(try Self.sampleArchive(folder, keepOrphan: true), schema)
        } throws: { error in
            "\(error)".contains("link_id=link-0000") && "\(error)".contains("orphan")
        }
        #expect(try schema.counts().values.allSatisfy { $0 == 0 })
    }

    @Test("every value that cannot be converted is named (not shown), then everything is rolled back")
    func conversionProblems() throws {
        let folder = try TemporaryFolder()
        let archive = try Self.sampleArchive(folder, edit: """
            UPDATE sessions SET adapter_metadata = '{"broken": ' WHERE session_id LIKE '7f3c%';
            UPDATE sessions SET closed = 7 WHERE session_id LIKE 'b2e4%';
            UPDATE hook_outbox SET created_at = 'yesterday' WHERE id = 2;
            """)
        for showValues in [false, true] {
            let schema = try TestServer.Schema()
            var options = LoadOptions(archive: .file(archive), databaseURL: schema.url, schema: schema.name, ownerPerson: "Maurice Faber")
            options.showValues = showValues
            #expect {
                _ = try Loader(options: options, console: MessageLog().console).run()
            } throws: { error in
                let text = "\(error)"
                let named = text.contains("3 problem(s)") && text.contains("adapter_metadata") && text.contains("not valid JSON")
                    && text.contains("only the integers 0 and 1 convert to boolean") && text.contains("hook_outbox row 2 (id=2)")
                // The values themselves only with --show-values; by default their kind and size.
                return named && (showValues ? text.contains("'yesterday'") && text.contains("value: 7")
                    : !text.contains("yesterday") && !text.contains("broken") && text.contains("value: a TEXT of 9 bytes"))
            }
            #expect(try schema.counts().values.allSatisfy { $0 == 0 })
        }
    }

    @Test("--if-exists fail stops before BEGIN; replace empties the tables inside the transaction")
    func ifExists() throws {
        let folder = try TemporaryFolder()
        let schema = try TestServer.Schema()
        let archive = try Self.sampleArchive(folder)
        _ = try load(archive, schema)
        try schema.connection.execute("INSERT INTO \(schema.name).system_settings (key, value) VALUES ('extra', 'row')")
        #expect {
            _ = try load(archive, schema)
        } throws: { error in
            "\(error)".contains("--if-exists merge") && "\(error)".contains("system_settings")
        }
        #expect(try schema.counts()["system_settings"] == 3)
        _ = try load(archive, schema, ifExists: .replace)
        #expect(try schema.counts()["system_settings"] == 2)
        #expect(try schema.counts()["sessions"] == 4)
    }

    @Test("a damaged archive is never committed, even though its tables streamed in")
    func damagedArchive() throws {
        let folder = try TemporaryFolder()
        let schema = try TestServer.Schema()
        let archive = try Self.sampleArchive(folder)
        var bytes = try #require(contents(archive))
        bytes.removeLast(30)  // inside the seal: all table data decompresses fine
        _ = FileManager.default.createFile(atPath: folder.file("cut.tcar"), contents: Data(bytes))
        #expect(throws: (any Error).self) { _ = try load(folder.file("cut.tcar"), schema) }
        #expect(try schema.counts().values.allSatisfy { $0 == 0 })
    }

    @Test("plan names missing tables, unmatched columns and NOT NULL columns without a source")
    func plan() throws {
        let folder = try TemporaryFolder()
        let schema = try TestServer.Schema(withSampleTables: true, """
            DROP TABLE agent_availability;
            ALTER TABLE system_settings DROP COLUMN updated_at;
            ALTER TABLE inbound_queue ADD COLUMN required_thing text NOT NULL;
            """)
        let options = LoadOptions(archive: .file(try Self.sampleArchive(folder)), databaseURL: schema.url, schema: schema.name)
        let plan = try Planner(options: options, console: MessageLog().console).plan()
        let problems = plan.problems.joined(separator: "\n")
        #expect(problems.contains("no table agent_availability"))
        #expect(problems.contains("--skip-column system_settings.updated_at"))
        #expect(problems.contains("required_thing is NOT NULL"))
        #expect(plan.tables.first { $0.table == "sessions" }?.ownershipColumns == ["owner_person", "owner_uid"])
        // The same problems stop a load before BEGIN.
        #expect(throws: Loader.Failure.self) { _ = try load(options.archive.argument, schema) }

        // With --storage-classes the plan shows what each column holds (from the whole archive).
        #expect(plan.tables.flatMap(\.columns).allSatisfy { $0.seen == nil })
        let classes = try Planner(options: options, console: MessageLog().console).plan(storageClasses: true)
        let closed = try #require(classes.tables.first { $0.table == "sessions" }?.columns.first { $0.column == "closed" })
        #expect(closed.seen == "integer 4", "\(closed.seen ?? "nil")")
        #expect(classes.render().contains("closed: BOOLEAN → boolean (boolean rules); seen: integer 4"))
    }

    @Test("timestamps with offsets land as the same instant in timestamp and timestamptz columns")
    func offsets() throws {
        let folder = try TemporaryFolder()
        let db = try makeDatabase(folder.file("t.db"), wal: false, [
            "CREATE TABLE t (id INTEGER PRIMARY KEY, at_tz TEXT, at_plain TEXT, epoch INTEGER, flag TEXT)",
            """
            INSERT INTO t VALUES (1, '2025-01-01T12:00:00+02:00', '2025-01-01T12:00:00+02:00', 1735725600, 'yes'),
                                 (2, '2025-06-01 08:00:00', '2025-06-01 08:00:00', 1735725600123, 'false'),
                                 (3, '2025-01-01T00:00:00.1234567Z', '2025-01-01', 1735725600123456, 'On')
            """,
        ])
        db.close()
        try export(database: folder.file("t.db"), to: folder.file("t.tcar"))
        let schema = try TestServer.Schema(withSampleTables: false,
            "CREATE TABLE t (id bigint PRIMARY KEY, at_tz timestamptz, at_plain timestamp, epoch timestamptz, flag boolean)")
        // Row 3's seven fraction digits are one more than PostgreSQL keeps: refused by
        // default, named with the flag that accepts it; accepted, rounded and counted with it.
        #expect {
            _ = try load(folder.file("t.tcar"), schema, zone: "Europe/Amsterdam")
        } throws: { error in
            "\(error)".contains("t row 3 (id=3), column at_tz") && "\(error)".contains("(fraction of a second rounded); --allow-change t.at_tz accepts it")
        }
        let report = try load(folder.file("t.tcar"), schema, zone: "Europe/Amsterdam", allowChange: ["t.at_tz"])
        #expect(report.tables[0].changed == [.init(column: "at_tz", change: .roundedFraction, count: 1)])
        #expect(ImportReport.text(report).contains("t.at_tz: 1 value(s) changed (fraction of a second rounded), accepted by --allow-change"))
        let rows = try schema.rows("SELECT at_tz::text, at_plain::text, epoch::text, flag::text FROM \(schema.name).t ORDER BY id")
        #expect(rows[0] == ["2025-01-01 10:00:00+00", "2025-01-01 10:00:00", "2025-01-01 10:00:00+00", "true"])
        // No offset: the naive zone (Amsterdam, summer time) applies.
        #expect(rows[1] == ["2025-06-01 06:00:00+00", "2025-06-01 06:00:00", "2025-01-01 10:00:00.123+00", "false"])
        #expect(rows[2] == ["2025-01-01 00:00:00.123457+00", "2024-12-31 23:00:00", "2025-01-01 10:00:00.123456+00", "true"])
    }
}

@Suite("--on-error reject loads the rest and loses nothing", .timeLimit(.minutes(5)))
struct RejectTests {
    @Test("an orphan and an unconvertible value are rejected whole; the counts add up")
    func rejects() throws {
        let folder = try TemporaryFolder()
        let schema = try TestServer.Schema()
        let archive = try PostgresLoadTests.sampleArchive(folder, keepOrphan: true,
                                                          edit: "UPDATE hook_outbox SET payload = 'not json' WHERE id = 3")
        let options = LoadOptions(archive: .file(archive), databaseURL: schema.url, schema: schema.name, ownerPerson: "Maurice Faber",
                                  onError: .reject, rejectsPath: folder.file("rejects.ndjson"))
        let report = try Loader(options: options, console: MessageLog().console).run()
        #expect(report.rejects == folder.file("rejects.ndjson"))
        let members = try #require(report.tables.first { $0.name == "conversation_link_members" })
        #expect(members.rows == 3 && members.loaded == 2 && members.rejected == 1)
        let outbox = try #require(report.tables.first { $0.name == "hook_outbox" })
        #expect(outbox.rows == 3 && outbox.loaded == 2 && outbox.rejected == 1)
        #expect(report.tables.allSatisfy { $0.loaded + $0.rejected == $0.rows })
        #expect(try schema.counts()["conversation_link_members"] == 2)

        let lines = try String(contentsOfFile: folder.file("rejects.ndjson"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        let orphan = try #require(lines.first { $0.contains("conversation_link_members") })
        #expect(orphan.contains(#""row":["link-0000","c0ffee00-1234-4abc-9def-001122334455",null,null,"2024-12-31 23:00:00"]"#))
        #expect(orphan.contains(#""line":1"#) && orphan.contains("orphan"))  // first in key order
        let bad = try #require(lines.first { $0.contains("hook_outbox") })
        #expect(bad.contains("not valid JSON") && bad.contains(#""not json""#))
        // The rejected row decodes back to the archive's values.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(orphan.utf8)) as? [String: Any])
        #expect((object["row"] as? [Any])?.count == 5)
        let mode = try FileManager.default.attributesOfItem(atPath: folder.file("rejects.ndjson"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}

@Suite("A killed import changes nothing", .timeLimit(.minutes(5)))
struct KilledLoadTests {
    @Test("SIGKILL in the middle of COPY leaves the database unchanged, and a second load succeeds")
    func sigkill() throws {
        let folder = try TemporaryFolder()
        try SyntheticInstallation(scale: 0.02).write(to: folder.file("big"))
        try export(database: folder.file("big/project/teleclaude.db"), to: folder.file("a.tcar"))
        let schema = try TestServer.Schema()
        let arguments = ["load", folder.file("a.tcar"), "--database-url", schema.url, "--schema", schema.name,
                         "--owner-person", "Maurice Faber", "--quiet", "--skip-files"]
        let process = try launchTool("tc-import", arguments)
        // Wait until the load is inside its transaction, streaming a table with COPY.
        #expect(try schema.waitForCopy(process, where: "query LIKE '%\(schema.name)%'"), "the load never reached COPY")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(try schema.counts().values.allSatisfy { $0 == 0 }, "rows of a killed load are visible")
        // The server ends the dead session and rolls it back; then a load goes through.
        let gone = Date().addingTimeInterval(30)
        while try schema.value("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY %' AND query LIKE '%\(schema.name)%'") != "0", Date() < gone { usleep(20_000) }
        let again = try runTool("tc-import", arguments)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try schema.counts()["hook_outbox"] == SyntheticInstallation(scale: 0.02).counts.hookOutbox)
    }
}

@Suite("Read-back verification", .timeLimit(.minutes(5)))
struct ContentVerificationTests {
    @Test("a value changed on its way in (a trigger) is found by reading back, and everything rolls back")
    func mismatch() throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder)
        let schema = try TestServer.Schema(withSampleTables: true, """
            CREATE FUNCTION shout() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.session_id LIKE '7f3c%' THEN NEW.title := upper(NEW.title); END IF; RETURN NEW; END $$;
            CREATE TRIGGER shout BEFORE INSERT ON sessions FOR EACH ROW EXECUTE FUNCTION shout();
            """)
        let options = LoadOptions(archive: .file(archive), databaseURL: schema.url, schema: schema.name, ownerPerson: "Maurice Faber")
        #expect {
            _ = try Loader(options: options, console: MessageLog().console).run()
        } throws: { error in
            let message = "\(error)"
            // The column and the exact row are named, and only that row.
            return message.contains("differing column(s): title") && message.contains("sessions row session_id=7f3c")
                && message.contains("differs from the archive (column(s) title)")
                && message.components(separatedBy: "differs from the archive").count == 2
        }
        #expect(try schema.counts().values.allSatisfy { $0 == 0 })

        // Counts alone do not see it: that is what the opt-out gives up.
        var counts = options
        counts.verify = .counts
        let report = try Loader(options: counts, console: MessageLog().console).run()
        #expect(report.tables.allSatisfy { $0.verified == 0 })
        #expect(try schema.counts()["sessions"] == 4)
    }

    @Test("a clean load reads back every row")
    func everyRow() throws {
        let folder = try TemporaryFolder()
        let schema = try TestServer.Schema()
        let options = LoadOptions(archive: .file(try PostgresLoadTests.sampleArchive(folder)), databaseURL: schema.url,
                                  schema: schema.name, ownerPerson: "Maurice Faber")
        let report = try Loader(options: options, console: MessageLog().console).run()
        #expect(report.tables.allSatisfy { $0.verified == $0.loaded })
        #expect(report.tables.reduce(0) { $0 + $1.verified } == 27)
    }
}

@Suite("The report's way back", .timeLimit(.minutes(5)))
struct RollbackInstructionTests {
    @Test("the printed command removes what the load wrote, and no password is printed")
    func rollbackCommandWorks() throws {
        let folder = try TemporaryFolder()
        let schema = try TestServer.Schema()
        let url = schema.url + " password=not-printed-secret"
        let archive = try PostgresLoadTests.sampleArchive(folder)
        let result = try runTool("tc-import", ["load", archive, "--database-url", url, "--schema", schema.name,
                                               "--owner-person", "Maurice Faber", "--report-json", folder.file("report.json"), "--skip-files"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.contains("not-printed-secret") && !result.stderr.contains("not-printed-secret"))
        #expect(!(try String(contentsOfFile: folder.file("report.json"), encoding: .utf8)).contains("not-printed-secret"))
        #expect(result.stdout.contains("To roll back:") && result.stdout.contains("was not modified"))
        let report = try JSONDecoder().decode(Loader.Report.self, from: Data(contentsOf: URL(fileURLWithPath: folder.file("report.json"))))
        let command = try #require(report.rollback.first { $0.contains("TRUNCATE") }?.split(separator: "\n").last)
        #expect(try schema.counts()["sessions"] == 4)
        let undo = try runTool("sh", ["-c", String(command)], direct: true)
        #expect(undo.status == 0, "\(undo.stderr)")
        #expect(try schema.counts().values.allSatisfy { $0 == 0 })
    }
}

@Suite("--if-exists merge, the incremental re-run", .timeLimit(.minutes(5)))
struct MergeTests {
    @Test("only rows whose key is new are inserted; a row changed since is a conflict, listed by default, taken with --on-conflict take-archive; the counts say inserted, already there and in conflict per table")
    func merge() throws {
        let folder = try TemporaryFolder()
        let schema = try TestServer.Schema()
        let first = try PostgresLoadTests.sampleArchive(folder)
        let options = LoadOptions(archive: .file(first), databaseURL: schema.url, schema: schema.name, ownerPerson: "Maurice Faber")
        _ = try Loader(options: options, console: MessageLog().console).run()

        // The daemon kept running: one new session, one new outbox event, one changed title.
        let db = try makeDatabase(folder.file("s/project/teleclaude.db"), wal: false, [
            "INSERT INTO sessions (session_id, computer_name, origin_adapter, closed) VALUES ('e0e0e0e0-new', 'workstation', 'cli', 0)",
            "INSERT INTO hook_outbox (session_id, event_type, payload, created_at) VALUES ('e0e0e0e0-new', 'stop', '{}', '2025-02-01 00:00:00')",
            "UPDATE sessions SET title = 'changed later' WHERE session_id LIKE '7f3c%'",
        ])
        db.close()
        try export(database: folder.file("s/project/teleclaude.db"), to: folder.file("second.tcar"))
        var merge = options
        merge.archive = .file(folder.file("second.tcar"))
        merge.ifExists = .merge
        // The changed title is a conflict: named (never its value), nothing committed.
        #expect {
            _ = try Loader(options: merge, console: MessageLog().console).run()
        } throws: { error in
            "\(error)".contains("sessions row 1 (session_id=7f3c2a1e-0b9d-4c55-9a61-2f1d3e4b5c6d) is in the target with other values in title")
                && !"\(error)".contains("changed later")
        }
        #expect(try schema.counts()["sessions"] == 4)
        merge.onConflict = .takeArchive
        let report = try Loader(options: merge, console: MessageLog().console).run()
        let sessions = try #require(report.tables.first { $0.name == "sessions" })
        #expect(sessions.rows == 5 && sessions.loaded == 1 && sessions.skipped == 3 && sessions.conflicts == 1 && sessions.updated == 1, "\(sessions)")
        let outbox = try #require(report.tables.first { $0.name == "hook_outbox" })
        #expect(outbox.rows == 4 && outbox.loaded == 1 && outbox.skipped == 3)
        #expect(try schema.counts()["sessions"] == 5 && schema.counts()["hook_outbox"] == 4)
        // The change arrived, and the new event got the next id (6, not a reused 4).
        #expect(try schema.value("SELECT title FROM \(schema.name).sessions WHERE session_id LIKE '7f3c%'") == "changed later")
        #expect(try schema.value("SELECT id FROM \(schema.name).hook_outbox WHERE session_id = 'e0e0e0e0-new'") == "6")
        #expect(try schema.value("SELECT owner_person FROM \(schema.name).sessions WHERE session_id = 'e0e0e0e0-new'") == "Maurice Faber")
    }
}

@Suite("Ownership columns and checks after COMMIT", .timeLimit(.minutes(5)))
struct AfterCommitTests {
    @Test("missing ownership columns stop the preflight by name; --add-ownership-columns adds them")
    func ownershipColumns() throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder)
        let schema = try TestServer.Schema(withSampleTables: true, "ALTER TABLE sessions DROP COLUMN owner_person, DROP COLUMN owner_uid")
        var options = LoadOptions(archive: .file(archive), databaseURL: schema.url, schema: schema.name, ownerPerson: "Maurice Faber", ownerUID: 1000)
        #expect {
            _ = try Loader(options: options, console: MessageLog().console).run()
        } throws: { error in
            "\(error)".contains("owner_person, owner_uid") && "\(error)".contains("--add-ownership-columns")
        }
        options.addOwnershipColumns = true
        let report = try Loader(options: options, console: MessageLog().console).run()
        #expect(report.ownershipUpdated == 4)
        #expect(try schema.value("SELECT count(*) FROM \(schema.name).sessions WHERE owner_person = 'Maurice Faber' AND owner_uid = 1000") == "4")
        #expect(report.checks.first { $0.name == "owner's sessions listable" }?.passed == true)
    }

    @Test("--daemon-check records the command's exit status; a failure makes the exit status 3 (committed, a check failed)")
    func daemonCheck() throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder)
        for (command, expected) in [("true", Int32(0)), ("exit 3", Int32(3))] {
            let schema = try TestServer.Schema()
            let result = try runTool("tc-import", ["load", archive, "--database-url", schema.url, "--schema", schema.name,
                                                   "--owner-person", "Maurice Faber", "--daemon-check", command, "--skip-files"])
            #expect(result.status == expected, "\(command): \(result.stderr)")
            #expect(result.stdout.contains(expected == 0 ? "check passed: daemon check" : "check FAILED: daemon check: `exit 3` exited with 3"))
            #expect(try schema.counts()["sessions"] == 4)  // committed either way; the report says how to undo it
        }
    }
}

@Suite("Rollback steps depend on the mode")
struct RollbackModeTests {
    @Test("merge never prints a TRUNCATE command; replace warns that the old rows need a backup")
    func modes() {
        let manifest = Manifest(tool: .init(name: "tc-export", version: "test"), createdAt: "2025-01-01T00:00:00Z",
                                source: .init(host: "h", user: "u", uid: 1, paths: .init(projectRoot: "/p", database: "/p/teleclaude.db"),
                                              sqliteVersion: "3", databaseEncoding: "UTF-8", userVersion: 0),
                                tables: [], otherSchema: [], files: [])
        let catalog = TargetCatalog(schema: "public", tables: [:])
        let merge = Loader.rollbackSteps(manifest: manifest, targets: [(manifest.tables, catalog, [])], rejects: nil, connection: "dbname=x", mode: .merge)
        #expect(!merge.joined().contains("psql") && merge.joined().contains("restore the backup"))
        let replace = Loader.rollbackSteps(manifest: manifest, targets: [(manifest.tables, catalog, [])], rejects: nil, connection: "dbname=x", mode: .replace)
        #expect(replace.joined().contains("TRUNCATE") && replace.joined().contains("backup taken before the load"))
    }
}
