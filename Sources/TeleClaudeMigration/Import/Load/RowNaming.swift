/// How a message names a row and shows a value, in one place: a row by its key
/// (`session_id='s-1'`), or by its position in the archive when a key column or key value
/// looks secret (a key is a value too); a value only with `--show-values`, otherwise its
/// storage class and size. The rejects file holds rows whole; messages never do.
struct RowNaming: Sendable {
    var showValues: Bool

    /// `name=value, ...` of the key columns, or nil when the key must not be printed.
    func key(_ pairs: [(column: String, value: String)]) -> String? {
        guard !pairs.isEmpty else { return nil }
        if !showValues, pairs.contains(where: { SecretRules.looksLikeSecretColumn($0.column) || SecretRules.looksLikeSecretValue($0.value) }) {
            return nil
        }
        return pairs.map { "\($0.column)=\($0.value)" }.joined(separator: ", ")
    }

    /// The row for a message: `row 12 (session_id='s-1')`, or `row 12` alone.
    func row(line: Int64, key pairs: [(column: String, value: String)]) -> String {
        key(pairs).map { "row \(line) (\($0))" } ?? "row \(line)"
    }

    /// A server error for a message: with `--show-values` also its DETAIL and CONTEXT.
    func describe(_ error: PostgresError) -> String {
        showValues ? error.detailedDescription : error.description
    }

    /// A value for a message: itself with `--show-values`, else what kind it is.
    func value(_ value: SQLiteValue) -> String {
        if showValues { return value.description }
        switch value {
        case .null: return "NULL"
        case .integer: return "an INTEGER (value not shown; --show-values shows it)"
        case .real: return "a REAL (value not shown; --show-values shows it)"
        case .text(let bytes): return "a TEXT of \(bytes.count) bytes (value not shown; --show-values shows it)"
        case .blob(let bytes): return "a BLOB of \(bytes.count) bytes"
        }
    }
}
