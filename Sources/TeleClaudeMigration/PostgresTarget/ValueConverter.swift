import Foundation

/// Converts one archive value for a target column, by the rules in README.md
/// ("Conversions"). A value either arrives unchanged (under the equivalences of README.md,
/// "What counts as a change") or is refused with a reason: a conversion that would round,
/// cut, pad or drop part of it throws a `Failure` whose `change` says how, and only a call
/// with `accept` (a column named with `--allow-change`) gets the changed value instead.
///
/// `convert` gives the value the column will hold, normalized (`Converted`); the COPY
/// writers (`CopyEncoding`) and the read-back check (`ContentCheck`) all start from that
/// one value, so a value is parsed once however it is used. Because a conversion that is
/// not refused keeps the value, the read-back comparing the table with it compares the
/// table with the archive.
public struct ValueConverter: Sendable {
    public typealias Kind = TargetType.Kind
    typealias BinaryForm = TargetType.BinaryForm

    public let type: TargetType
    public let naiveZone: TimeZone
    private let naiveIsUTC: Bool
    /// Copies of the type's fields the hot loops read.
    public let kind: Kind
    let binaryForm: BinaryForm

    public var baseType: String { type.baseType }
    public var integerRange: ClosedRange<Int64> { type.integerRange }

    public init(type: TargetType, naiveZone: TimeZone = TimeZone(identifier: "UTC")!) {
        self.type = type
        self.naiveZone = naiveZone
        naiveIsUTC = TimestampText.isUTC(naiveZone)
        kind = type.kind
        binaryForm = type.binaryForm
    }

    public init(baseType: String, typmod: Int32 = -1, naiveZone: TimeZone = TimeZone(identifier: "UTC")!) {
        self.init(type: TargetType(baseType: baseType, typmod: typmod), naiveZone: naiveZone)
    }

    public struct Failure: Error, Equatable {
        public let reason: String
        /// Set when the value could be stored, but not unchanged; `--allow-change` accepts it.
        public let change: ValueChange?

        init(reason: String, change: ValueChange? = nil) {
            self.reason = reason
            self.change = change
        }
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
        /// JSON text, valid, with its `JSONHasher` hash (worked out while validating it).
        case json(UnsafeBufferPointer<UInt8>, hash: UInt64)
        /// The same, rendered by the conversion (rare: reals into text, numbers into numeric).
        case owned([UInt8])
    }

    /// Converts an owned value and appends its COPY text form (`\N` for NULL) to `out`.
    public func append(_ value: SQLiteValue, accept: Bool = false, to out: inout [UInt8]) throws(Failure) {
        let converted: Result<Void, Failure> = ValueRef.with(value) { ref in
            Result { () throws(Failure) in appendText(try convert(ref, accept: accept), to: &out) }
        }
        try converted.get()
    }

    // MARK: - Converting

    /// `json` validates JSON text (and hashes it for the read-back); pass one to reuse it.
    /// `accept`: give the changed value where a conversion changes it, instead of refusing.
    func convert(_ value: ValueRef, json: JSONHasher = JSONHasher(), accept: Bool = false) throws(Failure) -> Converted {
        switch value {
        case .null: return .null
        case .integer(let v): return try fromInteger(v, accept: accept)
        case .real(let v): return try fromReal(v, accept: accept)
        case .text(let bytes, let utf8, let nul): return try fromText(bytes, utf8: utf8, nul: nul, json: json, accept: accept)
        case .blob(let bytes):
            switch kind {
            case .bytea:
                return .bytes(bytes)
            case .text, .json, .other:
                throw Failure(reason: "a BLOB of \(bytes.count) bytes cannot go into a \(kind.rawValue) column (only bytea takes binary data)")
            case .integer, .boolean, .float, .numeric, .timestamptz, .timestamp, .date, .uuid:
                throw Failure(reason: "a BLOB cannot be converted to \(kind.rawValue)")
            }
        }
    }

    /// Refuses a change unless it is accepted.
    @inline(__always)
    func change(_ change: ValueChange, _ detail: String, accept: Bool) throws(Failure) {
        if !accept { throw Failure(reason: "\(detail) (\(change.rawValue))", change: change) }
    }

