import Foundation
import Testing
@testable import TeleClaudeMigration

@Suite("-v/--verbose and --log FILE", .timeLimit(.minutes(5)))
struct VerboseAndLogTests {
    @Test("load -v prints each SQL statement with its time and each phase under its own table; --log keeps all of it with timestamps, owner-only, whatever -q; no row value in either")
    func loadDetails() throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder)
        let schema = try TestServer.Schema()
        let target = ["-d", schema.url, "--schema", schema.name, "--owner-person", "Maurice Faber", "--skip-files"]
        let secretish = "quota exhausted"  // agent_availability.reason of a sample row

        let verbose = try runTool("tc-import", ["load", archive, "-v"] + target)
        #expect(verbose.status == 0, "\(verbose.stderr)")
        let lines = verbose.stderr.split(separator: "\n").map(String.init)
        for statement in ["BEGIN", "COMMIT", "COPY \"\(schema.name)\".\"sessions\""] {
            #expect(lines.contains { $0.hasPrefix("SQL ") && $0.contains(" ms: \(statement)") }, "\(statement) in \(verbose.stderr)")
        }
        // Each phase is named with the table it ran on: agent_availability's read-back comes before the next table's COPY.
        let readBack = try #require(lines.firstIndex { $0.hasPrefix("read-back agent_availability: ") }, "\(verbose.stderr)")
        let nextCopy = try #require(lines.firstIndex { $0.hasPrefix("COPY conversation_links: ") })
        #expect(readBack < nextCopy)
        #expect(!verbose.stderr.contains(secretish))

        let log = folder.file("load.log")
        let quiet = try runTool("tc-import", ["load", archive, "-q", "--log", log, "--if-exists", "replace"] + target)
        #expect(quiet.status == 0 && !quiet.stderr.contains("SQL "), "\(quiet.stderr)")
        #expect(quiet.stdout.hasPrefix("committed: ") && quiet.stdout.split(separator: "\n").count == 1)
        let logged = try String(contentsOfFile: log, encoding: .utf8)
        let mode = try FileManager.default.attributesOfItem(atPath: log)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let stamped = try Regex(#"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z "#)
        #expect(logged.split(separator: "\n").allSatisfy { $0.prefixMatch(of: stamped) != nil })
        #expect(logged.contains(" ms: COMMIT") && logged.contains(" COMMIT: ") && logged.contains("emptied inside the transaction"))
        #expect(!logged.contains(secretish))

        // A second run appends.
        _ = try runTool("tc-import", ["plan", archive, "--log", log] + target.filter { $0 != "--skip-files" })
        #expect(try String(contentsOfFile: log, encoding: .utf8).hasPrefix(logged))

        let nowhere = try runTool("tc-import", ["load", archive, "--log", folder.file("no/such/folder/x.log"), "--if-exists", "replace"] + target)
        #expect(nowhere.status == 1 && nowhere.stderr.contains("cannot open the log file"), "\(nowhere.stderr)")
    }

    @Test("export -v says how long each table took to read")
    func exportDetails() throws {
        let folder = try TemporaryFolder()
        _ = try PostgresLoadTests.sampleArchive(folder)
        let exported = try runTool("tc-export", ["--db", folder.file("s/project/teleclaude.db"), "-o", folder.file("v.tcar"), "-v"])
        #expect(exported.status == 0 && exported.stderr.contains("read sessions: 4 rows, "), "\(exported.stderr)")
    }
}
