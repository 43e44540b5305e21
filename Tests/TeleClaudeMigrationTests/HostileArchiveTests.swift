import Foundation
import TCSamples
import Testing
@testable import TeleClaudeMigration

/// The hostile-archive corpus (issue 6): every case goes through verify, inspect, load
/// (into a real PostgreSQL schema, with config and docs destinations) and install-files.
/// Each must exit 1 with a message, write nothing to PostgreSQL, and create or change no
/// file (a sentinel beside the target folders stays as it was).
@Suite("Hostile archives are refused by every command, with nothing written", .timeLimit(.minutes(10)))
struct HostileArchiveTests {
    struct Case: Sendable, CustomStringConvertible {
        var label: String
        /// Builds the archive bytes from the members of a clean, uncompressed sample archive.
        var build: @Sendable ([RawMember]) throws -> [UInt8]
        var description: String { label }
    }

    /// A tar stream of the members as they are (checksum list recomputed).
    static func tar(_ members: [RawMember], fixChecksums: Bool = true) -> [UInt8] {
        let members = fixChecksums ? recomputingChecksums(members) : members
        var builder = TarBuilder()
        for member in members { builder.add(name: Array(member.name.utf8), content: member.bytes) }
        builder.finish()
        return builder.bytes
    }

    static func editRows(_ members: [RawMember], table: String, _ rows: String) -> [RawMember] {
        members.map { member in
            guard member.name == "tables/\(table)/000000.ndjson" else { return member }
            return RawMember(name: member.name, bytes: Array(rows.utf8))
        }
    }

    static let cases: [Case] = ArchiveIntegrityTests.tamperings.map { label, transform, _ in
        Case(label: label) { tar(transform($0)) }
    } + [
        Case(label: "a REAL that is not a number") { tar(editRows($0, table: "system_settings", "[\"k\",\"v\",{\"r\":\"NaN\"}]\n[\"a\",\"b\",null]\n")) },
        Case(label: "an INTEGER out of range") { tar(editRows($0, table: "system_settings", "[\"k\",\"v\",123456789012345678901]\n[\"a\",\"b\",null]\n")) },
        Case(label: "a BLOB that is not base64") { tar(editRows($0, table: "system_settings", "[\"k\",\"v\",{\"b\":\"!!!\"}]\n[\"a\",\"b\",null]\n")) },
        Case(label: "a file member larger than the manifest says") { members in
            tar(members.map { member in
                guard member.name == "docs/notes.txt" else { return member }
                return RawMember(name: member.name, bytes: member.bytes + [UInt8](repeating: 0x41, count: 1 << 20))
            })
        },
        Case(label: "a member not listed in SHA256SUMS") { members in
            tar(recomputingChecksums(members, leaving: ["docs/notes.txt"]), fixChecksums: false)
        },
        Case(label: "a pax header with a huge length") { members in
            var builder = TarBuilder()
            builder.add(name: Array("PaxHeader/manifest.json".utf8), type: UInt8(ascii: "x"), content: [], declaredSize: 8 << 30)
            builder.add(name: Array(members[0].name.utf8), content: members[0].bytes)
            builder.finish()
            return builder.bytes
        },
        Case(label: "a name of 4 KB") { members in
            var builder = TarBuilder()
            let path = "path=" + String(repeating: "a/", count: 2048) + "x"
            let record = String(path.utf8.count + 2 + String(path.utf8.count + 2).count) + " " + path + "\n"
            builder.add(name: Array("PaxHeader/long".utf8), type: UInt8(ascii: "x"), content: Array(record.utf8))
            builder.add(name: Array("placeholder".utf8), content: members[0].bytes)
            builder.finish()
            return builder.bytes
        },
        Case(label: "a compression bomb (1 GiB of zeros in a small file)") { members in
            // A manifest header claiming 1 GiB, then the zeros, compressed by zstd itself.
            var builder = TarBuilder()
            builder.add(name: Array("manifest.json".utf8), content: [], declaredSize: 1 << 30)
            let folder = try TemporaryFolder("tc-bomb")
            let raw = folder.file("bomb.tar")
            _ = FileManager.default.createFile(atPath: raw, contents: Data(builder.bytes))
            let zeros = try #require(FileHandle(forWritingAtPath: raw))
            zeros.seekToEndOfFile()
            let block = Data(count: 1 << 20)
            for _ in 0..<1024 { zeros.write(block) }
            try zeros.close()
            let result = try runTool("zstd", ["-q", "-3", "-f", raw, "-o", raw + ".zst"], direct: true)
            #expect(result.status == 0, "\(result.stderr)")
            return try #require(contents(raw + ".zst"))
        },
    ]

