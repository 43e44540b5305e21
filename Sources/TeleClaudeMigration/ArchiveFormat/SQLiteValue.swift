/// One SQLite value with its storage class, exactly as stored.
///
/// TEXT keeps its raw bytes: SQLite does not guarantee they are valid UTF-8, and the
/// archive must give back the same bytes. Reals compare by bit pattern, so `-0.0` and
/// `0.0` are different values here, as they are in the database.
public enum SQLiteValue: Sendable, Hashable, CustomStringConvertible {
    case null
    case integer(Int64)
    case real(Double)
    case text([UInt8])
    case blob([UInt8])

    public static func text(_ string: String) -> SQLiteValue { .text(Array(string.utf8)) }

    public static func == (lhs: SQLiteValue, rhs: SQLiteValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.integer(let a), .integer(let b)): return a == b
        case (.real(let a), .real(let b)): return a.bitPattern == b.bitPattern
        case (.text(let a), .text(let b)): return a == b
        case (.blob(let a), .blob(let b)): return a == b
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .integer(let v): hasher.combine(1); hasher.combine(v)
        case .real(let v): hasher.combine(2); hasher.combine(v.bitPattern)
        case .text(let v): hasher.combine(3); hasher.combine(v)
        case .blob(let v): hasher.combine(4); hasher.combine(v)
        }
    }

    /// A short, display-safe rendering for messages (long values are cut).
    public var description: String {
        switch self {
        case .null: return "NULL"
        case .integer(let v): return String(v)
        case .real(let v): return String(v)
        case .text(let bytes):
            let text = String(decoding: bytes.prefix(60), as: UTF8.self)
            return "'\(text)\(bytes.count > 60 ? "…" : "")'"
        case .blob(let bytes): return "BLOB(\(bytes.count) bytes)"
        }
    }
}

/// The five SQLite storage classes, named as `typeof()` names them.
public enum StorageClass: String, Sendable, Codable, CaseIterable {
    case null, integer, real, text, blob
}

extension SQLiteValue {
    var textValue: String? {
        if case .text(let bytes) = self { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }

    var integerValue: Int64? {
        if case .integer(let v) = self { return v }
        return nil
    }
}
