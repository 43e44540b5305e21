import Foundation
import TCSamples
import Testing
@testable import TeleClaudeMigration

/// Bad input of every kind (issue 6): a clear error naming the problem, exit 1, and
/// nothing written: no archive at the target path, no row in PostgreSQL.
@Suite("Bad input is a clear error and changes nothing", .timeLimit(.minutes(5)))
struct BadInputTests {
    func exportSample(_ folder: TemporaryFolder, _ edit: (String) throws -> Void = { _ in }) throws -> CommandResult {
        try BundledSample.write(to: folder.file("s"))
        try edit(folder.file("s"))
        let result = try runTool("tc-export", ["--project-root", folder.file("s/project"), "--docs", folder.file("s/home/.teleclaude/docs"),
                                               "-o", folder.file("a.tcar")])
        #expect(!FileManager.default.fileExists(atPath: folder.file("a.tcar")), "an archive was written")
        return result
    }

    @Test func aTruncatedDatabase() throws {
        let folder = try TemporaryFolder()
        let result = try exportSample(folder) { root in
            let db = root + "/project/teleclaude.db"
            let bytes = try #require(contents(db))
            _ = FileManager.default.createFile(atPath: db, contents: Data(bytes.prefix(bytes.count / 2 + 100)))
        }
        #expect(result.status == 1)
        #expect(result.stderr.contains("teleclaude.db"), "\(result.stderr)")
    }

    @Test func aCorruptedDatabase() throws {
        let folder = try TemporaryFolder()
        let result = try exportSample(folder) { root in
            let db = root + "/project/teleclaude.db"
            var bytes = try #require(contents(db))
            for offset in stride(from: 4096, to: bytes.count, by: 4096) { bytes[offset + 8] ^= 0xFF; bytes[offset + 100] ^= 0x5A }
            _ = FileManager.default.createFile(atPath: db, contents: Data(bytes))
        }
        #expect(result.status == 1)
        #expect(result.stderr.contains("error:"), "\(result.stderr)")
    }

    @Test func aDatabaseLockedByAnExclusiveWriter() throws {
        let folder = try TemporaryFolder()
        try BundledSample.write(to: folder.file("s"))
        let db = folder.file("s/project/teleclaude.db")
        let writer = try PythonSQLite.start(database: db, script: """
            c.execute("PRAGMA locking_mode=EXCLUSIVE")
            c.execute("BEGIN EXCLUSIVE")
            c.execute("INSERT INTO system_settings (key, value) VALUES ('lock', 'held')")
            ready()
            time.sleep(120)
            """)
        defer { writer.stop() }
        let started = Date()
        let result = try runTool("tc-export", ["--project-root", folder.file("s/project"), "--docs", folder.file("s/home/.teleclaude/docs"),
                                               "-o", folder.file("a.tcar")])
        #expect(result.status == 1)
        #expect(result.stderr.contains("locked"), "\(result.stderr)")
        #expect(Date().timeIntervalSince(started) >= 4, "no retry window before giving up")
        #expect(!FileManager.default.fileExists(atPath: folder.file("a.tcar")))
    }

    @Test func invalidYAML() throws {
        let folder = try TemporaryFolder()
        let result = try exportSample(folder) { root in
            try "computer:\n  name: [unclosed\ntelegram:\n  bot_token: hunter2hunter2\n".write(toFile: root + "/project/config.yml", atomically: false, encoding: .utf8)
        }
        #expect(result.status == 1)
        #expect(result.stderr.contains("config.yml is not valid YAML"), "\(result.stderr)")
        #expect(!result.stderr.contains("hunter2"))
    }

    @Test func anUnreachableServer() throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder)
        let result = try runTool("tc-import", ["load", archive, "--database-url", "host=127.0.0.1 port=1 dbname=x user=x connect_timeout=5",
                                               "--owner-person", "Maurice Faber", "--skip-files"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("error:") && result.stderr.contains("127.0.0.1"), "\(result.stderr)")
    }

    @Test func aReadOnlyServer() throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder)
        let schema = try TestServer.Schema()
        let result = try runTool("tc-import", ["load", archive, "--database-url", schema.url + " options='-c default_transaction_read_only=on'",
                                               "--schema", schema.name, "--owner-person", "Maurice Faber", "--skip-files"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("read-only"), "\(result.stderr)")
        #expect(try schema.counts().values.allSatisfy { $0 == 0 })
    }

    @Test func aRoleWithoutPrivileges() throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder)
        let schema = try TestServer.Schema()
        let role = "tc_nopriv_" + schema.name
        try schema.connection.execute("CREATE ROLE \(role) LOGIN")
        defer { _ = try? schema.connection.execute("DROP OWNED BY \(role); DROP ROLE \(role)") }
        try schema.connection.execute("GRANT USAGE ON SCHEMA \(schema.name) TO \(role)")
        let url = schema.url.replacingOccurrences(of: "user=postgres", with: "user=\(role)")
        #expect(url != schema.url, "the test URL names no user to replace")
        let result = try runTool("tc-import", ["load", archive, "--database-url", url, "--schema", schema.name,
                                               "--owner-person", "Maurice Faber", "--skip-files"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("permission denied"), "\(result.stderr)")
        #expect(try schema.counts().values.allSatisfy { $0 == 0 })
    }
}
