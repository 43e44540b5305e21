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
        private(set) var application = "tc_fault_" + UUID().uuidString.prefix(8).lowercased()
        let log = MessageLog()
        private let done = DispatchSemaphore(value: 0)
        private(set) var result: Result<Loader.Report, Error>?
        private let loader: Loader

        init(_ archive: String, _ schema: TestServer.Schema, connection extra: String = "", commitQuestionSeconds: Double = 60,
             ifExists: LoadOptions.IfExists = .fail, keepIndexes: Bool = false, lockTimeout: Double = 60, peerTimeout: Double = 60,
             indexDeferralRows: Int64? = nil, application: String? = nil, url: String? = nil, schemaName: String? = nil) {
            if let application { self.application = application }
            var options = LoadOptions(archive: .file(archive), databaseURL: (url ?? schema.url) + " application_name=\(self.application) " + extra,
                                      schema: schemaName ?? schema.name, ifExists: ifExists, ownerPerson: "Maurice Faber")
            if let indexDeferralRows { options.indexDeferralRows = indexDeferralRows }
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

    /// A login role that may write every table and sequence of the schema (and create in
    /// it) but owns none of them; the caller drops it (DROP OWNED BY, DROP ROLE).
    static func writer(_ prefix: String, _ schema: TestServer.Schema) throws -> String {
        let role = prefix + schema.name
        try schema.connection.execute("""
            CREATE ROLE \(role) LOGIN; GRANT USAGE, CREATE ON SCHEMA \(schema.name) TO \(role);
            GRANT ALL ON ALL TABLES IN SCHEMA \(schema.name) TO \(role); GRANT ALL ON ALL SEQUENCES IN SCHEMA \(schema.name) TO \(role)
            """)
        return role
    }

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
        let role = try Self.writer("tc_fault_", schema)
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

    /// A lock another session holds, and what the load waits on because of it.
    struct HeldLock: Sendable, CustomTestStringConvertible {
        var name: String
        /// Run by the holder (the schema's name for S).
        var statement: String
        /// The load needs a lock that this one conflicts with (else it goes past it).
        var blocks = true
        var testDescription: String { name }
    }

    static let heldLocks = [
        HeldLock(name: "ACCESS EXCLUSIVE on session_tokens", statement: "BEGIN; LOCK TABLE S.session_tokens IN ACCESS EXCLUSIVE MODE"),
        HeldLock(name: "ACCESS EXCLUSIVE on sessions", statement: "BEGIN; LOCK TABLE S.sessions IN ACCESS EXCLUSIVE MODE"),
        // Dropping the index first is a speed-up, whose lock is not waited for: the rows go in past it.
        HeldLock(name: "a reader idle in its transaction on hook_outbox", statement: "BEGIN; SELECT count(*) FROM S.hook_outbox", blocks: false),
        HeldLock(name: "SHARE on hook_outbox (the COPY waits)", statement: "BEGIN; LOCK TABLE S.hook_outbox IN SHARE MODE"),
    ]

    @Test("a table another session holds locked (each kind): the load names who holds it while it waits, gives up at --lock-timeout, and changes nothing",
          arguments: heldLocks)
    func heldLock(_ lock: HeldLock) throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder)
        let schema = try TestServer.Schema()
        let holder = try PostgresConnection(connectionString: schema.url + " application_name=tc_fault_holder")
        try holder.execute(lock.statement.replacingOccurrences(of: "S.", with: "\(schema.name)."))
        let started = Date()
        let load = RunningLoad(archive, schema, lockTimeout: 5, indexDeferralRows: 0)
        let result = load.wait()
        let waited = Date().timeIntervalSince(started)
        _ = try? holder.execute("ROLLBACK")
        holder.close()
        if !lock.blocks {
            guard case .success(let report) = result else {
                Issue.record("\(lock.name): the load did not go past a lock it does not need: \(result)")
                return
            }
            #expect(waited < 5, "\(lock.name): waited \(waited) s for a lock it does not need")
            let outbox = try schema.counts()["hook_outbox"] ?? 0
            #expect(report.committed && outbox > 0)
            #expect(!report.indexesBuiltAfterData.contains { $0.contains("hook_outbox") }, "the index stayed: \(report.indexesBuiltAfterData)")
            return
        }
        guard case .failure(let error) = result else {
            Issue.record("\(lock.name): the load committed past a held lock")
            return
        }
        #expect("\(error)".contains("a lock was not granted within --lock-timeout 5 s") && "\(error)".contains("nothing was changed"), "\(lock.name): \(error)")
        #expect(load.log.output.contains("held by pid") && load.log.output.contains("tc_fault_holder"), "\(lock.name): \(load.log.output)")
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
        let role = try Self.writer("tc_fault_writer_", schema)
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

    /// Where a fault strikes: the statement that opens the phase, as the client sends it.
    enum Phase: String, CaseIterable, Sendable {
        case copyIn = "COPY in", readBack = "read-back", indexDrop = "index drop", indexBuild = "index build", commit = "COMMIT"

        var statement: String {
            switch self {
            case .copyIn: "FROM STDIN"
            case .readBack: "TO STDOUT"
            case .indexDrop: "DROP INDEX"
            case .indexBuild: "CREATE INDEX"
            case .commit: "Q\u{0}\u{0}\u{0}\u{0B}COMMIT\u{0}"  // the simple-query message COMMIT, never "ON COMMIT DROP"
            }
        }
    }

    enum Fault: String, CaseIterable, Sendable {
        /// The load's backend terminated as the statement is sent.
        case terminate
        /// The network path frozen as the statement is sent (it never arrives, nothing comes back).
        case freeze
    }

    /// `(exit status, message)` of a stopped load.
    static func stopped(_ error: Error) -> (Int32, String) {
        ((error as? Loader.Stopped)?.exitStatus ?? 1, "\(error)")
    }

    @Test("a fault in each phase (COPY in, read-back, index drop, index build, COMMIT): the backend terminated, or the path frozen as the phase's statement is sent; the load ends within its bound, says what happened, and what it reports is what the target holds",
          arguments: Phase.allCases, Fault.allCases)
    func faultInPhase(_ phase: Phase, _ fault: Fault) throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder)
        let schema = try TestServer.Schema()
        let port = try #require(schema.url.firstMatch(of: /port=(\d+)/).flatMap { Int($0.1) })
        let proxy = try FaultProxy(target: port)
        defer { proxy.close() }
        let application = "tc_fault_" + UUID().uuidString.prefix(8).lowercased()
        let server = schema.url
        switch fault {
        case .freeze: proxy.when(clientSends: phase.statement, .freezeBefore)
        case .terminate:
            proxy.when(clientSends: phase.statement, .before {
                guard let killer = try? PostgresConnection(connectionString: server) else { return }
                _ = try? killer.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '\(application)'")
                killer.close()
            })
        }
        let started = Date()
        // Indexes dropped and built again whatever the table's size, so those phases happen.
        let load = RunningLoad(archive, schema, connection: "host=127.0.0.1 port=\(proxy.port)", commitQuestionSeconds: 5,
                               peerTimeout: 3, indexDeferralRows: 0, application: application)
        let result = load.wait()
        let waited = Date().timeIntervalSince(started)
        proxy.close()  // the server now sees the path gone, and ends a transaction still open
        #expect(waited < 30, "\(phase) \(fault): waited \(waited) s")
        let sessions = try schema.counts()["sessions"] ?? -1
        switch result {
        case .success(let report):
            // Only a COMMIT that went through may report success, and then it holds.
            #expect(phase == .commit && fault == .terminate && report.committed && sessions == 4,
                    "\(phase) \(fault): reported committed, the target holds \(sessions) sessions")
        case .failure(let error):
            let (status, message) = Self.stopped(error)
            if status == Loader.commitUnknownExitStatus {
                #expect(phase == .commit, "\(phase) \(fault): outcome unknown before COMMIT was sent\n\(message)")
                let query = try #require(message.firstMatch(of: /SELECT txid_status\(\d+\)/), "\(message)")
                usleep(500_000)  // the server ends the orphaned transaction
                let answer = try schema.value(String(query.output))
                #expect((answer == "committed") == (sessions == 4), "the query says \(answer ?? "nil"), the target holds \(sessions) sessions")
            } else {
                #expect(status == 1, "\(phase) \(fault): exit \(status)\n\(message)")
                #expect(message.contains("nothing was changed") || message.contains("nothing was committed"), "\(phase) \(fault): \(message)")
                #expect(sessions == 0, "\(phase) \(fault): said nothing was committed, the target holds \(sessions) sessions")
                if fault == .freeze { #expect(message.contains("stopped answering"), "\(phase) \(fault): \(message)") }
                #expect(!message.contains("--on-error reject"), "a lost server is no row's fault: \(message)")
            }
        }
        let counts = try schema.counts()
        #expect(counts.values.allSatisfy { $0 == 0 } || counts["sessions"] == 4, "all of the archive or none of it: \(counts)")
    }

    @Test("the server killed (immediate shutdown) in COPY, read-back, index build and COMMIT: before COMMIT the load says nothing was committed, at COMMIT that the outcome is unknown with the query that tells; after a restart the target agrees",
          arguments: [Phase.copyIn, .readBack, .indexBuild, .commit])
    func serverKilled(_ phase: Phase) throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        // A cluster of its own, to kill; in a folder the postgres user may enter (as root the
        // cluster runs as postgres, and the test's folder is private).
        let cluster = NSTemporaryDirectory() + "tc-fault-pg-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: cluster, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        // Spawned and waited for directly: the server it starts outlives it, holding what it
        // inherited, which Foundation's Process waits on.
        func clusterCommand(_ action: String) -> Int32 {
            spawnAndWait("'\(root)/scripts/pg-cluster' \(action) '\(cluster)' >>'\(cluster).out' 2>&1")
        }
        try #require(clusterCommand("start") == 0, "\(String(decoding: contents(cluster + ".out") ?? [], as: UTF8.self))")
        defer {
            _ = clusterCommand("stop")
            try? FileManager.default.removeItem(atPath: cluster)
            try? FileManager.default.removeItem(atPath: cluster + ".out")
        }
        // The cluster acknowledges COMMIT before its WAL is written (synchronous_commit=off,
        // for speed); a crash could then lose a reported commit. The loads of a deployment
        // run with it on, and so do these.
        let url = String(decoding: contents(cluster + ".out") ?? [], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            + " " + Self.synchronous
        let schema = try TestServer.Schema(server: url)
        if phase == .commit {
            // COMMIT takes a while (a deferred trigger sleeps before the commit record), so
            // the server dies in the middle of it.
            try schema.connection.execute("""
                CREATE FUNCTION \(schema.name).slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.5); RETURN NULL; END $$;
                CREATE CONSTRAINT TRIGGER slow AFTER INSERT ON \(schema.name).sessions DEFERRABLE INITIALLY DEFERRED
                    FOR EACH ROW EXECUTE FUNCTION \(schema.name).slow()
                """)
        }
        let port = try #require(url.firstMatch(of: /port=(\d+)/).flatMap { Int($0.1) })
        let proxy = try FaultProxy(target: port)
        defer { proxy.close() }
        // Killed as the statement is sent; COMMIT, slowed by the trigger, is already running.
        proxy.when(clientSends: phase.statement, phase == .commit ? .after({
            usleep(20_000)
            _ = spawnAndWait("'\(root)/scripts/pg-cluster' kill '\(cluster)' >>'\(cluster).out' 2>&1")
        }) : .before {
            _ = spawnAndWait("'\(root)/scripts/pg-cluster' kill '\(cluster)' >>'\(cluster).out' 2>&1")
        })
        let load = RunningLoad(archive, schema, connection: "host=127.0.0.1 port=\(proxy.port) " + Self.synchronous,
                               commitQuestionSeconds: 3, peerTimeout: 3, indexDeferralRows: 0)
        let result = load.wait()
        proxy.close()
        #expect(clusterCommand("restart") == 0, "\(String(decoding: contents(cluster + ".out") ?? [], as: UTF8.self))")
        try schema.reconnect()
        let sessions = try schema.counts()["sessions"] ?? -1
        guard case .failure(let error) = result else {
            Issue.record("\(phase): the load reported success with its server killed")
            return
        }
        let (status, message) = Self.stopped(error)
        if phase == .commit {
            #expect(status == Loader.commitUnknownExitStatus, "\(message)")
            let query = try #require(message.firstMatch(of: /SELECT txid_status\(\d+\)/), "\(message)")
            // The server may have lost the transaction's id with its unwritten log: "in the future".
            let answer: String?
            do {
                answer = try schema.value(String(query.output))
            } catch let error as PostgresError where error.sqlState == "22023" {
                answer = "in the future"
            }
            #expect((answer == "committed") == (sessions == 4), "the query says \(answer ?? "nil"), the target holds \(sessions) sessions")
            #expect(message.contains("in the future: nothing was changed"), "the message says what that answer means: \(message)")
        } else {
            #expect(status == 1 && (message.contains("nothing was changed") || message.contains("nothing was committed")), "\(phase): \(message)")
            #expect(sessions == 0)
            #expect(!message.contains("--on-error reject"), "\(message)")
        }
    }

    @Test("the load's connections have keepalives that notice a dead peer within a minute, unless the URL sets its own")
    func keepalives() throws {
        let schema = try TestServer.Schema()
        let tcp = try #require(schema.url.firstMatch(of: /port=(\d+)/).map { "host=127.0.0.1 port=\($0.1) user=postgres dbname=postgres" })
        let connection = try TargetConnection.open(tcp, console: MessageLog().console, lockTimeout: 1)
        #expect(connection.setting("keepalives_idle") == "30" && connection.setting("keepalives_count") == "3")
        connection.close()
        let own = try TargetConnection.open(tcp + " keepalives_idle=5", console: MessageLog().console, lockTimeout: 1)
        #expect(own.setting("keepalives_idle") == "5" && own.setting("keepalives_interval") == "10")
        own.close()
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

/// Runs a shell command and waits for it with waitpid; its exit status (-1 when it could not
/// be started). For commands that leave a daemon behind (a server), which Foundation's
/// Process may wait on for as long as the daemon lives.
func spawnAndWait(_ command: String) -> Int32 {
    var pid: pid_t = 0
    let words: [String] = ["/bin/sh", "-c", command]
    let arguments: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
    defer { arguments.forEach { free($0) } }
    guard posix_spawn(&pid, "/bin/sh", nil, nil, arguments, environ) == 0 else { return -1 }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
}
