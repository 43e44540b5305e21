import Foundation
import Testing
@testable import TeleClaudeMigration

/// The worked example and the byte-level statements of format-spec.md, checked against
/// what tc-export really writes, so the spec cannot drift from the code.
@Suite("format-spec.md matches the code")
struct FormatSpecTests {
    /// Fenced blocks of the spec, keyed by their info string after the language
    /// (```ndjson member=tables/notes/000000.ndjson → "member=tables/notes/000000.ndjson").
    static func blocks() throws -> [String: String] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("format-spec.md"), encoding: .utf8)
        var blocks: [String: String] = [:]
        var current: String?
        var body: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if let key = current {
                if line == "```" {
                    blocks[key] = body.joined(separator: "\n") + "\n"
                    current = nil
                    body = []
                } else {
                    body.append(line)
                }
            } else if line.hasPrefix("```"), let space = line.firstIndex(of: " ") {
                current = String(line[line.index(after: space)...])
            }
        }
        return blocks
    }

    @Test("section 9 lists every file role with the member name the writer uses, in order")
    func fileRoles() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("format-spec.md"), encoding: .utf8)
        let section = try #require(text.components(separatedBy: "## 9. File members").last?.components(separatedBy: "## 10.").first)
        var listed: [(String, String)] = []
        for line in section.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "`", with: "") }
            listed.append((cells[0], cells[1]))
        }
        #expect(listed.map(\.0) == FileRole.allCases.map(\.rawValue))
        for role in FileRole.allCases {
            let name = try #require(listed.first { $0.0 == role.rawValue }?.1)
            #expect(name == (role.memberName ?? (role == .docIndex ? "docs/index.yaml" : "docs/<path>")), "\(role)")
        }
    }

    static func exportExample(_ folder: TemporaryFolder, compression: Compression = .none) throws -> String {
        let sql = try #require(try blocks()["file=example.sql"])
        let db = try makeDatabase(folder.file("example.db"), wal: false, [sql])
        db.close()
        let output = folder.file("example.\(compression.rawValue)")
        let options = ExportOptions(locations: .init(projectRoot: folder.path, database: folder.file("example.db")),
                                    output: output, compression: compression, replaceExisting: true,
                                    createdAt: Date(timeIntervalSince1970: 1_735_689_600))
        _ = try Exporter(options: options, console: MessageLog().console).run()
        return output
    }

    @Test("the worked example's members are what tc-export writes, byte for byte")
    func workedExample() throws {
        let folder = try TemporaryFolder()
        let blocks = try Self.blocks()
        let members = try rawMembers(try Self.exportExample(folder))
        let names = try #require(blocks["members"]).split(separator: "\n").map(String.init)
        #expect(members.map(\.name) == names)
        for (key, text) in blocks where key.hasPrefix("member=") {
            let name = String(key.dropFirst("member=".count))
            let member = try #require(members.first { $0.name == name }, "the spec shows \(name), the archive has no such member")
            #expect(String(decoding: member.bytes, as: UTF8.self) == text, "\(name) differs from the spec")
        }
        #expect(blocks.keys.filter { $0.hasPrefix("member=") }.count == 3)

        let manifestMember = try #require(members.first { $0.name == ArchiveLayout.manifest })
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(manifestMember.bytes))
        let specTables = try JSONDecoder().decode([TableSchema].self, from: Data(try #require(blocks["manifest=tables"]).utf8))
        #expect(manifest.tables == specTables)
        #expect(manifest.createdAt == "2025-01-01T00:00:00Z")

        let sums = try #require(members.last)
        let specSums = try #require(blocks["checksums"]).split(separator: "\n")
        let realSums = String(decoding: sums.bytes, as: UTF8.self).split(separator: "\n")
        #expect(specSums.count == realSums.count)
        for (spec, real) in zip(specSums, realSums) {
            if spec.hasPrefix("…") {
                #expect(real.hasSuffix(spec.dropFirst()))
            } else {
                #expect(spec == real)
            }
        }
    }

    @Test("the table digest is the digest of the member digest lines, as the spec's shell command computes it")
    func tableDigest() throws {
        let folder = try TemporaryFolder()
        let members = try rawMembers(try Self.exportExample(folder))
        let summary = try JSONDecoder().decode(Summary.self, from: Data(members.first { $0.name == ArchiveLayout.summary }!.bytes))
        let notes = members.filter { $0.name.hasPrefix("tables/notes/") }
        #expect(summary.tables[0].sha256 == SHA256Hex.of(Array(notes.map { SHA256Hex.of($0.bytes) + "\n" }.joined().utf8)))
    }

    @Test("the seal is laid out as section 3.3 says", arguments: [Compression.zstd, .gzip])
    func seal(compression: Compression) throws {
        let folder = try TemporaryFolder()
        let bytes = try #require(contents(try Self.exportExample(folder, compression: compression)))
        let digest = SHA256Hex.of(Array(bytes.dropLast(ArchiveSeal.length(compression))))
        switch compression {
        case .zstd:
            let seal = Array(bytes.suffix(48))
            #expect(seal.prefix(8) == [0x5E, 0x2A, 0x4D, 0x18, 0x28, 0, 0, 0])
            #expect(String(decoding: seal[8..<16], as: UTF8.self) == "TCSEAL01")
            #expect(seal[16...].hexString == digest)
        default:
            let seal = Array(bytes.suffix(94))
            #expect(seal.prefix(10) == [0x1F, 0x8B, 0x08, 0x10, 0, 0, 0, 0, 0, 0xFF])
            #expect(String(decoding: seal[10..<83], as: UTF8.self) == "TCSEAL01 " + digest)
            #expect(Array(seal[83...]) == [0, 0x03, 0x00, 0, 0, 0, 0, 0, 0, 0, 0])
        }
    }

    @Test("standard tools read the archive: zstd -d | tar and sha256sum -c", arguments: [Compression.zstd, .gzip, .none])
    func standardTools(compression: Compression) throws {
        let folder = try TemporaryFolder()
        let archive = try Self.exportExample(folder, compression: compression)
        let extract = folder.file("x")
        try FileManager.default.createDirectory(atPath: extract, withIntermediateDirectories: true)
        let decompress = compression == .zstd ? "zstd -dc" : compression == .gzip ? "gzip -dc" : "cat"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "\(decompress) '\(archive)' | tar -x -C '\(extract)' -f - && cd '\(extract)' && sha256sum --strict -c SHA256SUMS"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("tables/notes/000000.ndjson: OK"))
    }

    @Test("section 4's member order is the order writers and readers keep (ArchiveLayout.Section)")
    func memberOrder() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let spec = try String(contentsOf: root.appendingPathComponent("format-spec.md"), encoding: .utf8)
        let layout = try #require(spec.components(separatedBy: "## 4. Layout").dropFirst().first?.components(separatedBy: "## 5.").first)
        let rows = layout.split(separator: "\n").filter { $0.hasPrefix("| ") && $0.first(where: \.isNumber) != nil && !$0.hasPrefix("| #") }
        let named = rows.map { row -> ArchiveLayout.Section? in
            let member = row.split(separator: "|")[1].trimmingCharacters(in: .whitespaces)
            switch member {
            case "`manifest.json`": return .manifest
            case "`summary.json`": return .summary
            case "`SHA256SUMS`": return .checksums
            case _ where member.hasPrefix("file members"): return .files
            case _ where member.hasPrefix("table data members"): return .tables
            case _ where member.hasPrefix("extension members"): return .extensions
            default: return nil
            }
        }
        #expect(named == ArchiveLayout.Section.allCases.map { $0 }, "\(rows)")
        var order = ArchiveLayout.SectionOrder()
        try order.enter("manifest.json")
        try order.enter("config/original/config.yml")
        try order.enter("tables/t/000000.ndjson")
        #expect(throws: ArchiveError.self) { try order.enter("docs/late.md") }
    }
}
