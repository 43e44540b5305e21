import Foundation

/// Read-back verification of a loaded table: every value of every row, compared with the
/// archive's value under type-aware equality (the same instant, the same JSON value, the
/// same bytes, the same number), without holding either side in memory.
///
/// Each side folds `hash(column, normalized value, row key)` into one 64-bit sum per
/// column, so the order rows come back in does not matter, memory stays constant, and a
/// difference names its column. Both sides normalize to the same form: a timestamp to UTC
/// microseconds, JSON to a re-serialized value with sorted keys, bytes to hex, numbers to
/// their Double or Int64 value.
struct ContentCheck {
    let kinds: [ValueConverter.Kind]
    let names: [String]
    /// Positions (in the mapped columns) of the key used to tie a value to its row.
    let keyColumns: [Int]
    let naiveZone: TimeZone
    private(set) var archiveSums: [UInt64]
    private(set) var targetSums: [UInt64]
    private(set) var archiveRows: Int64 = 0
    private(set) var targetRows: Int64 = 0
    private let seed: UInt64 = 0x9E37_79B9_7F4A_7C15

    init(kinds: [ValueConverter.Kind], names: [String], keyColumns: [Int], naiveZone: TimeZone) {
        self.kinds = kinds
        self.names = names
        self.keyColumns = keyColumns
        self.naiveZone = naiveZone
        archiveSums = Array(repeating: 0, count: kinds.count)
        targetSums = Array(repeating: 0, count: kinds.count)
    }

    // MARK: - Folding

    mutating func addArchiveRow(_ values: [SQLiteValue]) {
        let normalized = values.enumerated().map { normalize(archive: $1, kind: kinds[$0]) }
        fold(normalized, into: &archiveSums)
        archiveRows += 1
    }

    /// Takes back a row added with `addArchiveRow` (an orphan rejected after staging).
    mutating func removeArchiveRow(_ values: [SQLiteValue]) {
        let normalized = values.enumerated().map { normalize(archive: $1, kind: kinds[$0]) }
        let key = keyColumns.map { normalized[$0] }.joined(separator: "\u{1F}")
        for (column, value) in normalized.enumerated() { archiveSums[column] &-= Self.hash(seed, column, key, value) }
        archiveRows -= 1
    }

