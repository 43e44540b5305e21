import Foundation
import Testing
import CTCText
@testable import TCSamples
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
        (.real(Double.leastNonzeroMagnitude), "5e-324"),
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

@Suite("UTF-8 validation and JSON escaping agree with the standard library")
struct UTF8ValidationTests {
    /// Every one- and two-byte sequence, and three- and four-byte sequences around every
    /// boundary RFC 3629 draws, each behind 0 to 9 ASCII bytes (the word-at-a-time path
    /// and the tail both see it) and followed by ASCII or a multi-byte character.
    static func samples() -> [[UInt8]] {
        var cores: [[UInt8]] = []
        for a in 0..<256 {
            cores.append([UInt8(a)])
            for b in 0..<256 { cores.append([UInt8(a), UInt8(b)]) }
        }
        let edges: [UInt8] = [0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF]
        for a in edges where a >= 0xE0 {
            for b in edges { for c in edges { cores.append([a, b, c]); for d in edges { cores.append([a, b, c, d]) } } }
        }
        var samples: [[UInt8]] = []
        for (index, core) in cores.enumerated() {
            let prefix = [UInt8](repeating: 0x61, count: index % 10)
            let suffix: [UInt8] = index % 3 == 0 ? [] : index % 3 == 1 ? Array("xyz".utf8) : Array("ü🚀 and more text".utf8)
            samples.append(prefix + core + suffix)
        }
        return samples
    }

    @Test("valid exactly when Swift's String(validating:) says so; escaping round-trips")
    func agreesWithTheStandardLibrary() throws {
        var checked = 0
        for sample in Self.samples() {
            let expected = String(validating: sample, as: UTF8.self) != nil
            let got = sample.withUnsafeBufferPointer { JSONText.isValidUTF8($0) }
            #expect(got == expected, "\(sample.map { String($0, radix: 16) })")
            var out: [UInt8] = []
            let escaped = sample.withUnsafeBufferPointer { JSONText.appendEscapedString($0, to: &out) }
            #expect(escaped == expected)
            if escaped {
                // The escaped form is a JSON string that decodes to the same bytes.
                #expect(try RowDecoder.decode([0x5B] + out + [0x5D]) == [.text(sample)])
            } else {
                #expect(out.isEmpty)
            }
            // Raw inside a JSON string, the row decoder accepts exactly the valid ones.
            if !sample.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
                let decoded = try? RowDecoder.decode([0x5B, 0x22] + sample + [0x22, 0x5D])
                #expect((decoded != nil) == expected, "\(sample.map { String($0, radix: 16) })")
            }
            checked += 1
        }
        #expect(checked > 70_000)
    }

    /// The AVX2 checks (CTCText), 32 bytes at a time: every sample above placed across a
    /// block boundary, at the end of the string and at the end of a block, against the scalar
    /// validator and a byte-by-byte search for bytes to escape; and the reader's scan of a
    /// JSON string's plain bytes.
    @Test("the vector check agrees with the scalar one at every block position")
    func vectorCheck() throws {
        let avx2 = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.contains(" avx2") ?? false
        var checked = 0
        for core in Self.samples() where core.count <= 8 || core.contains(where: { $0 >= 0x80 }) {
            for prefix in [0, 30, 31, 32, 33, 63] {
                for suffix in [0, 2, 35] {
                    let sample = [UInt8](repeating: 0x61, count: prefix) + core + [UInt8](repeating: 0x62, count: suffix)
                    let found = sample.withUnsafeBufferPointer { Int(tc_text_check($0.baseAddress!, $0.count)) }
                    guard avx2 else {
                        #expect(found == Int(TC_TEXT_NOT_CHECKED))
                        return
                    }
                    let valid = sample.withUnsafeBufferPointer { JSONText.isValidUTF8($0) }
                    let escapes = sample.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }
                    let expected = !valid ? Int(TC_TEXT_INVALID) : escapes ? Int(TC_TEXT_ESCAPES) : Int(TC_TEXT_PLAIN)
                    if found != expected {
                        Issue.record("\(found) instead of \(expected) for \(core.map { String($0, radix: 16) }) after \(prefix) bytes, before \(suffix)")
                        return
                    }
                    // Raw inside a JSON string, the reader's vector scan accepts exactly the valid ones.
                    if !escapes && suffix == 35 && (prefix == 31 || prefix == 32) {
                        let decoded = try? RowDecoder.decode([0x5B, 0x22] + sample + [0x22, 0x5D])
                        if (decoded != nil) != valid || (valid && decoded != [.text(sample)]) {
                            Issue.record("the reader \(valid ? "refused" : "took") \(core.map { String($0, radix: 16) }) after \(prefix) bytes")
                            return
                        }
                    }
                    checked += 1
                }
            }
        }
        #expect(checked > 1_000_000)
    }

    /// Text made of pieces (ASCII runs, bytes to escape, valid and broken multi-byte
    /// sequences) at every alignment to the eight-byte words the fused pass reads.
    @Test("escaping and validation in one pass agree with the standard library on mixed pieces")
    func mixedPieces() throws {
        let pieces: [[UInt8]] = [Array("word ".utf8), Array("ab".utf8), [0x22], [0x5C], [0x0A], [0x01], [0x1F], [0x7F],
                                 Array("é".utf8), Array("中".utf8), Array("🚀".utf8), Array("…".utf8),
                                 [0x80], [0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x9A], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF4, 0x90, 0x80, 0x80]]
        let random = SplitMix(seed: 16)
        for _ in 0..<20_000 {
            var sample: [UInt8] = []
            for _ in 0..<random.below(12) { sample += pieces[random.below(pieces.count)] }
            let expected = String(validating: sample, as: UTF8.self) != nil
            var out: [UInt8] = [0x5B]
            let escaped = sample.withUnsafeBufferPointer { JSONText.appendEscapedString($0, to: &out) }
            #expect(escaped == expected, "\(sample.map { String($0, radix: 16) })")
            if escaped {
                #expect(try RowDecoder.decode(out + [0x5D]) == [.text(sample)], "\(sample.map { String($0, radix: 16) })")
            } else {
                #expect(out == [0x5B], "nothing written for invalid text")
            }
        }
    }
}

