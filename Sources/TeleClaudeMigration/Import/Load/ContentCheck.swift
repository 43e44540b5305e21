import Foundation

/// Read-back verification of a loaded table: every value of every row, compared with the
/// archive's value under type-aware equality (the same instant, the same JSON value, the
/// same bytes, the same number), without holding either side in memory.
///
/// Both sides hash the same normalized value: the archive side the `Converted` value the
/// converter produced for the COPY (so nothing is parsed twice), the target side the same
/// value decoded from `COPY ... TO STDOUT (FORMAT binary)`: a timestamp as UTC
/// microseconds, JSON in a canonical form, bytes as bytes, numbers by value. Columns
/// without a simple binary form are read back as `::text` and compared by their text
/// (numbers by value). Per column, `hash(column, row key, value)` is summed, so the order
/// rows come back in does not matter and a difference names its column. Per row, the pair
/// (key hash, row hash) goes to a spool file and into one of 256 bucket sums, so that when
/// a difference is found a second read of the differing buckets names the rows.
///
/// Values are hashed straight from their bytes: no String and no allocation per value.
///
/// A class, not a struct: the load's row loop reaches it through an optional, and a struct
/// there was copied for every row (its arrays retained and released each time).
final class ContentCheck {
    let converters: [ValueConverter]
    /// Per column, the converter's kind and binary form (plain enums: reading them in the
    /// hot loop copies no converter).
    private let kinds: [ValueConverter.Kind]
    private let forms: [ValueConverter.BinaryForm]
    let names: [String]
    /// Positions (in the mapped columns) of the key used to tie a value to its row.
    let keyColumns: [Int]
    private(set) var archiveSums: [UInt64]
    private(set) var targetSums: [UInt64]
    private var archiveBuckets = [UInt64](repeating: 0, count: 256)
    private var targetBuckets = [UInt64](repeating: 0, count: 256)
    private(set) var archiveRows: Int64 = 0
    private(set) var targetRows: Int64 = 0
    /// The current row's hash of each column. Memory the check owns rather than an array
    /// property: every use of a class's array property is checked for exclusive access,
    /// and this is used for every value of every row.
    private let hashes: UnsafeMutableBufferPointer<UInt64>
    /// Hashes target JSON values, reused.
    private let json = JSONHasher()
    private let pairs: PairSpool
    /// Pairs taken back by `takeBackArchiveRow` (orphans rejected after staging).
    private var removed: [PairSpool.Pair] = []
    /// The binary COPY header has been read (it comes with the first row).
    private var headerSeen = false
    /// How a differing row is named (its key, unless that looks secret).
    var naming = RowNaming(showValues: false)

    init(converters: [ValueConverter], names: [String], keyColumns: [Int]) throws {
        self.converters = converters
        kinds = converters.map(\.kind)
        forms = converters.map(\.binaryForm)
        self.names = names
        self.keyColumns = keyColumns
        archiveSums = Array(repeating: 0, count: converters.count)
        targetSums = Array(repeating: 0, count: converters.count)
        hashes = .allocate(capacity: converters.count)
        hashes.initialize(repeating: 0)
        do {
            pairs = try PairSpool()
        } catch {
            hashes.deallocate()
            throw error
        }
    }

    deinit { hashes.deallocate() }

    /// The select list that reads the mapped columns back for the check: columns with a
    /// simple binary form as they are, the others as their text.
    static func readBackColumns(_ columns: [String], converters: [ValueConverter]) -> String {
        zip(columns, converters).map { column, converter in
            SQLIdentifier.quote(column) + (converter.hasBinaryForm ? "" : "::text")
        }.joined(separator: ", ")
    }

    // MARK: - Folding

    /// The archive's value of one column of the current row, as converted for the COPY.
    func setArchiveValue(_ value: ValueConverter.Converted, column: Int) {
        hashes[column] = hash(value, column: column)
    }

    /// Ends the archive row whose values were set.
    func commitArchiveRow() throws {
        let pair = fold(into: &archiveSums, buckets: &archiveBuckets, sign: 1)
        try pairs.append(pair)
        archiveRows += 1
    }

    /// Takes back a row committed earlier, its values set again (an orphan rejected after staging).
    func takeBackArchiveRow() {
        removed.append(fold(into: &archiveSums, buckets: &archiveBuckets, sign: -1))
        archiveRows -= 1
    }

    /// One message of `COPY ... TO STDOUT (FORMAT binary)`: a row, the header with the
    /// first row, or the trailer.
    func addTargetMessage(_ message: UnsafeBufferPointer<UInt8>) {
        var offset = skipHeader(message)
        while let next = hashTargetRow(message, at: offset) {
            _ = fold(into: &targetSums, buckets: &targetBuckets, sign: 1)
            targetRows += 1
            offset = next
        }
    }

