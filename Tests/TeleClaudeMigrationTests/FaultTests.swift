import Foundation
import Testing
@testable import TeleClaudeMigration

/// Faults around COMMIT and beside other loads: the outcome a load reports is the one that
/// happened. The connection is cut while COMMIT runs, before the commit record (a deferred
/// trigger that sleeps gives the window) and after it (a synchronous standby that never
/// answers holds COMMIT after the record is written); two loads race into one database.
/// Serialized: the synchronous standby setting is the whole server's (only sessions that
/// ask for synchronous commit wait on it, and only these tests' loads do).
@Suite("Faults: COMMIT's outcome, two loads at once", .serialized, .timeLimit(.minutes(5)))
struct FaultTests {
    /// A load of the bundled sample running in this process on its own thread, whose
    /// connection names itself (`application_name`) so the test can find its backend.
    final class RunningLoad: @unchecked Sendable {
        let application = "tc_fault_" + UUID().uuidString.prefix(8).lowercased()
        let log = MessageLog()
        private let done = DispatchSemaphore(value: 0)
        private(set) var result: Result<Loader.Report, Error>?
        private let loader: Loader

        init(_ archive: String, _ schema: TestServer.Schema, connection extra: String = "", commitQuestionSeconds: Double = 60,
             ifExists: LoadOptions.IfExists = .fail, keepIndexes: Bool = false, lockTimeout: Double = 60, peerTimeout: Double = 60) {
            var options = LoadOptions(archive: .file(archive), databaseURL: schema.url + " application_name=\(application) " + extra,
                                      schema: schema.name, ifExists: ifExists, ownerPerson: "Maurice Faber")
            options.commitQuestionSeconds = commitQuestionSeconds
            options.keepIndexes = keepIndexes
            options.lockTimeout = lockTimeout
            options.peerTimeout = peerTimeout
            loader = Loader(options: options, console: log.console)
            Thread.detachNewThread { [self] in
                result = Result { try loader.run() }
                done.signal()
            }
        }

        func wait() -> Result<Loader.Report, Error> {
            done.wait()
            return result!
        }

        /// Waits (up to 60 s) until this load's backend is in COMMIT and waiting on
        /// `event`, then terminates that backend; false when it never got there.
        func terminate(whenWaitingOn event: String, _ schema: TestServer.Schema) throws -> Bool {
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline, result == nil {
                let found = try schema.value("""
                    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE application_name = '\(application)' AND query = 'COMMIT' AND wait_event = '\(event)'
                    """)
                if found == "t" { return true }
                usleep(20_000)
            }
            return false
        }
    }

    /// Sessions that ask for synchronous commit wait, after writing the commit record, for a
    /// standby that does not exist; for the duration of `body`.
    func withAbsentStandby<T>(_ schema: TestServer.Schema, _ body: () throws -> T) throws -> T {
        try schema.connection.execute("ALTER SYSTEM SET synchronous_standby_names = 'tc_fault_absent_standby'")
        try schema.connection.execute("SELECT pg_reload_conf()")
        defer {
            _ = try? schema.connection.execute("ALTER SYSTEM RESET synchronous_standby_names")
            _ = try? schema.connection.execute("SELECT pg_reload_conf()")
        }
        usleep(200_000)  // the reload reaches the backends
        return try body()
    }

    static let synchronous = "options='-c synchronous_commit=on'"