    func fromInteger(_ v: Int64, accept: Bool) throws(Failure) -> Converted {
        switch kind {
        case .integer:
            guard integerRange.contains(v) else { throw Failure(reason: "the integer is outside the range of the target type (\(integerRange))") }
            return .integer(v)
        case .boolean:
            guard v == 0 || v == 1 else { throw Failure(reason: "only the integers 0 and 1 convert to boolean") }
            return .boolean(v == 1)
        case .timestamptz, .timestamp:
            if v.magnitude >= 100_000_000_000_000_000, v % 1_000 != 0 {
                try change(.roundedFraction, "an epoch in nanoseconds keeps only microseconds in PostgreSQL", accept: accept)
            }
            return .micros(try fitSeconds(TimestampText.microseconds(fromEpoch: v), accept: accept))
        case .date:
            let micros = TimestampText.microseconds(fromEpoch: v)
            if micros % 86_400_000_000 != 0 {
                try change(.droppedTimeOfDay, "the epoch is not midnight UTC and a date holds no time", accept: accept)
            }
            return .days(Self.floorDays(micros))
        case .float:
            if binaryForm == .float4 {
                if Float(exactly: v) == nil { try change(.roundedToReal, "the integer has more digits than real keeps", accept: accept) }
                return .float(Double(Float(v)))
            }
            if Double(exactly: v) == nil { try change(.roundedToDouble, "the integer has more digits than double precision keeps", accept: accept) }
            return .float(Double(v))
        case .bytea:
            throw Failure(reason: "an INTEGER cannot go into a bytea column")
        case .uuid:
            throw Failure(reason: "an INTEGER is not a UUID")
        case .numeric:
            if type.numericLimit != nil { return .owned(Array(try fitNumeric(DecimalNumber(v), accept: accept).text.utf8)) }
            return .decimal(v)
        case .text:
            if type.textLimit != .none { return try fitOwnedText(Array(String(v).utf8), accept: accept) }
            return .decimal(v)
        case .json, .other:
            return .decimal(v)
        }
    }

    /// Microseconds since 1970 that PostgreSQL's timestamp holds: 4714-11-24 BC and later.
    /// The storage classes a column of `kind` takes by these rules without a class being
    /// refused outright (a value may still be refused or changed by its content: a text
    /// that is not a number, a fraction finer than a microsecond). `--create-missing-tables`
    /// keeps a declared type whose created type takes every class the column holds.
    static func exactClasses(_ kind: TargetType.Kind) -> Set<StorageClass> {
        switch kind {
        case .integer: [.integer]
        case .boolean: [.integer, .text]
        case .text, .json, .timestamptz, .timestamp: [.integer, .real, .text]
        case .date: [.integer, .text]
        case .bytea: [.blob, .text]
        case .float: [.real]
        case .numeric: [.integer, .real]
        case .uuid, .other: [.text]
        }
    }

    static let earliestMicros: Int64 = -210_866_803_200_000_000

    func fromReal(_ v: Double, accept: Bool) throws(Failure) -> Converted {
        switch kind {
        case .integer:
            guard v.isFinite, v.rounded() == v, let exact = Int64(exactly: v), integerRange.contains(exact) else {
                throw Failure(reason: "the real is not an integer in the range of the target type")
            }
            return .integer(exact)
        case .float:
            guard binaryForm == .float4 else { return .float(v) }
            let single = Float(v)
            if v.isFinite, single.isInfinite { throw Failure(reason: "the real is outside the range of real (float4)") }
            if !v.isNaN, Double(single) != v { try change(.roundedToReal, "the real has more digits than real (float4) keeps", accept: accept) }
            return .float(Double(single))
        case .numeric:
            let number = DecimalNumber.parse(Self.realText(v)) ?? DecimalNumber(special: .nan)
            return .owned(Array(try fitNumeric(number, accept: accept).text.utf8))
        case .timestamptz, .timestamp:
            guard v.isFinite else { throw Failure(reason: "an infinite or NaN real is not a point in time") }
            guard v * 1_000_000 > Double(Self.earliestMicros), v * 1_000_000 < 9.2e18 else {
                throw Failure(reason: "the real is outside the range of PostgreSQL's timestamps")
            }
            let micros = Int64((v * 1_000_000).rounded())
            if Double(micros) / 1_000_000 != v {
                try change(.roundedFraction, "the real holds a fraction of a second finer than a microsecond", accept: accept)
            }
            return .micros(try fitSeconds(micros, accept: accept))
        case .boolean:
            guard v == 0 || v == 1 else { throw Failure(reason: "only the reals 0 and 1 convert to boolean") }
            return .boolean(v == 1)
        case .json:
            guard v.isFinite else { throw Failure(reason: "JSON has no infinity") }
            return .owned(Array(v.description.utf8))
        case .text:
            return try fitOwnedText(Array(Self.realText(v).utf8), accept: accept)
        case .other:
            return .owned(Array(Self.realText(v).utf8))
        case .date, .bytea, .uuid:
            throw Failure(reason: "a REAL cannot be converted to \(kind.rawValue)")
        }
    }

