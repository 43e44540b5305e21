/// One decoded row of typed NDJSON, reused for every line of a table: the values are
/// slots, and the bytes of text and blob values sit one after another in `bytes`.
///
/// The load's hot loop reads millions of rows; decoding each into `[SQLiteValue]` cost an
/// array per row and per text value (and their reference counting), about a third of the
/// importer's time. A `RowValues` is filled in place and its slots point into one buffer.
public struct RowValues {
    public enum Slot: Equatable, Sendable {
        case null
        case integer(Int64)
        case real(Double)
        /// `start..<start+count` of `bytes`. `utf8`: the bytes are known to be valid UTF-8
        /// (every JSON string is checked while it is parsed); `nul`: they hold a NUL byte.
        case text(start: Int, count: Int, utf8: Bool, nul: Bool)
        case blob(start: Int, count: Int)

        public var storageClass: StorageClass {
            switch self {
            case .null: return .null
            case .integer: return .integer
            case .real: return .real
            case .text: return .text
            case .blob: return .blob
            }
        }
    }

    public internal(set) var slots: [Slot] = []
    public internal(set) var bytes: [UInt8] = []

    public init() {
        slots.reserveCapacity(64)
        bytes.reserveCapacity(1 << 16)
    }

    public var count: Int { slots.count }

    mutating func removeAll() {
        slots.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
    }

    /// Calls `body` with a view of every value; the views are valid only inside `body`.
    public func withValues<R>(_ body: (RowView) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { try body(RowView(slots: slots, base: $0)) }
    }

    /// The values as `SQLiteValue`s (allocates; for messages, rejects and tests).
    public var values: [SQLiteValue] {
        withValues { row in (0..<row.count).map { row[$0].value } }
    }
}

/// The values of a `RowValues` while its bytes are pinned.
public struct RowView {
    let slots: [RowValues.Slot]
    let base: UnsafeBufferPointer<UInt8>

    public var count: Int { slots.count }

    public subscript(index: Int) -> ValueRef {
        switch slots[index] {
        case .null: return .null
        case .integer(let v): return .integer(v)
        case .real(let v): return .real(v)
        case .text(let start, let count, let utf8, let nul):
            return .text(UnsafeBufferPointer(rebasing: base[start..<start + count]), utf8: utf8, nul: nul)
        case .blob(let start, let count):
            return .blob(UnsafeBufferPointer(rebasing: base[start..<start + count]))
        }
    }
}

/// A borrowed SQLite value: like `SQLiteValue`, but text and blobs point at bytes owned by
/// someone else, so no value costs an allocation. Valid only while those bytes are.
public enum ValueRef {
    case null
    case integer(Int64)
    case real(Double)
    case text(UnsafeBufferPointer<UInt8>, utf8: Bool, nul: Bool)
    case blob(UnsafeBufferPointer<UInt8>)

    /// An owned copy.
    public var value: SQLiteValue {
        switch self {
        case .null: return .null
        case .integer(let v): return .integer(v)
        case .real(let v): return .real(v)
        case .text(let bytes, _, _): return .text(Array(bytes))
        case .blob(let bytes): return .blob(Array(bytes))
        }
    }

    /// Calls `body` with a view of an owned value (its UTF-8 and NUL flags computed).
    public static func with<R>(_ value: SQLiteValue, _ body: (ValueRef) throws -> R) rethrows -> R {
        switch value {
        case .null: return try body(.null)
        case .integer(let v): return try body(.integer(v))
        case .real(let v): return try body(.real(v))
        case .text(let bytes):
            return try bytes.withUnsafeBufferPointer {
                try body(.text($0, utf8: JSONText.isValidUTF8($0), nul: $0.contains(0)))
            }
        case .blob(let bytes):
            return try bytes.withUnsafeBufferPointer { try body(.blob($0)) }
        }
    }
}
