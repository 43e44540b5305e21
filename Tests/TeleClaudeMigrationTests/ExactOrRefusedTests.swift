import Foundation
import Testing
@testable import TeleClaudeMigration

/// Issue 11, part 1: a value arrives unchanged or is refused. Each lossy (storage class,
/// target type) pair is loaded into a real PostgreSQL three ways: by default (refused,
/// named), under `--on-error reject` (rejected, the rest loads) and with `--allow-change`
/// (accepted, counted, and the read-back agrees with what PostgreSQL stored).
@Suite("Exact or refused: conversions that change a value", .timeLimit(.minutes(5)))
struct ExactOrRefusedTests {
    struct Lossy: CustomTestStringConvertible, Sendable {
        /// The SQLite literal of row 2 (row 1 holds `exact`, a value that fits).
        var value: String
        var exact: String
        var type: String
        var change: ValueChange
        /// `probe` of row 2 after an accepted change.
        var stored: String
        var probe = "v::text"
        /// Whether `plan` can tell from the type and storage classes (a full-precision
        /// timestamp column is not flagged: a fraction past the microsecond is rare).
        var planKnows = true
        var testDescription: String { "\(value) into \(type)" }
    }

    static let lossy: [Lossy] = [
        Lossy(value: "0.1", exact: "0.5", type: "real", change: .roundedToReal, stored: "0.10000000149011612", probe: "v::float8::text"),
        Lossy(value: "16777217", exact: "16777216", type: "real", change: .roundedToReal, stored: "16777216", probe: "v::float8::text"),
        Lossy(value: "'0.1000000001'", exact: "'0.25'", type: "real", change: .roundedToReal, stored: "0.1", probe: "v::text"),
        Lossy(value: "9007199254740993", exact: "9007199254740992", type: "double precision", change: .roundedToDouble, stored: "9.007199254740992e+15"),
        Lossy(value: "'0.10000000000000000000001'", exact: "'0.1'", type: "double precision", change: .roundedToDouble, stored: "0.1"),
        Lossy(value: "2.555", exact: "2.5", type: "numeric(5,2)", change: .roundedToScale, stored: "2.56"),
        Lossy(value: "'1.005'", exact: "'1.50'", type: "numeric(6,2)", change: .roundedToScale, stored: "1.01"),
        Lossy(value: "'2025-01-01 10:00:00'", exact: "'2025-01-01'", type: "date", change: .droppedTimeOfDay, stored: "2025-01-01"),
        Lossy(value: "1735725600", exact: "1735689600", type: "date", change: .droppedTimeOfDay, stored: "2025-01-01"),
        Lossy(value: "'2025-01-01 10:00:00.5'", exact: "'2025-01-01 10:00:00'", type: "timestamp(0)", change: .roundedFraction, stored: "2025-01-01 10:00:01"),
        Lossy(value: "'2025-01-01T10:00:00.1234567Z'", exact: "'2025-01-01T10:00:00.123456Z'", type: "timestamptz", change: .roundedFraction,
              stored: "2025-01-01 10:00:00.123457+00", planKnows: false),
        Lossy(value: "1735725600123456789", exact: "1735725600123456000", type: "timestamptz", change: .roundedFraction,
              stored: "2025-01-01 10:00:00.123456+00", planKnows: false),
        Lossy(value: "1735725600.1234567", exact: "1735725600.5", type: "timestamptz", change: .roundedFraction,
              stored: "2025-01-01 10:00:00.123457+00", planKnows: false),
        Lossy(value: "'ab'", exact: "'abcd'", type: "char(4)", change: .padded, stored: "4", probe: "octet_length(v)::text"),
        Lossy(value: "'abc   '", exact: "'abc '", type: "varchar(4)", change: .cutSpaces, stored: "abc "),
        Lossy(value: "'" + String(repeating: "n", count: 70) + "'", exact: "'short'", type: "name", change: .cutName, stored: "63",
              probe: "octet_length(v::text)::text"),
        Lossy(value: #"'{"a":1,"a":2}'"#, exact: #"'{"a":1}'"#, type: "jsonb", change: .droppedDuplicateKeys, stored: #"{"a": 2}"#),
    ]

    static func archive(_ folder: TemporaryFolder, rows: [String]) throws -> String {
        let values = rows.enumerated().map { "(\($0.offset + 1), \($0.element))" }.joined(separator: ", ")
        return try exportedDatabase(folder, ["CREATE TABLE c (id INTEGER PRIMARY KEY, v)", "INSERT INTO c VALUES \(values)"], name: "c")
    }

    static func options(_ archive: String, _ schema: TestServer.Schema) -> LoadOptions { .test(archive, schema) }

    @Test("refused by default, rejected under --on-error reject, accepted and counted with --allow-change", arguments: lossy)
    func lossyPair(_ pair: Lossy) throws {
        let folder = try TemporaryFolder()
        let archive = try Self.archive(folder, rows: [pair.exact, pair.value])
        let schema = try TestServer.Schema(withSampleTables: false, "CREATE TABLE c (id int8 PRIMARY KEY, v \(pair.type))")

        // The plan says which columns can meet a change, with the flag.
        let plan = try Planner(options: Self.options(archive, schema), console: MessageLog().console).plan(storageClasses: true)
        #expect(plan.render().contains("refused, unless --allow-change c.v") == pair.planKnows, "\(plan.render())")

        #expect {
            _ = try Loader(options: Self.options(archive, schema), console: MessageLog().console).run()
        } throws: { error in
            let message = "\(error)"
            return message.contains("c row 2 (id=2), column v") && message.contains("(\(pair.change.rawValue)); --allow-change c.v accepts it")
                && message.contains("value not shown")
        }
        #expect(try schema.value("SELECT count(*) FROM c") == "0")

        let rejected = try Loader(options: .test(archive, schema, reject: folder), console: MessageLog().console).run()
        #expect(rejected.tables[0].rejected == 1 && rejected.tables[0].loaded == 1 && rejected.tables[0].verified == 1)
        let line = String(decoding: contents(folder.file("rejects.ndjson")) ?? [], as: UTF8.self)
        #expect(line.contains(pair.change.rawValue))

        var allow = Self.options(archive, schema)
        allow.ifExists = .replace
        allow.allowChange = ["c.v"]
        let report = try Loader(options: allow, console: MessageLog().console).run()
        #expect(report.tables[0].changed == [.init(column: "v", change: pair.change, count: 1)])
        #expect(report.tables[0].verified == 2, "the read-back agrees with what PostgreSQL stored")
        #expect(try schema.value("SELECT \(pair.probe) FROM c WHERE id = 2") == pair.stored)
    }