    static func realText(_ v: Double) -> String {
        v.isInfinite ? (v > 0 ? "Infinity" : "-Infinity") : v.description
    }

    func fromText(_ bytes: UnsafeBufferPointer<UInt8>, utf8: Bool, nul: Bool, json: JSONHasher, accept: Bool) throws(Failure) -> Converted {
        guard utf8 else {
            throw Failure(reason: "the text is not valid UTF-8, which PostgreSQL cannot store as text")
        }
        if kind != .bytea, nul {
            throw Failure(reason: "the text contains a NUL character, which PostgreSQL cannot store as text")
        }
        switch kind {
        case .text:
            return try fitText(bytes, accept: accept)
        case .other:
            return .bytes(bytes)
        case .integer:
            guard let v = Int64(Self.trimmed(bytes)), integerRange.contains(v) else {
                throw Failure(reason: "the text is not an integer in the range of the target type")
            }
            return .integer(v)
        case .float:
            return .float(try textFloat(bytes, accept: accept))
        case .numeric:
            guard let number = DecimalNumber.parse(bytes) else { throw Failure(reason: "the text is not a number") }
            let fitted = try fitNumeric(number, accept: accept)
            // The text as written keeps its scale (`2.50`), unless it was rounded or is special.
            if fitted == number, number.special == nil { return .owned(Array(Self.trimmed(bytes).utf8)) }
            return .owned(Array(fitted.text.utf8))
        case .boolean:
            switch Self.trimmed(bytes).lowercased() {
            case "1", "t", "true", "y", "yes", "on": return .boolean(true)
            case "0", "f", "false", "n", "no", "off": return .boolean(false)
            default: throw Failure(reason: "the text is not a boolean (0/1, true/false, t/f, yes/no, on/off)")
            }
        case .timestamptz, .timestamp, .date:
            if let epoch = Self.plainInteger(bytes) { return try fromInteger(epoch, accept: accept) }
            guard let parsed = TimestampText.parse(bytes) else {
                throw Failure(reason: "the text is not a timestamp (YYYY-MM-DD[ |T]HH:MM[:SS[.ffffff]][Z|±HH:MM])")
            }
            if parsed.subMicrosecond {
                try change(.roundedFraction, "the text holds a fraction of a second finer than a microsecond", accept: accept)
            }
            if kind == .date {
                let utc = parsed.localMicroseconds - Int64(parsed.offsetSeconds ?? 0) * 1_000_000
                if utc % 86_400_000_000 != 0 {
                    try change(.droppedTimeOfDay, "the text has a time of day (or an offset) and a date holds none", accept: accept)
                }
                return .days(Self.calendarDays(parsed))
            }
            return .micros(try fitSeconds(TimestampText.utcMicroseconds(parsed, naiveZone: naiveZone, naiveIsUTC: naiveIsUTC), accept: accept))
        case .json:
            guard let hash = json.hash(bytes) else {
                throw Failure(reason: "the text is not valid JSON")
            }
            if binaryForm == .jsonb {
                if json.lastHadNulEscape { throw Failure(reason: "the JSON holds \\u0000, which jsonb cannot store (a json column can)") }
                if json.lastHadDuplicateKeys {
                    try change(.droppedDuplicateKeys, "the JSON has an object with a key twice and jsonb keeps the last", accept: accept)
                }
            }
            return .json(bytes, hash: hash)
        case .uuid:
            guard let bits = Self.uuid(bytes) else { throw Failure(reason: "the text is not a UUID") }
            return .uuid(bits.0, bits.1)
        case .bytea:
            return .bytes(bytes)  // the text's bytes are the content
        }
    }

    // MARK: - Parsing helpers

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
}
