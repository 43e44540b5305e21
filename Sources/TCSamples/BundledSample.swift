import Foundation
import TeleClaudeMigration

/// The small, realistic single-user installation in `samples/single-user`: a project
/// root with `teleclaude.db`, `config.yml` and `.env`, and a home folder with doc
/// snippets and the event platform's `events.db`. Every value shape of REFERENCE.md appears in its database. All secrets in
/// it are fake.
public enum BundledSample {
    public static func write(to root: String) throws {
        let project = root + "/project"
        let docs = root + "/home/.teleclaude/docs"
        for folder in [project, docs + "/guides", docs + "/reference"] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        try writeDatabase(project + "/teleclaude.db")
        try EventsSample.write(root + "/home/.teleclaude/events.db")
        try SampleFiles.config.write(toFile: project + "/config.yml", atomically: true, encoding: .utf8)
        try SampleFiles.env.write(toFile: project + "/.env", atomically: true, encoding: .utf8)
        for (path, text) in SampleFiles.docs {
            try text.write(toFile: docs + "/" + path, atomically: true, encoding: .utf8)
        }
    }

    static func writeDatabase(_ path: String) throws {
        let db = try SampleDatabase(path: path)
        try db.begin()
        for (version, applied) in [("001_initial", "2024-03-02 09:15:00"), ("002_human_identity", "2024-06-11T18:02:41+00:00"),
                                   ("003_notifications", "2025-01-20T07:30:12.481516+00:00")] {
            try db.insert("schema_migrations", ["version", "applied_at"], [.text(version), .text(applied)])
        }
        let ansi = "\u{1B}[1;32m✔ tests passed\u{1B}[0m\n\u{1B}[33mwarning:\u{1B}[0m 2 skipped\n\tsee log → build/out.txt\n"
        let sessions: [[SQLiteValue]] = [
            [.text("7f3c2a1e-0b9d-4c55-9a61-2f1d3e4b5c6d"), .text("workstation"), .text("Refactor the payment flow"),
             .text("tc_7f3c2a1e"), .text("telegram"), .text(#"{"telegram":{"topic_id":4412,"chat_id":-1001234567890}}"#),
             .integer(0), .text("2025-01-01 10:00:00"), .text("2025-01-01T10:42:13.123456+00:00"),
             .text("/home/maurice/Projects/shop"), .text("claude"), .text("slow"), .text(ansi),
             .text(#"["/home/maurice/.claude/projects/shop/7f3c.jsonl"]"#), .null, .text("active"), .integer(1735727533),
             .integer(184_220), .real(2.4375), .null, .text("maurice@example.org"), .text("admin"), .integer(1)],
            [.text("b2e4d6f8-1a3c-4e5f-8a9b-0c1d2e3f4a5b"), .text("workstation"), .text("Übersetzung der Hilfe-Seiten ins Deutsche 🇩🇪"),
             .text("tc_b2e4d6f8"), .text("discord"), .text(#"{"discord":{"channel_id":"998877665544332211","thread_id":null}}"#),
             .integer(1), .text("2025-01-01T10:00:00+00:00"), .text("2025-01-02T08:15:00.123Z"),
             .text("/home/maurice/Projects/docs"), .text("gemini"), .null, .text("Fertig ✅ — 12 Dateien übersetzt.\r\nNächster Schritt: Review."),
             .text("[]"), .text("7f3c2a1e-0b9d-4c55-9a61-2f1d3e4b5c6d"), .text("closed"), .integer(1735805700),
             .integer(52_010), .real(0.61), .blob([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D]),
             .text("maurice@example.org"), .text("admin"), .integer(0)],
            [.text("c0ffee00-1234-4abc-9def-001122334455"), .text("raspberrypi"), .text("日本語のドキュメントを要約"),
             .text("tc_c0ffee00"), .text("mcp"), .null, .integer(0), .text("2025-03-15T23:59:59.999+05:30"), .null,
             .null, .text("codex"), .text("fast"), .null, .null, .null, .text("idle"), .null, .null, .null, .null, .null, .null, .integer(0)],
            // A row with NULL in every nullable column.
            [.text("d1d1d1d1-0000-4000-8000-000000000000"), .text("workstation"), .null, .null, .text("cli"), .null,
             .integer(0), .null, .null, .null, .null, .null, .null, .null, .null, .null, .null, .null, .null, .null, .null, .null, .null],
        ]
        let sessionColumns = ["session_id", "computer_name", "title", "tmux_session_name", "origin_adapter", "adapter_metadata",
                              "closed", "created_at", "last_activity", "working_directory", "active_agent", "thinking_mode",
                              "last_output_raw", "transcript_files", "initiator_session_id", "lifecycle_status",
                              "last_message_epoch", "tokens_used", "cost_usd", "avatar", "human_email", "human_role",
                              "notification_sent"]
        for row in sessions { try db.insert("sessions", sessionColumns, row) }

        // AUTOINCREMENT tables whose top rows were deleted: sqlite_sequence stays above max(id).
        let outboxColumns = ["session_id", "event_type", "payload", "created_at", "next_attempt_at", "attempt_count",
                             "delivered_at", "last_error", "locked_at"]
        let events: [[SQLiteValue]] = [
            [.text("7f3c2a1e-0b9d-4c55-9a61-2f1d3e4b5c6d"), .text("session_start"), .text(#"{"agent":"claude","cwd":"/home/maurice/Projects/shop"}"#),
             .text("2025-01-01 10:00:01"), .null, .integer(0), .text("2025-01-01 10:00:02"), .null, .null],
            [.text("7f3c2a1e-0b9d-4c55-9a61-2f1d3e4b5c6d"), .text("tool_use"), .text(#"{"tool":"Bash","input":{"command":"swift test"},"ok":true}"#),
             .text("2025-01-01T10:05:00.5+00:00"), .text("2025-01-01T10:05:30+00:00"), .integer(2), .null,
             .text("HTTP 502 from hook endpoint"), .null],
            [.text("b2e4d6f8-1a3c-4e5f-8a9b-0c1d2e3f4a5b"), .text("stop"), .text(#"{"reason":"user","tokens":{"in":1200,"out":3400}}"#),
             .text("2025-01-02T08:15:00Z"), .null, .integer(0), .text("2025-01-02T08:15:01Z"), .null, .null],
            [.text("b2e4d6f8-1a3c-4e5f-8a9b-0c1d2e3f4a5b"), .text("stop"), .text("{}"), .text("2025-01-02T08:16:00Z"), .null, .integer(0), .null, .null, .null],
            [.text("b2e4d6f8-1a3c-4e5f-8a9b-0c1d2e3f4a5b"), .text("stop"), .text("{}"), .text("2025-01-02T08:17:00Z"), .null, .integer(0), .null, .null, .null],
        ]
        for event in events { try db.insert("hook_outbox", outboxColumns, event) }
        try db.connection.execute("DELETE FROM hook_outbox WHERE id >= 4")

        let inbound = ["session_id", "origin", "message_type", "content", "payload_json", "status", "created_at", "processed_at", "attempt_count"]
        try db.insert("inbound_queue", inbound, [.text("7f3c2a1e-0b9d-4c55-9a61-2f1d3e4b5c6d"), .text("telegram"), .text("text"),
                                                 .text("please run the tests again"), .text(#"{"message_id":5512}"#), .text("done"),
                                                 .text("2025-01-01 10:04:00"), .text("2025-01-01 10:04:01"), .integer(1)])
        try db.insert("inbound_queue", inbound, [.text("b2e4d6f8-1a3c-4e5f-8a9b-0c1d2e3f4a5b"), .text("discord"), .text("voice"),
                                                 .text("Kannst du das bitte prüfen?"), .null, .text("failed"),
                                                 .text("2025-01-02T08:10:00.000001+00:00"), .null, .integer(3)])
        try db.insert("inbound_queue", inbound, [.text("c0ffee00-1234-4abc-9def-001122334455"), .text("mcp"), .text("text"),
                                                 .text("dropped"), .null, .text("pending"), .text("2025-03-16 00:00:00"), .null, .null])
        try db.connection.execute("DELETE FROM inbound_queue WHERE id = 3")

        let memory = ["memory_session_id", "project", "type", "title", "narrative", "facts", "files_read", "created_at", "created_at_epoch"]
        try db.insert("memory_observations", memory, [.text("7f3c2a1e"), .text("shop"), .text("decision"), .text("Use idempotency keys"),
                                                      .text("Payments retried by the hook outbox must not double-charge."),
                                                      .text(#"["stripe supports Idempotency-Key","retries happen after 502"]"#),
                                                      .text(#"["src/payments/charge.swift"]"#), .text("2025-01-01T10:30:00+00:00"), .integer(1735727400)])
        try db.insert("memory_observations", memory, [.text("b2e4d6f8"), .text("docs"), .text("discovery"), .null, .null, .null, .null,
                                                      .text("2025-01-02 08:00:00"), .integer(1735804800)])

        let listeners = ["target_session_id", "caller_session_id", "caller_tmux_session", "registered_at"]
        try db.insert("session_listeners", listeners, [.text("7f3c2a1e-0b9d-4c55-9a61-2f1d3e4b5c6d"), .text("b2e4d6f8-1a3c-4e5f-8a9b-0c1d2e3f4a5b"),
                                                       .text("tc_b2e4d6f8"), .text("2025-01-01T10:01:00+00:00")])
        try db.insert("session_listeners", listeners, [.text("7f3c2a1e-0b9d-4c55-9a61-2f1d3e4b5c6d"), .text("c0ffee00-1234-4abc-9def-001122334455"),
                                                       .text("tc_c0ffee00"), .text("2025-03-15 18:30:00")])

        try db.insert("conversation_links", ["link_id", "mode", "status", "created_by_session_id", "metadata_json", "created_at", "closed_at"],
                      [.text("link-0001"), .text("gathering"), .text("active"), .text("7f3c2a1e-0b9d-4c55-9a61-2f1d3e4b5c6d"),
                       .text(#"{"topic":"release 2.0","max_rounds":3}"#), .text("2025-01-01T11:00:00+00:00"), .null])
        let members = ["link_id", "session_id", "participant_name", "participant_number", "joined_at"]
        try db.insert("conversation_link_members", members, [.text("link-0001"), .text("7f3c2a1e-0b9d-4c55-9a61-2f1d3e4b5c6d"),
                                                             .text("Claude"), .integer(1), .text("2025-01-01T11:00:00+00:00")])
        try db.insert("conversation_link_members", members, [.text("link-0001"), .text("b2e4d6f8-1a3c-4e5f-8a9b-0c1d2e3f4a5b"),
                                                             .text("Gemini"), .integer(2), .text("2025-01-01T11:00:05+00:00")])
        // An orphan: its link was deleted while foreign keys were not enforced.
        try db.insert("conversation_link_members", members, [.text("link-0000"), .text("c0ffee00-1234-4abc-9def-001122334455"),
                                                             .null, .null, .text("2024-12-31 23:00:00")])

        let tokens = ["token", "session_id", "principal", "role", "issued_at", "expires_at", "revoked_at"]
        try db.insert("session_tokens", tokens, [.text("tok_5b8e0c2a"), .text("7f3c2a1e-0b9d-4c55-9a61-2f1d3e4b5c6d"), .text("maurice"),
                                                 .text("admin"), .text("2025-01-01T10:00:00Z"), .text("2025-01-02T10:00:00Z"), .null])

        let notifications = ["channel", "recipient", "content", "delivery_channel", "status", "created_at", "delivered_at", "attempt_count", "last_error"]
        try db.insert("notification_outbox", notifications, [.text("sessions"), .text("maurice"), .text("Session “Refactor the payment flow” is idle"),
                                                             .text("telegram"), .text("delivered"), .text("2025-01-01 10:45:00"),
                                                             .text("2025-01-01 10:45:02"), .integer(1), .null])
        try db.insert("notification_outbox", notifications, [.text("jobs"), .text("maurice"), .text("Nightly job failed: exit 1"),
                                                             .text("discord"), .text("pending"), .text("2025-01-03T02:00:00+01:00"),
                                                             .null, .integer(4), .text("rate limited (429)")])

        let deletions = ["session_id", "message_id", "deletion_type", "created_at"]
        try db.insert("pending_message_deletions", deletions, [.text("7f3c2a1e-0b9d-4c55-9a61-2f1d3e4b5c6d"), .text("5513"), .text("feedback"), .text("2025-01-01 10:04:02")])

        try db.insert("system_settings", ["key", "value", "updated_at"], [.text("maintenance_mode"), .text("false"), .text("2025-01-05 12:00:00")])
        try db.insert("system_settings", ["key", "value", "updated_at"], [.text("default_agent"), .text("claude"), .null])
        try db.insert("agent_availability", ["agent", "available", "unavailable_until", "reason"], [.text("claude"), .integer(1), .null, .null])
        try db.insert("agent_availability", ["agent", "available", "unavailable_until", "reason"],
                      [.text("gemini"), .integer(0), .text("2025-01-02T12:00:00+00:00"), .text("quota exhausted")])
        try db.commit()
        try db.close()
    }
}