    /// The offset after the binary COPY header when `message` starts with it, else 0.
    private func skipHeader(_ message: UnsafeBufferPointer<UInt8>) -> Int {
        guard !headerSeen else { return 0 }
        headerSeen = true
        return BinaryCopy.headerLength(message)
    }

    /// Hashes the fields of the row at `offset` into `hashes`; returns the offset after it,
    /// or nil at the trailer or the end of the message.
    private func hashTargetRow(_ message: UnsafeBufferPointer<UInt8>, at start: Int) -> Int? {
        BinaryCopy.row(message, at: start) { column, field in
            if column < hashes.count { hashes[column] = hash(target: field, column: column) }
        }
    }

    /// The (key hash, row hash) pair of the row whose column hashes are in `hashes`.
    private func currentPair() -> PairSpool.Pair {
        var key: UInt64 = 0x243F_6A88_85A3_08D3
        for column in keyColumns { key = Hash64.mix(key &* 0x9E37_79B9_7F4A_7C15 ^ hashes[column]) }
        var row: UInt64 = 0x1319_8A2E_0370_7344
        for hash in hashes { row = Hash64.mix(row &* 0x9E37_79B9_7F4A_7C15 ^ hash) }
        return PairSpool.Pair(key: key, row: row)
    }

    private func fold(into sums: inout [UInt64], buckets: inout [UInt64], sign: Int) -> PairSpool.Pair {
        let pair = currentPair()
        for column in hashes.indices {
            let contribution = Hash64.mix(pair.key ^ Hash64.mix(hashes[column] &+ UInt64(column) &* 0xC2B2_AE3D_27D4_EB4F))
            if sign > 0 { sums[column] &+= contribution } else { sums[column] &-= contribution }
        }
        let bucket = Int(pair.key >> 56)
        let contribution = Hash64.mix(pair.key ^ pair.row &* 0xFF51_AFD7_ED55_8CCD)
        if sign > 0 { buckets[bucket] &+= contribution } else { buckets[bucket] &-= contribution }
        return pair
    }

    /// Columns whose content differs, by name.
    var differingColumns: [String] {
        (0..<converters.count).filter { archiveSums[$0] != targetSums[$0] }.map { names[$0] }
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
        headerSeen = false  // the second read starts with its own header
        return Diagnosis(check: self, buckets: differing, expected: expected)
    }

    struct Diagnosis {
        let check: ContentCheck
        let buckets: Set<Int>
        var expected: [PairSpool.Pair: Int]
        /// Key text of target rows with no equal archive row (the first 20).
        var unmatched: [String] = []
        var unmatchedCount = 0

        /// One message of the binary read-back, as `ContentCheck.addTargetMessage` takes it.
        mutating func addTargetMessage(_ message: UnsafeBufferPointer<UInt8>) {
            var offset = check.skipHeader(message)
            while let next = check.hashTargetRow(message, at: offset) {
                defer { offset = next }
                let pair = check.currentPair()
                guard buckets.contains(Int(pair.key >> 56)) else { continue }
                if let count = expected[pair], count > 0 {
                    expected[pair] = count - 1
                    continue
                }
                unmatchedCount += 1
                if unmatched.count < 20 { unmatched.append(check.keyText(message, row: offset)) }
            }
        }

        /// Archive rows in the differing buckets that no target row equals.
        var missingCount: Int { expected.values.reduce(0) { $0 + max(0, $1) } }
    }

    /// `name=value, ...` of the key columns of the binary row at `start`, values cut at 60 bytes.
    func keyText(_ message: UnsafeBufferPointer<UInt8>, row start: Int) -> String {
        var fields: [UnsafeBufferPointer<UInt8>?] = []
        _ = BinaryCopy.row(message, at: start) { _, field in fields.append(field) }
        let pairs = keyColumns.map { column -> (column: String, value: String) in
            guard column < fields.count else { return (names[column], "?") }
            let value = describe(target: fields[column], column: column)
            return (names[column], value.utf8.count > 60 ? String(value.prefix(60)) + "…" : value)
        }
        return naming.key(pairs) ?? "(key not shown: it looks secret; --show-values shows it)"
    }

    /// A target value as text, for a message.
    func describe(target field: UnsafeBufferPointer<UInt8>?, column: Int) -> String {
        guard let field else { return "NULL" }
        let converter = converters[column]
        guard converter.hasBinaryForm else { return String(decoding: field, as: UTF8.self) }
        switch Self.decode(field, converter: converter) {
        case .null: return "NULL"
        case .integer(let v), .decimal(let v): return String(v)
        case .boolean(let v): return v ? "true" : "false"
        case .float(let v): return String(v)
        case .micros(let v): return TimestampText.format(utcMicroseconds: v)
        case .days(let v): return TimestampText.format(utcMicroseconds: v * 86_400_000_000, dateOnly: true)
        case .uuid(let high, let low):
            var out: [UInt8] = []
            ValueConverter.appendUUID(high, low, to: &out)
            return String(decoding: out, as: UTF8.self)
        case .bytes(let bytes), .json(let bytes, _): return converter.kind == .bytea ? "\\x" + Array(bytes).hexString : String(decoding: bytes, as: UTF8.self)
        case .owned(let bytes): return String(decoding: bytes, as: UTF8.self)
        }
    }

