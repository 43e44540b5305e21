import Foundation
import TeleClaudeMigration

/// An `events.db` shaped like TeleClaude's event platform (REFERENCE.md): notifications with
/// JSON payloads, ISO-8601 timestamps with offsets and idempotency keys, quarantined events,
/// correlation windows, and the signal pipeline's items, clusters and syntheses with their
/// foreign keys. The same seed gives the same database.
public enum EventsSample {
    public static let statements: [String] = [
        """
        CREATE TABLE notifications (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            event_type TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 1,
            source TEXT NOT NULL,
            level INTEGER NOT NULL DEFAULT 1,
            domain TEXT NOT NULL,
            visibility TEXT NOT NULL DEFAULT 'local' CHECK (visibility IN ('local', 'cluster', 'public')),
            entity TEXT,
            description TEXT NOT NULL,
            payload TEXT NOT NULL DEFAULT '{}',
            idempotency_key TEXT UNIQUE,
            human_status TEXT NOT NULL DEFAULT 'unseen' CHECK (human_status IN ('unseen', 'seen', 'resolved')),
            agent_status TEXT NOT NULL DEFAULT 'none' CHECK (agent_status IN ('none', 'claimed', 'resolved')),
            agent_id TEXT,
            resolution TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            seen_at TEXT,
            claimed_at TEXT,
            resolved_at TEXT
        )
        """,
        "CREATE INDEX idx_notifications_created ON notifications (created_at)",
        "CREATE INDEX idx_notifications_status ON notifications (human_status, agent_status)",
        """
        CREATE TABLE quarantined_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            envelope_json TEXT NOT NULL,
            reason TEXT NOT NULL,
            trust_flags TEXT NOT NULL DEFAULT '[]',
            reviewed INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE correlation_windows (
            correlation_key TEXT PRIMARY KEY,
            event_type TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            occurrences INTEGER NOT NULL DEFAULT 1
        )
        """,
        """
        CREATE TABLE signal_clusters (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            label TEXT NOT NULL,
            keywords TEXT NOT NULL DEFAULT '[]',
            item_count INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE signal_items (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            cluster_id INTEGER REFERENCES signal_clusters(id) ON DELETE SET NULL,
            source TEXT NOT NULL,
            title TEXT NOT NULL,
            url TEXT,
            fingerprint TEXT NOT NULL UNIQUE,
            published_at TEXT,
            created_at TEXT NOT NULL
        )
        """,
        "CREATE INDEX idx_signal_items_cluster ON signal_items (cluster_id)",
        "CREATE INDEX idx_signal_items_created ON signal_items (created_at)",
        """
        CREATE TABLE signal_syntheses (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            cluster_id INTEGER NOT NULL REFERENCES signal_clusters(id) ON DELETE CASCADE,
            summary TEXT NOT NULL,
            model TEXT NOT NULL,
            created_at TEXT NOT NULL
        )
        """,
        "CREATE INDEX idx_signal_syntheses_cluster ON signal_syntheses (cluster_id)",
    ]

    /// The rows of each table the default `write` leaves (for tests to count on).
    public static let rowCounts = ["notifications": 1_997, "quarantined_events": 20, "correlation_windows": 40,
                                   "signal_clusters": 10, "signal_items": 500, "signal_syntheses": 20]