    @Test("the connection cut after the commit record: the server is asked, and the load reports what it committed (exit 0, with the report)")
    func lostAfterCommitRecord() throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder)
        let schema = try TestServer.Schema()
        let report = try withAbsentStandby(schema) { () throws -> Loader.Report in
            let load = RunningLoad(archive, schema, connection: Self.synchronous)
            #expect(try load.terminate(whenWaitingOn: "SyncRep", schema), "the load never waited in COMMIT: \(load.log.output)")
            return try load.wait().get()
        }
        #expect(report.committed && report.exitStatus == 0, "\(report.checks)")
        #expect(try schema.counts()["sessions"] == 4)
        #expect(!report.rollback.isEmpty)
    }

    @Test("the connection cut before the commit record (a deferred trigger running): the server says it aborted; nothing was changed")
    func lostBeforeCommitRecord() throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder)
        let schema = try TestServer.Schema()
        try schema.connection.execute("""
            CREATE FUNCTION \(schema.name).slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(30); RETURN NULL; END $$;
            CREATE CONSTRAINT TRIGGER slow AFTER INSERT ON \(schema.name).sessions DEFERRABLE INITIALLY DEFERRED
                FOR EACH ROW EXECUTE FUNCTION \(schema.name).slow()
            """)
        let load = RunningLoad(archive, schema)
        #expect(try load.terminate(whenWaitingOn: "PgSleep", schema), "the load never ran its COMMIT: \(load.log.output)")
        switch load.wait() {
        case .success: Issue.record("the load says it committed")
        case .failure(let error):
            // Sequences are set just before COMMIT and never rolled back: the message says so.
            #expect("\(error)".contains("the transaction was rolled back; nothing was changed but the sequence(s) \(schema.name).hook_outbox_id_seq"), "\(error)")
            #expect((error as? Loader.Stopped)?.exitStatus == 1)
        }
        #expect(try schema.counts().values.allSatisfy { $0 == 0 })
    }

    @Test("the connection cut during COMMIT and the server not answering since: exit status 4, with the query that tells; the query then says committed")
    func outcomeUnknown() throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder)
        let schema = try TestServer.Schema()
        // A role of its own, which the test then stops from logging in: the server is up,
        // but the load cannot ask it.
        let role = "tc_fault_" + schema.name
        try schema.connection.execute("""
            CREATE ROLE \(role) LOGIN; GRANT USAGE, CREATE ON SCHEMA \(schema.name) TO \(role);
            GRANT ALL ON ALL TABLES IN SCHEMA \(schema.name) TO \(role); GRANT ALL ON ALL SEQUENCES IN SCHEMA \(schema.name) TO \(role)
            """)
        defer {
            _ = try? schema.connection.execute("DROP OWNED BY \(role); DROP ROLE \(role)")
        }
        let failure = try withAbsentStandby(schema) { () throws -> Error? in
            let load = RunningLoad(archive, schema, connection: "user=\(role) " + Self.synchronous, commitQuestionSeconds: 3)
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline, try schema.value("""
                SELECT count(*) FROM pg_stat_activity WHERE application_name = '\(load.application)' AND wait_event = 'SyncRep'
                """) == "0" { usleep(20_000) }
            try schema.connection.execute("ALTER ROLE \(role) NOLOGIN")
            #expect(try load.terminate(whenWaitingOn: "SyncRep", schema))
            if case .failure(let error) = load.wait() { return error }
            return nil
        }
        let stopped = try #require(failure as? Loader.Stopped, "\(String(describing: failure))")
        #expect(stopped.exitStatus == Loader.commitUnknownExitStatus)
        #expect("\(stopped)".contains("whether the load committed is not known") && !"\(stopped)".contains("rolled back"), "\(stopped)")
        let query = try #require("\(stopped)".firstMatch(of: /SELECT txid_status\(\d+\)/), "\(stopped)")
        #expect(try schema.value(String(query.output)) == "committed")
        #expect(try schema.counts()["sessions"] == 4)
    }

    @Test("two loads of two archives started together into one empty database: one commits, the other waits for it, sees its rows and changes nothing (ten times, with and without --keep-indexes)",
          arguments: [false, true])
    func twoLoads(keepIndexes: Bool) throws {
        let folder = try TemporaryFolder()
        let first = try PostgresLoadTests.sampleArchive(folder)
        let second = folder.file("b.tcar")
        try FileManager.default.copyItem(atPath: first, toPath: second)
        for attempt in 1...10 {
            let schema = try TestServer.Schema()
            let loads = [RunningLoad(first, schema, keepIndexes: keepIndexes), RunningLoad(second, schema, keepIndexes: keepIndexes)]
            let results = loads.map { $0.wait() }
            let committed = results.filter { if case .success = $0 { true } else { false } }
            #expect(committed.count == 1, "attempt \(attempt): \(committed.count) loads committed")
            for case .failure(let error) in results {
                #expect("\(error)".contains("rows arrived in the target after the plan was checked") || "\(error)".contains("already holds rows"),
                        "attempt \(attempt): \(error)")
                #expect(!"\(error)".contains("XX000") && !"\(error)".contains("cache lookup failed"), "\(error)")
            }
            #expect(try schema.counts()["sessions"] == 4, "attempt \(attempt): one archive's rows, not two")
        }
    }

    @Test("a table another session holds locked: the load names who holds it while it waits, gives up at --lock-timeout, and changes nothing")
    func heldLock() throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder)
        let schema = try TestServer.Schema()
        let holder = try PostgresConnection(connectionString: schema.url + " application_name=tc_fault_holder")
        try holder.execute("BEGIN; LOCK TABLE \(schema.name).session_tokens IN ACCESS EXCLUSIVE MODE")
        let started = Date()
        let load = RunningLoad(archive, schema, lockTimeout: 5)
        let result = load.wait()
        let waited = Date().timeIntervalSince(started)
        _ = try? holder.execute("ROLLBACK")
        holder.close()
        guard case .failure(let error) = result else {
            Issue.record("the load committed past a held lock")
            return
        }
        #expect("\(error)".contains("a lock was not granted within --lock-timeout 5 s") && "\(error)".contains("nothing was changed"), "\(error)")
        #expect(load.log.output.contains("held by pid") && load.log.output.contains("tc_fault_holder"), "\(load.log.output)")
        #expect(waited < 30, "waited \(waited) s")
        #expect(try schema.counts().values.allSatisfy { $0 == 0 })
    }

    @Test("a server-side failure during COPY (a statement timeout) is worded as the server's, blames no row and offers no --on-error reject")
    func serverFault() throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder)
        let schema = try TestServer.Schema()
        try schema.connection.execute("""
            CREATE FUNCTION \(schema.name).slow_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(1); RETURN NEW; END $$;
            CREATE TRIGGER slow_row BEFORE INSERT ON \(schema.name).sessions FOR EACH ROW EXECUTE FUNCTION \(schema.name).slow_row()
            """)
        let load = RunningLoad(archive, schema, connection: "options='-c statement_timeout=300'")
        guard case .failure(let error) = load.wait() else {
            Issue.record("the load committed")
            return
        }
        #expect("\(error)".contains("the server failed while the rows of sessions went in (not a problem of the rows)"), "\(error)")
        #expect("\(error)".contains("57014") && !"\(error)".contains("--on-error reject") && !"\(error)".contains("row 1"), "\(error)")
        #expect(try schema.counts().values.allSatisfy { $0 == 0 })
    }

    @Test("plan checks that the load can write: a read-only connection, and a role without INSERT or the sequences' UPDATE, are problems before BEGIN")
    func planChecksWriteAccess() throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder)
        let schema = try TestServer.Schema()
        func plan(_ extra: String) throws -> LoadPlan {
            try Planner(options: LoadOptions(archive: .file(archive), databaseURL: schema.url + " " + extra, schema: schema.name,
                                             ownerPerson: "Maurice Faber"), console: MessageLog().console).plan()
        }
        let readOnly = try plan("options='-c default_transaction_read_only=on'")
        #expect(readOnly.allProblems.contains { $0.kind == .privilege && $0.message.contains("read-only") }, "\(readOnly.problems)")
        let role = "tc_fault_ro_" + schema.name
        try schema.connection.execute("""
            CREATE ROLE \(role) LOGIN; GRANT USAGE ON SCHEMA \(schema.name) TO \(role);
            GRANT SELECT ON ALL TABLES IN SCHEMA \(schema.name) TO \(role)
            """)
        defer { _ = try? schema.connection.execute("DROP OWNED BY \(role); DROP ROLE \(role)") }
        let limited = try plan("user=\(role)")
        #expect(limited.allProblems.contains { $0.kind == .privilege && $0.table == "sessions" && $0.message.contains("lacks INSERT") }, "\(limited.problems)")
        #expect(limited.allProblems.contains { $0.kind == .privilege && $0.message.contains("hook_outbox_id_seq") }, "\(limited.problems)")
        #expect(try plan("").problems.isEmpty, "the test server's own role may write")
    }

    @Test("a role that may write the tables but does not own them loads them: the statistics it cannot gather are named in the report, and no server WARNING reaches the terminal")
    func notTheOwner() throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder)
        let schema = try TestServer.Schema()
        let role = "tc_fault_writer_" + schema.name
        try schema.connection.execute("""
            CREATE ROLE \(role) LOGIN; GRANT USAGE, CREATE ON SCHEMA \(schema.name) TO \(role);
            GRANT ALL ON ALL TABLES IN SCHEMA \(schema.name) TO \(role); GRANT ALL ON ALL SEQUENCES IN SCHEMA \(schema.name) TO \(role)
            """)
        defer { _ = try? schema.connection.execute("DROP OWNED BY \(role); DROP ROLE \(role)") }
        let result = try runTool("tc-import", ["load", archive, "-d", schema.url + " user=\(role)", "--schema", schema.name,
                                               "--owner-person", "Maurice Faber", "--skip-files", "--keep-indexes", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stderr.contains("WARNING") && !result.stderr.contains("NOTICE"), "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
        let skipped = try #require(report["analyze_skipped"] as? [String], "\(report.keys)")
        let loaded = try schema.counts().filter { $0.value > 0 }.count
        #expect(skipped.contains("\(schema.name).sessions") && skipped.count == loaded, "\(skipped)")
        #expect(try schema.counts()["sessions"] == 4)
    }

    @Test("a network path that stops answering mid-load (a frozen proxy): the load stops within --peer-timeout, says the server stopped answering and where, and commits nothing")
    func frozenPeer() throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder)
        let schema = try TestServer.Schema()
        // A COPY that takes a while on the server, so the path can freeze while it runs.
        try schema.connection.execute("""
            CREATE FUNCTION \(schema.name).slow_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.5); RETURN NEW; END $$;
            CREATE TRIGGER slow_row BEFORE INSERT ON \(schema.name).sessions FOR EACH ROW EXECUTE FUNCTION \(schema.name).slow_row()
            """)
        let port = try #require(schema.url.firstMatch(of: /port=(\d+)/).flatMap { Int($0.1) })
        let proxy = try FaultProxy(target: port)
        defer { proxy.close() }
        let started = Date()
        let load = RunningLoad(archive, schema, connection: "host=127.0.0.1 port=\(proxy.port)", peerTimeout: 3)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, try schema.value("""
            SELECT count(*) FROM pg_stat_activity WHERE application_name = '\(load.application)' AND query LIKE 'COPY %sessions%'
            """) == "0" { usleep(20_000) }
        proxy.freeze()
        let result = load.wait()
        let waited = Date().timeIntervalSince(started)
        guard case .failure(let error) = result else {
            Issue.record("the load committed through a frozen path")
            return
        }
        #expect("\(error)".contains("the server stopped answering: no reply for --peer-timeout 3 s") && "\(error)".contains("sessions"), "\(error)")
        #expect("\(error)".contains("nothing was committed"), "\(error)")
        #expect(waited < 20, "waited \(waited) s")
        #expect(try schema.counts().values.allSatisfy { $0 == 0 })
    }
}
