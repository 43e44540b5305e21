import CTCSQLite
import Foundation

/// Writes rows as the archive's typed NDJSON (format-spec.md, "Values") straight from a
/// stepped SQLite statement into a byte buffer, without building intermediate values.
///
/// Hand-written rather than Foundation's JSONEncoder: the encoding must keep the storage
/// class of every value (JSONEncoder has no integer/real distinction on the wire and no
/// way to carry text that is not valid UTF-8), and this is the exporter's hot loop. For
/// that, it writes through a pointer into memory it owns (room for a value is made once,
/// before it is written), not through an Array's append, which checks uniqueness and
/// capacity at every byte: noncopyable, so exactly one owner frees it.
public struct RowEncoder: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    public private(set) var count = 0
    private var capacity: Int
    private let initialCapacity: Int
    private let columnCount: Int
    private let counts: UnsafeMutablePointer<ClassCounts>

    public init(columnCount: Int, capacity: Int) {
        self.columnCount = columnCount
        self.capacity = max(capacity, 64)
        initialCapacity = self.capacity
        base = .allocate(capacity: self.capacity)
        counts = .allocate(capacity: max(columnCount, 1))
        counts.initialize(repeating: ClassCounts(), count: max(columnCount, 1))
    }

    deinit {
        base.deallocate()
        counts.deinitialize(count: max(columnCount, 1))
        counts.deallocate()
    }

    /// The encoded bytes so far, as an array (a copy).
    public var buffer: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// Per column, how many values of each storage class were written.
    public var classCounts: [ClassCounts] { Array(UnsafeBufferPointer(start: counts, count: columnCount)) }

    /// Hands the encoded bytes over, without copying them, and starts a new buffer.
    public mutating func takeChunk() -> EncodedBytes {
        let chunk = EncodedBytes(base: base, count: count)
        capacity = initialCapacity
        base = .allocate(capacity: capacity)
        count = 0
        return chunk
    }

    /// Room for `extra` more bytes.
    @inline(__always)
    private mutating func reserve(_ extra: Int) {
        if capacity - count < extra { grow(extra) }
    }

    private mutating func grow(_ extra: Int) {
        let larger = max(capacity * 2, count + extra)
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
        moved.update(from: base, count: count)
        base.deallocate()
        base = moved
        capacity = larger
    }

    @inline(__always)
    private mutating func put(_ byte: UInt8) {
        base[count] = byte
        count += 1
    }

    private mutating func put(_ bytes: UnsafeRawBufferPointer) {
        reserve(bytes.count)
        if let source = bytes.baseAddress { UnsafeMutableRawPointer(base + count).copyMemory(from: source, byteCount: bytes.count) }
        count += bytes.count
    }

    private mutating func put(_ text: String) {
        var text = text
        text.withUTF8 { put(UnsafeRawBufferPointer($0)) }
    }

    public mutating func appendRow(from statement: SQLiteStatement) {
        let columns = Int32(columnCount)
        reserve(2 + columnCount * 24)  // brackets, commas and every fixed-size value
        put(UInt8(ascii: "["))
        for column in 0..<columns {
            if column > 0 { put(UInt8(ascii: ",")) }
            switch statement.storageClass(at: column) {
            case SQLITE_INTEGER:
                counts[Int(column)].integer += 1
                appendInteger(statement.int64(at: column))
            case SQLITE_FLOAT:
                counts[Int(column)].real += 1
                appendReal(statement.double(at: column))
            case SQLITE_TEXT:
                counts[Int(column)].text += 1
                statement.withTextBytes(at: column) { appendText($0) }
            case SQLITE_BLOB:
                counts[Int(column)].blob += 1
                statement.withBlobBytes(at: column) { appendTagged("b", base64: $0) }
            default:
                counts[Int(column)].null += 1
                appendNull()
            }
            reserve(24 * (Int(columns) - Int(column)))  // what a text or blob value used
        }
        put(UInt8(ascii: "]"))
        put(UInt8(ascii: "\n"))
    }

    /// Encodes already-decoded values (used by tests and by tools that re-encode).
    public mutating func appendRow(_ values: [SQLiteValue]) {
        reserve(3 + values.count * 24)
        put(UInt8(ascii: "["))
        for (column, value) in values.enumerated() {
            if column > 0 { put(UInt8(ascii: ",")) }
            let storageClass: StorageClass
            switch value {
            case .null: storageClass = .null; appendNull()
            case .integer(let v): storageClass = .integer; appendInteger(v)
            case .real(let v): storageClass = .real; appendReal(v)
            case .text(let bytes): storageClass = .text; bytes.withUnsafeBufferPointer { appendText($0) }
            case .blob(let bytes): storageClass = .blob; bytes.withUnsafeBufferPointer { appendTagged("b", base64: $0) }
            }
            if column < columnCount { counts[column].add(storageClass) }
            reserve(24 * (values.count - column))
        }
        put(UInt8(ascii: "]"))
        put(UInt8(ascii: "\n"))
    }

    // MARK: - Values (room for 24 bytes is made before each)

    private mutating func appendNull() {
        put(0x6E); put(0x75); put(0x6C); put(0x6C)  // null
    }

    private mutating func appendInteger(_ value: Int64) {
        DecimalText.withDigits(value) { digits in
            (base + count).update(from: digits.baseAddress!, count: digits.count)
            count += digits.count
        }
    }

    /// Finite reals use Swift's shortest round-tripping form, which always has a `.` or an
    /// exponent (`1.0`, `-0.0`, `1e+308`), so they never read back as integers.
    private mutating func appendReal(_ value: Double) {
        if value.isInfinite {
            appendTaggedLiteral("r", value > 0 ? "Infinity" : "-Infinity")
        } else if value.isNaN {
            appendNull()  // SQLite stores NaN as NULL; a NaN cannot come out of a database
        } else {
            put(value.description)
        }
    }

    private mutating func appendText(_ bytes: UnsafeBufferPointer<UInt8>) {
        reserve(JSONText.escapedCapacity(bytes.count))
        if let written = JSONText.writeEscapedString(bytes, to: base + count) {
            count += written
        } else {
            appendTagged("x", base64: bytes)  // TEXT whose bytes are not valid UTF-8
        }
    }

    private mutating func appendTagged(_ tag: String, base64 bytes: UnsafeBufferPointer<UInt8>) {
        appendTaggedLiteral(tag, Data(buffer: bytes).base64EncodedString())
    }

    private mutating func appendTaggedLiteral(_ tag: String, _ literal: String) {
        put("{\"\(tag)\":\"")
        put(literal)
        put("\"}")
    }
}

