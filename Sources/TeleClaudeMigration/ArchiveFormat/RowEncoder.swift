import CTCSQLite
import Foundation

/// Writes rows as the archive's typed NDJSON (format-spec.md, "Values") straight from a
/// stepped SQLite statement into a byte buffer, without building intermediate values.
///
/// Hand-written rather than Foundation's JSONEncoder: the encoding must keep the storage
/// class of every value (JSONEncoder has no integer/real distinction on the wire and no
/// way to carry text that is not valid UTF-8), and this is the exporter's hot loop.
public struct RowEncoder {
    public private(set) var buffer: [UInt8] = []
    /// Per column, how many values of each storage class were written.
    public private(set) var classCounts: [ClassCounts]

    public init(columnCount: Int, capacity: Int) {
        buffer.reserveCapacity(capacity)
        classCounts = Array(repeating: ClassCounts(), count: columnCount)
    }

    /// Hands the encoded bytes over and starts a new buffer of the same capacity.
    public mutating func takeBuffer(capacity: Int) -> [UInt8] {
        var fresh: [UInt8] = []
        fresh.reserveCapacity(capacity)
        swap(&fresh, &buffer)
        return fresh
    }

    public mutating func appendRow(from statement: SQLiteStatement) {
        let count = Int32(classCounts.count)
        buffer.append(UInt8(ascii: "["))
        for column in 0..<count {
            if column > 0 { buffer.append(UInt8(ascii: ",")) }
            switch statement.storageClass(at: column) {
            case SQLITE_INTEGER:
                classCounts[Int(column)].integer += 1
                appendInteger(statement.int64(at: column))
            case SQLITE_FLOAT:
                classCounts[Int(column)].real += 1
                appendReal(statement.double(at: column))
            case SQLITE_TEXT:
                classCounts[Int(column)].text += 1
                statement.withTextBytes(at: column) { appendText($0) }
            case SQLITE_BLOB:
                classCounts[Int(column)].blob += 1
                statement.withBlobBytes(at: column) { appendTagged("b", base64: $0) }
            default:
                classCounts[Int(column)].null += 1
                appendNull()
            }
        }
        buffer.append(contentsOf: [UInt8(ascii: "]"), UInt8(ascii: "\n")])
    }

    /// Encodes already-decoded values (used by tests and by tools that re-encode).
    public mutating func appendRow(_ values: [SQLiteValue]) {
        buffer.append(UInt8(ascii: "["))
        for (column, value) in values.enumerated() {
            if column > 0 { buffer.append(UInt8(ascii: ",")) }
            if column < classCounts.count { classCounts[column].add(value.storageClass) }
            switch value {
            case .null: appendNull()
            case .integer(let v): appendInteger(v)
            case .real(let v): appendReal(v)
            case .text(let bytes): bytes.withUnsafeBufferPointer { appendText($0) }
            case .blob(let bytes): bytes.withUnsafeBufferPointer { appendTagged("b", base64: $0) }
            }
        }
        buffer.append(contentsOf: [UInt8(ascii: "]"), UInt8(ascii: "\n")])
    }

    // MARK: - Values

    private mutating func appendNull() {
        buffer.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])  // null
    }

    private mutating func appendInteger(_ value: Int64) { DecimalText.append(value, to: &buffer) }

    /// Finite reals use Swift's shortest round-tripping form, which always has a `.` or an
    /// exponent (`1.0`, `-0.0`, `1e+308`), so they never read back as integers.
    private mutating func appendReal(_ value: Double) {
        if value.isInfinite {
            appendTaggedLiteral("r", value > 0 ? "Infinity" : "-Infinity")
        } else if value.isNaN {
            appendNull()  // SQLite stores NaN as NULL; a NaN cannot come out of a database
        } else {
            buffer.append(contentsOf: value.description.utf8)
        }
    }

    private mutating func appendText(_ bytes: UnsafeBufferPointer<UInt8>) {
        let mark = buffer.count
        if JSONText.appendEscapedString(bytes, to: &buffer) { return }
        buffer.removeSubrange(mark...)
        appendTagged("x", base64: bytes)  // TEXT whose bytes are not valid UTF-8
    }

    private mutating func appendTagged(_ tag: String, base64 bytes: UnsafeBufferPointer<UInt8>) {
        appendTaggedLiteral(tag, Data(buffer: bytes).base64EncodedString())
    }

    private mutating func appendTaggedLiteral(_ tag: String, _ literal: String) {
        buffer.append(contentsOf: "{\"\(tag)\":\"".utf8)
        buffer.append(contentsOf: literal.utf8)
        buffer.append(contentsOf: "\"}".utf8)
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
