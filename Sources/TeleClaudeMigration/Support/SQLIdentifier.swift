/// SQL identifiers for SQLite and PostgreSQL alike (both follow the standard here).
public enum SQLIdentifier {
    /// `"name"` with embedded quotes doubled; safe for any table or column name. Names from
    /// an archive are never spliced into SQL any other way.
    public static func quote(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