    /// Spellings that are the same value in the target: loaded without a word, read back equal.
    static let equivalent: [(value: String, type: String, stored: String)] = [
        ("'2.50'", "numeric", "2.50"),
        ("2.5", "numeric(5,2)", "2.50"),
        ("'25e-1'", "numeric", "2.5"),
        ("'C0FFEE00-1234-4ABC-9DEF-001122334455'", "uuid", "c0ffee00-1234-4abc-9def-001122334455"),
        ("'2025-01-01T12:00:00+02:00'", "timestamptz", "2025-01-01 10:00:00+00"),
        (#"'{"n": 1e2, "b": [1.0]}'"#, "jsonb", #"{"b": [1.0], "n": 100}"#),
        (#"'{"a":1,"a":2}'"#, "json", #"{"a":1,"a":2}"#),
        ("0.5", "real", "0.5"),
        ("'0.25'", "real", "0.25"),
        ("'abcd'", "char(4)", "abcd"),
        ("'x  '", "varchar(10)", "x  "),
        ("'1e300'", "double precision", "1e+300"),
        ("'2025-01-01 10:00:00.120'", "timestamp(2)", "2025-01-01 10:00:00.12"),
    ]

    @Test("equivalent spellings load unchanged and read back equal", arguments: 0..<equivalent.count)
    func equivalentSpelling(_ index: Int) throws {
        let (value, type, stored) = Self.equivalent[index]
        let folder = try TemporaryFolder()
        let archive = try Self.archive(folder, rows: [value])
        let schema = try TestServer.Schema(withSampleTables: false, "CREATE TABLE c (id int8 PRIMARY KEY, v \(type))")
        let report = try Loader(options: Self.options(archive, schema), console: MessageLog().console).run()
        #expect(report.tables[0].verified == 1 && report.tables[0].changed.isEmpty)
        #expect(try schema.value("SELECT v::text FROM c") == stored)
    }

    /// Values no `--allow-change` can take: refused before PostgreSQL sees them, as a
    /// conversion problem (so `--on-error reject` takes them too).
    static let refused: [(value: String, type: String, reason: String)] = [
        ("'123.456'", "numeric(4,2)", "3 digits before the point and numeric(4,2) holds 2"),
        ("'Infinity'", "numeric(4,2)", "numeric(4,2) holds no infinity"),
        ("'0x10'", "numeric", "the text is not a number"),
        ("'1_000'", "double precision", "the text is not a number"),
        ("'abcdef'", "varchar(3)", "longer than the 3 characters varchar(3) holds"),
        (#"'{"a":"\u0000"}'"#, "jsonb", "jsonb cannot store"),
        ("1e39", "real", "outside the range of real"),
        ("'1e400'", "double precision", "outside the range of double precision"),
        ("-1e12", "timestamptz", "outside the range of PostgreSQL's timestamps"),
    ]

    @Test("values no flag can take are refused as conversion problems, and rejected under reject", arguments: 0..<refused.count)
    func refusedValue(_ index: Int) throws {
        let (value, type, reason) = Self.refused[index]
        let folder = try TemporaryFolder()
        let archive = try Self.archive(folder, rows: [value])
        let schema = try TestServer.Schema(withSampleTables: false, "CREATE TABLE c (id int8 PRIMARY KEY, v \(type))")
        #expect {
            _ = try Loader(options: Self.options(archive, schema), console: MessageLog().console).run()
        } throws: { error in
            "\(error)".contains("c row 1 (id=1), column v") && "\(error)".contains(reason) && !"\(error)".contains("--allow-change")
        }
        let report = try Loader(options: .test(archive, schema, reject: folder), console: MessageLog().console).run()
        #expect(report.tables[0].rejected == 1 && report.tables[0].loaded == 0)
    }

    @Test("a real column is read back as the float it holds, so a trigger that nudges it is caught")
    func realReadBack() throws {
        let folder = try TemporaryFolder()
        let archive = try Self.archive(folder, rows: ["0.5"])
        let schema = try TestServer.Schema(withSampleTables: false, """
            CREATE TABLE c (id int8 PRIMARY KEY, v real);
            CREATE FUNCTION nudge() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN NEW.v := NEW.v + 0.00000001::real * 4; RETURN NEW; END $$;
            CREATE TRIGGER nudge BEFORE INSERT ON c FOR EACH ROW EXECUTE FUNCTION nudge();
            """)
        #expect {
            _ = try Loader(options: Self.options(archive, schema), console: MessageLog().console).run()
        } throws: { error in "\(error)".contains("differing column(s): v") }
    }

    @Test("numeric columns are compared by decimal value, not through a double")
    func numericReadBack() throws {
        let folder = try TemporaryFolder()
        let archive = try Self.archive(folder, rows: ["'0.12345678901234567890'"])
        let schema = try TestServer.Schema(withSampleTables: false, """
            CREATE TABLE c (id int8 PRIMARY KEY, v numeric);
            CREATE FUNCTION nudge() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN NEW.v := NEW.v + 1e-19; RETURN NEW; END $$;
            CREATE TRIGGER nudge BEFORE INSERT ON c FOR EACH ROW EXECUTE FUNCTION nudge();
            """)
        #expect {
            _ = try Loader(options: Self.options(archive, schema), console: MessageLog().console).run()
        } throws: { error in "\(error)".contains("differing column(s): v") }
    }
}

