import Foundation
import TCSamples
import Testing
@testable import TeleClaudeMigration

/// A member of an archive, for tests that take archives apart and put them back wrongly.
struct RawMember: Sendable {
    var name: String
    var bytes: [UInt8]
}

/// Reads every member of an archive with the strict tar reader, without format checks.
func rawMembers(_ path: String) throws -> [RawMember] {
    let fd = open(path, O_RDONLY)
    defer { close(fd) }
    let tar = TarReader(source: try DecompressingReader(input: try ArchiveInput(fileDescriptor: fd, displayName: path, identities: Age.Identities()),
                                                                displayName: path, signature: nil))
    var members: [RawMember] = []
    while let member = try tar.nextMember() {
        var bytes: [UInt8] = []
        var scratch = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = try scratch.withUnsafeMutableBytes { try tar.readData(into: $0) }
            if n == 0 { break }
            bytes += scratch[0..<n]
        }
        members.append(RawMember(name: member.name, bytes: bytes))
    }
    return members
}

/// The members with SHA256SUMS listing every other member except `leaving`, as they are
/// now, so only the damage a test made remains.
func recomputingChecksums(_ members: [RawMember], leaving excluded: Set<String> = []) -> [RawMember] {
    var members = members
    guard let index = members.firstIndex(where: { $0.name == ArchiveLayout.checksums }) else { return members }
    let list = ChecksumList(entries: members.filter { $0.name != ArchiveLayout.checksums && !excluded.contains($0.name) }
        .map { .init(sha256: SHA256Hex.of($0.bytes), name: $0.name) })
    members[index].bytes = Array(list.text.utf8)
    return members
}

/// Writes members as an archive; with `fixChecksums` the SHA256SUMS member is recomputed.
func writeMembers(_ members: [RawMember], to path: String, compression: Compression = .none, fixChecksums: Bool = true) throws {
    let members = fixChecksums ? recomputingChecksums(members) : members
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    defer { close(fd) }
    let writer = try TarWriter(fileDescriptor: fd, compression: compression, modificationTime: 0)
    for member in members { try writer.writeMember(name: member.name, bytes: member.bytes) }
    try writer.close()
}

func verifyError(_ path: String) -> String? {
    do {
        _ = try CollectedArchive.read(path)
        return nil
    } catch {
        return "\(error)"
    }
}

@Suite("A damaged or tampered archive never verifies")
struct ArchiveIntegrityTests {
    /// The bundled sample, exported once per compression.
    static func sampleArchive(_ folder: TemporaryFolder, _ compression: Compression) throws -> String {
        try BundledSample.write(to: folder.file("sample"))
        let output = folder.file("sample.\(compression.rawValue)")
        try export(database: folder.file("sample/project/teleclaude.db"), to: output, compression: compression)
        return output
    }

    @Test("one flipped byte anywhere is detected", arguments: Compression.allCases)
    func flippedBytes(compression: Compression) throws {
        let folder = try TemporaryFolder()
        let path = try Self.sampleArchive(folder, compression)
        let original = try #require(contents(path))
        #expect(verifyError(path) == nil)
        // 200 positions spread evenly, plus the first and last 64 bytes where headers and
        // end markers sit.
        var positions = Set((0..<200).map { $0 * original.count / 200 })
        positions.formUnion(0..<min(64, original.count))
        positions.formUnion(max(0, original.count - 64)..<original.count)
        var undetected: [Int] = []
        for position in positions.sorted() {
            var damaged = original
            damaged[position] ^= 0x01
            let file = folder.file("damaged")
            _ = FileManager.default.createFile(atPath: file, contents: Data(damaged))
            if verifyError(file) == nil { undetected.append(position) }
        }
        #expect(undetected.isEmpty, "flips at \(undetected) of \(original.count) bytes verified")
        Figures.record("flips-tried", positions.count)
        Figures.record("flips-detected", positions.count - undetected.count)
    }

    @Test("truncation at any point is detected", arguments: Compression.allCases)
    func truncation(compression: Compression) throws {
        let folder = try TemporaryFolder()
        let path = try Self.sampleArchive(folder, compression)
        let original = try #require(contents(path))
        var lengths = Set((0..<50).map { $0 * original.count / 50 })
        lengths.formUnion((1...16).map { original.count - $0 })
        var detected = 0
        for length in lengths.sorted() {
            let file = folder.file("cut")
            _ = FileManager.default.createFile(atPath: file, contents: Data(original.prefix(length)))
            let error = verifyError(file)
            #expect(error != nil, "archive cut to \(length) of \(original.count) bytes verified")
            if error != nil { detected += 1 }
        }
        Figures.record("truncations-tried", lengths.count)
        Figures.record("truncations-detected", detected)
    }

