import Foundation
import Testing
@testable import TeleClaudeMigration

/// A file that is not an archive at all is named for what it is, not called a damaged archive.
@Suite("Files that are not archives")
struct NotAnArchiveTests {
    static let cases: [(name: String, bytes: [UInt8], says: String)] = [
        ("README.md", Array("# Title\n\nSome text.\n".utf8) + Array(repeating: 0x20, count: 600), "is a text file, not a tc-export archive"),
        ("teleclaude.db", Array("SQLite format 3\u{0}".utf8) + Array(repeating: 0, count: 4080), "is a SQLite database, not a tc-export archive (to export it: tc-export --db"),
        ("empty", [], "is empty: not a tc-export archive"),
        ("short", [0x78], "ends before its first tar header: not a tc-export archive"),
        ("noise", (0..<1024).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }, "is not a tc-export archive (its first bytes are not a tar header)"),
    ]

    @Test("each is named for what it is, with reason not_an_archive", arguments: 0..<cases.count)
    func named(_ index: Int) throws {
        let (name, bytes, says) = Self.cases[index]
        let folder = try TemporaryFolder()
        _ = FileManager.default.createFile(atPath: folder.file(name), contents: Data(bytes))
        #expect {
            _ = try ArchiveVerifier(.file(folder.file(name)), console: MessageLog().console).run()
        } throws: { error in
            guard let error = error as? ArchiveError else { return false }
            return error.reason == .notAnArchive && error.message.contains(says) && !error.message.contains("damaged")
        }
    }
}
