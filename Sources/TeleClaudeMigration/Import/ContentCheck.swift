import Foundation

/// Read-back verification of a loaded table: every value of every row, compared with the
/// archive's value under type-aware equality (the same instant, the same JSON value, the
/// same bytes, the same number), without holding either side in memory.
///
/// Both sides normalize each value to the same bytes (a timestamp to UTC microseconds,
/// JSON to a canonical text, bytes as bytes, numbers to their Double or Int64 value) and
/// hash them. Per column, `hash(column, row key, value)` is summed, so the order rows come
/// back in does not matter and a difference names its column. Per row, the pair (key
/// hash, row hash) goes to a spool file and into one of 256 bucket sums, so that when a
/// difference is found a second read of the differing buckets names the rows.
///
/// Values are hashed straight from their bytes: no String per value, no allocation for
/// text, which is most of the data.
struct ContentCheck {
    let kinds: [ValueConverter.Kind]
    let names: [String]
    /// Positions (in the mapped columns) of the key used to tie a value to its row.
    let keyColumns: [Int]
    let naiveZone: TimeZone
    private(set) var archiveSums: [UInt64]
    private(set) var targetSums: [UInt64]
    private var archiveBuckets = [UInt64](repeating: 0, count: 256)
    private var targetBuckets = [UInt64](repeating: 0, count: 256)
    private(set) var archiveRows: Int64 = 0
    private(set) var targetRows: Int64 = 0
    private var hashes: [UInt64]
    private var field: [UInt8] = []
    private let pairs: PairSpool
    /// Pairs taken back by `removeArchiveRow` (orphans rejected after staging).
    private var removed: [PairSpool.Pair] = []

    init(kinds: [ValueConverter.Kind], names: [String], keyColumns: [Int], naiveZone: TimeZone) throws {
        self.kinds = kinds
        self.names = names
        self.keyColumns = keyColumns
        self.naiveZone = naiveZone
        archiveSums = Array(repeating: 0, count: kinds.count)
        targetSums = Array(repeating: 0, count: kinds.count)
        hashes = Array(repeating: 0, count: kinds.count)
        field.reserveCapacity(1 << 16)
        pairs = try PairSpool()
    }

    // MARK: - Folding

    mutating func addArchiveRow(_ values: [SQLiteValue]) throws {
        for index in values.indices { hashes[index] = hash(archive: values[index], kind: kinds[index]) }
        let pair = fold(into: &archiveSums, buckets: &archiveBuckets, sign: 1)
        try pairs.append(pair)
        archiveRows += 1
    }

    /// Takes back a row added with `addArchiveRow` (an orphan rejected after staging).
    mutating func removeArchiveRow(_ values: [SQLiteValue]) {
        for index in values.indices { hashes[index] = hash(archive: values[index], kind: kinds[index]) }
        removed.append(fold(into: &archiveSums, buckets: &archiveBuckets, sign: -1))
        archiveRows -= 1
    }

    /// One row of `COPY ... TO STDOUT` text format.
    mutating func addTargetRow(_ line: UnsafeBufferPointer<UInt8>) {
        hashTargetFields(line)
        _ = fold(into: &targetSums, buckets: &targetBuckets, sign: 1)
        targetRows += 1
    }

    /// The (key hash, row hash) pair of the row whose column hashes are in `hashes`.
    private func currentPair() -> PairSpool.Pair {
        var key: UInt64 = 0x243F_6A88_85A3_08D3
        for column in keyColumns { key = Self.mix(key &* 0x9E37_79B9_7F4A_7C15 ^ hashes[column]) }
        var row: UInt64 = 0x1319_8A2E_0370_7344
        for hash in hashes { row = Self.mix(row &* 0x9E37_79B9_7F4A_7C15 ^ hash) }
        return PairSpool.Pair(key: key, row: row)
    }

    private func fold(into sums: inout [UInt64], buckets: inout [UInt64], sign: Int) -> PairSpool.Pair {
        let pair = currentPair()
        for column in hashes.indices {
            let contribution = Self.mix(pair.key ^ Self.mix(hashes[column] &+ UInt64(column) &* 0xC2B2_AE3D_27D4_EB4F))
            if sign > 0 { sums[column] &+= contribution } else { sums[column] &-= contribution }
        }
        let bucket = Int(pair.key >> 56)
        let contribution = Self.mix(pair.key ^ pair.row &* 0xFF51_AFD7_ED55_8CCD)
        if sign > 0 { buckets[bucket] &+= contribution } else { buckets[bucket] &-= contribution }
        return pair
    }

    /// Columns whose content differs, by name.
    var differingColumns: [String] {
        (0..<kinds.count).filter { archiveSums[$0] != targetSums[$0] }.map { names[$0] }
    }

    var matches: Bool { differingColumns.isEmpty && archiveRows == targetRows && archiveBuckets == targetBuckets }

