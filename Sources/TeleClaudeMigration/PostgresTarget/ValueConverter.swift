import Foundation

/// Converts one archive value for a target column type, by the rules in README.md
/// ("Conversions"). A value that cannot be converted yields a reason; nothing is ever
/// silently dropped, truncated or re-interpreted.
///
/// `convert` gives the value the column will hold, normalized (`Converted`); the COPY
/// writers (`appendText`, `appendBinary`) and the read-back check (`ContentCheck`) all
/// start from that one value, so a value is parsed once however it is used.
public struct ValueConverter: Sendable {
    public enum Kind: String, Sendable {
        case text, integer, boolean, float, numeric, timestamptz, timestamp, date, json, bytea, uuid, other
    }

    public let kind: Kind
    /// The target's base type name (`int4`, `jsonb`, `varchar`, ...).
    public let baseType: String
    public let integerRange: ClosedRange<Int64>
    public let naiveZone: TimeZone
    private let naiveIsUTC: Bool
    /// The binary COPY form of the column's type, worked out once (hot loops switch on it).
    let binaryForm: BinaryForm

    /// The built-in types whose binary COPY form `appendBinary` writes and `ContentCheck` reads.
    enum BinaryForm: Sendable {
        case int2, int4, int8, bool, float8, timestamp, date, uuid, bytes, jsonb
        /// No simple binary form: the table goes in text format and reads back as `::text`.
        case none
    }

    public init(baseType: String, naiveZone: TimeZone = TimeZone(identifier: "UTC")!) {
        self.naiveZone = naiveZone
        self.baseType = baseType
        naiveIsUTC = TimestampText.isUTC(naiveZone)
        // (kind, binary form, integer range) for each base type; anything else: other, text format.
        let wide = Int64.min...Int64.max
        (kind, binaryForm, integerRange) = switch baseType {
        case "text", "varchar", "bpchar", "name": (.text, .bytes, wide)
        case "citext": (.text, .none, wide)  // an extension's type: its binary form is its own
        case "int2": (.integer, .int2, Int64(Int16.min)...Int64(Int16.max))
        case "int4": (.integer, .int4, Int64(Int32.min)...Int64(Int32.max))
        case "int8": (.integer, .int8, wide)
        case "bool": (.boolean, .bool, wide)
        case "float4": (.float, .none, wide)  // sent as text: the server rounds to float4 as it always has
        case "float8": (.float, .float8, wide)
        case "numeric": (.numeric, .none, wide)
        case "timestamptz": (.timestamptz, .timestamp, wide)
        case "timestamp": (.timestamp, .timestamp, wide)
        case "date": (.date, .date, wide)
        case "json": (.json, .bytes, wide)
        case "jsonb": (.json, .jsonb, wide)
        case "bytea": (.bytea, .bytes, wide)
        case "uuid": (.uuid, .uuid, wide)
        default: (.other, .none, wide)
        }
    }

    public struct Failure: Error, Equatable {
        public let reason: String
    }

    /// A converted value, as the target column will hold it. `bytes` borrows the source
    /// value's bytes and is valid only as long as they are.
    public enum Converted {
        case null
        case integer(Int64)
        case boolean(Bool)
        case float(Double)
        /// An instant (or, for `timestamp`, a UTC wall time) in microseconds since 1970.
        case micros(Int64)
        /// A calendar date in days since 1970-01-01.
        case days(Int64)
        case uuid(UInt64, UInt64)
        /// Text whose characters are the decimal digits of this integer (an INTEGER into text or JSON).
        case decimal(Int64)
        /// Text, bytea content or another type's text form, as bytes.
        case bytes(UnsafeBufferPointer<UInt8>)
        /// JSON text, valid, with its `JSONCanonical` hash (worked out while validating it).
        case json(UnsafeBufferPointer<UInt8>, hash: UInt64)
        /// The same, rendered by the conversion (rare: reals into text, numbers into numeric).
        case owned([UInt8])
    }

    /// Converts an owned value and appends its COPY text form (`\N` for NULL) to `out`.
    public func append(_ value: SQLiteValue, to out: inout [UInt8]) throws(Failure) {
        let converted: Result<Void, Failure> = ValueRef.with(value) { ref in
            Result { () throws(Failure) in appendText(try convert(ref), to: &out) }
        }
        try converted.get()
    }

