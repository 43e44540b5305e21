import CTCPostgres

/// A failure reported by libpq or the PostgreSQL server, with the statement it ran.
///
/// Its public text is safe to print: the server's DETAIL and CONTEXT lines quote row
/// values (`Key (token)=(sk-proj-…) already exists`, `Failing row contains (…)`, the COPY
/// line), and so do some primary messages (`invalid input syntax for type integer: "…"`).
/// `description` keeps the SQLSTATE, the primary message with quoted values hidden, and
/// the constraint, table, column and data type the server named; `detailedDescription`
/// adds the rest, for `--show-values` (as postgres-nio's `PSQLError` keeps server details
/// out of its `description`).
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// The primary message, values hidden.
    public let message: String
    /// SQLSTATE, when the server sent one (`23503` foreign key violation, ...).
    public let sqlState: String?
    public let statement: String?
    public var constraint: String?
    public var table: String?
    public var column: String?
    public var dataType: String?
    /// DETAIL and CONTEXT (and the primary message as the server wrote it): may hold values.
    public var details: [String] = []
    /// The row of a COPY the server refused (`CONTEXT: COPY t, line 12`), counted from 1.
    public var copyLine: Int64?

    /// The server (or the way to it) failed, not a row: the connection (no SQLSTATE, or
    /// class 08), insufficient resources (53: a full disk, out of memory), operator
    /// intervention (57: a statement timeout, a shutdown, a terminated backend), a system
    /// error (58) or an internal one (XX). No row is blamed for these, and no policy flag helps.
    public var isServerFault: Bool {
        guard let sqlState else { return true }
        return ["08", "53", "57", "58", "XX"].contains(String(sqlState.prefix(2)))
    }

    /// From libpq's text of the error alone (connection-level failures): its first line is
    /// the message; DETAIL, CONTEXT and anything else go to `details`.
    public init(message raw: String, sqlState: String?, statement: String?) {
        let lines = raw.split(separator: "\n", omittingEmptySubsequences: true).map { $0.trimmingCharacters(in: .whitespaces) }
        let first = lines.first ?? "unknown error"
        message = Self.hidingValues(first)
        self.sqlState = sqlState
        self.statement = statement
        details = (message == first ? [] : [first]) + lines.dropFirst()
    }

    /// From a server result's fields.
    init(result: OpaquePointer, statement: String) {
        func field(_ code: Character) -> String? {
            PQresultErrorField(result, Int32(code.asciiValue!)).map { String(cString: $0) }
        }
        let primary = field("M") ?? PQresultErrorMessage(result).map { String(cString: $0) } ?? "unknown error"
        let severity = field("V") ?? field("S") ?? "ERROR"
        message = severity + ": " + Self.hidingValues(primary.trimmingCharacters(in: .whitespacesAndNewlines))
        sqlState = field("C")
        self.statement = statement
        constraint = field("n")
        table = field("t").map { name in field("s").map { $0 + "." + name } ?? name }
        column = field("c")
        dataType = field("d")
        details = [field("D").map { "DETAIL: " + $0 }, field("H").map { "HINT: " + $0 }, field("W").map { "CONTEXT: " + $0 }]
            .compactMap { $0 }
        if Self.hidingValues(primary) != primary { details.insert("message: " + primary, at: 0) }
        copyLine = field("W").flatMap(Self.copyLine)
    }

    /// `12` of `COPY t, line 12` or `COPY t, line 12, column c: ...`.
    static func copyLine(_ context: String) -> Int64? {
        guard context.hasPrefix("COPY "), let range = context.range(of: ", line ") else { return nil }
        return Int64(context[range.upperBound...].prefix { $0.isNumber })
    }

    public var description: String {
        var text = "PostgreSQL: \(message)"
        var named: [String] = []
        if let sqlState { named.append("SQLSTATE \(sqlState)") }
        if let constraint { named.append("constraint \(constraint)") }
        if let table { named.append("table \(table)") }
        if let column { named.append("column \(column)") }
        if let dataType { named.append("type \(dataType)") }
        if !named.isEmpty { text += " (\(named.joined(separator: ", ")))" }
        if let statement { text += "\n  while running: \(statement.prefix(300))" }
        return text
    }

    /// `description` with the server's DETAIL, HINT and CONTEXT, which may quote values.
    public var detailedDescription: String {
        ([description] + details.map { "  " + $0 }).joined(separator: "\n")
    }

    /// The primary message with what it quotes of a value hidden: the text after a final
    /// `: ` (`invalid input syntax for type integer: "abc"`, `... encoding "UTF8": 0x00`)
    /// and `value "…"` (`value "99999999999" is out of range for type integer`).
    static func hidingValues(_ message: String) -> String {
        var text = message
        if let range = text.range(of: "value \""), let close = text[range.upperBound...].firstIndex(of: "\"") {
            text.replaceSubrange(range.lowerBound...close, with: "value (hidden)")
        }
        if let colon = text.range(of: ": ", options: .backwards) {
            let tail = text[colon.upperBound...]
            if tail.hasPrefix("\"") || tail.hasPrefix("0x") || tail.hasPrefix("'") {
                text.replaceSubrange(colon.upperBound..., with: "(value hidden)")
            }
        }
        return text
    }
}
