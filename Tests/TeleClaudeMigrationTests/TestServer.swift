import Foundation
@testable import TeleClaudeMigration

/// The PostgreSQL server the tests load into: `scripts/test` starts one and sets
/// TC_TEST_DATABASE_URL. These tests never skip: without a server they fail.
enum TestServer {
    static func url() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["TC_TEST_DATABASE_URL"], !url.isEmpty else {
            throw ArchiveError("TC_TEST_DATABASE_URL is not set: run the tests with scripts/test, which starts a PostgreSQL server")
        }
        return url
    }

    /// A fresh schema holding `samples/target-schema.sql`, dropped by `drop()`.
    final class Schema {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        private(set) var connection: PostgresConnection
        let url: String

        /// The schema of the events database, with `samples/target-schema-events.sql`, when asked for.
        var events: String { name + "_events" }
        let withEvents: Bool
        /// `--schema NAME` and, with `events`, `--schema-for events=NAME_events`.
        var options: [String] { ["--schema", name] + (withEvents ? ["--schema-for", "events=\(events)"] : []) }

        /// `server`: another server's URL than the test server's (a throwaway cluster of a test).
        init(withSampleTables: Bool = true, events: Bool = false, _ extra: String = "", server: String? = nil) throws {
            url = try server ?? TestServer.url()
            withEvents = events
            connection = try PostgresConnection(connectionString: url)
            // DROP ... CASCADE at the end names every table it drops: not worth a screen per test.
            try connection.execute("SET client_min_messages = warning")
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            if events {
                try connection.execute("CREATE SCHEMA \(name)_events")
                try connection.execute("SET search_path TO \(name)_events")
                try connection.execute(try String(contentsOf: root.appendingPathComponent("samples/target-schema-events.sql"), encoding: .utf8))
            }
            try connection.execute("CREATE SCHEMA \(name)")
            try connection.execute("SET search_path TO \(name)")
            if withSampleTables {
                try connection.execute(try String(contentsOf: root.appendingPathComponent("samples/target-schema.sql"), encoding: .utf8))
            }
            if !extra.isEmpty { try connection.execute(extra) }
        }

        deinit {
            _ = try? connection.execute("DROP SCHEMA \(name) CASCADE")
            if withEvents { _ = try? connection.execute("DROP SCHEMA \(name)_events CASCADE") }
            connection.close()
        }

        /// Waits, up to 60 s and while `process` runs, until a backend is streaming a COPY
        /// whose pg_stat_activity row also matches `condition`; true when one was.
        func waitForCopy(_ process: Process, where condition: String) throws -> Bool {
            let deadline = Date().addingTimeInterval(60)
            while process.isRunning, Date() < deadline {
                if try value("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY %' AND state <> 'idle' AND \(condition)") != "0" {
                    return true
                }
                usleep(2_000)
            }
            return false
        }

        /// Row counts of every table in the events schema.
        func eventCounts() throws -> [String: Int] {
            var counts: [String: Int] = [:]
            for row in try rows("SELECT tablename FROM pg_tables WHERE schemaname = '\(events)'") {
                counts[row[0]!] = Int(try value("SELECT count(*) FROM \(events).\(SQLIdentifier.quote(row[0]!))") ?? "") ?? -1
            }
            return counts
        }

        /// A new connection, for a server that was stopped and started again.
        func reconnect() throws {
            connection.close()
            connection = try PostgresConnection(connectionString: url)
            try connection.execute("SET client_min_messages = warning")
        }

        func value(_ sql: String) throws -> String? { try connection.execute(sql).value(0, 0) }
        func rows(_ sql: String) throws -> [[String?]] { try connection.execute(sql).rows }

        /// Row counts of every table in the schema, the loads' record (`tc_import_loads`) aside.
        func counts() throws -> [String: Int] {
            var counts: [String: Int] = [:]
            for row in try rows("SELECT tablename FROM pg_tables WHERE schemaname = '\(name)' AND tablename <> '\(LoadRecord.table)'") {
                counts[row[0]!] = Int(try value("SELECT count(*) FROM \(name).\(SQLIdentifier.quote(row[0]!))") ?? "") ?? -1
            }
            return counts
        }
    }
}
