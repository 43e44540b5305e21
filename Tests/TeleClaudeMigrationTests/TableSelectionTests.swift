import Foundation
import TCSamples
import Testing
@testable import TeleClaudeMigration

@Suite("-t/--table and -T/--exclude-table, on export and on load", .timeLimit(.minutes(5)))
struct TableSelectionTests {
    func source(_ folder: TemporaryFolder) throws -> [String] {
        try BundledSample.write(to: folder.file("s"))
        return ["--project-root", folder.file("s/project"), "--docs", folder.file("s/home/.teleclaude/docs")]
    }

    @Test("export: the archive holds the chosen tables and names the others as left out; inspect, plan and load say so; a misspelt name writes nothing")
    func export() throws {
        let folder = try TemporaryFolder()
        let source = try source(folder)
        let archive = folder.file("part.tcar")

        let misspelt = try runTool("tc-export", source + ["-o", archive, "-T", "memory_observation"])
        #expect(misspelt.status == 1 && misspelt.stderr.contains("-T/--exclude-table memory_observation: the database has no such table (did you mean memory_observations?)"),
                "\(misspelt.stderr)")
        #expect(!FileManager.default.fileExists(atPath: archive))

        let exported = try runTool("tc-export", source + ["-o", archive, "-T", "memory_observations", "-T", "inbound_queue", "--json"])
        #expect(exported.status == 0, "\(exported.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(exported.stdout.utf8)) as? [String: Any]
        let excluded = (json?["excluded_tables"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
        #expect(excluded == ["inbound_queue", "memory_observations"])
        let manifest = try ArchiveReader(.file(archive)).readManifest()
        #expect(manifest.tables.count == 11 && !manifest.tables.contains { $0.name == "memory_observations" || $0.name == "inbound_queue" })
        #expect(manifest.source.excludedTables == [.init(name: "inbound_queue", rows: 2), .init(name: "memory_observations", rows: 2)])
        #expect(manifest.tables.map(\.member) == (0..<11).map { ArchiveLayout.tableMember(name: manifest.tables[$0].name, position: $0) })
        #expect(try runTool("tc-import", ["verify", archive]).status == 0)
        #expect(try runTool("tc-import", ["inspect", archive]).stdout
            .contains("not in the archive (left out by tc-export -t/-T): inbound_queue (2 rows), memory_observations (2 rows)"))

        let only = try runTool("tc-export", source + ["-o", folder.file("two.tcar"), "-t", "sessions", "-t", "session_tokens"])
        #expect(only.status == 0, "\(only.stderr)")
        #expect(try ArchiveReader(.file(folder.file("two.tcar"))).readManifest().tables.map(\.name).sorted() == ["session_tokens", "sessions"])

        let schema = try TestServer.Schema()
        let loaded = try runTool("tc-import", ["load", archive, "-d", schema.url, "--schema", schema.name, "--owner-person", "Maurice Faber",
                                               "--skip-files", "--on-error", "reject", "--rejects", folder.file("r.ndjson"), "--json"])
        #expect(loaded.status == 2, "\(loaded.stderr)")  // the sample's orphan
        let report = try JSONSerialization.jsonObject(with: Data(loaded.stdout.utf8)) as? [String: Any]
        let notLoaded = (report?["left_out"] as? [[String: Any]])?.map { "\($0["name"] as? String ?? "?") \($0["by"] as? String ?? "?")" }
        #expect(notLoaded == ["inbound_queue export", "memory_observations export"])
        #expect(try schema.counts()["memory_observations"] == 0 && schema.counts()["sessions"] == 4)
    }

    @Test("load: only the chosen tables are loaded, the others read and verified and listed; plan says the same; unknown names stop before BEGIN")
    func load() throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder)
        let schema = try TestServer.Schema()
        let target = ["-d", schema.url, "--schema", schema.name, "--owner-person", "Maurice Faber", "--skip-files"]

        let wrong = try runTool("tc-import", ["load", archive, "-t", "sesions"] + target)
        #expect(wrong.status == 1 && wrong.stderr.contains("-t/--table sesions: the archive has no such table (did you mean sessions?)"), "\(wrong.stderr)")
        #expect(try schema.counts().values.allSatisfy { $0 == 0 })

        let plan = try runTool("tc-import", ["plan", archive, "-t", "sessions", "-t", "session_tokens"] + target.filter { $0 != "--skip-files" })
        #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")
        #expect(plan.stdout.contains("not loaded, by this load's -t/-T (read and verified): agent_availability (2 rows), "), "\(plan.stdout)")
        #expect(!plan.stdout.contains("\nhook_outbox:"), "plan shows only the tables the load takes")

        let loaded = try runTool("tc-import", ["load", archive, "-t", "sessions", "-t", "session_tokens", "-T", "session_tokens"] + target)
        #expect(loaded.status == 0, "\(loaded.stderr)")
        #expect(loaded.stdout.contains("committed: 1 tables"), "\(loaded.stdout)")
        #expect(loaded.stdout.contains("not loaded, by this load's -t/-T (read and verified): agent_availability (2 rows), ")
                && loaded.stdout.contains("session_tokens (1 rows)"), "\(loaded.stdout)")
        let counts = try schema.counts()
        #expect(counts["sessions"] == 4 && counts.filter { $0.key != "sessions" }.values.allSatisfy { $0 == 0 }, "\(counts)")
        // The rollback steps empty only what this load wrote.
        #expect(loaded.stdout.contains("-c 'TRUNCATE \"\(schema.name)\".\"sessions\" RESTART IDENTITY'"), "\(loaded.stdout)")

        // A table left out is still read and verified: a changed byte in its data (here the
        // uncompressed archive's "quota exhausted" of agent_availability) fails a load of another.
        let plain = folder.file("plain.tcar")
        _ = try TeleClaudeMigrationTests.export(database: folder.file("s/project/teleclaude.db"), to: plain, compression: .none)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: plain))
        let at = try #require(bytes.range(of: Data("quota exhausted".utf8)))
        bytes[at.lowerBound] = UInt8(ascii: "Q")
        try bytes.write(to: URL(fileURLWithPath: plain))
        let fresh = try TestServer.Schema()
        let failed = try runTool("tc-import", ["load", plain, "-t", "sessions", "-d", fresh.url, "--schema", fresh.name,
                                               "--owner-person", "Maurice Faber", "--skip-files"])
        #expect(failed.status == 1 && failed.stderr.contains("table 'agent_availability': the data does not match"), "\(failed.stderr)")
        #expect(try fresh.counts().values.allSatisfy { $0 == 0 })
    }
}
