import CTCSQLite

/// Reads the schema of the `main` database from SQLite's own catalogue
/// (`PRAGMA table_list`, `table_info`, `index_list`, `index_xinfo`, `foreign_key_list`)
/// rather than by parsing CREATE statements, so it sees what SQLite sees.
public struct SQLiteSchemaReader {
    public let connection: SQLiteConnection

    public init(connection: SQLiteConnection) {
        self.connection = connection
    }

    /// User tables (no `sqlite_*` internals, views, virtual or shadow tables),
    /// ordered parents before children, ties and cycles broken by name.
    public func tables() throws -> (tables: [TableSchema], skipped: [String]) {
        let listed = try connection.rows("SELECT name, type, wr, strict FROM pragma_table_list WHERE schema = 'main' ORDER BY name")
        var tables: [TableSchema] = []
        var skipped: [String] = []
        let sequences = try sequenceValues()
        for row in listed {
            guard case .text(let nameBytes) = row[0], case .text(let typeBytes) = row[1] else { continue }
            let name = String(decoding: nameBytes, as: UTF8.self)
            let type = String(decoding: typeBytes, as: UTF8.self)
            if name.lowercased().hasPrefix("sqlite_") { continue }
            guard type == "table" else {
                if type != "view" { skipped.append("\(name) (\(type) table)") }
                continue
            }
            let withoutRowid = row[2] == .integer(1)
            let strict = row[3] == .integer(1)
            tables.append(try table(named: name, withoutRowid: withoutRowid, strict: strict, sequence: sequences[name]))
        }
        return (TableOrder.parentsFirst(tables), skipped)
    }

    /// Views and triggers, with their SQL.
    public func otherObjects() throws -> [Manifest.SchemaObject] {
        try connection.rows("SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE type IN ('view', 'trigger') ORDER BY type, name")
            .map { row in
                Manifest.SchemaObject(type: row[0].textValue ?? "", name: row[1].textValue ?? "",
                                      table: row[2].textValue ?? "", sql: row[3].textValue)
            }
    }

    private func sequenceValues() throws -> [String: Int64] {
        let exists = try connection.rows("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_sequence'")
        guard !exists.isEmpty else { return [:] }
        var result: [String: Int64] = [:]
        for row in try connection.rows("SELECT name, seq FROM sqlite_sequence") {
            if let name = row[0].textValue, case .integer(let seq) = row[1] { result[name] = seq }
        }
        return result
    }

    private func table(named name: String, withoutRowid: Bool, strict: Bool, sequence: Int64?) throws -> TableSchema {
        let createSQL = try connection.rows("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", [.text(name)])
            .first?.first?.textValue ?? ""
        // table_xinfo, not table_info: generated columns too (hidden 2 virtual, 3 stored),
        // whose values are data like any other (format 1.1); hidden 1 is a virtual
        // table's own, which a table of data never has.
        let expressions = Self.generationExpressions(createSQL)
        let columns = try connection.rows("SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?) WHERE hidden <> 1", [.text(name)])
            .map { row in
                let column = row[0].textValue ?? ""
                let hidden = row[5].integerValue ?? 0
                return TableSchema.Column(name: column, declaredType: row[1].textValue ?? "",
                                          notNull: row[2] == .integer(1), defaultSQL: row[3].textValue,
                                          primaryKeyPosition: Int(row[4].integerValue ?? 0),
                                          generated: hidden == 2 ? "virtual" : hidden == 3 ? "stored" : nil,
                                          generationSQL: hidden >= 2 ? expressions[column.lowercased()] : nil)
            }
        let primaryKey = columns.filter { $0.primaryKeyPosition > 0 }
            .sorted { $0.primaryKeyPosition < $1.primaryKeyPosition }.map(\.name)
        let rowidAlias = !withoutRowid && primaryKey.count == 1
            && columns.first(where: { $0.name == primaryKey[0] })?.declaredType.uppercased() == "INTEGER"
            && !Self.declaresDescendingPrimaryKey(createSQL)

        var indexes: [TableSchema.Index] = []
        var unique: [[String]] = []
        for row in try connection.rows("SELECT name, \"unique\", origin, partial FROM pragma_index_list(?) ORDER BY name", [.text(name)]) {
            let indexName = row[0].textValue ?? ""
            let indexColumns: [String?] = try connection.rows(
                "SELECT name FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno", [.text(indexName)]
            ).map { $0[0].textValue }
            let sql = try connection.rows("SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?", [.text(indexName)])
                .first?.first?.textValue
            let origin = row[2].textValue ?? "c"
            let isUnique = row[1] == .integer(1)
            indexes.append(.init(name: indexName, unique: isUnique, origin: origin, partial: row[3] == .integer(1),
                                 columns: indexColumns, sql: sql))
            if origin == "u" { unique.append(indexColumns.map { $0 ?? "" }) }
        }

        var keys: [Int64: TableSchema.ForeignKey] = [:]
        for row in try connection.rows(
            "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete, match FROM pragma_foreign_key_list(?) ORDER BY id, seq",
            [.text(name)]) {
            let id = row[0].integerValue ?? 0
            var key = keys[id] ?? .init(columns: [], referencedTable: row[1].textValue ?? "", referencedColumns: [],
                                        onUpdate: row[4].textValue ?? "NO ACTION", onDelete: row[5].textValue ?? "NO ACTION",
                                        match: row[6].textValue ?? "NONE")
            key.columns.append(row[2].textValue ?? "")
            if let to = row[3].textValue { key.referencedColumns.append(to) }
            keys[id] = key
        }
        let foreignKeys = keys.keys.sorted().compactMap { keys[$0] }

        let order = (withoutRowid || (!primaryKey.isEmpty && !rowidAlias)) ? primaryKey : ["rowid"]
        return TableSchema(
            name: name, member: "", rows: 0, columns: columns, primaryKey: primaryKey, rowidAlias: rowidAlias,
            withoutRowid: withoutRowid, strict: strict,
            autoincrement: Self.declaresAutoincrement(createSQL), sequence: sequence,
            uniqueConstraints: unique, indexes: indexes, foreignKeys: foreignKeys, createSQL: createSQL,
            rowOrder: order.isEmpty ? ["rowid"] : order)
    }