    // MARK: - Converting

    /// `json` validates JSON text (and hashes it for the read-back); pass one to reuse it.
    func convert(_ value: ValueRef, json: JSONHasher = JSONHasher()) throws(Failure) -> Converted {
        switch value {
        case .null: return .null
        case .integer(let v): return try fromInteger(v)
        case .real(let v): return try fromReal(v)
        case .text(let bytes, let utf8, let nul): return try fromText(bytes, utf8: utf8, nul: nul, json: json)
        case .blob(let bytes):
            switch kind {
            case .bytea:
                return .bytes(bytes)
            case .text, .json, .other:
                throw Failure(reason: "a BLOB of \(bytes.count) bytes cannot go into a \(kind.rawValue) column (only bytea takes binary data)")
            default:
                throw Failure(reason: "a BLOB cannot be converted to \(kind.rawValue)")
            }
        }
    }

    func fromInteger(_ v: Int64) throws(Failure) -> Converted {
        switch kind {
        case .integer:
            guard integerRange.contains(v) else { throw Failure(reason: "the integer is outside the range of the target type (\(integerRange))") }
            return .integer(v)
        case .boolean:
            guard v == 0 || v == 1 else { throw Failure(reason: "only the integers 0 and 1 convert to boolean") }
            return .boolean(v == 1)
        case .timestamptz, .timestamp:
            return .micros(TimestampText.microseconds(fromEpoch: v))
        case .date:
            return .days(Self.floorDays(TimestampText.microseconds(fromEpoch: v)))
        case .float:
            return .float(Double(v))
        case .bytea:
            throw Failure(reason: "an INTEGER cannot go into a bytea column")
        case .uuid:
            throw Failure(reason: "an INTEGER is not a UUID")
        case .text, .numeric, .json, .other:
            return .decimal(v)
        }
    }

    func fromReal(_ v: Double) throws(Failure) -> Converted {
        switch kind {
        case .integer:
            guard v.isFinite, v.rounded() == v, let exact = Int64(exactly: v), integerRange.contains(exact) else {
                throw Failure(reason: "the real is not an integer in the range of the target type")
            }
            return .integer(exact)
        case .float:
            return .float(v)
        case .numeric:
            return .owned(Array(Self.realText(v).utf8))
        case .timestamptz, .timestamp:
            guard v.isFinite else { throw Failure(reason: "an infinite or NaN real is not a point in time") }
            return .micros(Int64((v * 1_000_000).rounded()))
        case .boolean:
            guard v == 0 || v == 1 else { throw Failure(reason: "only the reals 0 and 1 convert to boolean") }
            return .boolean(v == 1)
        case .json:
            guard v.isFinite else { throw Failure(reason: "JSON has no infinity") }
            return .owned(Array(v.description.utf8))
        case .text, .other:
            return .owned(Array(Self.realText(v).utf8))
        default:
            throw Failure(reason: "a REAL cannot be converted to \(kind.rawValue)")
        }
    }

    static func realText(_ v: Double) -> String {
        v.isInfinite ? (v > 0 ? "Infinity" : "-Infinity") : v.description
    }