    // MARK: - Hashing

    private static let nullHash = Hash64.bytes(Array("\u{0}NULL".utf8))

    /// A field of the binary read-back as the converted value it holds. Only for columns
    /// with a binary form; the others are read back as text.
    static func decode(_ field: UnsafeBufferPointer<UInt8>, converter: ValueConverter) -> ValueConverter.Converted {
        decode(field, form: converter.binaryForm)
    }

    static func decode(_ field: UnsafeBufferPointer<UInt8>, form: ValueConverter.BinaryForm) -> ValueConverter.Converted {
        switch form {
        case .int2: return .integer(Int64(Int16(truncatingIfNeeded: BinaryCopy.int64(field))))
        case .int4: return .integer(Int64(Int32(truncatingIfNeeded: BinaryCopy.int64(field))))
        case .int8: return .integer(BinaryCopy.int64(field))
        case .bool: return .boolean(field.first == 1)
        case .float4: return .float(Double(Float(bitPattern: UInt32(truncatingIfNeeded: BinaryCopy.int64(field)))))
        case .float8: return .float(Double(bitPattern: UInt64(bitPattern: BinaryCopy.int64(field))))
        case .timestamp: return .micros(BinaryCopy.int64(field) &+ ValueConverter.postgresEpochMicros)
        case .date: return .days(Int64(Int32(truncatingIfNeeded: BinaryCopy.int64(field))) + ValueConverter.postgresEpochDays)
        case .uuid:
            guard field.count == 16 else { return .bytes(field) }
            return .uuid(UInt64(bitPattern: BinaryCopy.int64(UnsafeBufferPointer(rebasing: field[0..<8]))),
                         UInt64(bitPattern: BinaryCopy.int64(UnsafeBufferPointer(rebasing: field[8..<16]))))
        case .jsonb: return .bytes(field.isEmpty ? field : UnsafeBufferPointer(rebasing: field[1...]))  // after the version byte
        case .bytes, .none: return .bytes(field)
        }
    }

    private func hash(target field: UnsafeBufferPointer<UInt8>?, column: Int) -> UInt64 {
        guard let field else { return Self.nullHash }
        let form = forms[column]
        guard form != .none else { return hash(.bytes(field), column: column) }  // read back as text
        return hash(Self.decode(field, form: form), column: column)
    }

    /// The hash of a column's normalized value; the same value gives the same hash from
    /// either side, whatever case of `Converted` carries it.
    func hash(_ value: ValueConverter.Converted, column: Int) -> UInt64 {
        switch value {
        case .null: return Self.nullHash
        case .integer(let v): return Hash64.mix(UInt64(bitPattern: v) ^ 0x1111_1111_1111_1111)
        case .boolean(let v): return v ? 0x7472_7565 : 0x6661_6C73_65
        case .float(let v): return Hash64.number(v)
        case .micros(let v): return Hash64.mix(UInt64(bitPattern: v) ^ 0x3333_3333_3333_3333)
        case .days(let v): return Hash64.mix(UInt64(bitPattern: v) ^ 0x4444_4444_4444_4444)
        case .uuid(let high, let low): return Hash64.mix(Hash64.mix(high ^ 0x5555_5555_5555_5555) ^ low)
        case .decimal(let v): return DecimalText.withDigits(v) { hash(text: $0, column: column) }
        case .bytes(let bytes): return hash(text: bytes, column: column)
        case .json(_, let hash): return hash
        case .owned(let bytes): return bytes.withUnsafeBufferPointer { hash(text: $0, column: column) }
        }
    }

    /// Bytes by the column's kind: JSON by its canonical form, numbers by value, the rest as bytes.
    private func hash(text bytes: UnsafeBufferPointer<UInt8>, column: Int) -> UInt64 {
        switch kinds[column] {
        case .json:
            return json.hash(bytes) ?? Hash64.bytes(UnsafeRawBufferPointer(bytes))
        case .numeric:
            // By decimal value (2.5 and 2.50 alike), never through a Double, which would
            // call two numbers with more than 17 digits equal.
            return DecimalNumber.parse(bytes)?.hash64 ?? Hash64.bytes(UnsafeRawBufferPointer(bytes))
        case .float:
            guard let v = Double(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces)) else {
                return Hash64.bytes(UnsafeRawBufferPointer(bytes))
            }
            return Hash64.number(v)
        case .text, .integer, .boolean, .timestamptz, .timestamp, .date, .bytea, .uuid, .other:
            return Hash64.bytes(UnsafeRawBufferPointer(bytes))
        }
    }
}
