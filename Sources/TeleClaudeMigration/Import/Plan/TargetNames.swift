/// The names an archive's tables, columns and indexes get in PostgreSQL. SQLite allows
/// names of any length and compares them without regard to ASCII case; PostgreSQL keeps
/// 63 bytes of a name (cutting the rest without an error, so two long names can become
/// one) and compares quoted names exactly. The load works on the manifest as these rules
/// rename it, so every statement, the read-back and the report use the same names:
///
/// - a name of at most 63 bytes stays as it is;
/// - a longer name becomes its first 63 bytes (what PostgreSQL itself would keep, so a
///   schema created by hand from the same SQLite definition matches), unless another
///   name of its kind (columns of one table; tables, or indexes, of the archive) shares
///   those bytes: then its first 54 bytes, `_`, and 8 hex digits of a hash of the whole name;
/// - a reference (a foreign key's table and columns, a key's or an index's columns)
///   names what it refers to as it is spelled where it is defined, ignoring ASCII case
///   as SQLite does.
public enum TargetNames {
    public static let limit = 63

    /// One renamed name, for `plan`, the report and `--json`.
    public struct Renamed: Codable, Sendable, Equatable {
        public var kind: String
        public var archive: String
        public var target: String
    }

    /// The manifest with target names, and what was renamed.
    public static func apply(_ manifest: Manifest) -> (Manifest, [Renamed]) {
        var renamed: [Renamed] = []
        var result = manifest
        let tableNames = names(manifest.tables.map(\.name))
        let indexNames = names(manifest.tables.flatMap { $0.indexes.map(\.name) })
        for (archive, target) in tableNames where archive != target { renamed.append(.init(kind: "table", archive: archive, target: target)) }
        // Columns of each table as the target will name them, looked up without regard to case.
        var columnsOf: [String: [String: String]] = [:]
        for table in manifest.tables {
            let mapped = names(table.columns.map(\.name))
            columnsOf[table.name.lowercased()] = Dictionary(mapped.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
            for column in table.columns where mapped[column.name] != column.name {
                renamed.append(.init(kind: "column", archive: "\(table.name).\(column.name)", target: "\(tableNames[table.name]!).\(mapped[column.name]!)"))
            }
        }
        let tableByLowercase = Dictionary(manifest.tables.map { ($0.name.lowercased(), tableNames[$0.name]!) }, uniquingKeysWith: { first, _ in first })
        for index in result.tables.indices {
            let table = manifest.tables[index]
            let columns = columnsOf[table.name.lowercased()] ?? [:]
            func column(_ name: String) -> String { columns[name.lowercased()] ?? cut(name) }
            result.tables[index].name = tableNames[table.name]!
            for c in result.tables[index].columns.indices { result.tables[index].columns[c].name = column(table.columns[c].name) }
            result.tables[index].primaryKey = table.primaryKey.map(column)
            result.tables[index].uniqueConstraints = table.uniqueConstraints.map { $0.map(column) }
            result.tables[index].rowOrder = table.rowOrder.map { $0 == "rowid" ? $0 : column($0) }
            for i in result.tables[index].indexes.indices {
                let original = table.indexes[i]
                result.tables[index].indexes[i].name = indexNames[original.name] ?? cut(original.name)
                result.tables[index].indexes[i].columns = original.columns.map { $0.map(column) }
                if indexNames[original.name] != original.name {
                    renamed.append(.init(kind: "index", archive: original.name, target: result.tables[index].indexes[i].name))
                }
            }
            for k in result.tables[index].foreignKeys.indices {
                let key = table.foreignKeys[k]
                let parentColumns = columnsOf[key.referencedTable.lowercased()]
                result.tables[index].foreignKeys[k].columns = key.columns.map(column)
                result.tables[index].foreignKeys[k].referencedTable = tableByLowercase[key.referencedTable.lowercased()] ?? cut(key.referencedTable)
                result.tables[index].foreignKeys[k].referencedColumns = key.referencedColumns.map { parentColumns?[$0.lowercased()] ?? cut($0) }
            }
        }
        return (result, renamed)
    }

    /// Target names for names of one kind, each unique even where their first 63 bytes are not.
    static func names(_ all: [String]) -> [String: String] {
        var prefixes: [String: Int] = [:]
        for name in Set(all) { prefixes[cut(name), default: 0] += 1 }
        var result: [String: String] = [:]
        for name in all {
            let short = cut(name)
            result[name] = name == short || prefixes[short] == 1 ? short : cut(name, to: limit - 9) + "_" + hash(name)
        }
        return result
    }

    /// The first `bytes` bytes of a name, not splitting a character.
    static func cut(_ name: String, to bytes: Int = limit) -> String {
        guard name.utf8.count > bytes else { return name }
        var result = ""
        var used = 0
        for character in name {
            let size = String(character).utf8.count
            if used + size > bytes { break }
            result.append(character)
            used += size
        }
        return result
    }

    /// 8 hex digits of a hash of the whole name (the same on every machine and run).
    static func hash(_ name: String) -> String {
        let value = Hash64.bytes(Array(name.utf8))
        let hex = String(value >> 32, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }
}
