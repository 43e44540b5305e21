import Foundation
import TeleClaudeMigration

/// Writes a synthetic installation of any size with the sample schema and the value
/// shapes of a busy daemon: large terminal output with ANSI escapes, JSON payloads,
/// timestamps in several spellings, many small outbox and queue rows. The same scale
/// and seed always give the same rows.
///
/// Scale 1.0 is about 1 GB of SQLite and 2.3 million rows; row counts grow linearly.
public struct SyntheticInstallation {
    public var scale: Double
    public var seed: UInt64
    public var shape: Shape

    /// What the rows look like.
    public enum Shape: String, CaseIterable, Sendable {
        /// Many small outbox and queue rows, small JSON payloads (scale 1.0: about 1 GB of
        /// SQLite, 2.3 million rows).
        case sample
        /// Fewer, larger rows: `hook_outbox.payload` and `memory_observations.facts` carry
        /// nested JSON of 1 to 8 KB (escapes, unicode, numbers, nesting), as a long-running
        /// installation's hooks and memory do (scale 1.0: about 1.6 GB of SQLite, 1.3 million rows).
        /// Its target is `samples/target-schema.sql`, then `samples/target-schema-json-heavy.sql` (issue 27).
        case jsonHeavy = "json-heavy"
    }

    public init(scale: Double, seed: UInt64 = 42, shape: Shape = .sample) {
        self.scale = scale
        self.seed = seed
        self.shape = shape
    }

    public struct Counts: Sendable {
        public var sessions: Int
        public var hookOutbox: Int
        public var inboundQueue: Int
        public var memoryObservations: Int
        public var notifications: Int
        public var listeners: Int
        public var links: Int
    }

    public var counts: Counts {
        func n(_ base: Double) -> Int { max(1, Int((base * scale).rounded())) }
        switch shape {
        case .sample:
            return Counts(sessions: n(20_000), hookOutbox: n(1_200_000), inboundQueue: n(500_000),
                          memoryObservations: n(200_000), notifications: n(300_000), listeners: n(40_000), links: n(10_000))
        case .jsonHeavy:
            return Counts(sessions: n(20_000), hookOutbox: n(100_000), inboundQueue: n(800_000),
                          memoryObservations: n(40_000), notifications: n(300_000), listeners: n(40_000), links: n(10_000))
        }
    }