    static let tamperings: [(String, @Sendable ([RawMember]) -> [RawMember], String)] = [
        ("a member removed", { m in m.filter { $0.name != "tables/sessions/000000.ndjson" } }, "sessions"),
        ("two members swapped", { m in var m = m; m.swapAt(2, 3); return m }, "expected"),
        ("a member duplicated", { m in var m = m; m.insert(m[2], at: 3); return m }, "appears twice"),
        ("an extra member", { m in var m = m; m.insert(RawMember(name: "tables/extra.ndjson", bytes: []), at: m.count - 2); return m }, "unexpected member"),
        ("a member after SHA256SUMS", { m in m + [RawMember(name: "late.txt", bytes: [0x41])] }, "late.txt"),
        ("the manifest not first", { m in var m = m; m.swapAt(0, 1); return m }, "starts with manifest.json"),
        ("a row added to a table", { m in m.map { var r = $0; if r.name == "tables/system_settings/000000.ndjson" { r.bytes += Array("[\"k\",\"v\",null]\n".utf8) }; return r } }, "system_settings"),
        ("a line with a missing value", { m in m.map { var r = $0; if r.name == "tables/system_settings/000000.ndjson" { r.bytes = Array("[\"k\",\"v\"]\n[\"x\",\"y\",null]\n".utf8) }; return r } }, "2 values for 3 columns"),
        ("invalid JSON in a row", { m in m.map { var r = $0; if r.name == "tables/system_settings/000000.ndjson" { r.bytes = Array("[\"k\",\"v\",nul]\n[\"x\",\"y\",null]\n".utf8) }; return r } }, "invalid value encoding"),
        ("the last row without its newline", { m in m.map { var r = $0; if r.name == "tables/system_settings/000000.ndjson" { r.bytes.removeLast() }; return r } }, "does not end with a newline"),
        ("a table renamed in the manifest", { m in editManifest(m) { $0.replacingOccurrences(of: "\"name\" : \"system_settings\"", with: "\"name\" : \"system_settings2\"") } }, "system_settings"),
        ("a row count changed in the manifest", { m in editManifest(m) { $0.replacingOccurrences(of: "\"rows\" : 4,", with: "\"rows\" : 5,") } }, "manifest says 5"),
        ("a column added in the manifest", { m in editManifest(m) { $0.replacingOccurrences(of: "\"columns\" : [", with: "\"columns\" : [{\"declared_type\":\"\",\"name\":\"zz\",\"not_null\":false,\"primary_key_position\":0},") } }, "columns"),
        ("an unknown major version", { m in editManifest(m) { $0.replacingOccurrences(of: "\"format_version\" : \"\(FormatVersion.current)\"", with: "\"format_version\" : \"2.0\"") } }, "reads version 1.x only"),
        ("an unknown required feature", { m in editManifest(m) { $0.replacingOccurrences(of: "\"format_version\" : \"\(FormatVersion.current)\"", with: "\"format_version\" : \"1.7\", \"required_features\" : [\"row-groups\"]").replacingOccurrences(of: "\"required_features\" : [\n\n  ],", with: "") } }, "row-groups"),
        ("another format", { m in editManifest(m) { $0.replacingOccurrences(of: "teleclaude-migration-archive", with: "something-else") } }, "not a TeleClaude migration archive"),
    ]

    @Sendable static func editManifest(_ members: [RawMember], _ edit: (String) -> String) -> [RawMember] {
        members.map { member in
            guard member.name == ArchiveLayout.manifest else { return member }
            return RawMember(name: member.name, bytes: Array(edit(String(decoding: member.bytes, as: UTF8.self)).utf8))
        }
    }

    @Test("structural tampering is named, even with recomputed checksums", arguments: 0..<tamperings.count)
    func tampering(index: Int) throws {
        let (label, transform, expected) = Self.tamperings[index]
        let folder = try TemporaryFolder()
        let members = try rawMembers(try Self.sampleArchive(folder, .none))
        let changed = transform(members)
        #expect(changed.map(\.bytes) != members.map(\.bytes) || changed.map(\.name) != members.map(\.name), "\(label): the transformation changed nothing")
        let path = folder.file("tampered.tar")
        try writeMembers(changed, to: path)
        let error = try #require(verifyError(path), "\(label): verified")
        #expect(error.contains(expected), "\(label): \(error)")
    }

    @Test("a member whose checksum does not match is named")
    func checksumMismatch() throws {
        let folder = try TemporaryFolder()
        var members = try rawMembers(try Self.sampleArchive(folder, .none))
        let index = try #require(members.firstIndex { $0.name == "tables/agent_availability/000000.ndjson" })
        members[index].bytes = Array(String(decoding: members[index].bytes, as: UTF8.self).replacingOccurrences(of: "claude", with: "claudf").utf8)
        let path = folder.file("t.tar")
        try writeMembers(members, to: path, fixChecksums: false)
        let error = try #require(verifyError(path))
        #expect(error.contains("agent_availability"), "\(error)")
    }

    @Test("a newer minor version without required features is read with a warning")
    func newerMinor() throws {
        let newer = FormatVersion(major: FormatVersion.current.major, minor: FormatVersion.current.minor + 1)
        let folder = try TemporaryFolder()
        let members = Self.editManifest(try rawMembers(try Self.sampleArchive(folder, .none))) {
            $0.replacingOccurrences(of: "\"format_version\" : \"\(FormatVersion.current)\"", with: "\"format_version\" : \"\(newer)\", \"future_field\" : {\"x\" : 1}")
        }
        let path = folder.file("newer.tar")
        try writeMembers(members, to: path)
        let archive = try CollectedArchive.read(path)
        #expect(archive.warnings.contains { $0.contains("\(newer)") })
        #expect(archive.rows["sessions"]?.count == 4)
    }

    @Test("an unknown member under ext/ is checked and ignored")
    func extensionMember() throws {
        let folder = try TemporaryFolder()
        var members = try rawMembers(try Self.sampleArchive(folder, .none))
        members.insert(RawMember(name: "ext/future/notes.json", bytes: Array("{}".utf8)), at: members.count - 2)
        let path = folder.file("ext.tar")
        try writeMembers(members, to: path)
        #expect(verifyError(path) == nil)
    }
}