    func fromText(_ bytes: UnsafeBufferPointer<UInt8>, utf8: Bool, nul: Bool, json: JSONHasher) throws(Failure) -> Converted {
        guard utf8 else {
            throw Failure(reason: "the text is not valid UTF-8, which PostgreSQL cannot store as text")
        }
        if kind != .bytea, nul {
            throw Failure(reason: "the text contains a NUL character, which PostgreSQL cannot store as text")
        }
        switch kind {
        case .text, .other:
            return .bytes(bytes)
        case .integer:
            guard let v = Int64(Self.trimmed(bytes)), integerRange.contains(v) else {
                throw Failure(reason: "the text is not an integer in the range of the target type")
            }
            return .integer(v)
        case .float, .numeric:
            let text = Self.trimmed(bytes)
            guard let v = Double(text) else { throw Failure(reason: "the text is not a number") }
            if kind == .float { return .float(v) }
            return .owned(Array((v.isFinite ? text : Self.realText(v)).utf8))
        case .boolean:
            switch Self.trimmed(bytes).lowercased() {
            case "1", "t", "true", "y", "yes", "on": return .boolean(true)
            case "0", "f", "false", "n", "no", "off": return .boolean(false)
            default: throw Failure(reason: "the text is not a boolean (0/1, true/false, t/f, yes/no, on/off)")
            }
        case .timestamptz, .timestamp, .date:
            if let epoch = Self.plainInteger(bytes) { return try fromInteger(epoch) }
            guard let parsed = TimestampText.parse(bytes) else {
                throw Failure(reason: "the text is not a timestamp (YYYY-MM-DD[ |T]HH:MM[:SS[.ffffff]][Z|±HH:MM])")
            }
            if kind == .date { return .days(Self.calendarDays(parsed)) }
            return .micros(TimestampText.utcMicroseconds(parsed, naiveZone: naiveZone, naiveIsUTC: naiveIsUTC))
        case .json:
            guard let hash = json.hash(bytes) else {
                throw Failure(reason: "the text is not valid JSON")
            }
            return .json(bytes, hash: hash)
        case .uuid:
            guard let bits = Self.uuid(bytes) else { throw Failure(reason: "the text is not a UUID") }
            return .uuid(bits.0, bits.1)
        case .bytea:
            return .bytes(bytes)  // the text's bytes are the content
        }
    }

    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces)
    }

    /// The value of text that is only an optional '-' and digits (an epoch), else nil.
    static func plainInteger(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard !bytes.isEmpty else { return nil }
        if bytes[0] == UInt8(ascii: "+") { return bytes.count > 1 && bytes[1] != UInt8(ascii: "-") ? plainInteger(UnsafeBufferPointer(rebasing: bytes[1...])) : nil }
        for (index, b) in bytes.enumerated() where !(b >= 0x30 && b <= 0x39) && !(index == 0 && b == UInt8(ascii: "-")) {
            return nil
        }
        return RowDecoder.Parser.integer(bytes)
    }

    /// The 128 bits of `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (hex digits in either case).
    static func uuid(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64)? {
        guard bytes.count == 36 else { return nil }
        var high: UInt64 = 0, low: UInt64 = 0, digits = 0
        for (index, b) in bytes.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard b == UInt8(ascii: "-") else { return nil }
                continue
            }
            let nibble: UInt64
            switch b {
            case 0x30...0x39: nibble = UInt64(b - 0x30)
            case 0x41...0x46: nibble = UInt64(b - 0x41 + 10)
            case 0x61...0x66: nibble = UInt64(b - 0x61 + 10)
            default: return nil
            }
            if digits < 16 { high = high << 4 | nibble } else { low = low << 4 | nibble }
            digits += 1
        }
        return (high, low)
    }

    static func floorDays(_ micros: Int64) -> Int64 {
        let perDay: Int64 = 86_400_000_000
        return micros >= 0 ? micros / perDay : -((-micros + perDay - 1) / perDay)
    }

    /// The date of a timestamp text for a `date` column: the date as written when the text
    /// has no offset (a calendar date is not shifted by a zone), else the UTC date.
    static func calendarDays(_ parsed: TimestampText.Parsed) -> Int64 {
        floorDays(parsed.localMicroseconds - Int64(parsed.offsetSeconds ?? 0) * 1_000_000)
    }

    // MARK: - COPY text format

    /// Appends the COPY text form of a converted value (`\N` for NULL).
    public func appendText(_ value: Converted, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: [0x5C, 0x4E])  // \N
        case .integer(let v), .decimal(let v): DecimalText.append(v, to: &out)
        case .boolean(let v): out.append(v ? UInt8(ascii: "t") : UInt8(ascii: "f"))
        case .float(let v): out.append(contentsOf: Self.realText(v).utf8)
        case .micros(let v):
            TimestampText.append(utcMicroseconds: v, to: &out)
            if kind == .timestamptz { out.append(contentsOf: [UInt8(ascii: "+"), 0x30, 0x30]) }
        case .days(let v): TimestampText.append(utcMicroseconds: v * 86_400_000_000, dateOnly: true, to: &out)
        case .uuid(let high, let low): Self.appendUUID(high, low, to: &out)
        case .bytes(let bytes), .json(let bytes, _): appendContent(bytes, to: &out)
        case .owned(let bytes): bytes.withUnsafeBufferPointer { appendContent($0, to: &out) }
        }
    }

    private func appendContent(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        if kind == .bytea { Self.appendHex(bytes, to: &out) } else { Self.appendEscaped(bytes, to: &out) }
    }

    static func appendUUID(_ high: UInt64, _ low: UInt64, to out: inout [UInt8]) {
        for index in 0..<32 {
            if index == 8 || index == 12 || index == 16 || index == 20 { out.append(UInt8(ascii: "-")) }
            let word = index < 16 ? high : low
            out.append(HexDigits.table[Int(word >> UInt64(60 - (index % 16) * 4) & 0xF)])
        }
    }

    /// Escapes for COPY's text format: backslash, newline, carriage return and tab. Runs of
    /// bytes that need no escape are copied at once (most text has none at all).
    static func appendEscaped(_ source: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
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

    /// bytea in hex form, its backslash escaped for COPY: `\\x0102…`.
    static func appendHex(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(contentsOf: [0x5C, 0x5C, UInt8(ascii: "x")])
        HexDigits.append(bytes, to: &out)
    }

    // MARK: - COPY binary format

    /// Whether `appendBinary` can write this column: PostgreSQL's built-in types whose
    /// binary form is fixed and simple. Any other column sends its table in text format.
    public var hasBinaryForm: Bool { binaryForm != .none }

    /// Microseconds (and days) between 1970-01-01 and PostgreSQL's epoch, 2000-01-01.
    static let postgresEpochMicros: Int64 = 946_684_800_000_000
    static let postgresEpochDays: Int64 = 10_957

    /// Appends one field of COPY's binary format (length, then bytes; -1 for NULL).
    /// Only for columns with `hasBinaryForm`.
    public func appendBinary(_ value: Converted, to out: inout [UInt8]) {
        @inline(__always) func length(_ n: Int) { Self.appendBigEndian(UInt32(truncatingIfNeeded: n), to: &out) }
        switch value {
        case .null:
            length(-1)
        case .integer(let v):
            switch binaryForm {
            case .int2: length(2); Self.appendBigEndian(UInt16(truncatingIfNeeded: v), to: &out)
            case .int4: length(4); Self.appendBigEndian(UInt32(truncatingIfNeeded: v), to: &out)
            default: length(8); Self.appendBigEndian(UInt64(bitPattern: v), to: &out)
            }
        case .boolean(let v):
            length(1); out.append(v ? 1 : 0)
        case .float(let v):
            length(8); Self.appendBigEndian(v.bitPattern, to: &out)
        case .micros(let v):
            length(8); Self.appendBigEndian(UInt64(bitPattern: v &- Self.postgresEpochMicros), to: &out)
        case .days(let v):
            length(4); Self.appendBigEndian(UInt32(truncatingIfNeeded: v - Self.postgresEpochDays), to: &out)
        case .uuid(let high, let low):
            length(16); Self.appendBigEndian(high, to: &out); Self.appendBigEndian(low, to: &out)
        case .decimal(let v):
            let mark = out.count
            length(0)
            if binaryForm == .jsonb { out.append(1) }
            DecimalText.append(v, to: &out)
            Self.patchLength(at: mark, in: &out)
        case .bytes(let bytes), .json(let bytes, _):
            appendBinaryContent(bytes, to: &out)
        case .owned(let bytes):
            bytes.withUnsafeBufferPointer { appendBinaryContent($0, to: &out) }
        }
    }

    private func appendBinaryContent(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        if binaryForm == .jsonb {
            Self.appendBigEndian(UInt32(bytes.count + 1), to: &out)
            out.append(1)  // jsonb's binary format version
        } else {
            Self.appendBigEndian(UInt32(bytes.count), to: &out)
        }
        out.append(contentsOf: bytes)
    }

    static func patchLength(at mark: Int, in out: inout [UInt8]) {
        let n = UInt32(out.count - mark - 4)
        out[mark] = UInt8(n >> 24); out[mark + 1] = UInt8(n >> 16 & 0xFF)
        out[mark + 2] = UInt8(n >> 8 & 0xFF); out[mark + 3] = UInt8(n & 0xFF)
    }

    @inline(__always)
    static func appendBigEndian<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
    }
}