    /// One row of `COPY ... TO STDOUT` text format.
    mutating func addTargetRow(_ line: UnsafeBufferPointer<UInt8>) {
        var fields: [String?] = []
        fields.reserveCapacity(kinds.count)
        var field: [UInt8] = []
        var isNull = false
        var i = 0
        func finish() {
            fields.append(isNull ? nil : String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            isNull = false
        }
        while i < line.count {
            let b = line[i]
            if b == 0x09 { finish(); i += 1; continue }
            if b == 0x5C, i + 1 < line.count {
                let e = line[i + 1]
                i += 2
                switch e {
                case UInt8(ascii: "N"): isNull = true
                case UInt8(ascii: "n"): field.append(0x0A)
                case UInt8(ascii: "r"): field.append(0x0D)
                case UInt8(ascii: "t"): field.append(0x09)
                case UInt8(ascii: "b"): field.append(0x08)
                case UInt8(ascii: "f"): field.append(0x0C)
                case UInt8(ascii: "v"): field.append(0x0B)
                default: field.append(e)
                }
                continue
            }
            field.append(b)
            i += 1
        }
        finish()
        let normalized = fields.enumerated().map { index, text in text.map { normalize(target: $0, kind: kinds[index]) } ?? "\u{0}NULL" }
        fold(normalized, into: &targetSums)
        targetRows += 1
    }

    private func fold(_ normalized: [String], into sums: inout [UInt64]) {
        let key = keyColumns.map { normalized[$0] }.joined(separator: "\u{1F}")
        for (column, value) in normalized.enumerated() {
            sums[column] &+= Self.hash(seed, column, key, value)
        }
    }

    /// FNV-1a over the parts; deterministic, unlike Swift's seeded Hasher, so a difference
    /// is reproducible from run to run.
    static func hash(_ seed: UInt64, _ column: Int, _ key: String, _ value: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ seed ^ UInt64(column)
        for part in [key, value] {
            for b in part.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
            h = (h ^ 0xFF) &* 0x0000_0100_0000_01B3
        }
        // A final mix so that sums of nearby hashes do not cancel.
        h ^= h >> 33; h &*= 0xFF51_AFD7_ED55_8CCD; h ^= h >> 33
        return h
    }

    /// Columns whose content differs, by name.
    var differingColumns: [String] {
        (0..<kinds.count).filter { archiveSums[$0] != targetSums[$0] }.map { names[$0] }
    }

    // MARK: - Normalization

    func normalize(archive value: SQLiteValue, kind: ValueConverter.Kind) -> String {
        switch value {
        case .null: return "\u{0}NULL"
        case .integer(let v):
            switch kind {
            case .boolean: return v == 0 ? "false" : "true"
            case .timestamptz, .timestamp: return "ts:" + String(TimestampText.microseconds(fromEpoch: v))
            case .date: return "date:" + String(TimestampText.format(utcMicroseconds: TimestampText.microseconds(fromEpoch: v)).prefix(10))
            case .float, .numeric, .json: return Self.number(Double(v))
            default: return String(v)
            }
        case .real(let v):
            switch kind {
            case .integer: return String(Int64(v))
            case .boolean: return v == 0 ? "false" : "true"
            case .timestamptz, .timestamp: return "ts:" + String(Int64((v * 1_000_000).rounded()))
            default: return Self.number(v)
            }
        case .text(let bytes):
            return normalize(text: bytes, kind: kind, fromTarget: false)
        case .blob(let bytes):
            return bytes.hexString
        }
    }

    func normalize(target text: String, kind: ValueConverter.Kind) -> String {
        switch kind {
        case .bytea:
            return String(text.dropFirst(2))  // "\x0102…" → hex
        case .boolean:
            return text == "t" ? "true" : "false"
        case .integer:
            return text
        case .float, .numeric:
            return Double(text).map(Self.number) ?? text
        default:
            return normalize(text: Array(text.utf8), kind: kind, fromTarget: true)
        }
    }

    private func normalize(text bytes: [UInt8], kind: ValueConverter.Kind, fromTarget: Bool) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        switch kind {
        case .timestamptz, .timestamp:
            if !fromTarget, let epoch = Int64(text) { return "ts:" + String(TimestampText.microseconds(fromEpoch: epoch)) }
            guard let parsed = TimestampText.parse(bytes) else { return text }
            // A timestamp column holds UTC wall time: read back, it has no offset and means UTC.
            let zone = fromTarget ? TimeZone(identifier: "UTC")! : naiveZone
            return "ts:" + String(TimestampText.utcMicroseconds(parsed, naiveZone: zone))
        case .date:
            if !fromTarget, let epoch = Int64(text) {
                return "date:" + String(TimestampText.format(utcMicroseconds: TimestampText.microseconds(fromEpoch: epoch)).prefix(10))
            }
            guard let parsed = TimestampText.parse(bytes) else { return text }
            return "date:" + ValueConverter.calendarDate(parsed)
        case .boolean:
            switch text.trimmingCharacters(in: .whitespaces).lowercased() {
            case "1", "t", "true", "y", "yes", "on": return "true"
            default: return "false"
            }
        case .integer:
            return Int64(text.trimmingCharacters(in: .whitespaces)).map(String.init) ?? text
        case .float, .numeric:
            return Double(text.trimmingCharacters(in: .whitespaces)).map(Self.number) ?? text
        case .json:
            return Self.canonicalJSON(bytes) ?? text
        case .bytea:
            return bytes.hexString
        case .uuid:
            return text.lowercased()
        case .text, .other:
            return text
        }
    }

    static func number(_ value: Double) -> String {
        value == 0 ? "0" : value.description  // -0.0 and 0.0 are the same number
    }

    /// JSON in one canonical form: equal JSON values give equal text.
    static func canonicalJSON(_ bytes: [UInt8]) -> String? {
        JSONCanonical.canonicalize(bytes).map { String(decoding: $0, as: UTF8.self) }
    }
}
