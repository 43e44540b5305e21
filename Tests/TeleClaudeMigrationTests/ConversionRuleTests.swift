import Foundation
import Testing
@testable import TeleClaudeMigration

@Suite("Conversion rules, value by value (README, Conversions)")
struct ConversionRuleTests {
    static func convert(_ value: SQLiteValue, to type: String) -> String {
        var out: [UInt8] = []
        do {
            try ValueConverter(baseType: type).append(value, to: &out)
            return String(decoding: out, as: UTF8.self)
        } catch {
            return "error: \(error.reason)"
        }
    }

    static let cases: [(SQLiteValue, String, String)] = [
        (.null, "int8", "\\N"),
        (.integer(40000), "int2", "error: the integer is outside the range"),
        (.integer(-2147483648), "int4", "-2147483648"),
        (.real(3.0), "int8", "3"),
        (.real(3.5), "int8", "error: the real is not an integer"),
        (.text("42"), "int4", "42"),
        (.integer(1), "bool", "t"),
        (.integer(2), "bool", "error: only the integers 0 and 1"),
        (.text("No"), "bool", "f"),
        (.text("maybe"), "bool", "error: the text is not a boolean"),
        (.real(.infinity), "float8", "Infinity"),
        (.real(-0.0), "float8", "-0.0"),
        (.text("line\nwith\ttab and \\"), "text", "line\\nwith\\ttab and \\\\"),
        (.text([0x61, 0x00]), "text", "error: the text contains a NUL"),
        (.text([0xFF]), "text", "error: the text is not valid UTF-8"),
        (.blob([1, 2]), "text", "error: a BLOB of 2 bytes cannot go into a text column"),
        (.blob([0xDE, 0xAD]), "bytea", "\\\\xdead"),
        (.text("ab"), "bytea", "\\\\x6162"),
        (.text(#"{"a":[1,2]}"#), "jsonb", #"{"a":[1,2]}"#),
        (.text(#"{"a":"#), "jsonb", "error: the text is not valid JSON"),
        (.integer(7), "jsonb", "7"),
        (.text("2025-01-01 10:00:00"), "timestamptz", "2025-01-01 10:00:00+00"),
        (.text("2025-01-01T10:00:00.5-03:30"), "timestamptz", "2025-01-01 13:30:00.500000+00"),
        (.text("2025-01-01T10:00:00+0100"), "timestamp", "2025-01-01 09:00:00"),
        (.text("2024-02-29"), "date", "2024-02-29"),
        (.text("2025-02-29 10:00:00"), "timestamptz", "error: the text is not a timestamp"),
        (.text("2025-01-01 24:00:00"), "timestamptz", "error: the text is not a timestamp"),
        (.integer(0), "timestamptz", "1970-01-01 00:00:00+00"),
        (.integer(1_735_725_600_000), "timestamp", "2025-01-01 10:00:00"),
        (.integer(-86_400), "date", "1969-12-31"),
        (.text("c0ffee00-1234-4abc-9def-001122334455"), "uuid", "c0ffee00-1234-4abc-9def-001122334455"),
        (.text("not-a-uuid"), "uuid", "error: the text is not a UUID"),
    ]

    @Test("each rule", arguments: 0..<cases.count)
    func rule(index: Int) {
        let (value, type, expected) = Self.cases[index]
        let got = Self.convert(value, to: type)
        if expected.hasPrefix("error:") {
            #expect(got.hasPrefix(expected), "\(value) → \(type): \(got)")
        } else {
            #expect(got == expected, "\(value) → \(type)")
        }
    }
}

@Suite("JSON canonical hash (validation and read-back equality)")
struct JSONCanonicalTests {
    static let equal: [(String, String)] = [
        (#"{"b":1,"a":[true,null,"x"]}"#, #"{ "a" : [ true , null , "x" ] , "b" : 1.0 }"#),
        (#"{"a":1,"a":2}"#, #"{"a":2}"#),
        (#""\u00fc\/""#, #""ü/""#),
        ("-0.0", "0"),
        ("1e2", "100"),
        ("123456789012345678901234567890", "1.2345678901234568e+29"),
    ]

    static func hash(_ text: String) -> UInt64? { JSONHasher().hash(Array(text.utf8)) }

    @Test("spellings of the same value have the same hash", arguments: 0..<equal.count)
    func same(index: Int) {
        let (a, b) = Self.equal[index]
        let left = Self.hash(a)
        #expect(left != nil && left == Self.hash(b), "\(a) vs \(b)")
    }

    static let different: [(String, String)] = [
        (#"{"a":1}"#, #"{"a":"1"}"#),
        (#"{"a":1,"b":2}"#, #"{"a":2,"b":1}"#),
        (#"{"a":1,"a":2}"#, #"{"a":1}"#),
        (#"{"a":{"b":1}}"#, #"{"a":{"b":1},"b":1}"#),
        ("[1,2]", "[2,1]"),
        ("[[1],2]", "[1,[2]]"),
        ("[]", "{}"),
        (#""""#, "null"),
        ("true", "1"),
        (#"{"ab":"c"}"#, #"{"a":"bc"}"#),
    ]

    @Test("different values differ, invalid text is refused", arguments: 0..<different.count)
    func differ(index: Int) {
        let (a, b) = Self.different[index]
        #expect(Self.hash(a) != nil && Self.hash(a) != Self.hash(b), "\(a) vs \(b)")
    }

    @Test("invalid JSON has no hash")
    func invalid() {
        for invalid in [#"{"a":1"#, "[1,]", "{'a':1}", "tru", "", "1 2", #"{"a" 1}"#, String(repeating: "[", count: 600) + String(repeating: "]", count: 600)] {
            #expect(Self.hash(invalid) == nil, "\(invalid.prefix(20))")
        }
    }
}

@Suite("Dates keep their calendar day")
struct CalendarDateTests {
    @Test("a bare date is not shifted by the naive zone; an instant with an offset gives its UTC date")
    func dates() throws {
        let amsterdam = ValueConverter(baseType: "date", naiveZone: TimeZone(identifier: "Europe/Amsterdam")!)
        var out: [UInt8] = []
        try amsterdam.append(.text("2024-02-29"), to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "2024-02-29")
        out.removeAll()
        // An instant with an offset is 2024-02-28 22:30 UTC: its time of day is dropped,
        // which is a change, refused unless the column accepts it.
        #expect(throws: ValueConverter.Failure.self) { try amsterdam.append(.text("2024-02-29T00:30:00+02:00"), to: &out) }
        try amsterdam.append(.text("2024-02-29T00:30:00+02:00"), accept: true, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "2024-02-28")
        out.removeAll()
        try amsterdam.append(.text("2024-02-29T02:00:00+02:00"), to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "2024-02-29", "midnight UTC is a date without a time")
    }
}
