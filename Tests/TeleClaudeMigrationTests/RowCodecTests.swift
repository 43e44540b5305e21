import Foundation
import Testing
@testable import TeleClaudeMigration

@Suite("Typed NDJSON encoding (format-spec.md, Values)")
struct RowCodecTests {
    static func encode(_ values: [SQLiteValue]) -> String {
        var encoder = RowEncoder(columnCount: values.count, capacity: 64)
        encoder.appendRow(values)
        return String(decoding: encoder.buffer, as: UTF8.self)
    }

    /// The canonical form of each value, as the spec's table lists it.
    static let canonical: [(SQLiteValue, String)] = [
        (.null, "null"),
        (.integer(42), "42"),
        (.integer(Int64.min), "-9223372036854775808"),
        (.integer(Int64.max), "9223372036854775807"),
        (.real(1), "1.0"),
        (.real(-0.0), "-0.0"),
        (.real(0.1), "0.1"),
        (.real(1e308), "1e+308"),
        (.real(5e-324), "5e-324"),
        (.real(.infinity), #"{"r":"Infinity"}"#),
        (.real(-.infinity), #"{"r":"-Infinity"}"#),
        (.text("a\"b\\c\n\t\r\u{08}\u{0C}"), #""a\"b\\c\n\t\r\b\f""#),
        (.text([0x00, 0x1F, 0x7F]), "\"\\u0000\\u001f\u{7F}\""),
        (.text("ü/🚀"), "\"ü/🚀\""),
        (.text([0xFF, 0x41]), #"{"x":"/0E="}"#),
        (.blob([1, 2, 3]), #"{"b":"AQID"}"#),
        (.blob([]), #"{"b":""}"#),
    ]

    @Test("each value has one canonical form", arguments: 0..<canonical.count)
    func canonicalForm(index: Int) throws {
        let (value, text) = Self.canonical[index]
        #expect(Self.encode([value]) == "[\(text)]\n")
        #expect(try RowDecoder.decode(Array("[\(text)]".utf8)) == [value])
    }

    @Test("readers accept any valid JSON spelling of the same value")
    func lenientSpellings() throws {
        let line = #"[ 1 , 1.5E2 , "\u00fc\ud83d\ude80\/" , {"b" : "AQID"} , -0.0 ]"#
        #expect(try RowDecoder.decode(Array(line.utf8)) == [.integer(1), .real(150), .text("ü🚀/"), .blob([1, 2, 3]), .real(-0.0)])
    }

    static let malformed: [(String, String)] = [
        ("", "expected '['"),
        ("[1,2", "line ends inside the row array"),
        ("[1,]", "a value must be"),
        ("[01]", "leading zeros"),
        ("[9223372036854775808]", "does not fit in 64 bits"),
        ("[1e999]", "out of range"),
        ("[true]", "a value must be"),
        ("[\"a\u{01}\"]", "control character"),
        ("[\"\\ud800\"]", "lone high surrogate"),
        ("[\"\\q\"]", "unknown escape"),
        (#"[{"z":"AA=="}]"#, "unknown tag"),
        (#"[{"b":"!!"}]"#, "not valid base64"),
        (#"[{"r":"NaN"}]"#, "Infinity"),
        ("[1] 2", "unexpected bytes"),
        ("[\"unterminated]", "string is not closed"),
    ]

    @Test("malformed lines are refused with a reason", arguments: 0..<malformed.count)
    func refuses(index: Int) {
        let (line, reason) = Self.malformed[index]
        #expect {
            _ = try RowDecoder.decode(Array(line.utf8))
        } throws: { error in
            "\(error)".contains(reason)
        }
    }

    @Test("text that is not valid UTF-8 is refused inside a JSON string")
    func invalidUTF8InString() {
        #expect(throws: RowDecoder.Failure.self) { _ = try RowDecoder.decode([0x5B, 0x22, 0xFF, 0x22, 0x5D]) }
    }
}
