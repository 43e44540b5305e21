import Foundation

/// The load's and the plan's connection to the target, with each statement it runs told to
/// `-v` and `--log` (its text, cut at 400 characters, and its time), and every lock wait
/// bounded by `lockTimeout` seconds (0: none) from its first statement on; over TCP, with
/// keepalives that notice a dead peer within about a minute unless the URL sets its own.
enum TargetConnection {
    static func open(_ url: String, console: Console, lockTimeout: Double, connectTimeout: Int? = nil) throws -> PostgresConnection {
        let connection = try PostgresConnection(connectionString: url, connectTimeout: connectTimeout, keepalives: true)
        try connection.execute("SET lock_timeout = '\(Int(lockTimeout * 1000))ms'")
        if console.wantsDetails {
            connection.trace = { [console] statement, seconds in
                let text = statement.split(whereSeparator: \.isWhitespace).joined(separator: " ")
                console.detail("SQL \(String(format: "%.1f", seconds * 1000)) ms: \(text.count > 400 ? text.prefix(400) + " …" : text)")
            }
        }
        return connection
    }
}
