import Foundation
import TCSamples
import Testing
@testable import TeleClaudeMigration

/// A hand-made ustar stream: any name, type and link target, including the ones tc-export
/// never writes. libarchive's writer would refuse or normalise most of them.
struct TarBuilder {
    private(set) var bytes: [UInt8] = []

    mutating func add(name: [UInt8], type: UInt8 = UInt8(ascii: "0"), link: String = "", content: [UInt8] = [],
                      declaredSize: Int? = nil) {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ field: [UInt8], at offset: Int, width: Int) {
            for (index, byte) in field.prefix(width).enumerated() { header[offset + index] = byte }
        }
        func octal(_ value: Int, width: Int) -> [UInt8] {
            let digits = String(value, radix: 8)
            return Array((String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits).utf8) + [0]
        }
        put(name, at: 0, width: 100)
        put(octal(0o644, width: 8), at: 100, width: 8)
        put(octal(0, width: 8), at: 108, width: 8)
        put(octal(0, width: 8), at: 116, width: 8)
        let carriesData = type == UInt8(ascii: "0") || type == UInt8(ascii: "x")
        put(octal(declaredSize ?? (carriesData ? content.count : 0), width: 12), at: 124, width: 12)
        put(octal(0, width: 12), at: 136, width: 12)
        put(Array(repeating: UInt8(ascii: " "), count: 8), at: 148, width: 8)
        header[156] = type
        put(Array(link.utf8), at: 157, width: 100)
        put(Array("ustar\0".utf8) + Array("00".utf8), at: 257, width: 8)
        let sum = header.reduce(0) { $0 + Int($1) }
        put(octal(sum, width: 7) + [UInt8(ascii: " ")], at: 148, width: 8)
        bytes += header
        if carriesData {
            bytes += content
            bytes += [UInt8](repeating: 0, count: (512 - content.count % 512) % 512)
        }
    }

    mutating func finish() { bytes += [UInt8](repeating: 0, count: 1024) }
}

extension SampleExport {
    /// The sample's members as an uncompressed archive of it holds them.
    func plainMembers() throws -> [RawMember] {
        let plain = folder.file("plain.tar")
        _ = try Exporter(options: ExportOptions(
            locations: .init(projectRoot: installation + "/project", docs: installation + "/home/.teleclaude/docs"),
            output: plain, compression: .none, createdAt: Date(timeIntervalSince1970: 1_700_000_000)), console: MessageLog().console).run()
        return try rawMembers(plain)
    }
}

/// Runs one tc-import command on a hostile archive and expects it refused: exit 1, an
/// `error:` line, no control character from the archive on the terminal, within a minute.
func expectRefused(_ arguments: [String], _ label: String) throws {
    let started = Date()
    let result = try runTool("tc-import", arguments)
    Figures.record("hostile-runs", 1)
    if result.status == 1 { Figures.record("hostile-runs-refused", 1) }
    #expect(result.status == 1, "\(label): \(arguments[0]) exited \(result.status): \(result.stderr)")
    #expect(result.stderr.contains("error:"), "\(label): \(arguments[0]) said nothing")
    #expect(!result.stderr.contains("\u{1B}"), "\(label): a control character from the archive reached the terminal")
    #expect(Date().timeIntervalSince(started) < 60, "\(label): \(arguments[0]) took too long")
}

@Suite("Hostile members never reach the disk", .timeLimit(.minutes(5)))
struct HostileMemberTests {
    struct Case: Sendable, CustomStringConvertible {
        var label: String
        var name: [UInt8]
        var type: UInt8 = UInt8(ascii: "0")
        var link = ""
        var description: String { label }
    }

    static let cases: [Case] = [
        Case(label: "parent folder in the name", name: Array("docs/../../escape.md".utf8)),
        Case(label: "absolute name", name: Array("/tmp/tc-hostile-absolute.md".utf8)),
        Case(label: "symbolic link member", name: Array("docs/link.md".utf8), type: UInt8(ascii: "2"), link: "../../../escape.md"),
        Case(label: "hard link member", name: Array("docs/hard.md".utf8), type: UInt8(ascii: "1"), link: "manifest.json"),
        Case(label: "character device member", name: Array("docs/tty.md".utf8), type: UInt8(ascii: "3")),
        Case(label: "FIFO member", name: Array("docs/pipe.md".utf8), type: UInt8(ascii: "6")),
        Case(label: "directory member", name: Array("docs/folder".utf8), type: UInt8(ascii: "5")),
        Case(label: "non-UTF-8 name", name: Array("docs/".utf8) + [0xFF, 0xFE] + Array(".md".utf8)),
        Case(label: "control character in the name", name: Array("docs/a\u{1B}[2J.md".utf8)),
        Case(label: "backslash traversal", name: Array("docs/..\\..\\escape.md".utf8)),
    ]

    @Test(arguments: cases)
    func refusedWithNothingWritten(_ hostile: Case) throws {
        let sample = try SampleExport()
        var members = try sample.plainMembers()
        // The manifest lists the hostile member as a doc, so only the member itself is wrong.
        let content = Array("---\nid: evil\n---\nowned\n".utf8)
        var manifest = try JSONDecoder().decode(Manifest.self, from: Data(members[0].bytes))
        manifest.files.insert(.init(path: String(decoding: hostile.name, as: UTF8.self), role: "doc", size: content.count,
                                    sha256: SHA256Hex.of(content)), at: 0)
        members[0].bytes = try CanonicalJSON.encode(manifest)
        var tar = TarBuilder()
        tar.add(name: Array(members[0].name.utf8), content: members[0].bytes)
        tar.add(name: hostile.name, type: hostile.type, link: hostile.link, content: content)
        for member in members.dropFirst() { tar.add(name: Array(member.name.utf8), content: member.bytes) }
        tar.finish()
        let archive = sample.folder.file("hostile.tcar")
        _ = FileManager.default.createFile(atPath: archive, contents: Data(tar.bytes))

        let sentinel = sample.folder.file("sentinel")
        _ = FileManager.default.createFile(atPath: sentinel, contents: Data("untouched".utf8))
        let before = try FileManager.default.contentsOfDirectory(atPath: sample.folder.path).sorted()
        for command in [sample.installArguments(), ["verify", archive], ["inspect", archive]] {
            var arguments = command
            if arguments.first == "install-files" { arguments[1] = archive }
            try expectRefused(arguments, "\(hostile)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: sample.folder.path).sorted() == before)
        #expect(!FileManager.default.fileExists(atPath: sample.folder.file("target")))
        #expect(contents(sentinel) == Array("untouched".utf8))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/tc-hostile-absolute.md"))
        Figures.record("hostile-cases", 1)
        if contents(sentinel) == Array("untouched".utf8) { Figures.record("hostile-cases-nothing-written", 1) }
    }
}
