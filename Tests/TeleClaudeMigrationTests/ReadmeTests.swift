import ArgumentParser
import Foundation
import TCCommands
import TCSamples
import TeleClaudeMigration
import Testing

/// The README's step-by-step migration is true: every tc-export / tc-import line of its
/// `walkthrough` block parses, and run in order on the bundled sample it exits as the
/// README says.
@Suite("README commands")
struct ReadmeTests {
    /// The words of a shell line, with "double" and 'single' quotes, and $HOME for ~.
    static func words(_ line: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var inWord = false
        for c in line {
            if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
            } else if c == "\"" || c == "'" {
                quote = c
                inWord = true
            } else if c == " " {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(c == "~" && !inWord ? "/" : c)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }

    /// The walk-through's tc-export and tc-import lines, in order (`block`: the README's
    /// ```sh block of that name: the first person's, or "second-person").
    static func walkthrough(_ name: String = "walkthrough") throws -> [String] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let block = try #require(readme.components(separatedBy: "```sh \(name)\n").dropFirst().first?.components(separatedBy: "```").first)
        return block.split(separator: "\n").map(String.init).filter { $0.hasPrefix("tc-export") || $0.hasPrefix("tc-import") }
    }

    @Test("every tc-export and tc-import line of the walk-through parses")
    func walkthroughParses() throws {
        let lines = try Self.walkthrough() + Self.walkthrough("second-person")
        #expect(lines.count >= 13)
        for line in lines {
            let words = Self.words(line)
            let root: any ParsableCommand.Type = words[0] == "tc-export" ? TCExport.self : TCImport.self
            #expect(throws: Never.self, "\(line)") { _ = try root.parseAsRoot(Array(words.dropFirst())) }
        }
    }

    /// Runs the walk-through as the README's reader would, on the bundled sample: the user's
    /// home and project root are a copy of it (tc-export runs in the project root, as "on the
    /// old machine"), `/var/tmp/` is a folder of the test, `postgresql:///teleclaude` is the
    /// test server with a fresh schema holding the multi-user tables, and the loads install the
    /// configuration and docs under the test's folder instead of /etc and /usr/local (the
    /// demo does the same). `scp` becomes a copy; `systemctl` and `scripts/install` are not run.
    @Test("the walk-through, run in order on the bundled sample, exits as its comments say")
    func walkthroughRuns() throws {
        let folder = try TemporaryFolder("tc-readme")
        try BundledSample.write(to: folder.file("old"))
        let home = folder.file("old/home"), project = folder.file("old/project"), moved = folder.file("var") + "/"
        try FileManager.default.createDirectory(atPath: moved, withIntermediateDirectories: true)
        let schema = try TestServer.Schema(events: true)
        let files = ["--config-dir", folder.file("etc"), "--docs-dir", folder.file("docs"), "--user-config", folder.file("user/config.yml")]

        var statuses: [(String, Int32)] = []
        for line in try Self.walkthrough() {
            var words = Self.words(line).map { word -> String in
                var word = word.replacingOccurrences(of: "/var/tmp/", with: moved)
                if word.hasPrefix("/") && !word.hasPrefix(moved) && !word.hasPrefix(folder.path) { word = home + word }  // ~ was read as /
                return word
            }
            if let url = words.firstIndex(of: "-d") {
                #expect(words[url + 1] == "postgresql:///teleclaude", "\(line)")
                words.replaceSubrange(url...(url + 1), with: ["-d", schema.url] + schema.options)
            }
            if words[1] == "load" { words += files }
            let result = try runTool(words[0], Array(words.dropFirst()), environment: ["HOME": home], in: project)
            statuses.append((line, result.status))
            if words[0] == "tc-import" && words[1] == "verify" {
                // 2. "scp ~/teleclaude.tcar newhost:/var/tmp/"
                try FileManager.default.copyItem(atPath: home + "/teleclaude.tcar", toPath: moved + "teleclaude.tcar")
            }
            let expected: Int32 = words[1] != "load" ? 0 : words.contains("reject") ? 2 : 1
            #expect(result.status == expected, "\(line)\nexit \(result.status), the README says \(expected)\n\(result.stderr.suffix(1500))")
        }
        #expect(statuses.count >= 9)
        // What step 4 left: the rows of both databases, less the one orphan kept in the rejects file; the config installed.
        #expect(try schema.counts()["sessions"] == 4)
        #expect(try schema.eventCounts() == EventsSample.rowCounts)
        #expect(try String(contentsOfFile: moved + "rejects.ndjson", encoding: .utf8).split(separator: "\n").count == 1)
        #expect(FileManager.default.fileExists(atPath: folder.file("etc/config.yml")) && FileManager.default.fileExists(atPath: folder.file("etc/secrets.yml")))
        #expect(!FileManager.default.fileExists(atPath: moved + "load.json"), "the failed load wrote no report")
    }