    // MARK: - Naming the rows that differ

    /// The archive's rows in the buckets that differ, for a second read of the target.
    func diagnosis() throws -> Diagnosis {
        let differing = Set((0..<256).filter { archiveBuckets[$0] != targetBuckets[$0] })
        var expected: [PairSpool.Pair: Int] = [:]
        try pairs.forEach { pair in
            if differing.contains(Int(pair.key >> 56)) { expected[pair, default: 0] += 1 }
        }
        for pair in removed where differing.contains(Int(pair.key >> 56)) { expected[pair, default: 0] -= 1 }
        return Diagnosis(check: self, buckets: differing, expected: expected)
    }

    struct Diagnosis {
        var check: ContentCheck
        let buckets: Set<Int>
        var expected: [PairSpool.Pair: Int]
        /// Key text of target rows with no equal archive row (the first 20).
        var unmatched: [String] = []
        var unmatchedCount = 0

        mutating func addTargetRow(_ line: UnsafeBufferPointer<UInt8>) {
            check.hashTargetFields(line)
            let pair = check.currentPair()
            guard self.buckets.contains(Int(pair.key >> 56)) else { return }
            if let count = expected[pair], count > 0 {
                expected[pair] = count - 1
                return
            }
            unmatchedCount += 1
            if unmatched.count < 20 { unmatched.append(check.keyText(line)) }
        }

        /// Archive rows in the differing buckets that no target row equals.
        var missingCount: Int { expected.values.reduce(0) { $0 + max(0, $1) } }
    }

    /// `name=value, ...` of the key columns of a COPY text line, values cut at 60 bytes.
    func keyText(_ line: UnsafeBufferPointer<UInt8>) -> String {
        var fields: [String] = []
        var start = 0
        for index in 0...line.count where index == line.count || line[index] == 0x09 {
            fields.append(String(decoding: UnsafeBufferPointer(rebasing: line[start..<index]), as: UTF8.self))
            start = index + 1
        }
        return keyColumns.map { column in
            let value = column < fields.count ? fields[column] : "?"
            return "\(names[column])=" + (value.utf8.count > 60 ? String(value.prefix(60)) + "…" : value)
        }.joined(separator: ", ")
    }

    // MARK: - Hashing

    private static let nullHash = hashBytes(Array("\u{0}NULL".utf8))

    /// Hashes the normalized value of each field of a COPY text line. A field without a
    /// backslash is hashed where it lies; only escaped fields are copied and unescaped.
    private mutating func hashTargetFields(_ line: UnsafeBufferPointer<UInt8>) {
        var column = 0
        var start = 0
        while start <= line.count {
            var end = start
            var escaped = false
            while end < line.count && line[end] != 0x09 {
                if line[end] == 0x5C { escaped = true }
                end += 1
            }
            if column < hashes.count {
                let slice = UnsafeBufferPointer(rebasing: line[start..<end])
                if escaped && slice.count == 2 && slice[1] == UInt8(ascii: "N") {
                    hashes[column] = Self.nullHash
                } else if !escaped && (kinds[column] == .text || kinds[column] == .other || kinds[column] == .integer) {
                    hashes[column] = Self.hashBytes(UnsafeRawBufferPointer(slice))
                } else {
                    field.removeAll(keepingCapacity: true)
                    if escaped { Self.unescape(slice, into: &field) } else { field.append(contentsOf: slice) }
                    hashes[column] = hash(target: field, kind: kinds[column])
                }
            }
            column += 1
            start = end + 1
        }
    }

