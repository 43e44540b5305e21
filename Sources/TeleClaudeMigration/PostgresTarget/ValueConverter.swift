import Foundation

/// Converts one archive value into the COPY text field for a target column type, by the
/// rules in README.md ("Conversions"). A value that cannot be converted yields a reason;
/// nothing is ever silently dropped, truncated or re-interpreted.
public struct ValueConverter: Sendable {
    public enum Kind: String, Sendable {
        case text, integer, boolean, float, numeric, timestamptz, timestamp, date, json, bytea, uuid, other
    }

    public let kind: Kind
    public let integerRange: ClosedRange<Int64>
    public let naiveZone: TimeZone

    public init(baseType: String, naiveZone: TimeZone = TimeZone(identifier: "UTC")!) {
        self.naiveZone = naiveZone
        switch baseType {
        case "text", "varchar", "bpchar", "name", "citext": kind = .text
        case "int2": kind = .integer; integerRange = Int64(Int16.min)...Int64(Int16.max); return
        case "int4": kind = .integer; integerRange = Int64(Int32.min)...Int64(Int32.max); return
        case "int8": kind = .integer
        case "bool": kind = .boolean
        case "float4", "float8": kind = .float
        case "numeric": kind = .numeric
        case "timestamptz": kind = .timestamptz
        case "timestamp": kind = .timestamp
        case "date": kind = .date
        case "json", "jsonb": kind = .json
        case "bytea": kind = .bytea
        case "uuid": kind = .uuid
        default: kind = .other
        }
        integerRange = Int64.min...Int64.max
    }

    public struct Failure: Error, Equatable {
        public let reason: String
    }

    /// Appends the COPY text form of `value` (`\N` for NULL) to `out`.
    public func append(_ value: SQLiteValue, to out: inout [UInt8]) throws(Failure) {
        switch value {
        case .null:
            out.append(contentsOf: [0x5C, 0x4E])  // \N
        case .integer(let v):
            try appendText(Array(try fromInteger(v).utf8), to: &out)
        case .real(let v):
            try appendText(Array(try fromReal(v).utf8), to: &out)
        case .text(let bytes):
            try appendText(try fromText(bytes), to: &out)
        case .blob(let bytes):
            switch kind {
            case .bytea:
                appendHex(bytes, to: &out)
            case .text, .json, .other:
                throw Failure(reason: "a BLOB of \(bytes.count) bytes cannot go into a \(kind.rawValue) column (only bytea takes binary data)")
            default:
                throw Failure(reason: "a BLOB cannot be converted to \(kind.rawValue)")
            }
        }
    }

    // MARK: - By source storage class

    func fromInteger(_ v: Int64) throws(Failure) -> String {
        switch kind {
        case .integer:
            guard integerRange.contains(v) else { throw Failure(reason: "\(v) is outside the range of the target integer type (\(integerRange))") }
            return String(v)
        case .boolean:
            guard v == 0 || v == 1 else { throw Failure(reason: "only 0 and 1 convert to boolean, not \(v)") }
            return v == 1 ? "t" : "f"
        case .timestamptz, .timestamp:
            return TimestampText.format(utcMicroseconds: TimestampText.microseconds(fromEpoch: v)) + (kind == .timestamptz ? "+00" : "")
        case .date:
            return String(TimestampText.format(utcMicroseconds: TimestampText.microseconds(fromEpoch: v)).prefix(10))
        case .bytea:
            throw Failure(reason: "an INTEGER cannot go into a bytea column")
        case .uuid:
            throw Failure(reason: "an INTEGER is not a UUID")
        default:
            return String(v)
        }
    }

    func fromReal(_ v: Double) throws(Failure) -> String {
        switch kind {
        case .integer:
            guard v.isFinite, v.rounded() == v, let exact = Int64(exactly: v), integerRange.contains(exact) else {
                throw Failure(reason: "the real \(v) is not an integer in the range of the target type")
            }
            return String(exact)
        case .float, .numeric:
            if v.isInfinite { return v > 0 ? "Infinity" : "-Infinity" }
            return v.description
        case .timestamptz, .timestamp:
            guard v.isFinite else { throw Failure(reason: "\(v) is not a point in time") }
            let micros = Int64((v * 1_000_000).rounded())
            return TimestampText.format(utcMicroseconds: micros) + (kind == .timestamptz ? "+00" : "")
        case .boolean:
            guard v == 0 || v == 1 else { throw Failure(reason: "only 0 and 1 convert to boolean, not \(v)") }
            return v == 1 ? "t" : "f"
        case .json:
            guard v.isFinite else { throw Failure(reason: "JSON has no infinity") }
            return v.description
        case .text, .other:
            return v.isInfinite ? (v > 0 ? "Infinity" : "-Infinity") : v.description
        default:
            throw Failure(reason: "a REAL cannot be converted to \(kind.rawValue)")
        }
    }

