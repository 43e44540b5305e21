import CTCSQLite
import Foundation
import Testing
@testable import TeleClaudeMigration

@Suite("Every SQLite value survives export and reading back")
struct ValueRoundTripTests {
    /// Values chosen to break a lossy encoding, inserted with their storage class.
    static let values: [SQLiteValue] = [
        .null,
        .integer(0), .integer(1), .integer(-1), .integer(Int64.max), .integer(Int64.min), .integer(9_007_199_254_740_993),
        .real(0.0), .real(-0.0), .real(1.0), .real(0.1), .real(1e308), .real(-1e308), .real(Double.leastNonzeroMagnitude),
        .real(.infinity), .real(-.infinity), .real(123456789.123456789), .real(1e16), .real(-2.5e-10),
        .text(""), .text("1"), .text("plain"), .text("line\nbreak\r\nand\ttab"), .text([0x61, 0x00, 0x62]),
        .text("quote \" backslash \\ slash /"), .text("\u{1B}[31mred\u{1B}[0m"), .text("日本語 ü ñ 🚀 \u{2028}\u{2029}"),
        .text("\u{7F}\u{1F}\u{01}"), .text([0xFF, 0xFE, 0x41]), .text([0xC3]), .text([0xED, 0xA0, 0x80]),
        .blob([]), .blob([0x00]), .blob(Array(0...255)), .blob(Array("1".utf8)),
    ]

    @Test("round trip through each compression", arguments: Compression.allCases)
    func roundTrip(compression: Compression) throws {
        let folder = try TemporaryFolder()
        let path = folder.file("values.db")
        let db = try makeDatabase(path, ["CREATE TABLE v (id INTEGER PRIMARY KEY, value, note TEXT)"])
        let insert = try db.prepare("INSERT INTO v (id, value, note) VALUES (?, ?, ?)")
        for (index, value) in Self.values.enumerated() {
            try insert.run([.integer(Int64(index + 1)), value, .text("value \(index)")])
        }
        insert.finalize()
        let expected = try db.rows("SELECT id, value, note FROM v ORDER BY id")
        db.close()

        try export(database: path, to: folder.file("a.tcar"), compression: compression)
        let archive = try CollectedArchive.read(folder.file("a.tcar"))
        let rows = try #require(archive.rows["v"])
        #expect(rows.count == Self.values.count)
        for (got, want) in zip(rows, expected) {
            #expect(got == want, "row \(want[0]) differs: \(got) vs \(want)")
        }
        // Storage classes survive: the text '1' and the integer 1 stay distinct.
        #expect(rows.contains { $0[1] == .text("1") })
        #expect(rows.contains { $0[1] == .integer(1) })
        #expect(rows.contains { $0[1] == .blob(Array("1".utf8)) })
        let valueClasses = try #require(archive.summary?.tables.first?.classes[1])
        #expect(valueClasses.integer == 6 && valueClasses.real == 12 && valueClasses.blob == 4 && valueClasses.null == 1)
    }

    @Test("a table bigger than one chunk is split at row boundaries and read back whole")
    func chunking() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("big.db")
        let db = try makeDatabase(path, ["CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT)"])
        try db.execute("BEGIN")
        let insert = try db.prepare("INSERT INTO t (body) VALUES (?)")
        for i in 0..<3000 { try insert.run([.text(String(repeating: "row \(i) ", count: 1 + i % 40))]) }
        insert.finalize()
        try db.execute("COMMIT")
        db.close()

        try export(database: path, to: folder.file("a.tcar"), chunkTarget: 16 * 1024)
        let archive = try CollectedArchive.read(folder.file("a.tcar"))
        let summary = try #require(archive.summary?.tables.first)
        #expect(summary.chunks > 10)
        #expect(archive.rows["t"]?.count == 3000)
        #expect(archive.rows["t"]?.map { $0[0] } == (1...3000).map { SQLiteValue.integer(Int64($0)) })
        let members = try #require(archive.checksums?.entries.map(\.name))
        #expect(members.contains("tables/t/000000.ndjson"))
        #expect(members.contains("tables/t/000010.ndjson"))
    }
}