    /// `AUTOINCREMENT` can only appear as a keyword in a CREATE TABLE (SQLite rejects it
    /// as an identifier unless quoted), so a token search outside quotes is exact enough.
    static func declaresAutoincrement(_ sql: String) -> Bool {
        SQLTokens.words(sql).contains { $0.uppercased() == "AUTOINCREMENT" }
    }

    /// `INTEGER PRIMARY KEY DESC` is not a rowid alias (a documented SQLite quirk).
    static func declaresDescendingPrimaryKey(_ sql: String) -> Bool {
        let words = SQLTokens.words(sql).map { $0.uppercased() }
        guard words.count >= 3 else { return false }
        for i in 0..<(words.count - 2) where words[i] == "PRIMARY" && words[i + 1] == "KEY" && words[i + 2] == "DESC" {
            return true
        }
        return false
    }

    /// The expression of each generated column (`name ... [GENERATED ALWAYS] AS (expr)`)
    /// in a CREATE TABLE statement, by lowercased column name. SQLite keeps no other record
    /// of it; the statement is split at top-level commas, quotes and parentheses respected.
    static func generationExpressions(_ createSQL: String) -> [String: String] {
        let chars = Array(createSQL)
        guard let open = chars.firstIndex(of: "(") else { return [:] }
        var parts: [String] = []
        var depth = 0, quote: Character?, current = ""
        for c in chars[(open + 1)...] {
            if let q = quote {
                current.append(c)
                if c == q { quote = nil }
                continue
            }
            switch c {
            case "'", "\"", "`", "[":
                quote = c == "[" ? "]" : c
                current.append(c)
            case "(": depth += 1; current.append(c)
            case ")" where depth == 0: parts.append(current); current = ""
            case ")": depth -= 1; current.append(c)
            case "," where depth == 0: parts.append(current); current = ""
            default: current.append(c)
            }
        }
        var result: [String: String] = [:]
        for part in parts {
            let text = part.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let name = Self.leadingName(text), let asRange = text.range(of: #"\bAS\s*\("#, options: [.regularExpression, .caseInsensitive]) else { continue }
            var depth = 0
            var expression = ""
            for c in text[text.index(before: asRange.upperBound)...] {
                if c == "(" { depth += 1; if depth == 1 { continue } }
                if c == ")" { depth -= 1; if depth == 0 { break } }
                expression.append(c)
            }
            result[name.lowercased()] = expression.trimmingCharacters(in: .whitespaces)
        }
        return result
    }

    /// The column name a definition starts with, unquoted.
    static func leadingName(_ definition: String) -> String? {
        guard let first = definition.first else { return nil }
        let closing: Character? = first == "\"" ? "\"" : first == "`" ? "`" : first == "[" ? "]" : nil
        if let closing {
            let rest = definition.dropFirst()
            return rest.firstIndex(of: closing).map { String(rest[..<$0]) }
        }
        return definition.split(whereSeparator: { $0.isWhitespace }).first.map(String.init)
    }
}
