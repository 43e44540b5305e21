import Foundation
import Testing
@testable import TeleClaudeMigration

/// Tables whose columns all have a binary form are loaded with binary COPY and read back in
/// binary; a table with another type (here numeric) goes as text. Both must store the same
/// values, and the read-back must see a change in every column type.
@Suite("Binary and text COPY store the same values", .timeLimit(.minutes(5)))
struct CopyFormatTests {
    static let columns = """
        id int8 PRIMARY KEY, small int2, medium int4, flag boolean, ratio float8, at timestamptz, wall timestamp,
        day date, doc json, docb jsonb, raw bytea, ref uuid, label varchar(40), body text
        """

    /// One SQLite table per target table, the same rows in each: typical values, edge values, NULLs.
    static func archive(_ folder: TemporaryFolder) throws -> String {
        let rows = """
            (1, 7, -2147483648, 1, 0.1, '2025-01-01T12:00:00.123456+02:00', '2025-06-01 08:00:00', '2024-02-29',
             '{"b":1,"a":[true,null]}', '{"z":"ü🚀","a":{"n":-0.5}}', x'00ff10', 'C0FFEE00-1234-4abc-9def-001122334455',
             'tab' || char(9) || 'and' || char(10) || 'newline', 'back\\slash "quote" ' || char(27) || '[31m'),
            (2, -32768, 0, 'no', -0.0, 1735725600, 1735725600123, 1735689600, 7, '[]', 'as text', 'c0ffee00-1234-4abc-9def-0011223344ff', '', 'x'),
            (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
            """
        let names = "id, small, medium, flag, ratio, at, wall, day, doc, docb, raw, ref, label, body"
        let db = try makeDatabase(folder.file("f.db"), wal: false, [
            "CREATE TABLE b (id INTEGER PRIMARY KEY, small, medium, flag, ratio, at, wall, day, doc, docb, raw, ref, label, body)",
            "CREATE TABLE t (id INTEGER PRIMARY KEY, small, medium, flag, ratio, at, wall, day, doc, docb, raw, ref, label, body, amount)",
            "INSERT INTO b (\(names)) VALUES \(rows)",
            "INSERT INTO t (\(names)) VALUES \(rows)",
            "UPDATE t SET amount = id * 1.25",
        ])
        db.close()
        try export(database: folder.file("f.db"), to: folder.file("f.tcar"))
        return folder.file("f.tcar")
    }

    static func schema(_ extra: String = "") throws -> TestServer.Schema {
        try TestServer.Schema(withSampleTables: false, """
            CREATE TABLE b (\(columns));
            CREATE TABLE t (\(columns), amount numeric(10,2));
            \(extra)
            """)
    }

    static func options(_ archive: String, _ schema: TestServer.Schema) -> LoadOptions {
        LoadOptions(archive: .file(archive), databaseURL: schema.url, schema: schema.name, naiveTimeZone: TimeZone(identifier: "UTC")!)
    }

