/// Validates JSON text and rewrites it in one canonical form: no whitespace, object keys
/// sorted bytewise with the last of duplicate keys kept (as `jsonb` does), strings as their
/// raw bytes behind a length, numbers by value. Equal JSON values give equal bytes. The
/// form is only ever compared and hashed, never parsed again or shown.
///
/// Hand-written on top of the row parser because Foundation's JSONSerialization builds
/// bridged `Any` trees and sorts keys with ICU collation; profiling a load showed it taking
/// most of the time for payload-heavy tables.
enum JSONCanonical {
    static let maxDepth = 512

    /// The canonical form, or nil when `bytes` is not a single valid JSON value.
    static func canonicalize(_ bytes: [UInt8]) -> [UInt8]? {
        bytes.withUnsafeBufferPointer { canonicalize($0) }
    }

    static func canonicalize(_ buffer: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(buffer.count)
        return canonicalize(buffer, into: &out) ? out : nil
    }

    /// Appends the canonical form to `out`; false (with `out` partly written) when not valid.
    static func canonicalize(_ buffer: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> Bool {
        var parser = RowDecoder.Parser(bytes: buffer)
        guard (try? value(&parser, into: &out, depth: 0)) != nil else { return false }
        parser.skipSpace()
        return parser.i == buffer.count
    }

    static func isValid(_ bytes: [UInt8]) -> Bool { canonicalize(bytes) != nil }

    static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool { canonicalize(bytes) != nil }

    /// Whether `bytes` is a single valid JSON value, by the same rules as `canonicalize`,
    /// without building the canonical form.
    static func validate(_ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        var parser = RowDecoder.Parser(bytes: buffer)
        var scratch: [UInt8] = []
        guard (try? skip(&parser, scratch: &scratch, depth: 0)) != nil else { return false }
        parser.skipSpace()
        return parser.i == buffer.count
    }

    private static func skip(_ p: inout RowDecoder.Parser, scratch: inout [UInt8], depth: Int) throws(RowDecoder.Failure) {
        guard depth < maxDepth else { throw p.fail("JSON nested too deeply") }
        p.skipSpace()
        guard let c = p.current else { throw p.fail("expected a JSON value") }
        switch c {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let isObject = c == UInt8(ascii: "{")
            let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
            p.i += 1
            p.skipSpace()
            if p.current == close { p.i += 1; return }
            while true {
                if isObject {
                    p.skipSpace()
                    guard p.current == UInt8(ascii: "\"") else { throw p.fail("expected an object key") }
                    scratch.removeAll(keepingCapacity: true)
                    _ = try p.string(into: &scratch)
                    try p.expect(UInt8(ascii: ":"))
                }
                try skip(&p, scratch: &scratch, depth: depth + 1)
                p.skipSpace()
                guard let next = p.current else { throw p.fail("not closed") }
                p.i += 1
                if next == close { return }
                guard next == UInt8(ascii: ",") else { throw p.fail("expected ','") }
            }
        case UInt8(ascii: "\""):
            scratch.removeAll(keepingCapacity: true)
            _ = try p.string(into: &scratch)
        case UInt8(ascii: "t"): try p.literal("true")
        case UInt8(ascii: "f"): try p.literal("false")
        case UInt8(ascii: "n"): try p.literal("null")
        default:
            let start = p.i
            do {
                _ = try p.number()
            } catch {
                p.i = start
                guard p.bigNumber() != nil else { throw p.fail("invalid number") }
            }
        }
    }

    private static func value(_ p: inout RowDecoder.Parser, into out: inout [UInt8], depth: Int) throws(RowDecoder.Failure) {
        guard depth < maxDepth else { throw p.fail("JSON nested too deeply") }
        p.skipSpace()
        guard let c = p.current else { throw p.fail("expected a JSON value") }
        switch c {
        case UInt8(ascii: "{"):
            p.i += 1
            var members: [([UInt8], [UInt8])] = []
            p.skipSpace()
            if p.current == UInt8(ascii: "}") { p.i += 1 } else {
                while true {
                    p.skipSpace()
                    guard p.current == UInt8(ascii: "\"") else { throw p.fail("expected an object key") }
                    let key = try p.string()
                    try p.expect(UInt8(ascii: ":"))
                    var member: [UInt8] = []
                    try value(&p, into: &member, depth: depth + 1)
                    members.append((key, member))
                    p.skipSpace()
                    guard let next = p.current else { throw p.fail("object is not closed") }
                    p.i += 1
                    if next == UInt8(ascii: "}") { break }
                    guard next == UInt8(ascii: ",") else { throw p.fail("expected ',' or '}'") }
                }
            }
            // Stable sort, then keep the last of equal keys.
            let sorted = members.enumerated().sorted { a, b in
                a.element.0 == b.element.0 ? a.offset < b.offset : a.element.0.lexicographicallyPrecedes(b.element.0)
            }.map(\.element)
            out.append(UInt8(ascii: "{"))
            var first = true
            for (index, member) in sorted.enumerated() where index + 1 == sorted.count || sorted[index + 1].0 != member.0 {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                appendString(member.0, to: &out)
                out.append(UInt8(ascii: ":"))
                out.append(contentsOf: member.1)
            }
            out.append(UInt8(ascii: "}"))
        case UInt8(ascii: "["):
            p.i += 1
            out.append(UInt8(ascii: "["))
            p.skipSpace()
            if p.current == UInt8(ascii: "]") { p.i += 1 } else {
                var first = true
                while true {
                    if !first { out.append(UInt8(ascii: ",")) }
                    first = false
                    try value(&p, into: &out, depth: depth + 1)
                    p.skipSpace()
                    guard let next = p.current else { throw p.fail("array is not closed") }
                    p.i += 1
                    if next == UInt8(ascii: "]") { break }
                    guard next == UInt8(ascii: ",") else { throw p.fail("expected ',' or ']'") }
                }
            }
            out.append(UInt8(ascii: "]"))
        case UInt8(ascii: "\""):
            // A quote and a length, then the bytes: no escaping to do and no copy to make.
            out.append(UInt8(ascii: "\""))
            let mark = out.count
            out.append(contentsOf: [0, 0, 0, 0])
            _ = try p.string(into: &out)
            ValueConverter.patchLength(at: mark, in: &out)
        case UInt8(ascii: "t"):
            try p.literal("true"); out.append(contentsOf: "true".utf8)
        case UInt8(ascii: "f"):
            try p.literal("false"); out.append(contentsOf: "false".utf8)
        case UInt8(ascii: "n"):
            try p.literal("null"); out.append(contentsOf: "null".utf8)
        default:
            let start = p.i
            let number: Double
            do {
                switch try p.number() {
                case .integer(let v): number = Double(v)
                case .real(let v): number = v
                default: throw p.fail("expected a number")
                }
            } catch {
                // Integers beyond 64 bits are valid JSON: compare them by their Double value.
                p.i = start
                guard let parsed = p.bigNumber() else { throw p.fail("invalid number") }
                number = parsed
            }
            if number.rounded() == number, abs(number) < 9.0e15 {
                ValueConverter.appendDecimal(Int64(number), to: &out)  // most JSON numbers, without a String
            } else {
                out.append(contentsOf: number.description.utf8)
            }
        }
    }
}

extension JSONCanonical {
    static func appendString(_ bytes: [UInt8], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        ValueConverter.appendBigEndian(UInt32(bytes.count), to: &out)
        out.append(contentsOf: bytes)
    }
}

extension RowDecoder.Parser {
    /// A JSON number too large for the row format's rules, read as a Double.
    mutating func bigNumber() -> Double? {
        let start = i
        while let c = current, c == UInt8(ascii: "-") || c == UInt8(ascii: "+") || c == UInt8(ascii: ".")
                || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") || (0x30...0x39).contains(c) { i += 1 }
        guard i > start else { return nil }
        return Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self))
    }
}
