import CTCText
import Foundation

/// Parses one line of the archive's typed NDJSON back into values (format-spec.md, "Values").
///
/// Hand-written rather than JSONSerialization/JSONDecoder: those cannot tell `1` from
/// `1.0`, round 64-bit integers through Double on some paths, and turn strings into Swift
/// Strings (losing nothing here, but costing an allocation per value). This parser accepts
/// exactly the value forms of the spec and rejects everything else with a reason.
public enum RowDecoder {
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public let offset: Int
        public let reason: String
        public var description: String { "at byte \(offset) of the line: \(reason)" }
    }

    /// Parses `[v1,v2,…]` (no trailing newline) and returns its values.
    public static func decode(_ line: UnsafeBufferPointer<UInt8>) throws(Failure) -> [SQLiteValue] {
        var parser = Parser(bytes: line)
        return try parser.row()
    }

    public static func decode(_ line: [UInt8]) throws(Failure) -> [SQLiteValue] {
        try line.withUnsafeBufferPointer { (buffer) throws(Failure) -> [SQLiteValue] in try decode(buffer) }
    }

    /// Parses `[v1,v2,…]` into `row`, replacing what it held (no allocation once warm).
    public static func decode(_ line: UnsafeBufferPointer<UInt8>, into row: inout RowValues) throws(Failure) {
        row.removeAll()
        var parser = Parser(bytes: line)
        try parser.row(into: &row)
    }

    struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        func fail(_ reason: String) -> Failure { Failure(offset: i, reason: reason) }

        var current: UInt8? { i < bytes.count ? bytes[i] : nil }

        mutating func skipSpace() {
            while let c = current, c == 0x20 || c == 0x09 || c == 0x0D { i += 1 }
        }

        mutating func expect(_ c: UInt8) throws(Failure) {
            skipSpace()
            guard current == c else { throw fail("expected '\(Character(Unicode.Scalar(c)))'") }
            i += 1
        }

        mutating func row() throws(Failure) -> [SQLiteValue] {
            var values = RowValues()
            try row(into: &values)
            return values.values
        }

        mutating func row(into row: inout RowValues) throws(Failure) {
            try expect(UInt8(ascii: "["))
            skipSpace()
            if current == UInt8(ascii: "]") {
                i += 1
            } else {
                while true {
                    try value(into: &row)
                    skipSpace()
                    guard let c = current else { throw fail("line ends inside the row array") }
                    i += 1
                    if c == UInt8(ascii: "]") { break }
                    guard c == UInt8(ascii: ",") else { throw fail("expected ',' or ']' between values") }
                }
            }
            skipSpace()
            guard i == bytes.count else { throw fail("unexpected bytes after the row array") }
        }

        mutating func value(into row: inout RowValues) throws(Failure) {
            skipSpace()
            guard let c = current else { throw fail("expected a value") }
            switch c {
            case UInt8(ascii: "n"):
                try literal("null")
                row.slots.append(.null)
            case UInt8(ascii: "\""):
                let start = row.bytes.count
                let nul = try string(into: &row.bytes)
                row.slots.append(.text(start: start, count: row.bytes.count - start, utf8: true, nul: nul))
            case UInt8(ascii: "{"):
                switch try tagged() {
                case .blob(let data):
                    row.slots.append(.blob(start: row.bytes.count, count: data.count))
                    row.bytes.append(contentsOf: data)
                case .text(let data):
                    let valid = data.withUnsafeBufferPointer { JSONText.isValidUTF8($0) }
                    row.slots.append(.text(start: row.bytes.count, count: data.count, utf8: valid, nul: data.contains(0)))
                    row.bytes.append(contentsOf: data)
                case .real(let v):
                    row.slots.append(.real(v))
                default:
                    throw fail("a tagged value holds a blob, a text or a real")
                }
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                switch try number() {
                case .integer(let v): row.slots.append(.integer(v))
                case .real(let v): row.slots.append(.real(v))
                default: throw fail("expected a number")
                }
            default:
                throw fail("a value must be null, a number, a string or a tagged object")
            }
        }

        mutating func literal(_ word: String) throws(Failure) {
            for b in word.utf8 {
                guard current == b else { throw fail("expected '\(word)'") }
                i += 1
            }
        }

        mutating func number() throws(Failure) -> SQLiteValue {
            let start = i
            var isReal = false
            if current == UInt8(ascii: "-") { i += 1 }
            guard let first = current, (0x30...0x39).contains(first) else { throw fail("a digit must follow '-'") }
            if first == 0x30 {
                i += 1
                if let c = current, (0x30...0x39).contains(c) { throw fail("numbers must not have leading zeros") }
            } else {
                while let c = current, (0x30...0x39).contains(c) { i += 1 }
            }
            if current == UInt8(ascii: ".") {
                isReal = true
                i += 1
                guard let c = current, (0x30...0x39).contains(c) else { throw fail("a digit must follow '.'") }
                while let c = current, (0x30...0x39).contains(c) { i += 1 }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                isReal = true
                i += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { i += 1 }
                guard let c = current, (0x30...0x39).contains(c) else { throw fail("a digit must follow the exponent") }
                while let c = current, (0x30...0x39).contains(c) { i += 1 }
            }
            if !isReal, let value = Self.integer(UnsafeBufferPointer(rebasing: bytes[start..<i])) {
                return .integer(value)  // the common case, without a String
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
            if isReal {
                guard let value = Double(text), value.isFinite else {
                    throw Failure(offset: start, reason: "real \(text.prefix(40)) is out of range (infinities use {\"r\":…})")
                }
                return .real(value)
            }
            guard let value = Int64(text) else {
                throw Failure(offset: start, reason: "integer \(text.prefix(40)) does not fit in 64 bits")
            }
            return .integer(value)
        }

        mutating func tagged() throws(Failure) -> SQLiteValue {
            let start = i
            try expect(UInt8(ascii: "{"))
            skipSpace()
            guard current == UInt8(ascii: "\"") else { throw fail("a tagged value needs a key") }
            let key = try string()
            try expect(UInt8(ascii: ":"))
            skipSpace()
            guard current == UInt8(ascii: "\"") else { throw fail("a tagged value holds a string") }
            let payload = try string()
            try expect(UInt8(ascii: "}"))
            switch key {
            case Array("b".utf8), Array("x".utf8):
                guard let data = Data(base64Encoded: Data(payload)) else {
                    throw Failure(offset: start, reason: "tagged value is not valid base64")
                }
                return key == Array("b".utf8) ? .blob(Array(data)) : .text(Array(data))
            case Array("r".utf8):
                if payload == Array("Infinity".utf8) { return .real(.infinity) }
                if payload == Array("-Infinity".utf8) { return .real(-.infinity) }
                throw Failure(offset: start, reason: "tagged real must be \"Infinity\" or \"-Infinity\"")
            default:
                throw Failure(offset: start, reason: "unknown tag \"\(String(decoding: key.prefix(20), as: UTF8.self))\" (known: b, x, r)")
            }
        }

        /// Digits with an optional '-' that fit in 64 bits, else nil.
        static func integer(_ digits: UnsafeBufferPointer<UInt8>) -> Int64? {
            var k = 0
            let negative = digits.first == UInt8(ascii: "-")
            if negative { k = 1 }
            guard k < digits.count, digits.count - k <= 19 else { return nil }
            var magnitude: UInt64 = 0
            while k < digits.count {
                magnitude = magnitude * 10 + UInt64(digits[k] &- 0x30)
                k += 1
            }
            if negative { return magnitude <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil }
            return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
        }

        /// Parses a JSON string and returns its UTF-8 bytes.
        mutating func string() throws(Failure) -> [UInt8] {
            var out: [UInt8] = []
            _ = try string(into: &out)
            return out
        }

        /// Parses a JSON string, appends its UTF-8 bytes to `out`, and says whether they
        /// hold a NUL (only `\u0000` can put one there).
        mutating func string(into out: inout [UInt8]) throws(Failure) -> Bool {
            i += 1  // opening quote, checked by the caller
            var nul = false
            var runStart = i
            let base = UnsafeRawPointer(bytes.baseAddress)
            while true {
                if let base {
                    // With AVX2 (CTCText), 32 bytes at a time to the first quote, backslash or
                    // control byte, validating what comes before; invalid text is left to the
                    // pass below, which names where.
                    if bytes.count - i >= 32, let source = bytes.baseAddress {
                        var run = 0
                        if Int(tc_text_run(source + i, bytes.count - i, &run)) == Int(TC_TEXT_PLAIN) { i += run }
                    }
                    // Eight plain ASCII bytes at a time (no quote, backslash, control or high
                    // byte), then straight to the first byte that is not.
                    while bytes.count - i >= 8 {
                        let mask = JSONText.attentionMask(UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
                        if mask != 0 { i += mask.trailingZeroBitCount >> 3; break }
                        i += 8
                    }
                }
                guard let c = current else { throw fail("string is not closed") }
                if c == UInt8(ascii: "\"") {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                    i += 1
                    return nul
                }
                if c < 0x20 { throw fail("control character 0x\(String(c, radix: 16)) must be escaped") }
                if c >= 0x80 {
                    let length = JSONText.validSequenceLength(bytes, at: i)
                    guard length > 0 else { throw fail("string is not valid UTF-8") }
                    i += length
                    continue
                }
                if c != UInt8(ascii: "\\") { i += 1; continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                i += 1
                guard let e = current else { throw fail("string ends inside an escape") }
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard current == UInt8(ascii: "\\") else { throw fail("lone high surrogate") }
                        i += 1
                        guard current == UInt8(ascii: "u") else { throw fail("lone high surrogate") }
                        i += 1
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw fail("lone high surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw fail("lone low surrogate")
                    }
                    if scalar == 0 { nul = true }
                    Self.appendUTF8(scalar, to: &out)
                default:
                    throw fail("unknown escape '\\\(Character(Unicode.Scalar(e)))'")
                }
                runStart = i
            }
        }

        /// The UTF-8 bytes of a scalar that is not a surrogate.
        static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
            switch scalar {
            case ..<0x80:
                out.append(UInt8(scalar))
            case ..<0x800:
                out.append(UInt8(0xC0 | scalar >> 6)); out.append(UInt8(0x80 | scalar & 0x3F))
            case ..<0x10000:
                out.append(UInt8(0xE0 | scalar >> 12)); out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
                out.append(UInt8(0x80 | scalar & 0x3F))
            default:
                out.append(UInt8(0xF0 | scalar >> 18)); out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
                out.append(UInt8(0x80 | scalar >> 6 & 0x3F)); out.append(UInt8(0x80 | scalar & 0x3F))
            }
        }

        mutating func hex4() throws(Failure) -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let c = current else { throw fail("\\u needs four hex digits") }
                let digit: UInt32
                switch c {
                case 0x30...0x39: digit = UInt32(c - 0x30)
                case 0x41...0x46: digit = UInt32(c - 0x41 + 10)
                case 0x61...0x66: digit = UInt32(c - 0x61 + 10)
                default: throw fail("\\u needs four hex digits")
                }
                value = value << 4 | digit
                i += 1
            }
            return value
        }
    }
}