    /// Writes the database at `path` (WAL mode, checkpointed and closed as the daemon leaves it).
    public static func write(_ path: String, notifications: Int = 2_000, seed: UInt64 = 7) throws {
        let db = try SampleDatabase(path: path, schema: statements)
        let random = SplitMix(seed: seed)
        try db.begin()
        let types = [("session.closed", "sessions"), ("job.failed", "jobs"), ("deploy.completed", "deploy"),
                     ("agent.quota_exhausted", "agents"), ("todo.blocked", "todos"), ("webhook.rejected", "webhooks")]
        let base = 1_767_225_600  // 2026-01-01T00:00:00Z
        // Offsets as they are written by machines in different zones; fractions on some.
        func stamp(_ seconds: Int, _ index: Int) -> String {
            let offsets = [(0, "+00:00"), (3600, "+01:00"), (-18_000, "-05:00"), (19_800, "+05:30")]
            let (shift, suffix) = offsets[index % offsets.count]
            let date = Date(timeIntervalSince1970: TimeInterval(seconds + shift))
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            let fraction = index % 3 == 0 ? String(format: ".%06d", (index * 7919) % 1_000_000) : ""
            return String(format: "%04d-%02d-%02dT%02d:%02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
                + fraction + (index % 5 == 4 && shift == 0 ? "Z" : suffix)
        }
        let columns = ["event_type", "version", "source", "level", "domain", "visibility", "entity", "description", "payload",
                       "idempotency_key", "human_status", "agent_status", "agent_id", "resolution", "created_at", "updated_at",
                       "seen_at", "claimed_at", "resolved_at"]
        for index in 0..<notifications {
            let (type, domain) = types[random.below(types.count)]
            let created = base + index * 97 + random.below(60)
            let status = ["unseen", "seen", "resolved"][random.below(3)]
            let claimed = random.below(4) == 0
            let payload = #"{"session_id":"s-\#(random.below(500))","attempt":\#(random.below(5) + 1),"tags":["\#(domain)","p\#(random.below(3))"],"detail":{"ok":\#(random.below(2) == 0),"note":"Überprüfung \#(index) ✓"}}"#
            try db.insert("notifications", columns, [
                .text(type), .integer(Int64(1 + random.below(2))), .text(["daemon", "worker", "ci"][random.below(3)]),
                .integer(Int64(random.below(4))), .text(domain), .text(["local", "cluster", "public"][random.below(3)]),
                random.below(3) == 0 ? .null : .text("\(domain)/\(random.below(200))"),
                .text("\(type) for \(domain) #\(index)"), .text(payload),
                index % 10 == 9 ? .null : .text("\(type):\(index):\(random.below(1 << 30))"),
                .text(status), .text(claimed ? (status == "resolved" ? "resolved" : "claimed") : "none"),
                claimed ? .text("agent-\(random.below(8))") : .null, status == "resolved" ? .text("fixed") : .null,
                .text(stamp(created, index)), .text(stamp(created + 30, index + 1)),
                status == "unseen" ? .null : .text(stamp(created + 120, index + 2)),
                claimed ? .text(stamp(created + 60, index + 3)) : .null,
                status == "resolved" ? .text(stamp(created + 600, index)) : .null,
            ])
        }
        for index in 0..<max(3, notifications / 100) {
            try db.insert("quarantined_events", ["envelope_json", "reason", "trust_flags", "reviewed", "created_at"], [
                .text(#"{"type":"webhook.received","source":"unknown-\#(index)","body":{"size":\#(random.below(9000))}}"#),
                .text(["signature mismatch", "unknown source", "schema violation"][index % 3]),
                .text(index % 2 == 0 ? #"["unsigned"]"# : #"["unsigned","replayed"]"#), .integer(Int64(index % 2)),
                .text(stamp(base + index * 3600, index)),
            ])
        }
        for index in 0..<max(5, notifications / 50) {
            try db.insert("correlation_windows", ["correlation_key", "event_type", "first_seen", "last_seen", "occurrences"], [
                .text("corr-\(index)-\(random.below(1 << 20))"), .text(types[index % types.count].0),
                .text(stamp(base + index * 600, index)), .text(stamp(base + index * 600 + 300, index)), .integer(Int64(1 + random.below(40))),
            ])
        }
        let clusters = max(4, notifications / 200)
        for index in 0..<clusters {
            try db.insert("signal_clusters", ["label", "keywords", "item_count", "created_at", "updated_at"], [
                .text("cluster \(index)"), .text(#"["release","ci","\#(index)"]"#), .integer(0),
                .text(stamp(base + index * 86_400, index)), .text(stamp(base + index * 86_400 + 3600, index)),
            ])
        }
        for index in 0..<(notifications / 4) {
            try db.insert("signal_items", ["cluster_id", "source", "title", "url", "fingerprint", "published_at", "created_at"], [
                index % 7 == 0 ? .null : .integer(Int64(1 + random.below(clusters))), .text(["rss", "github", "mail"][index % 3]),
                .text("Signal \(index): build times on main"), index % 5 == 0 ? .null : .text("https://example.org/s/\(index)"),
                .text(String(format: "%016llx", random.next())), index % 4 == 0 ? .null : .text(stamp(base + index * 300, index)),
                .text(stamp(base + index * 300 + 5, index + 1)),
            ])
        }
        try db.connection.execute("UPDATE signal_clusters SET item_count = (SELECT count(*) FROM signal_items i WHERE i.cluster_id = signal_clusters.id)")
        for index in 0..<(clusters * 2) {
            try db.insert("signal_syntheses", ["cluster_id", "summary", "model", "created_at"], [
                .integer(Int64(1 + index % clusters)), .text("Summary \(index): the cluster is about CI time."),
                .text(["claude", "gemini"][index % 2]), .text(stamp(base + index * 7200, index)),
            ])
        }
        // The platform deletes handled notifications: the sequence stays above the highest id.
        try db.connection.execute("DELETE FROM notifications WHERE id > \(notifications - 3)")
        try db.commit()
        try db.close()
    }
}
