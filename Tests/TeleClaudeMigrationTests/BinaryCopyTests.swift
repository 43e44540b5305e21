import Foundation
import Testing
@testable import TeleClaudeMigration

/// The binary COPY codec without a server: every binary form the load writes is framed as a
/// whole COPY stream (header, field count, lengths, trailer), parsed back the way the
/// read-back parses the server's stream, and decoded to the value that went in. The bytes
/// PostgreSQL's documentation fixes (epochs, byte order, jsonb's version byte, NULL's -1)
/// are checked literally; the live server then only confirms that it agrees.
@Suite("Binary COPY codec, server-free")
struct BinaryCopyTests {
    /// A base type and archive values that convert to each of its binary form's shapes.
    static let cases: [(base: String, values: [SQLiteValue])] = [
        ("int2", [.integer(0), .integer(-32768), .integer(32767), .null]),
        ("int4", [.integer(42), .integer(Int64(Int32.min)), .integer(Int64(Int32.max))]),
        ("int8", [.integer(Int64.min), .integer(Int64.max), .integer(-1), .text(Array("12".utf8))]),
        ("bool", [.integer(1), .integer(0), .text(Array("true".utf8)), .null]),
        ("float4", [.real(1.5), .real(-0.0), .real(.infinity)]),
        ("float8", [.real(0.1), .real(-.infinity), .real(Double.leastNonzeroMagnitude), .integer(3)]),
        ("timestamptz", [.text(Array("2000-01-01 00:00:00".utf8)), .text(Array("1970-01-01T00:00:00.000001Z".utf8)),
                         .text(Array("2025-01-01T10:00:00+02:00".utf8)), .integer(1_700_000_000)]),
        ("timestamp", [.text(Array("1999-12-31 23:59:59.999999".utf8)), .text(Array("4713-01-01 00:00:00".utf8))]),
        ("date", [.text(Array("2000-01-01".utf8)), .text(Array("1969-12-31".utf8)), .text(Array("2024-02-29".utf8))]),
        ("uuid", [.text(Array("123e4567-E89B-12d3-a456-426614174000".utf8)), .null]),
        ("bytea", [.blob([0, 1, 2, 255]), .blob([]), .text(Array("\\x00ff".utf8))]),
        ("text", [.text(Array("héllo\ttab\nline".utf8)), .text([]), .integer(-17), .real(2.5)]),
        ("json", [.text(Array(#"{"a": [1, 2]}"#.utf8)), .integer(7)]),
        ("jsonb", [.text(Array(#"{"k": "v", "n": 1.5}"#.utf8)), .text(Array("[]".utf8)), .null]),
    ]

    @Test("every binary form: a whole COPY stream written and parsed back gives each value that went in", arguments: cases.map(\.base))
    func roundTrip(base: String) throws {
        let values = try #require(Self.cases.first { $0.base == base }).values
        let converter = ValueConverter(baseType: base)
        #expect(converter.hasBinaryForm, "\(base) has a binary form")
        // Two columns per row (the value, then an int8 line number, as a staged COPY sends),
        // so a length that is off shifts the next field and is caught.
        var stream: [UInt8] = []
        BinaryCopy.appendHeader(to: &stream)
        var expected: [String] = []
        for (line, value) in values.enumerated() {
            BinaryCopy.appendFieldCount(2, to: &stream)
            try ValueRef.with(value) { ref in
                let converted = try converter.convert(ref)
                converter.appendBinary(converted, to: &stream)
                expected.append(Self.canonical(converted))
            }
            BinaryCopy.appendField(Int64(line + 1), to: &stream)
        }
        BinaryCopy.appendTrailer(to: &stream)

        var decoded: [String] = []
        var lines: [Int64] = []
        stream.withUnsafeBufferPointer { message in
            var offset: Int? = BinaryCopy.headerLength(message)
            #expect(offset == 19, "the header is the signature, 4 bytes of flags and an empty extension")
            while let start = offset {
                offset = BinaryCopy.row(message, at: start) { column, field in
                    if column == 0 {
                        decoded.append(field.map { Self.canonical(ContentCheck.decode($0, form: converter.binaryForm)) } ?? "NULL")
                    } else if let field {
                        lines.append(BinaryCopy.int64(field))
                    }
                }
                if let next = offset { #expect(next <= message.count) }
            }
        }
        #expect(decoded == expected, "\(base)")
        #expect(lines == values.indices.map { Int64($0 + 1) }, "\(base): the field after each value is read where it was written")
        #expect(stream.suffix(2) == [0xFF, 0xFF], "the trailer is a field count of -1")
    }

    @Test("the bytes PostgreSQL's binary format fixes: big-endian integers, the 2000-01-01 epochs, jsonb's version byte, NULL as length -1")
    func fixedBytes() throws {
        func bytes(_ base: String, _ value: SQLiteValue) throws -> [UInt8] {
            let converter = ValueConverter(baseType: base)
            var out: [UInt8] = []
            try ValueRef.with(value) { converter.appendBinary(try converter.convert($0), to: &out) }
            return out
        }
        #expect(try bytes("int4", .integer(42)) == [0, 0, 0, 4, 0, 0, 0, 42])
        #expect(try bytes("int2", .integer(-2)) == [0, 0, 0, 2, 0xFF, 0xFE])
        #expect(try bytes("int8", .null) == [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(try bytes("bool", .integer(1)) == [0, 0, 0, 1, 1])
        #expect(try bytes("date", .text(Array("2000-01-02".utf8))) == [0, 0, 0, 4, 0, 0, 0, 1], "days since 2000-01-01")
        #expect(try bytes("timestamptz", .text(Array("2000-01-01 00:00:00.000001".utf8))) == [0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1],
                "microseconds since 2000-01-01")
        #expect(try bytes("float8", .real(1.0)) == [0, 0, 0, 8, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0])
        #expect(try bytes("float4", .real(1.0)) == [0, 0, 0, 4, 0x3F, 0x80, 0, 0])
        #expect(try bytes("jsonb", .text(Array("[]".utf8))) == [0, 0, 0, 3, 1, 0x5B, 0x5D], "version 1, then the text")
        #expect(try bytes("uuid", .text(Array("00000000-0000-0000-0000-0000000000ff".utf8))) == [0, 0, 0, 16] + Array(repeating: 0, count: 15) + [0xFF])
        var header: [UInt8] = []
        BinaryCopy.appendHeader(to: &header)
        #expect(header == Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00] + Array(repeating: 0, count: 8))
    }

    @Test("a stream cut inside a row ends the parse instead of reading past it")
    func cutStream() throws {
        let converter = ValueConverter(baseType: "text")
        var stream: [UInt8] = []
        BinaryCopy.appendHeader(to: &stream)
        BinaryCopy.appendFieldCount(1, to: &stream)
        try ValueRef.with(.text(Array("twelve bytes".utf8))) { converter.appendBinary(try converter.convert($0), to: &stream) }
        for cut in 19..<stream.count {
            let prefix = Array(stream[..<cut])
            prefix.withUnsafeBufferPointer { message in
                var sizes: [Int] = []
                let next = BinaryCopy.row(message, at: 19) { _, field in sizes.append(field?.count ?? -1) }
                #expect(next == nil || next! <= message.count, "cut at \(cut)")
                #expect(sizes.allSatisfy { $0 <= message.count - 19 }, "cut at \(cut): a field never reaches past the bytes there")
            }
        }
    }

    /// A converted value in one spelling, whichever case carries it (text forms as text).
    static func canonical(_ value: ValueConverter.Converted) -> String {
        switch value {
        case .null: "NULL"
        case .integer(let v): "int \(v)"
        case .boolean(let v): "bool \(v)"
        case .float(let v): "float \(v.bitPattern)"
        case .micros(let v): "micros \(v)"
        case .days(let v): "days \(v)"
        case .uuid(let high, let low): "uuid \(high) \(low)"
        case .decimal(let v): "text \(Array(String(v).utf8))"
        case .bytes(let bytes), .json(let bytes, _): "text \(Array(bytes))"
        case .owned(let bytes): "text \(bytes)"
        }
    }
}