    func fromText(_ bytes: [UInt8]) throws(Failure) -> [UInt8] {
        guard bytes.withUnsafeBufferPointer({ JSONText.isValidUTF8($0) }) else {
            throw Failure(reason: "the text is not valid UTF-8, which PostgreSQL cannot store as text")
        }
        if kind != .bytea, bytes.contains(0) {
            throw Failure(reason: "the text contains a NUL character, which PostgreSQL cannot store as text")
        }
        switch kind {
        case .text, .other:
            return bytes
        case .integer:
            guard let v = Int64(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces)), integerRange.contains(v) else {
                throw Failure(reason: "the text is not an integer in the range of the target type")
            }
            return Array(String(v).utf8)
        case .float, .numeric:
            let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces)
            guard let v = Double(text) else { throw Failure(reason: "the text is not a number") }
            let rendered = kind == .numeric && v.isFinite ? text : try fromReal(v)
            return Array(rendered.utf8)
        case .boolean:
            switch String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces).lowercased() {
            case "1", "t", "true", "y", "yes", "on": return Array("t".utf8)
            case "0", "f", "false", "n", "no", "off": return Array("f".utf8)
            default: throw Failure(reason: "the text is not a boolean (0/1, true/false, t/f, yes/no, on/off)")
            }
        case .timestamptz, .timestamp, .date:
            if let epoch = Int64(String(decoding: bytes, as: UTF8.self)) { return Array(try fromInteger(epoch).utf8) }
            guard let parsed = TimestampText.parse(bytes) else {
                throw Failure(reason: "the text is not a timestamp (YYYY-MM-DD[ |T]HH:MM[:SS[.ffffff]][Z|±HH:MM])")
            }
            let utc = TimestampText.format(utcMicroseconds: TimestampText.utcMicroseconds(parsed, naiveZone: naiveZone))
            switch kind {
            case .timestamptz: return Array((utc + "+00").utf8)
            case .timestamp: return Array(utc.utf8)
            default: return Array(Self.calendarDate(parsed).utf8)
            }
        case .json:
            guard JSONCanonical.isValid(bytes) else {
                throw Failure(reason: "the text is not valid JSON")
            }
            return bytes
        case .uuid:
            guard UUID(uuidString: String(decoding: bytes, as: UTF8.self)) != nil else { throw Failure(reason: "the text is not a UUID") }
            return bytes
        case .bytea:
            // Unescaped `\x…`; appendText doubles the backslash for COPY.
            let digits = Array("0123456789abcdef".utf8)
            var out: [UInt8] = [0x5C, UInt8(ascii: "x")]
            for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0xF)]) }
            return out
        }
    }

    /// The date of a timestamp text for a `date` column: the date as written when the text
    /// has no offset (a calendar date is not shifted by a zone), else the UTC date.
    static func calendarDate(_ parsed: TimestampText.Parsed) -> String {
        let micros = parsed.offsetSeconds == nil ? parsed.localMicroseconds
            : TimestampText.utcMicroseconds(parsed, naiveZone: TimeZone(identifier: "UTC")!)
        return String(TimestampText.format(utcMicroseconds: micros).prefix(10))
    }

    // MARK: - COPY text encoding

    /// Escapes for COPY's text format: backslash, newline, carriage return and tab. Runs of
    /// bytes that need no escape are copied at once (most text has none at all).
    func appendText(_ bytes: [UInt8], to out: inout [UInt8]) throws(Failure) {
        bytes.withUnsafeBufferPointer { source in
            var runStart = 0
            for index in 0..<source.count {
                let b = source[index]
                guard b == 0x5C || b == 0x0A || b == 0x0D || b == 0x09 else { continue }
                if index > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: source[runStart..<index])) }
                out.append(0x5C)
                switch b {
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                case 0x09: out.append(UInt8(ascii: "t"))
                default: out.append(0x5C)
                }
                runStart = index + 1
            }
            if runStart < source.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: source[runStart...])) }
        }
    }

    /// bytea in hex form, its backslash escaped for COPY: `\\x0102…`.
    func appendHex(_ bytes: [UInt8], to out: inout [UInt8]) {
        let digits = Array("0123456789abcdef".utf8)
        out.append(contentsOf: [0x5C, 0x5C, UInt8(ascii: "x")])
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
    }
}