/// Encoded rows handed from the exporter's reading thread to its writing thread: the
/// memory goes with them and is freed when the last reference goes.
public final class EncodedBytes: @unchecked Sendable {
    private let base: UnsafeMutablePointer<UInt8>
    public let count: Int

    init(base: UnsafeMutablePointer<UInt8>, count: Int) {
        self.base = base
        self.count = count
    }

    deinit { base.deallocate() }

    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }
}

/// How many values of each storage class a column holds.
public struct ClassCounts: Codable, Sendable, Equatable {
    public var null: Int64 = 0
    public var integer: Int64 = 0
    public var real: Int64 = 0
    public var text: Int64 = 0
    public var blob: Int64 = 0

    public init() {}

    enum CodingKeys: String, CodingKey { case null, integer, real, text, blob }

    /// Only the classes present are written (`{"integer":3,"null":1}`); absent means 0.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        for key in [CodingKeys.null, .integer, .real, .text, .blob] {
            let value = try c.decodeIfPresent(Int64.self, forKey: key) ?? 0
            guard value >= 0 else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "a count cannot be negative")
            }
            switch key {
            case .null: null = value
            case .integer: integer = value
            case .real: real = value
            case .text: text = value
            case .blob: blob = value
            }
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        for storageClass in present {
            try c.encode(count(of: storageClass), forKey: CodingKeys(rawValue: storageClass.rawValue)!)
        }
    }

    public mutating func add(_ storageClass: StorageClass) {
        switch storageClass {
        case .null: null += 1
        case .integer: integer += 1
        case .real: real += 1
        case .text: text += 1
        case .blob: blob += 1
        }
    }

    public mutating func merge(_ other: ClassCounts) {
        null += other.null; integer += other.integer; real += other.real; text += other.text; blob += other.blob
    }

    /// The classes present, in the fixed order null, integer, real, text, blob.
    public var present: [StorageClass] {
        StorageClass.allCases.filter { count(of: $0) > 0 }
    }

    public func count(of storageClass: StorageClass) -> Int64 {
        switch storageClass {
        case .null: return null
        case .integer: return integer
        case .real: return real
        case .text: return text
        case .blob: return blob
        }
    }
}
