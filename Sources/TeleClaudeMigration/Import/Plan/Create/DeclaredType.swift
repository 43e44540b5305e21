/// What a SQLite declared type means to the migration, decided in this one place: the
/// storage classes SQLite's affinity gives the column's values (what `plan` assumes a
/// column holds when the archive's summary is not read) and the PostgreSQL type
/// `--create-missing-tables` gives it. `TableCreator` and `ConversionRisks` read it; which
/// storage classes a target type takes exactly is `ValueConverter`'s (`exactClasses`).
///
/// | declared type contains | affinity (SQLite) | created as |
/// |---|---|---|
/// | `BOOL` | numeric | `boolean` |
/// | `TIMESTAMP`, `DATETIME` | numeric | `timestamptz` |
/// | `INT` | integer | `bigint` |
/// | exactly `DATE` | numeric | `date` |
/// | `JSON` | numeric | `jsonb` |
/// | `CHAR`, `CLOB`, `TEXT` | text | `text` |
/// | `BLOB`, or nothing | blob | `bytea` (nothing: `text`) |
/// | `REAL`, `FLOA`, `DOUB` | real | `double precision` |
/// | `NUMERIC`, `DECIMAL` | numeric | `numeric` |
/// | anything else | numeric | `text` |
///
/// The affinity follows SQLite's rules in SQLite's order (datatype3.html, 3.1: INT, then
/// CHAR/CLOB/TEXT, then BLOB or none, then REAL/FLOA/DOUB, else numeric); the created type
/// looks at BOOL and the time types first, so `BOOLEAN`, `DATETIME` and `TIMESTAMP INTEGER`
/// style hybrids keep their meaning. An `INTEGER PRIMARY KEY` (the rowid) is always `bigint`.
struct DeclaredType: Equatable {
    enum Affinity: Equatable {
        case integer, text, blob, real, numeric

        /// The storage classes SQLite stores values of this affinity as (NULL aside).
        var storageClasses: Set<StorageClass> {
            switch self {
            case .integer: [.integer]
            case .text: [.text]
            case .blob: [.integer, .real, .text, .blob]
            case .real: [.real]
            case .numeric: [.integer, .real, .text]
            }
        }
    }

    /// A PostgreSQL type `--create-missing-tables` creates.
    enum Created: CaseIterable {
        case bigint, boolean, timestamptz, date, jsonb, text, bytea, doublePrecision, numeric

        /// As it is written in `CREATE TABLE`.
        var sql: String {
            switch self {
            case .bigint: "bigint"
            case .boolean: "boolean"
            case .timestamptz: "timestamptz"
            case .date: "date"
            case .jsonb: "jsonb"
            case .text: "text"
            case .bytea: "bytea"
            case .doublePrecision: "double precision"
            case .numeric: "numeric"
            }
        }

        /// Its name in `pg_type`, as the target catalog reads it.
        var base: String {
            switch self {
            case .bigint: "int8"
            case .boolean: "bool"
            case .timestamptz: "timestamptz"
            case .date: "date"
            case .jsonb: "jsonb"
            case .text: "text"
            case .bytea: "bytea"
            case .doublePrecision: "float8"
            case .numeric: "numeric"
            }
        }

        /// The storage classes whose every value this type takes exactly (the converter's rules).
        var exactClasses: Set<StorageClass> { ValueConverter.exactClasses(TargetType(baseType: base).kind) }
    }

    let affinity: Affinity
    let created: Created

    init(_ declaredType: String) {
        let declared = declaredType.uppercased()
        func has(_ words: String...) -> Bool { words.contains { declared.contains($0) } }
        affinity = if has("INT") { .integer }
            else if has("CHAR", "CLOB", "TEXT") { .text }
            else if declared.isEmpty || has("BLOB") { .blob }
            else if has("REAL", "FLOA", "DOUB") { .real }
            else { .numeric }
        created = if has("BOOL") { .boolean }
            else if has("TIMESTAMP", "DATETIME") { .timestamptz }
            else if has("INT") { .bigint }
            else if declared == "DATE" { .date }
            else if has("JSON") { .jsonb }
            else if has("CHAR", "CLOB", "TEXT") { .text }
            else if has("BLOB") { .bytea }
            else if has("REAL", "FLOA", "DOUB") { .doublePrecision }
            else if has("NUMERIC", "DECIMAL") { .numeric }
            else { .text }
    }
}