    @Test("the binary table and the text table hold the same values, and the values are right")
    func sameValues() throws {
        let folder = try TemporaryFolder()
        let schema = try Self.schema()
        let options = Self.options(try Self.archive(folder), schema)
        let plan = try Planner(options: options, console: MessageLog().console).plan()
        #expect(plan.tables.map(\.copyFormat) == ["binary", "text"])
        #expect(plan.render().contains("t: target found, 3 rows, ok, COPY in text format"))
        let report = try Loader(options: options, console: MessageLog().console).run()
        #expect(report.tables.allSatisfy { $0.verified == 3 })
        let list = "id, small, medium, flag, ratio, at, wall, day, doc, docb, encode(raw, 'hex'), ref, label, body"
        let binary = try schema.rows("SELECT \(list) FROM \(schema.name).b ORDER BY id")
        let text = try schema.rows("SELECT \(list) FROM \(schema.name).t ORDER BY id")
        #expect(binary == text)
        #expect(binary[0] == ["1", "7", "-2147483648", "t", "0.1", "2025-01-01 10:00:00.123456+00", "2025-06-01 08:00:00",
                              "2024-02-29", #"{"b":1,"a":[true,null]}"#, #"{"a": {"n": -0.5}, "z": "ü🚀"}"#, "00ff10",
                              "c0ffee00-1234-4abc-9def-001122334455", "tab\tand\nnewline", "back\\slash \"quote\" \u{1B}[31m"])
        #expect(binary[1] == ["2", "-32768", "0", "f", "-0", "2025-01-01 10:00:00+00", "2025-01-01 10:00:00.123",
                              "2025-01-01", "7", "[]", "61732074657874", "c0ffee00-1234-4abc-9def-0011223344ff", "", "x"])
        #expect(binary[2] == ["3"] + Array(repeating: nil, count: 13))
        #expect(try schema.value("SELECT string_agg(amount::text, ',' ORDER BY id) FROM \(schema.name).t") == "1.25,2.50,3.75")
    }

    /// A trigger changes one column of one row on its way in; the read-back must name it.
    static let changes: [(column: String, change: String)] = [
        ("small", "NEW.small := NEW.small + 1"),
        ("medium", "NEW.medium := NEW.medium + 1"),
        ("flag", "NEW.flag := NOT NEW.flag"),
        ("ratio", "NEW.ratio := NEW.ratio * 2"),
        ("at", "NEW.at := NEW.at + interval '1 microsecond'"),
        ("wall", "NEW.wall := NEW.wall + interval '1 second'"),
        ("day", "NEW.day := NEW.day + 1"),
        ("doc", #"NEW.doc := '{"b":2,"a":[true,null]}'"#),
        ("docb", #"NEW.docb := NEW.docb || '{"y":1}'"#),
        ("raw", "NEW.raw := NEW.raw || '\\x00'::bytea"),
        ("ref", "NEW.ref := 'c0ffee00-1234-4abc-9def-001122334456'"),
        ("label", "NEW.label := NEW.label || ' '"),
        ("body", "NEW.body := NEW.body || 'x'"),
        ("amount", "NEW.amount := NEW.amount + 0.01"),
    ]

    @Test("a change to any column type is found by the read-back", arguments: 0..<changes.count)
    func changeIsFound(index: Int) throws {
        let (column, change) = Self.changes[index]
        let table = column == "amount" ? "t" : "b"
        let folder = try TemporaryFolder()
        let schema = try Self.schema("""
            CREATE FUNCTION nudge() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.id = 1 THEN \(change); END IF; RETURN NEW; END $$;
            CREATE TRIGGER nudge BEFORE INSERT ON \(table) FOR EACH ROW EXECUTE FUNCTION nudge();
            """)
        #expect {
            _ = try Loader(options: Self.options(try Self.archive(folder), schema), console: MessageLog().console).run()
        } throws: { error in
            let message = "\(error)"
            return message.contains("differing column(s): \(column)") && message.contains("\(table) row id=1 differs")
        }
        #expect(try schema.counts().values.allSatisfy { $0 == 0 })
    }

    @Test("large values are stored with lz4 unless the server's default is asked for")
    func toastCompression() throws {
        let folder = try TemporaryFolder()
        let db = try makeDatabase(folder.file("big.db"), wal: false, [
            "CREATE TABLE big (id INTEGER PRIMARY KEY, body TEXT)",
            "INSERT INTO big VALUES (1, replace(hex(zeroblob(50000)), '0', 'a'))",
        ])
        db.close()
        try export(database: folder.file("big.db"), to: folder.file("big.tcar"))
        for (choice, expected) in [(LoadOptions.ToastCompression.lz4, "lz4"), (.server, "pglz")] {
            let schema = try TestServer.Schema(withSampleTables: false, "CREATE TABLE big (id int8 PRIMARY KEY, body text)")
            var options = Self.options(folder.file("big.tcar"), schema)
            options.toastCompression = choice
            let report = try Loader(options: options, console: MessageLog().console).run()
            #expect(report.toastCompression == (choice == .lz4 ? "lz4" : nil))
            #expect(try schema.value("SELECT pg_column_compression(body) FROM \(schema.name).big") == expected)
        }
    }
}
