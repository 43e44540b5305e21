import Foundation

/// A SQLite column default (`PRAGMA table_info`'s `dflt_value`, as written in CREATE TABLE)
/// as a PostgreSQL default of the column's type, for `--create-missing-tables`.
///
/// A literal default is the value SQLite would store in a row that omits the column, so
/// it goes through the same conversion as every archived value (`ValueConverter`, exact or
/// refused) and becomes a typed literal: `0` on a timestamp column is the epoch,
/// `'1.50'` on a numeric column is 1.50, `''` on an integer column has no integer and is
/// left out. SQLite's clock functions (`CURRENT_TIMESTAMP`, `datetime('now')`,
/// `datetime('now','localtime')`, `current_date`, `strftime(fmt,'now')`, `unixepoch()`,
/// `julianday('now')`) become the PostgreSQL expression that gives a new row the same
/// kind of value in that column. Anything else is left out, with the reason.
enum SQLiteDefault {
    enum Translation: Equatable {
        case sql(String)
        case leftOut(String)

        var sql: String? { if case .sql(let sql) = self { return sql } else { return nil } }
    }

    static func translate(_ given: String, sqlType: String, base: String) -> Translation {
        // A default is schema, but a literal one is a value too: one that looks secret is not repeated.
        let shown = SecretRules.looksLikeSecretValue(given) ? "(a literal that looks secret, not shown)" : given
        var text = given.trimmingCharacters(in: .whitespacesAndNewlines)
        while text.hasPrefix("("), text.hasSuffix(")"), balanced(String(text.dropFirst().dropLast())) {
            text = String(text.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
        }
        if let value = literal(text) {
            if case .null = value { return .sql("NULL") }
            let converter = ValueConverter(type: TargetType(baseType: base))
            let result: Result<String, ValueConverter.Failure> = ValueRef.with(value) { ref in
                Result { () throws(ValueConverter.Failure) in sqlLiteral(try converter.convert(ref), converter: converter, sqlType: sqlType) }
            }
            switch result {
            case .success(let sql): return .sql(sql)
            case .failure(let error): return .leftOut("the SQLite default \(shown) is not a \(sqlType) value (\(error.reason))")
            }
        }
        if let expression = clock(text, base: base) { return .sql(expression) }
        return .leftOut("the SQLite default \(shown) has no PostgreSQL form for \(sqlType)")
    }

    /// Whether parentheses balance (so `(a) + (b)` keeps its outer pair).
    static func balanced(_ text: String) -> Bool {
        var depth = 0
        var quote: Character?
        for c in text {
            if let q = quote { if c == q { quote = nil }; continue }
            if c == "'" || c == "\"" { quote = c; continue }
            if c == "(" { depth += 1 }
            if c == ")" { depth -= 1; if depth < 0 { return false } }
        }
        return depth == 0 && quote == nil
    }

    /// A literal: NULL, TRUE/FALSE, a number (decimal or 0x hex), a quoted string, X'hex'.
    static func literal(_ text: String) -> SQLiteValue? {
        let upper = text.uppercased()
        if upper == "NULL" { return .null }
        if upper == "TRUE" { return .integer(1) }
        if upper == "FALSE" { return .integer(0) }
        if let quoted = unquote(text, "'") ?? unquote(text, "\"") { return .text(Array(quoted.utf8)) }
        if upper.hasPrefix("X'"), let hex = unquote(String(text.dropFirst()), "'"), hex.count % 2 == 0 {
            var bytes: [UInt8] = []
            var index = hex.startIndex
            while index < hex.endIndex {
                let next = hex.index(index, offsetBy: 2)
                guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
                bytes.append(byte)
                index = next
            }
            return .blob(bytes)
        }
        var digits = text
        var negative = false
        if digits.hasPrefix("-") || digits.hasPrefix("+") { negative = digits.hasPrefix("-"); digits.removeFirst() }
        if digits.lowercased().hasPrefix("0x"), let value = UInt64(digits.dropFirst(2), radix: 16) {
            return .integer(negative ? -Int64(bitPattern: value) : Int64(bitPattern: value))
        }
        guard DecimalNumber.parse(text) != nil, !text.lowercased().contains("inf"), !text.lowercased().contains("nan") else { return nil }
        if let value = Int64(text.hasPrefix("+") ? String(text.dropFirst()) : text) { return .integer(value) }
        return Double(text).map { .real($0) }
    }

    /// The text between a pair of quotes, a doubled quote inside being one.
    static func unquote(_ text: String, _ quote: Character) -> String? {
        guard text.count >= 2, text.first == quote, text.last == quote else { return nil }
        let inner = text.dropFirst().dropLast()
        let pair = String([quote, quote])
        guard !inner.replacingOccurrences(of: pair, with: "").contains(quote) else { return nil }
        return inner.replacingOccurrences(of: pair, with: String(quote))
    }

    /// A converted default as a typed SQL literal.
    static func sqlLiteral(_ value: ValueConverter.Converted, converter: ValueConverter, sqlType: String) -> String {
        func typed(_ text: String) -> String { PostgresConnection.literal(text) + "::" + sqlType }
        switch value {
        case .null: return "NULL"
        case .integer(let v): return typed(String(v))
        case .decimal(let v): return typed(String(v))
        case .boolean(let v): return v ? "true" : "false"
        case .float(let v): return typed(ValueConverter.realText(v))
        case .micros(let v): return typed(TimestampText.format(utcMicroseconds: v) + (converter.kind == .timestamptz ? "+00" : ""))
        case .days(let v): return typed(TimestampText.format(utcMicroseconds: v * 86_400_000_000, dateOnly: true))
        case .uuid(let high, let low):
            var out: [UInt8] = []
            ValueConverter.appendUUID(high, low, to: &out)
            return typed(String(decoding: out, as: UTF8.self))
        case .bytes(let bytes), .json(let bytes, _):
            return converter.kind == .bytea ? typed("\\x" + Array(bytes).hexString) : typed(String(decoding: bytes, as: UTF8.self))
        case .owned(let bytes):
            return converter.kind == .bytea ? typed("\\x" + bytes.hexString) : typed(String(decoding: bytes, as: UTF8.self))
        }
    }

    // MARK: - SQLite's clock

    enum Clock { case instant, local, date, localDate, time, epoch, julian, format(String, local: Bool) }

    /// The PostgreSQL expression for one of SQLite's clock defaults in a column of `base`.
    static func clock(_ text: String, base: String) -> String? {
        let compact = text.lowercased().filter { !$0.isWhitespace }.replacingOccurrences(of: "\"", with: "'")
        let kind: Clock
        switch compact {
        case "current_timestamp", "datetime('now')", "datetime()": kind = .instant
        case "datetime('now','localtime')": kind = .local
        case "current_date", "date('now')", "date()": kind = .date
        case "date('now','localtime')": kind = .localDate
        case "current_time", "time('now')", "time()": kind = .time
        case "unixepoch()", "unixepoch('now')", "strftime('%s','now')", "strftime('%s')": kind = .epoch
        case "julianday('now')", "julianday()": kind = .julian
        default:
            // strftime('<format>', 'now'[, 'localtime']), the format as written (its case kept).
            let original = text.filter { !$0.isWhitespace }.replacingOccurrences(of: "\"", with: "'")
            guard compact.hasPrefix("strftime('"), let end = original.dropFirst(10).firstIndex(of: "'") else { return nil }
            let format = String(original[original.index(original.startIndex, offsetBy: 10)..<end])
            let rest = compact[compact.index(compact.startIndex, offsetBy: 10 + format.count)...]
            guard rest == "','now')" || rest == "','now','localtime')" else { return nil }
            kind = .format(format, local: rest.contains("localtime"))
        }
        let utc = "(now() AT TIME ZONE 'UTC')"
        let epoch = "floor(extract(epoch FROM now()))::bigint"
        switch (kind, base) {
        case (.instant, "timestamptz"), (.local, "timestamptz"), (.epoch, "timestamptz"), (.julian, "timestamptz"): return "now()"
        case (.date, "timestamptz"): return "date_trunc('day', \(utc)) AT TIME ZONE 'UTC'"
        case (.date, "date"): return "\(utc)::date"
        case (.localDate, "date"): return "CURRENT_DATE"
        case (.instant, "text"): return "to_char(\(utc), 'YYYY-MM-DD HH24:MI:SS')"
        case (.local, "text"): return "to_char(localtimestamp, 'YYYY-MM-DD HH24:MI:SS')"
        case (.date, "text"): return "to_char(\(utc), 'YYYY-MM-DD')"
        case (.localDate, "text"): return "to_char(localtimestamp, 'YYYY-MM-DD')"
        case (.time, "text"): return "to_char(\(utc), 'HH24:MI:SS')"
        case (.epoch, "int8"), (.epoch, "int4"): return epoch
        case (.epoch, "text"): return "\(epoch)::text"
        case (.epoch, "float8"), (.epoch, "numeric"): return "\(epoch)::\(base)"
        case (.julian, "float8"), (.julian, "numeric"): return "(extract(epoch FROM now()) / 86400 + 2440587.5)::\(base)"
        case (.format(let format, let local), "text"):
            guard let pattern = toCharPattern(format) else { return nil }
            return "to_char(\(local ? "localtimestamp" : utc), \(PostgresConnection.literal(pattern)))"
        case (.format(let format, _), "timestamptz"):
            // A format that writes a whole timestamp is read back as the instant it names.
            let whole = ["%Y", "%m", "%d", "%H", "%M"].allSatisfy { format.contains($0) }
            return whole ? "now()" : nil
        default:
            return nil
        }
    }

    /// SQLite's strftime codes as a `to_char` pattern; other letters quoted. Nil for a code
    /// with no `to_char` twin.
    static func toCharPattern(_ format: String) -> String? {
        let codes: [Character: String] = ["Y": "YYYY", "m": "MM", "d": "DD", "H": "HH24", "M": "MI", "S": "SS", "f": "SS.MS", "j": "DDD", "%": "%"]
        var out = ""
        var literal = ""
        func flush() { if !literal.isEmpty { out += "\"" + literal + "\""; literal = "" } }
        var iterator = format.makeIterator()
        while let c = iterator.next() {
            if c == "%" {
                guard let code = iterator.next(), let pattern = codes[code] else { return nil }
                flush()
                out += pattern
            } else if c.isLetter {
                literal.append(c)
            } else {
                flush()
                out.append(c)
            }
        }
        flush()
        return out
    }
}
