/// A failure reported by libpq or the PostgreSQL server, with the statement it ran.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    public let message: String
    /// SQLSTATE, when the server sent one (`23503` foreign key violation, ...).
    public let sqlState: String?
    public let statement: String?

    public var description: String {
        var text = "PostgreSQL: \(message)"
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let statement { text += "\n  while running: \(statement.prefix(300))" }
        return text
    }
}
