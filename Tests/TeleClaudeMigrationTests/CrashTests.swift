import Foundation
import TCSamples
import Testing
@testable import TeleClaudeMigration

@Suite("Killed and cut-off imports change nothing", .timeLimit(.minutes(10)))
struct CrashTests {
    /// SIGKILL at 20 moments spread over a whole load (COPY, staging, read-back, the last
    /// checks before COMMIT): after each, every table is still empty; then a load succeeds.
    @Test func twentyKillPointsLeaveTheDatabaseUnchanged() throws {
        let folder = try TemporaryFolder()
        try SyntheticInstallation(scale: 0.01).write(to: folder.file("big"))
        try export(database: folder.file("big/project/teleclaude.db"), to: folder.file("a.tcar"))
        let schema = try TestServer.Schema()
        let arguments = ["load", folder.file("a.tcar"), "--database-url", schema.url, "--schema", schema.name,
                         "--owner-person", "Maurice Faber", "--quiet", "--skip-files"]
        func start() throws -> Process { try launchTool("tc-import", arguments) }
        func emptyAll() throws {
            let tables = try schema.rows("SELECT tablename FROM pg_tables WHERE schemaname = '\(schema.name)'")
                .map { "\(schema.name).\(SQLIdentifier.quote($0[0]!))" }.joined(separator: ", ")
            try schema.connection.execute("TRUNCATE \(tables)")
        }
        // How long a whole load takes here, to spread the kills over it.
        let timing = Date()
        let whole = try start()
        whole.waitUntilExit()
        #expect(whole.terminationStatus == 0)
        let duration = Date().timeIntervalSince(timing)
        let complete = try schema.counts()
        try emptyAll()

        var killed = 0
        for point in 1...20 {
            // A busy machine makes a load faster or slower than the timing run: when the
            // load finished before the kill, empty the tables and try again sooner.
            var delay = duration * Double(point) / 21
            for _ in 0..<5 {
                let process = try start()
                usleep(useconds_t(delay * 1_000_000))
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                process.waitUntilExit()
                if process.terminationReason == .uncaughtSignal {
                    // All or nothing: a kill after COMMIT (during the checks or the report)
                    // leaves every row; any other kill leaves none.
                    let counts = try schema.counts()
                    if counts == complete {
                        try emptyAll()
                        delay *= 0.6
                        continue
                    }
                    killed += 1
                    let unchanged = counts.values.allSatisfy { $0 == 0 }
                    #expect(unchanged, "kill point \(point) after \(delay) s: a killed load left some rows: \(counts)")
                    if unchanged { Figures.record("kills-survived", 1) }
                    // The server notices the dead client and rolls its transaction back.
                    let gone = Date().addingTimeInterval(30)
                    while try schema.value("SELECT count(*) FROM pg_stat_activity WHERE state <> 'idle' AND query LIKE 'COPY %' AND query LIKE '%\(schema.name)%'") != "0", Date() < gone { usleep(20_000) }
                    break
                }
                #expect(process.terminationStatus == 0)
                #expect(try schema.counts()["hook_outbox"] == SyntheticInstallation(scale: 0.01).counts.hookOutbox)
                try emptyAll()
                delay *= 0.6
            }
        }
        #expect(killed == 20, "only \(killed) of 20 kills landed during the load")
        Figures.record("kills-landed", killed)
        let again = try runTool("tc-import", arguments)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try schema.counts()["hook_outbox"] == SyntheticInstallation(scale: 0.01).counts.hookOutbox)
    }

    /// A damaged archive streams into the load, but is never committed: 200 flipped bytes and
    /// 50 cut points spread over a compressed and an uncompressed archive.
    @Test(arguments: [Compression.zstd, .none])
    func aDamagedArchiveIsNeverCommitted(compression: Compression) throws {
        let folder = try TemporaryFolder()
        try BundledSample.write(to: folder.file("s"))
        let db = folder.file("s/project/teleclaude.db")
        let connection = try makeDatabase(db, wal: false, ["DELETE FROM conversation_link_members WHERE link_id = 'link-0000'"])
        connection.close()
        try export(database: db, to: folder.file("a.tcar"), compression: compression)
        let original = try #require(contents(folder.file("a.tcar")))
        let schema = try TestServer.Schema()
        // The same damage verify is tested with: 200 single-byte flips spread over the file
        // and 50 cut points.
        var damaged: [[UInt8]] = (0..<200).map { index in
            var bytes = original
            bytes[index * (original.count - 1) / 199] ^= 0x10
            return bytes
        }
        damaged += (0..<50).map { Array(original.prefix($0 * original.count / 50)) }
        var refused = 0
        for (index, bytes) in damaged.enumerated() {
            let path = folder.file("damaged-\(index).tcar")
            _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
            let options = LoadOptions(archive: .file(path), databaseURL: schema.url, schema: schema.name, ownerPerson: "Maurice Faber")
            do {
                _ = try Loader(options: options, console: MessageLog().console).run()
                Issue.record("damaged archive \(index) was committed")
            } catch {
                refused += 1
            }
            #expect(try schema.counts().values.allSatisfy { $0 == 0 }, "damaged archive \(index) left rows")
        }
        Figures.record("damaged-loads-tried", damaged.count)
        Figures.record("damaged-loads-refused", refused)
    }

    /// SIGKILL in the middle of writing: nothing at the target path, and nothing beside it
    /// either (the archive is written as an unnamed file, which goes with the process), and
    /// the database untouched.
    @Test func aKilledExportLeavesNothingAndTheSourceUntouched() throws {
        let folder = try TemporaryFolder()
        try SyntheticInstallation(scale: 0.05).write(to: folder.file("big"))
        let db = folder.file("big/project/teleclaude.db")
        let before = try #require(contents(db))
        try FileManager.default.createDirectory(atPath: folder.file("out"), withIntermediateDirectories: true)
        let process = try launchTool("tc-export", ["--project-root", folder.file("big/project"), "--docs", folder.file("big/home/.teleclaude/docs"),
                                                   "-o", folder.file("out/a.tcar"), "--quiet"])
        // Kill once the archive being written (an open file in out/, named or not) holds data.
        let deadline = Date().addingTimeInterval(60)
        var writing = false
        while process.isRunning, Date() < deadline, !writing {
            let descriptors = "/proc/\(process.processIdentifier)/fd"
            for fd in (try? FileManager.default.contentsOfDirectory(atPath: descriptors)) ?? [] {
                guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: descriptors + "/" + fd),
                      target.hasPrefix(folder.file("out/")) else { continue }
                var info = stat()
                if stat(descriptors + "/" + fd, &info) == 0, info.st_size > 1 << 20 { writing = true }
            }
            if !writing { usleep(2_000) }
        }
        #expect(writing, "the export finished before it could be killed")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("out")).isEmpty, "the killed export left a file behind")
        #expect(contents(db) == before)
        #expect(!FileManager.default.fileExists(atPath: db + "-wal") && !FileManager.default.fileExists(atPath: db + "-shm"))
    }

    /// The server goes away in the middle of the load (its backend is terminated, as a
    /// restart or a crash would): a clear error, nothing committed.
    @Test func aLostServerConnectionIsAClearErrorAndNothingIsCommitted() throws {
        let folder = try TemporaryFolder()
        try SyntheticInstallation(scale: 0.02).write(to: folder.file("big"))
        try export(database: folder.file("big/project/teleclaude.db"), to: folder.file("a.tcar"))
        let schema = try TestServer.Schema()
        let errors = Pipe()
        let process = try launchTool("tc-import", ["load", folder.file("a.tcar"), "--database-url", schema.url, "--schema", schema.name,
                                                   "--owner-person", "Maurice Faber", "--skip-files", "--quiet"], errors: errors)
        let deadline = Date().addingTimeInterval(60)
        var terminated = false
        while process.isRunning, Date() < deadline, !terminated {
            terminated = try schema.value("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query LIKE 'COPY %' AND query LIKE '%\(schema.name)%' AND state <> 'idle' AND pid <> pg_backend_pid()") != "0"
            if !terminated { usleep(5_000) }
        }
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(terminated, "the load never reached COPY")
        #expect(process.terminationStatus == 1)
        #expect(stderr.contains("error:") && (stderr.contains("terminat") || stderr.contains("connection")), "\(stderr)")
        #expect(try schema.counts().values.allSatisfy { $0 == 0 })
    }

    /// Ctrl-C in the middle of COPY: the load says what happened, leaves no rejects file,
    /// and the database is as it was.
    @Test func anInterruptedLoadSaysNothingWasChanged() throws {
        let folder = try TemporaryFolder()
        try SyntheticInstallation(scale: 0.02).write(to: folder.file("big"))
        try export(database: folder.file("big/project/teleclaude.db"), to: folder.file("a.tcar"))
        let schema = try TestServer.Schema()
        let errors = Pipe()
        // Its own application name, to find its backend among those of the other tests.
        let name = "tc-interrupt-" + schema.name
        let process = try launchTool("tc-import", ["load", folder.file("a.tcar"), "--database-url", schema.url + " application_name=\(name)",
                                                   "--schema", schema.name, "--owner-person", "Maurice Faber", "--skip-files", "--quiet",
                                                   "--on-error", "reject", "--rejects", folder.file("rejects.ndjson")], errors: errors)
        #expect(try schema.waitForCopy(process, where: "application_name = '\(name)' AND query LIKE 'COPY %FROM STDIN%'"), "the load never reached COPY")
        kill(process.processIdentifier, SIGINT)
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        #expect(stderr.contains("interrupted: nothing was committed"), "\(stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("rejects.ndjson")))
        let gone = Date().addingTimeInterval(10)
        while try schema.value("SELECT count(*) FROM pg_stat_activity WHERE application_name = '\(name)'") != "0", Date() < gone { usleep(20_000) }
        #expect(try schema.counts().values.allSatisfy { $0 == 0 })
    }
}