    @Test(arguments: cases)
    func refusedEverywhere(_ hostile: Case) throws {
        let sample = try SampleExport()
        let clean = try sample.plainMembers()
        let bytes = try hostile.build(clean)
        #expect(bytes != Self.tar(clean), "\(hostile): the case changed nothing")
        let archive = sample.folder.file("hostile.tcar")
        _ = FileManager.default.createFile(atPath: archive, contents: Data(bytes))
        #expect(bytes.count < 8 << 20, "the hostile archive itself stays small")

        let schema = try TestServer.Schema()
        let sentinel = sample.folder.file("sentinel")
        _ = FileManager.default.createFile(atPath: sentinel, contents: Data("untouched".utf8))
        let before = try FileManager.default.contentsOfDirectory(atPath: sample.folder.path).sorted()
        let install = ["--config-dir", sample.configDirectory, "--docs-dir", sample.docsDirectory, "--user-config", sample.userConfig]
        let commands = [
            ["verify", archive], ["inspect", archive],
            ["load", archive, "--database-url", schema.url, "--schema", schema.name, "--owner-person", "Maurice Faber"] + install,
            ["install-files", archive] + install,
        ]
        Figures.record("hostile-cases", 1)
        for arguments in commands { try expectRefused(arguments, "\(hostile)") }
        #expect(try schema.counts().values.allSatisfy { $0 == 0 }, "\(hostile): rows reached PostgreSQL")
        #expect(try schema.value("SELECT count(*) FROM pg_tables WHERE schemaname = '\(schema.name)'") == "13")
        #expect(try FileManager.default.contentsOfDirectory(atPath: sample.folder.path).sorted() == before)
        #expect(!FileManager.default.fileExists(atPath: sample.folder.file("target")))
        #expect(contents(sentinel) == Array("untouched".utf8))
        if try schema.counts().values.allSatisfy({ $0 == 0 }), contents(sentinel) == Array("untouched".utf8) {
            Figures.record("hostile-cases-nothing-written", 1)
        }
    }

    @Test("a table name that is an SQL injection attempt is a plain identifier, never executed")
    func injectionInANameIsAPlainIdentifier() throws {
        let folder = try TemporaryFolder()
        let evil = "x\"; DROP TABLE sessions; --\u{1B}[2J"
        try BundledSample.write(to: folder.file("s"))
        let db = folder.file("s/project/teleclaude.db")
        let connection = try makeDatabase(db, wal: false, [
            "DELETE FROM conversation_link_members WHERE link_id = 'link-0000'",
            "CREATE TABLE \(SQLIdentifier.quote(evil)) (\(SQLIdentifier.quote("y'); DELETE FROM sessions; --")) TEXT)",
            "INSERT INTO \(SQLIdentifier.quote(evil)) VALUES ('kept')",
        ])
        connection.close()
        try export(database: db, to: folder.file("a.tcar"))
        let schema = try TestServer.Schema()
        let load = ["load", folder.file("a.tcar"), "--database-url", schema.url, "--schema", schema.name, "--owner-person", "Maurice Faber", "--skip-files"]

        let refused = try runTool("tc-import", load)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("no table x\"; DROP TABLE sessions; --\\u{1b}[2J"), "\(refused.stderr)")
        #expect(try schema.counts()["sessions"] == 0)

        let created = try runTool("tc-import", load + ["--create-missing-tables"])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(!created.stdout.contains("\u{1B}") && !created.stderr.contains("\u{1B}"), "a control character from a table name reached the terminal")
        #expect(try schema.counts()["sessions"] == 4)
        #expect(try schema.value("SELECT \(SQLIdentifier.quote("y'); DELETE FROM sessions; --")) FROM \(schema.name).\(SQLIdentifier.quote(evil))") == "kept")
    }
}
