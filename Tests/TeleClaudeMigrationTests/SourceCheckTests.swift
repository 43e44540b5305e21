import CTCSQLite
import Foundation
import Testing
@testable import TeleClaudeMigration

/// A damaged source is never exported as if it were sound: `PRAGMA quick_check` runs in the
/// export's snapshot first. Pages of a real table are overwritten with seeded random bytes,
/// as a failing disk or a stray write would.
@Suite("The source database is checked before it is exported")
struct SourceCheckTests {
    /// A database with one table large enough for many leaf pages; its page size and count.
    static func database(_ path: String) throws -> (pageSize: Int, pages: Int) {
        let db = try makeDatabase(path, wal: false, [
            "CREATE TABLE hook_outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, payload TEXT, created_at TEXT)",
            """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000)
            INSERT INTO hook_outbox (payload, created_at) SELECT printf('{"event": "tool_use", "n": %d, "text": "%s"}', i, hex(randomblob(40))), '2025-01-01 10:00:00' FROM n
            """,
        ])
        let pageSize = Int(try db.rows("PRAGMA page_size")[0][0].integerValue ?? 4096)
        let pages = Int(try db.rows("PRAGMA page_count")[0][0].integerValue ?? 0)
        db.close()
        return (pageSize, pages)
    }

    /// An empty doc snippets folder (the export needs one).
    func docs(_ folder: TemporaryFolder) throws -> String {
        let path = folder.file("docs")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("twenty seeded pages overwritten with random bytes: every export stops, names the database and how to recover, and writes nothing")
    func damagedPages() throws {
        let folder = try TemporaryFolder()
        let clean = folder.file("clean.db")
        let (pageSize, pages) = try Self.database(clean)
        #expect(pages > 40)
        var generator = SeededGenerator(seed: 0x7463_6368_6563_6B)
        for seed in 0..<20 {
            let path = folder.file("damaged-\(seed).db")
            try FileManager.default.copyItem(atPath: clean, toPath: path)
            // A page past the schema's (page 1 holds the header and sqlite_schema).
            let page = Int.random(in: 3...pages, using: &generator)
            let noise = (0..<pageSize).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let handle = try #require(FileHandle(forUpdatingAtPath: path))
            try handle.seek(toOffset: UInt64((page - 1) * pageSize))
            handle.write(Data(noise))
            try handle.close()
            let output = folder.file("damaged-\(seed).tcar")
            let result = try runTool("tc-export", ["--db", path, "--project-root", folder.path, "-o", output, "--docs", try docs(folder)])
            #expect(result.status == 1, "page \(page) of \(pages) (seed \(seed)): exit \(result.status)")
            #expect(result.stderr.contains("\(path) is damaged (PRAGMA quick_check") && result.stderr.contains(".recover"),
                    "page \(page): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: output), "page \(page): an archive was left")
        }
    }

    @Test("a sound database says it was checked, and --no-source-check skips the check")
    func soundDatabase() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("teleclaude.db")
        _ = try Self.database(path)
        let checked = try runTool("tc-export", ["--db", path, "--project-root", folder.path, "-o", folder.file("a.tcar"), "--docs", try docs(folder)])
        #expect(checked.status == 0, "\(checked.stderr)")
        #expect(checked.stderr.contains("its pages are sound (PRAGMA quick_check"), "\(checked.stderr)")
        let skipped = try runTool("tc-export", ["--db", path, "--project-root", folder.path, "-o", folder.file("b.tcar"), "--docs", try docs(folder),
                                                "--no-source-check"])
        #expect(skipped.status == 0 && !skipped.stderr.contains("quick_check"), "\(skipped.stderr)")
    }
}

extension SourceCheckTests {
    @Test("a WAL database with an empty -wal and no -shm (a connection closed before writing) exports, where it used to say \"changed by another process\" every time")
    func emptyWalWithoutShm() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("teleclaude.db")
        let db = try makeDatabase(path, wal: true, ["CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO t (v) VALUES ('a')"])
        db.close()
        #expect(!FileManager.default.fileExists(atPath: path + "-shm"))
        #expect(FileManager.default.createFile(atPath: path + "-wal", contents: Data()))
        let result = try runTool("tc-export", ["--db", path, "--project-root", folder.path, "-o", folder.file("a.tcar"), "--docs", try docs(folder)])
        #expect(result.status == 0, "\(result.stderr)")
        // The same snapshot with the -wal written to while it is open: a change, said as one.
        let snapshot = try DatabaseSnapshot(path: path)
        let wal = try #require(FileHandle(forWritingAtPath: path + "-wal"))
        wal.write(Data(repeating: 0, count: 32))
        try wal.close()
        #expect(throws: ExportError.changedDuringExport(path: path)) { try snapshot.finish() }
    }
}

/// SplitMix64: the same corruptions on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
