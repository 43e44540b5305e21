import Foundation

/// The loads a target has taken, kept in the target itself (`tc_import_loads` in the main
/// database's schema), written inside each load's transaction, so it commits with the rows
/// or not at all: which installation (host, user, database path), which archive (when it
/// was written), the policy and the rows per table. A policy that depends on where rows
/// came from reads it before BEGIN: appending an installation that is already there would
/// add its renumbered rows twice; replacing would empty another installation's rows; the
/// default's advice is merge for the same installation and append for another.
public struct LoadRecord: Sendable, Equatable {
    public static let table = "tc_import_loads"

    public var id: Int64
    public var loadedAt: String
    public var host: String
    public var user: String
    public var database: String
    public var archiveCreatedAt: String
    public var policy: String

    /// `maurice@workstation: /home/maurice/teleclaude/teleclaude.db`.
    public var installation: String { "\(user)@\(host): \(database)" }

    /// Whether these rows came from the installation `source` describes.
    func isInstallation(of source: Manifest.Source) -> Bool {
        host == source.host && user == source.user && database == source.paths.database
    }

    static func qualified(_ schema: String) -> String { SQLIdentifier.quote(schema) + "." + SQLIdentifier.quote(table) }

    /// The record of the schema, oldest first; empty when no load kept one there.
    static func read(schema: String, _ connection: PostgresConnection) throws -> [LoadRecord] {
        guard try connection.execute("SELECT to_regclass($1) IS NOT NULL", [qualified(schema)]).value(0, 0) == "t" else { return [] }
        return try connection.execute("""
            SELECT id, to_char(loaded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"'), source_host, source_user, source_database,
                   archive_created_at, policy FROM \(qualified(schema)) ORDER BY id
            """).rows.map { row in
            LoadRecord(id: Int64(row[0] ?? "") ?? 0, loadedAt: row[1] ?? "", host: row[2] ?? "", user: row[3] ?? "",
                       database: row[4] ?? "", archiveCreatedAt: row[5] ?? "", policy: row[6] ?? "")
        }
    }

    /// What the record says about loading `manifest` with `policy` into tables of which
    /// `occupied` hold rows: problems that stop the load before BEGIN, and the advice for
    /// tables that hold rows under the default policy.
    static func problems(_ records: [LoadRecord], manifest: Manifest, policy: LoadOptions.IfExists,
                         occupied: [String]) -> [LoadPlan.Problem] {
        let same = records.filter { $0.isInstallation(of: manifest.source) }
        let others = records.filter { !$0.isInstallation(of: manifest.source) }
        switch policy {
        case .append:
            guard let earlier = same.last else { return [] }
            return [.init(.occupied, "this installation (\(earlier.installation)) was loaded here on \(earlier.loadedAt) (--if-exists \(earlier.policy)): appending it again would add its renumbered rows a second time; --if-exists merge adds what is new since")]
        case .replace:
            guard !occupied.isEmpty, let other = others.last else { return [] }
            return [.init(.occupied, "--if-exists replace would empty \(occupied.joined(separator: ", ")), which hold rows of another installation (\(other.installation), loaded on \(other.loadedAt)); add this one beside them with --if-exists append")]
        case .fail, .merge:
            return []
        }
    }

    /// The default policy's advice for a table that holds rows, from the record.
    static func advice(_ records: [LoadRecord], manifest: Manifest) -> String? {
        if let earlier = records.last(where: { $0.isInstallation(of: manifest.source) }) {
            return "this installation was loaded here on \(earlier.loadedAt): --if-exists merge adds what is new since"
        }
        if let other = records.last {
            return "rows of another installation (\(other.installation)) are here: --if-exists append adds this one beside them"
        }
        return nil
    }

    /// Records this load, inside its transaction (the table is created the first time);
    /// returns its id, for the rollback steps. `tables`: name, archive rows, rows added.
    static func write(schema: String, manifest: Manifest, policy: LoadOptions.IfExists, tables: [(String, Int64, Int64)],
                      _ connection: PostgresConnection) throws -> Int64 {
        let table = qualified(schema)
        // Created only when absent (IF NOT EXISTS would print a NOTICE on every later load).
        if try connection.execute("SELECT to_regclass($1) IS NULL", [table]).value(0, 0) == "t" {
            try connection.execute("""
            CREATE TABLE \(table) (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                loaded_at timestamptz NOT NULL DEFAULT now(),
                loaded_by text NOT NULL DEFAULT current_user,
                source_host text NOT NULL, source_user text NOT NULL, source_database text NOT NULL,
                archive_created_at text NOT NULL, policy text NOT NULL, tool text NOT NULL, tables jsonb NOT NULL)
            """)
        }
        let byTable = Dictionary(tables.map { ($0.0, ["rows": $0.1, "added": $0.2]) }, uniquingKeysWith: { first, _ in first })
        let counts = String(decoding: try CanonicalJSON.encode(byTable), as: UTF8.self)
        return try Int64(connection.execute("""
            INSERT INTO \(table) (source_host, source_user, source_database, archive_created_at, policy, tool, tables)
            VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb) RETURNING id
            """, [manifest.source.host, manifest.source.user, manifest.source.paths.database, manifest.createdAt, policy.rawValue,
                  "tc-import \(Exporter.toolVersion)", counts]).value(0, 0) ?? "") ?? 0
    }
}
