/// What `plan` can tell about a column's values before reading them: which conversions may
/// change a value (refused unless `--allow-change`) or be refused outright, from the target
/// type and the storage classes the column holds (the archive's summary, with
/// `--storage-classes`; else the class its declared type gives in SQLite).
///
/// These are the same rules `ValueConverter` applies to each value; a note here says only
/// that a value of that class *can* meet the rule, since the summary counts classes, not values.
enum ConversionRisks {
    /// The storage classes a column holds: the counted ones, else its declared type's affinity.
    static func classes(counts: ClassCounts?, declaredType: String) -> Set<StorageClass> {
        if let counts { return Set(counts.present).subtracting([.null]) }
        return DeclaredType(declaredType).affinity.storageClasses
    }

    /// One line per rule a value of these classes can meet in this target type.
    static func notes(_ type: TargetType, classes: Set<StorageClass>, allowFlag: String, allowed: Bool) -> [String] {
        var notes: [String] = []
        let numbers = !classes.isDisjoint(with: [.integer, .real, .text])
        func change(_ text: String) {
            notes.append(text + (allowed ? ": accepted and counted (\(allowFlag))" : ": refused, unless \(allowFlag)"))
        }
        switch type.kind {
        case .float where type.binaryForm == .float4 && numbers:
            change("numbers with more digits than real (float4) keeps are rounded")
        case .float where classes.contains(.integer) || classes.contains(.text):
            change("integers beyond 2^53 and texts with more than 17 significant digits are rounded to double precision")
        case .numeric:
            if let (precision, scale) = type.numericLimit, numbers {
                change("numbers with more than \(scale) digit(s) after the point are rounded to \(type.shownName)")
                notes.append("numbers with more than \(precision - scale) digit(s) before the point do not fit \(type.shownName): refused")
            }
        case .date where classes.contains(.integer) || classes.contains(.text):
            change("values with a time of day lose it in a date")
        case .timestamp, .timestamptz:
            if type.secondsPrecision < 6, numbers {
                change("fractions of a second finer than \(type.secondsPrecision) digit(s) are rounded by \(type.shownName)")
            }
        case .text:
            switch type.textLimit {
            case .varchar(let n):
                notes.append("texts longer than \(n) characters are refused")
                change("trailing spaces past \(n) characters are cut")
            case .bpchar(let n):
                change("texts shorter than \(n) characters are padded with spaces by \(type.shownName)")
            case .name:
                change("texts longer than 63 bytes are cut by name")
            case .none:
                break
            }
        case .json where type.binaryForm == .jsonb && classes.contains(.text):
            change("objects with a key twice keep only the last in jsonb")
        case .other:
            notes.append("\(type.baseType) is compared by its text after the load: a value the type rewrites (interval, inet, time zones) fails the read-back")
        case .float, .date, .json, .integer, .boolean, .bytea, .uuid:
            break  // their rules meet these classes without a change (the notes below cover refusals)
        }
        if type.kind == .integer, classes.contains(.text) || classes.contains(.real) {
            notes.append("TEXT and REAL values must be whole numbers within \(type.shownName)'s range: others are refused")
        }
        if classes.contains(.blob), type.kind != .bytea {
            notes.append("BLOB values cannot go into \(type.shownName) (only bytea takes binary data): refused")
        }
        return notes
    }
}