    /// COPY text format escapes: `\n`, `\t`, `\\`, ...
    private static func unescape(_ source: UnsafeBufferPointer<UInt8>, into field: inout [UInt8]) {
        var i = 0
        while i < source.count {
            let b = source[i]
            if b == 0x5C, i + 1 < source.count {
                let e = source[i + 1]
                i += 2
                switch e {
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
    }

    func hash(archive value: SQLiteValue, kind: ValueConverter.Kind) -> UInt64 {
        switch value {
        case .null: return Self.nullHash
        case .integer(let v):
            switch kind {
            case .boolean: return Self.hashString(v == 0 ? "false" : "true")
            case .timestamptz, .timestamp: return Self.hashString("ts:" + String(TimestampText.microseconds(fromEpoch: v)))
            case .date: return Self.hashString("date:" + String(TimestampText.format(utcMicroseconds: TimestampText.microseconds(fromEpoch: v)).prefix(10)))
            case .float, .numeric, .json: return Self.hashString(Self.number(Double(v)))
            default: return Self.hashString(String(v))
            }
        case .real(let v):
            switch kind {
            case .integer: return Self.hashString(String(Int64(v)))
            case .boolean: return Self.hashString(v == 0 ? "false" : "true")
            case .timestamptz, .timestamp: return Self.hashString("ts:" + String(Int64((v * 1_000_000).rounded())))
            default: return Self.hashString(Self.number(v))
            }
        case .text(let bytes):
            return hash(text: bytes, kind: kind, fromTarget: false)
        case .blob(let bytes):
            return kind == .bytea ? Self.hashBytes(bytes) : Self.hashString(bytes.hexString)
        }
    }

    func hash(target bytes: [UInt8], kind: ValueConverter.Kind) -> UInt64 {
        switch kind {
        case .bytea:
            return Self.hashBytes(Self.decodeHex(bytes.dropFirst(2)))  // "\x0102…"
        case .boolean:
            return Self.hashString(bytes == [UInt8(ascii: "t")] ? "true" : "false")
        case .integer, .text, .other:
            return Self.hashBytes(bytes)
        case .float, .numeric:
            let text = String(decoding: bytes, as: UTF8.self)
            return Self.hashString(Double(text).map(Self.number) ?? text)
        default:
            return hash(text: bytes, kind: kind, fromTarget: true)
        }
    }

    private func hash(text bytes: [UInt8], kind: ValueConverter.Kind, fromTarget: Bool) -> UInt64 {
        switch kind {
        case .text, .other:
            return Self.hashBytes(bytes)
        case .bytea:
            return Self.hashBytes(bytes)
        case .json:
            return Self.hashBytes(JSONCanonical.canonicalize(bytes) ?? bytes)
        default:
            break
        }
        let text = String(decoding: bytes, as: UTF8.self)
        switch kind {
        case .timestamptz, .timestamp:
            if !fromTarget, let epoch = Int64(text) { return Self.hashString("ts:" + String(TimestampText.microseconds(fromEpoch: epoch))) }
            guard let parsed = TimestampText.parse(bytes) else { return Self.hashBytes(bytes) }
            // A timestamp column holds UTC wall time: read back, it has no offset and means UTC.
            let zone = fromTarget ? TimeZone(identifier: "UTC")! : naiveZone
            return Self.hashString("ts:" + String(TimestampText.utcMicroseconds(parsed, naiveZone: zone)))
        case .date:
            if !fromTarget, let epoch = Int64(text) {
                return Self.hashString("date:" + String(TimestampText.format(utcMicroseconds: TimestampText.microseconds(fromEpoch: epoch)).prefix(10)))
            }
            guard let parsed = TimestampText.parse(bytes) else { return Self.hashBytes(bytes) }
            return Self.hashString("date:" + ValueConverter.calendarDate(parsed))
        case .boolean:
            switch text.trimmingCharacters(in: .whitespaces).lowercased() {
            case "1", "t", "true", "y", "yes", "on": return Self.hashString("true")
            default: return Self.hashString("false")
            }
        case .integer:
            return Self.hashString(Int64(text.trimmingCharacters(in: .whitespaces)).map(String.init) ?? text)
        case .float, .numeric:
            return Self.hashString(Double(text.trimmingCharacters(in: .whitespaces)).map(Self.number) ?? text)
        case .uuid:
            return Self.hashString(text.lowercased())
        default:
            return Self.hashBytes(bytes)
        }
    }

    static func number(_ value: Double) -> String {
        value == 0 ? "0" : value.description  // -0.0 and 0.0 are the same number
    }

    static func decodeHex<C: Collection>(_ hex: C) -> [UInt8] where C.Element == UInt8 {
        func nibble(_ c: UInt8) -> UInt8 { c <= 0x39 ? c &- 0x30 : (c | 0x20) &- 0x57 }
        var out: [UInt8] = []
        out.reserveCapacity(hex.count / 2)
        var iterator = hex.makeIterator()
        while let high = iterator.next(), let low = iterator.next() { out.append(nibble(high) << 4 | nibble(low)) }
        return out
    }

    static func hashString(_ text: String) -> UInt64 {
        var text = text
        return text.withUTF8 { hashBytes(UnsafeRawBufferPointer($0)) }
    }

    static func hashBytes(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { hashBytes($0) }
    }

    /// Eight bytes a step with a multiply-rotate round and a final avalanche (the
    /// murmur3 finalizer). Hand-written: swift-crypto's SHA-256 is ten times slower here,
    /// and Swift's Hasher is seeded per process, which would make a difference look random.
    static func hashBytes(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ (UInt64(bytes.count) &* 0xC2B2_AE3D_27D4_EB4F)
        var i = 0
        let n = bytes.count
        while i + 8 <= n {
            let word = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ (word &* 0x87C3_7B91_1142_53D5)) &* 0x4CF5_AD43_2745_937F
            h = (h << 27) | (h >> 37)
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(bytes[i]) << shift
            shift += 8
            i += 1
        }
        h ^= tail &* 0x87C3_7B91_1142_53D5
        return mix(h)
    }

    static func mix(_ value: UInt64) -> UInt64 {
        var h = value
        h ^= h >> 33; h &*= 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33; h &*= 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return h
    }
}