@Suite("Decimal numbers as numeric holds them")
struct DecimalNumberTests {
    @Test("spellings of one value are equal; rounding is half away from zero")
    func decimals() throws {
        let same = ["2.5", "2.50", "+2.5", " 25e-1 ", "0.025E2", "2.500000"]
        let values = same.map { DecimalNumber.parse($0) }
        #expect(values.allSatisfy { $0 != nil && $0 == values[0] })
        #expect(DecimalNumber.parse("0") == DecimalNumber.parse("-0.000"))
        for invalid in ["", "0x10", "1_000", "1e", ".", "--1", "1.2.3", "nan1"] {
            #expect(DecimalNumber.parse(invalid) == nil, "\(invalid)")
        }
        let cases: [(String, Int, String)] = [("2.555", 2, "2.56"), ("-2.555", 2, "-2.56"), ("2.554", 2, "2.55"), ("9.995", 2, "10"),
                                              ("0.004", 2, "0"), ("1250", -2, "1300"), ("12300", -2, "12300"), ("0.5", 0, "1")]
        for (text, scale, expected) in cases {
            #expect(DecimalNumber.parse(text)!.rounded(toScale: scale).text == expected, "\(text) at scale \(scale)")
        }
        #expect(DecimalNumber.parse("123.45")!.integerDigits == 3)
        #expect(DecimalNumber.parse("0.001")!.integerDigits == 0)
        #expect(DecimalNumber.parse("1e3")!.text == "1000")
    }
}
