/// What the converter needs to know about a target column's type: the family of rules
/// that applies (`Kind`), its binary COPY form, and the limits its type modifier sets
/// (`varchar(20)`, `numeric(10,2)`, `timestamp(0)`), which decide whether a value arrives
/// unchanged.
public struct TargetType: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case text, integer, boolean, float, numeric, timestamptz, timestamp, date, json, bytea, uuid, other
    }

    /// The built-in types whose binary COPY form the loader writes and the read-back reads.
    enum BinaryForm: Sendable, Equatable {
        case int2, int4, int8, bool, float4, float8, timestamp, date, uuid, bytes, jsonb
        /// No simple binary form: the table goes in text format and reads back as `::text`.
        case none
    }

    /// A length limit on text: PostgreSQL cuts or pads values to it (see `ValueChange`).
    enum TextLimit: Sendable, Equatable {
        case none
        /// `varchar(n)`: longer values are refused, unless the excess is spaces, which are cut.
        case varchar(Int)
        /// `char(n)`: shorter values are padded with spaces to n characters.
        case bpchar(Int)
        /// `name`: cut to 63 bytes.
        case name
    }

    public let baseType: String
    public let kind: Kind
    let binaryForm: BinaryForm
    let integerRange: ClosedRange<Int64>
    let textLimit: TextLimit
    /// `numeric(p,s)`: (p, s); nil when unconstrained.
    let numericLimit: (precision: Int, scale: Int)?
    /// `timestamp(p)`: p fraction digits kept (6 when unconstrained).
    let secondsPrecision: Int

    /// `typmod` is `pg_attribute.atttypmod` (-1: none).
    public init(baseType: String, typmod: Int32 = -1) {
        self.baseType = baseType
        let wide = Int64.min...Int64.max
        (kind, binaryForm, integerRange) = switch baseType {
        case "text", "varchar", "bpchar", "name": (.text, .bytes, wide)
        case "citext": (.text, .none, wide)  // an extension's type: its binary form is its own
        case "int2": (.integer, .int2, Int64(Int16.min)...Int64(Int16.max))
        case "int4": (.integer, .int4, Int64(Int32.min)...Int64(Int32.max))
        case "int8": (.integer, .int8, wide)
        case "bool": (.boolean, .bool, wide)
        case "float4": (.float, .float4, wide)
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
        // varchar and char store n + 4 (the varlena header); numeric ((p << 16) | s) + 4,
        // the scale an 11-bit signed number; timestamps their precision as it is.
        textLimit = switch baseType {
        case "varchar" where typmod >= 4: .varchar(Int(typmod) - 4)
        case "bpchar" where typmod >= 4: .bpchar(Int(typmod) - 4)
        case "name": .name
        default: .none
        }
        if baseType == "numeric", typmod >= 4 {
            let packed = Int(typmod) - 4
            numericLimit = ((packed >> 16) & 0xFFFF, ((packed & 0x7FF) ^ 1024) - 1024)
        } else {
            numericLimit = nil
        }
        secondsPrecision = (baseType == "timestamp" || baseType == "timestamptz") && (0...5).contains(typmod) ? Int(typmod) : 6
    }

    public static func == (a: TargetType, b: TargetType) -> Bool {
        a.baseType == b.baseType && a.textLimit == b.textLimit && a.secondsPrecision == b.secondsPrecision
            && a.numericLimit?.precision == b.numericLimit?.precision && a.numericLimit?.scale == b.numericLimit?.scale
    }

    /// `varchar(20)`, `numeric(10,2)`: the type as the messages name it.
    var shownName: String {
        switch textLimit {
        case .varchar(let n): return "varchar(\(n))"
        case .bpchar(let n): return "char(\(n))"
        default: break
        }
        if let (p, s) = numericLimit { return "numeric(\(p),\(s))" }
        if secondsPrecision < 6 { return "\(baseType)(\(secondsPrecision))" }
        return baseType == "float4" ? "real" : baseType == "float8" ? "double precision" : baseType
    }
}

/// How a conversion would change a value. A change is refused unless the column is named
/// with `--allow-change`; then the value PostgreSQL will hold is what the read-back expects,
/// and the report counts it (README, "What counts as a change").
public enum ValueChange: String, Sendable, Codable, CaseIterable {
    case roundedToReal = "rounded to real"
    case roundedToDouble = "rounded to double precision"
    case roundedToScale = "rounded to the column's scale"
    case droppedTimeOfDay = "time of day dropped"
    case roundedFraction = "fraction of a second rounded"
    case padded = "padded with spaces"
    case cutSpaces = "trailing spaces cut"
    case cutName = "cut to 63 bytes"
    case droppedDuplicateKeys = "duplicate JSON keys dropped"
}