    /// Writes `<root>/project/{teleclaude.db,config.yml,.env}`, `<root>/home/.teleclaude/docs` and
    /// `<root>/home/.teleclaude/events.db`.
    public func write(to root: String, progress: ((String) -> Void)? = nil) throws {
        let project = root + "/project"
        let docs = root + "/home/.teleclaude/docs"
        try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: docs + "/generated", withIntermediateDirectories: true)
        try SampleFiles.config.write(toFile: project + "/config.yml", atomically: true, encoding: .utf8)
        try SampleFiles.env.write(toFile: project + "/.env", atomically: true, encoding: .utf8)
        for (path, text) in SampleFiles.docs { try text.write(toFile: docs + "/" + path.replacingOccurrences(of: "/", with: "-"), atomically: true, encoding: .utf8) }
        try writeDatabase(project + "/teleclaude.db", progress: progress)
        progress?("events.db")
        try EventsSample.write(root + "/home/.teleclaude/events.db", notifications: max(100, Int((100_000 * scale).rounded())), seed: seed)
    }

    public func writeDatabase(_ path: String, progress: ((String) -> Void)? = nil) throws {
        let db = try SampleDatabase(path: path)
        try db.connection.execute("PRAGMA cache_size = -65536")
        let random = SplitMix(seed: seed)
        let c = counts
        try db.begin()

        progress?("sessions: \(c.sessions)")
        var sessionIDs: [[UInt8]] = []
        sessionIDs.reserveCapacity(c.sessions)
        let sessionColumns = ["session_id", "computer_name", "title", "tmux_session_name", "origin_adapter", "adapter_metadata",
                              "closed", "created_at", "last_activity", "working_directory", "active_agent", "thinking_mode",
                              "last_output_raw", "transcript_files", "initiator_session_id", "lifecycle_status",
                              "last_message_epoch", "tokens_used", "cost_usd", "avatar", "human_email", "human_role", "notification_sent"]
        for i in 0..<c.sessions {
            let id = Array(random.uuid().utf8)
            sessionIDs.append(id)
            let epoch = 1_700_000_000 + Int64(i) * 97
            let adapters = ["telegram", "discord", "whatsapp", "mcp", "cli"]
            try db.insert("sessions", sessionColumns, [
                .text(id), .text("host-\(i % 7)"), random.maybe(0.9) { .text(random.sentence(words: 4 + random.below(8))) },
                .text("tc_\(i)"), .text(adapters[random.below(adapters.count)]),
                random.maybe(0.8) { .text(#"{"telegram":{"topic_id":\#(random.below(100_000)),"chat_id":-100\#(random.below(1_000_000_000))}}"#) },
                .integer(Int64(random.below(2))), .text(random.timestamp(epoch)), random.maybe(0.9) { .text(random.timestamp(epoch + 600)) },
                .text("/home/user/Projects/p\(i % 50)"), .text(["claude", "gemini", "codex"][random.below(3)]),
                random.maybe(0.5) { .text(["slow", "med", "fast"][random.below(3)]) },
                .text(random.terminalOutput(bytes: 8_000 + random.below(24_000))),
                .text(#"["/home/user/.claude/projects/p\#(i % 50)/\#(i).jsonl"]"#),
                random.maybe(0.3) { .text(sessionIDs[random.below(sessionIDs.count)]) },
                .text(["active", "idle", "closing", "closed"][random.below(4)]),
                .integer(epoch + 600), .integer(Int64(random.below(2_000_000))), .real(Double(random.below(100_000)) / 1000),
                random.maybe(0.02) { .blob(random.bytes(512)) },
                .text("user\(i % 5)@example.org"), .text(["admin", "member"][random.below(2)]), .integer(Int64(random.below(2))),
            ])
        }

        progress?("hook_outbox: \(c.hookOutbox)")
        let outbox = ["session_id", "event_type", "payload", "created_at", "next_attempt_at", "attempt_count", "delivered_at", "last_error", "locked_at"]
        let events = ["session_start", "tool_use", "stop", "notification", "subagent_stop", "prompt_submit"]
        for i in 0..<c.hookOutbox {
            let epoch = 1_700_000_000 + Int64(i) * 3
            let delivered = random.maybe(0.9)
            try db.insert("hook_outbox", outbox, [
                .text(sessionIDs[random.below(sessionIDs.count)]), .text(events[random.below(events.count)]),
                .text(shape == .jsonHeavy ? random.nestedJSON(bytes: 1_024 + random.below(7 * 1_024)) : random.jsonPayload(bytes: 120 + random.below(360))),
                .text(random.timestamp(epoch)),
                delivered ? .null : .text(random.timestamp(epoch + 30)), .integer(Int64(random.below(4))),
                delivered ? .text(random.timestamp(epoch + 1)) : .null,
                delivered ? .null : .text("HTTP \(500 + random.below(5)) from hook endpoint"), .null,
            ])
        }

        progress?("inbound_queue: \(c.inboundQueue)")
        let inbound = ["session_id", "origin", "message_type", "content", "payload_json", "status", "created_at", "processed_at", "attempt_count"]
        for i in 0..<c.inboundQueue {
            let epoch = 1_700_000_000 + Int64(i) * 7
            try db.insert("inbound_queue", inbound, [
                .text(sessionIDs[random.below(sessionIDs.count)]), .text(["telegram", "discord", "mcp"][random.below(3)]),
                .text(["text", "voice", "file"][random.below(3)]), .text(random.sentence(words: 5 + random.below(30))),
                random.maybe(0.5) { .text(#"{"message_id":\#(random.below(1_000_000))}"#) },
                .text(["pending", "processing", "done", "failed"][random.below(4)]), .text(random.timestamp(epoch)),
                random.maybe(0.8) { .text(random.timestamp(epoch + 2)) }, .integer(Int64(random.below(3))),
            ])
        }

        progress?("memory_observations: \(c.memoryObservations)")
        let memory = ["memory_session_id", "project", "type", "title", "narrative", "facts", "files_read", "created_at", "created_at_epoch"]
        for i in 0..<c.memoryObservations {
            let epoch = 1_700_000_000 + Int64(i) * 11
            try db.insert("memory_observations", memory, [
                .text(String(decoding: sessionIDs[random.below(sessionIDs.count)].prefix(8), as: UTF8.self)),
                .text("p\(i % 50)"), .text(["decision", "discovery", "bugfix", "feature"][random.below(4)]),
                .text(random.sentence(words: 6)), .text(random.sentence(words: 40 + random.below(40))),
                .text(shape == .jsonHeavy ? random.nestedJSON(bytes: 1_024 + random.below(7 * 1_024))
                      : Array(#"["\#(random.sentence(words: 6))","\#(random.sentence(words: 5))"]"#.utf8)),
                .text(#"["src/file\#(random.below(500)).swift"]"#), .text(random.timestamp(epoch)), .integer(epoch),
            ])
        }

        progress?("notification_outbox: \(c.notifications)")
        let notifications = ["channel", "recipient", "content", "delivery_channel", "status", "created_at", "delivered_at", "attempt_count", "last_error"]
        for i in 0..<c.notifications {
            let epoch = 1_700_000_000 + Int64(i) * 5
            try db.insert("notification_outbox", notifications, [
                .text(["sessions", "jobs", "alerts"][random.below(3)]), .text("user\(i % 5)"),
                .text("n\(i): " + random.sentence(words: 8 + random.below(10))), .text(["telegram", "discord"][random.below(2)]),
                .text(["pending", "delivered", "failed"][random.below(3)]), .text(random.timestamp(epoch)),
                random.maybe(0.7) { .text(random.timestamp(epoch + 2)) }, .integer(Int64(random.below(5))), .null,
            ])
        }

        progress?("session_listeners, conversation links, tokens")
        var pairs = Set<[UInt8]>()
        for _ in 0..<c.listeners {
            let target = sessionIDs[random.below(sessionIDs.count)]
            let caller = sessionIDs[random.below(sessionIDs.count)]
            guard pairs.insert(target + [0] + caller).inserted else { continue }
            try db.insert("session_listeners", ["target_session_id", "caller_session_id", "caller_tmux_session", "registered_at"],
                          [.text(target), .text(caller), .text("tc_x"), .text(random.timestamp(1_700_000_000))])
        }
        for i in 0..<c.links {
            let link = random.uuid()  // uuid4 strings, as TeleClaude's link ids are: no two installations share one
            try db.insert("conversation_links", ["link_id", "mode", "status", "created_by_session_id", "metadata_json", "created_at", "closed_at"],
                          [.text(link), .text(["direct", "gathering"][random.below(2)]), .text("active"),
                           .text(sessionIDs[random.below(sessionIDs.count)]), .text(#"{"topic":"t\#(i)"}"#),
                           .text(random.timestamp(1_700_000_000 + Int64(i))), .null])
            for n in 0..<3 {
                try db.insert("conversation_link_members", ["link_id", "session_id", "participant_name", "participant_number", "joined_at"],
                              [.text(link), .text(Array("s\(i)-\(n)".utf8)), .text("agent \(n)"), .integer(Int64(n)),
                               .text(random.timestamp(1_700_000_000 + Int64(i)))])
            }
        }
        for i in 0..<max(1, c.sessions / 4) {
            try db.insert("session_tokens", ["token", "session_id", "principal", "role", "issued_at", "expires_at", "revoked_at"],
                          [.text(random.uuid()), .text(sessionIDs[i % sessionIDs.count]), .text("user\(i % 5)"), .text("member"),
                           .text(random.timestamp(1_700_000_000)), .text(random.timestamp(1_700_086_400)), .null])
        }
        try db.insert("system_settings", ["key", "value"], [.text("maintenance_mode"), .text("false")])
        try db.commit()
        try db.close()
    }
}

/// SplitMix64: a small, fast, seedable generator (the same seed, the same installation).
final class SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    func maybe(_ probability: Double, _ value: () -> SQLiteValue) -> SQLiteValue {
        Double(next() % 10_000) < probability * 10_000 ? value() : .null
    }

    func maybe(_ probability: Double) -> Bool { Double(next() % 10_000) < probability * 10_000 }

    func uuid() -> String {
        let a = next(), b = next()
        let hex = String(a, radix: 16).leftPadded(16) + String(b, radix: 16).leftPadded(16)
        let h = Array(hex)
        return String(h[0..<8]) + "-" + String(h[8..<12]) + "-4" + String(h[13..<16]) + "-8" + String(h[17..<20]) + "-" + String(h[20..<32])
    }

    func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }

    static let words: [String] = """
    the session agent build test failed passed error warning output file line function return value config \
    deploy server client request response token cache queue worker retry timeout commit branch merge review \
    compile swift python node rust docker image volume network socket port host user admin member project \
    refactor migrate schema table column index query insert update delete select transaction rollback \
    über café naïve résumé straße 日本語 中文 русский ελληνικά 🚀 ✅ ❌ 🔥 → ← ≤ ≥ … “quoted” ‘single’
    """.split(separator: " ").map(String.init)

    func sentence(words count: Int) -> String {
        var parts: [String] = []
        parts.reserveCapacity(count)
        for _ in 0..<count { parts.append(Self.words[below(Self.words.count)]) }
        return parts.joined(separator: " ")
    }

    /// Terminal output: lines of words with colours, tabs, carriage returns and numbers.
    func terminalOutput(bytes target: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(target + 200)
        while out.count < target {
            switch below(10) {
            case 0: out += Array("\u{1B}[1;32m✔\u{1B}[0m ".utf8)
            case 1: out += Array("\u{1B}[31merror:\u{1B}[0m ".utf8)
            case 2: out += Array("\t".utf8)
            default: break
            }
            out += Array(sentence(words: 3 + below(12)).utf8)
            out += Array(" \(next() % 100_000)".utf8)
            out += below(20) == 0 ? Array("\r\n".utf8) : [0x0A]
        }
        return out
    }

    /// A JSON object of about `target` bytes as hooks and memory write them: nested objects
    /// and arrays, strings with escapes and non-ASCII text, integers, decimals, booleans, nulls.
    func nestedJSON(bytes target: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(target + 256)
        func string() {
            out += Array(("\"" + sentence(words: 1 + below(6))).utf8)
            switch below(8) {
            case 0: out += Array(#" \"quoted\" "#.utf8)
            case 1: out += Array("\\n\\tpath\\\\to".utf8)
            case 2: out += Array(" naïve café 日本 ✓".utf8)
            case 3: out += Array(" \\u00e9".utf8)
            default: break
            }
            out += Array("\"".utf8)
        }
        func value(depth: Int) {
            switch below(depth > 3 ? 5 : 7) {
            case 0: out += Array("\(below(1_000_000))".utf8)
            case 1: out += Array("\(below(100_000)).\(below(1_000))".utf8)
            case 2: out += Array((below(2) == 0 ? "true" : below(2) == 0 ? "false" : "null").utf8)
            case 3, 4: string()
            case 5:
                out += [UInt8(ascii: "[")]
                for index in 0..<(1 + below(5)) {
                    if index > 0 { out += [UInt8(ascii: ",")] }
                    value(depth: depth + 1)
                }
                out += [UInt8(ascii: "]")]
            default: object(depth: depth + 1, members: 1 + below(6))
            }
        }
        func object(depth: Int, members: Int) {
            out += [UInt8(ascii: "{")]
            for index in 0..<members {
                if index > 0 { out += [UInt8(ascii: ",")] }
                out += Array("\"k\(below(40))_\(index)\":".utf8)  // unique within the object: jsonb keeps every key
                value(depth: depth)
            }
            out += [UInt8(ascii: "}")]
        }
        out += Array(#"{"tool":"Edit","session":{"#.utf8)
        var index = 0
        while out.count < target {
            if index > 0 { out += [UInt8(ascii: ",")] }
            out += Array("\"part\(index)\":".utf8)
            object(depth: 1, members: 2 + below(6))
            index += 1
        }
        out += Array("}}".utf8)
        return out
    }

    func jsonPayload(bytes target: Int) -> [UInt8] {
        var out = Array(#"{"tool":"Bash","input":{"command":""#.utf8)
        while out.count < target - 40 { out += Array((sentence(words: 4) + " ").utf8) }
        out += Array(#""},"ok":\#(below(2) == 0 ? "true" : "false"),"ms":\#(below(100_000))}"#.utf8)
        return out
    }

    /// One of the spellings a TeleClaude database holds, for the given Unix time.
    func timestamp(_ epoch: Int64) -> String {
        let date = Date(timeIntervalSince1970: TimeInterval(epoch))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let p = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ v: Int?) -> String { String(v ?? 0).leftPadded(2, with: "0") }
        let base = "\(p.year ?? 0)-\(two(p.month))-\(two(p.day))"
        let time = "\(two(p.hour)):\(two(p.minute)):\(two(p.second))"
        switch below(4) {
        case 0: return base + " " + time
        case 1: return base + "T" + time + "+00:00"
        case 2: return base + "T" + time + "." + String(below(1_000_000)).leftPadded(6, with: "0") + "+00:00"
        default: return base + "T" + time + "." + String(below(1000)).leftPadded(3, with: "0") + "Z"
        }
    }
}

extension String {
    func leftPadded(_ width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