    /// "Adding another person", run as written after a first person's load: Bob's copy of the
    /// sample (his own people: entry, a setting of his, another secret, no events database),
    /// exported in his project root, appended beside the first person's rows with his
    /// configuration joined into the installed one.
    @Test("the second person's lines, run after a first load, exit 0: his rows beside the first person's, people: the union")
    func secondPersonRuns() throws {
        let folder = try TemporaryFolder("tc-readme-second")
        let schema = try TestServer.Schema()
        let moved = folder.file("var") + "/"
        try FileManager.default.createDirectory(atPath: moved, withIntermediateDirectories: true)
        let files = ["--config-dir", folder.file("etc"), "--docs-dir", folder.file("docs")]
        // The first person, loaded as in the walk-through (the orphan row left out).
        let first = try PostgresLoadTests.sampleArchive(folder)
        let loaded = try runTool("tc-import", ["load", first, "-d", schema.url, "--schema", schema.name, "--owner-person", "Maurice Faber",
                                               "--user-config", folder.file("maurice/config.yml")] + files)
        #expect(loaded.status == 0, "\(loaded.stderr)")
        let outboxBefore = try schema.counts()["hook_outbox"] ?? 0

        try BundledSample.write(to: folder.file("bob"))
        let home = folder.file("bob/home"), project = folder.file("bob/project")
        try FileManager.default.removeItem(atPath: home + "/.teleclaude/events.db")
        // His own sessions, links and tokens (uuid4 strings in a real installation: never the
        // first person's); his integer keys all collide with hers, as they do in life.
        let renamed = ["sessions": ["session_id", "initiator_session_id"], "hook_outbox": ["session_id"], "inbound_queue": ["session_id"],
                       "session_listeners": ["target_session_id", "caller_session_id"], "conversation_links": ["link_id", "created_by_session_id"],
                       "conversation_link_members": ["link_id", "session_id"], "session_tokens": ["token", "session_id"],
                       "pending_message_deletions": ["session_id"]]
        let db = try makeDatabase(project + "/teleclaude.db", wal: false, ["DELETE FROM conversation_link_members WHERE link_id = 'link-0000'"]
            + renamed.map { table, columns in "UPDATE \(table) SET " + columns.map { "\($0) = 'b0b-' || \($0)" }.joined(separator: ", ") })
        db.close()
        var config = try String(contentsOfFile: project + "/config.yml", encoding: .utf8)
        config = config.replacingOccurrences(of: "  - name: Ada Example\n", with: "  - name: Bob Example\n    email: bob@example.org\n    username: bob\n    role: member\n  - name: Ada Example\n")
        try (config + "\nbob_tools:\n  editor: helix\n").write(toFile: project + "/config.yml", atomically: true, encoding: .utf8)
        try (try String(contentsOfFile: project + "/.env", encoding: .utf8) + "BOB_API_KEY=sk-bob-fake-0000\n")
            .write(toFile: project + "/.env", atomically: true, encoding: .utf8)

        for line in try Self.walkthrough("second-person") {
            var words = Self.words(line).map { word -> String in
                var word = word.replacingOccurrences(of: "/var/tmp/", with: moved)
                if word.hasPrefix("/") && !word.hasPrefix(moved) && !word.hasPrefix(folder.path) { word = home + word }  // ~ was read as /
                return word
            }
            if let url = words.firstIndex(of: "-d") {
                words.replaceSubrange(url...(url + 1), with: ["-d", schema.url, "--schema", schema.name])
            }
            if words[1] == "load" { words += files + ["--user-config", folder.file("bob-user/config.yml")] }
            let result = try runTool(words[0], Array(words.dropFirst()), environment: ["HOME": home], in: project)
            #expect(result.status == 0, "\(line)\nexit \(result.status)\n\(result.stderr.suffix(1500))")
            if words[0] == "tc-export" {
                try FileManager.default.copyItem(atPath: home + "/teleclaude.tcar", toPath: moved + "bob.tcar")  // "scp"
            }
        }
        #expect(try schema.counts()["hook_outbox"] == 2 * outboxBefore, "his outbox rows beside the first person's")
        let installed = try String(contentsOfFile: folder.file("etc/config.yml"), encoding: .utf8)
        #expect(People.names(inConfig: installed) == ["Maurice Faber", "Ada Example", "Bob Example"])
    }
}
