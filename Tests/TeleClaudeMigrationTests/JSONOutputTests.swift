import Foundation
import TCSamples
import Testing
@testable import TeleClaudeMigration

/// The README's "JSON output" table, read as the contract: for each output, the verdicts it
/// may give and its top-level keys (`?`: may be absent). Parenthesized text (nested keys,
/// notes) is left out.
struct DocumentedJSON {
    var verdicts: Set<String>
    var required: Set<String>
    var optional: Set<String>

    static func table() throws -> [String: DocumentedJSON] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "### JSON output\n").dropFirst().first?.components(separatedBy: "\n## ").first)
        var table: [String: DocumentedJSON] = [:]
        for line in section.split(separator: "\n") where line.hasPrefix("| `tc-") || line.hasPrefix("| any failure") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 3 else { continue }
            let name = cells[0].hasPrefix("any") ? "failure" : cells[0].replacingOccurrences(of: "`", with: "")
            func ticked(_ text: String) -> [String] {
                var flat = "", depth = 0
                for c in text {
                    if c == "(" { depth += 1 } else if c == ")" { depth -= 1 } else if depth == 0 { flat.append(c) }
                }
                return flat.components(separatedBy: "`").enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
            }
            let keys = ticked(cells[2])
            table[name] = DocumentedJSON(verdicts: Set(ticked(cells[1])),
                                         required: Set(keys.filter { !$0.hasSuffix("?") } + ["ok", "exit_status", "verdict"]),
                                         optional: Set(keys.filter { $0.hasSuffix("?") }.map { String($0.dropLast()) }))
        }
        return table
    }

    /// What in `json` (an output of status `status`) the README does not say, or says and is not there.
    func problems(_ json: String, status: Int32) throws -> [String] {
        guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return ["not an object"] }
        let keys = Set(object.keys)
        var problems = keys.subtracting(required).subtracting(optional).sorted().map { "undocumented key \($0)" }
        problems += required.subtracting(keys).sorted().map { "documented key \($0) missing" }
        if let verdict = object["verdict"] as? String, !verdicts.contains(verdict) { problems.append("undocumented verdict \(verdict)") }
        if object["ok"] as? Bool != (status == 0) { problems.append("ok is not (exit status == 0)") }
        if (object["exit_status"] as? NSNumber)?.int32Value != status { problems.append("exit_status is not \(status)") }
        return problems + (try camelCaseKeys(json)).map { "camelCase key \($0)" }
    }
}

@Suite("Every --json output is the object the README documents", .timeLimit(.minutes(5)))
struct JSONOutputTests {
    @Test("export, verify, inspect, plan, load, install-files and a failure: keys, verdict, ok and exit_status as documented; rejects name their columns")
    func everyOutput() throws {
        let documented = try DocumentedJSON.table()
        #expect(Set(documented.keys) == ["tc-export --json", "tc-import verify --json", "tc-import inspect --json", "tc-import plan --json",
                                         "tc-import load --json", "tc-import install-files --json", "failure"])
        let folder = try TemporaryFolder("tc-json")
        try BundledSample.write(to: folder.file("s"))
        let archive = folder.file("a.tcar")
        let source = ["--project-root", folder.file("s/project"), "--docs", folder.file("s/home/.teleclaude/docs")]
        let schema = try TestServer.Schema()
        let target = ["-d", schema.url, "--schema", schema.name, "--owner-person", "Maurice Faber"]
        let files = ["--config-dir", folder.file("etc"), "--docs-dir", folder.file("docs"), "--user-config", folder.file("u.yml")]

        let runs: [(String, [String], String)] = [
            ("tc-export --json", source + ["-o", archive, "--json"], "tc-export"),
            ("tc-export --json", source + ["--dry-run", "--json"], "tc-export"),
            ("tc-import verify --json", ["verify", archive, "--json"], "tc-import"),
            ("tc-import inspect --json", ["inspect", archive, "--json"], "tc-import"),
            ("tc-import plan --json", ["plan", archive, "--json"] + target, "tc-import"),
            ("tc-import plan --json", ["plan", archive, "--json", "-d", schema.url, "--schema", schema.name], "tc-import"),
            ("tc-import load --json", ["load", archive, "--json", "--dry-run", "--on-error", "reject"] + target + files, "tc-import"),
            ("tc-import load --json", ["load", archive, "--json", "--on-error", "reject", "--rejects", folder.file("r.ndjson")] + target + files, "tc-import"),
            ("tc-import install-files --json", ["install-files", archive, "--json"] + files, "tc-import"),
            ("failure", ["verify", folder.file("nothing-here.tcar"), "--json"], "tc-import"),
            ("failure", ["load", archive, "--json"] + target + ["--skip-files"], "tc-import"),  // the rows are there now
            // Files read before the command's work starts: a key, allowed signers, the log.
            ("failure", ["verify", archive, "--json", "--identity", folder.file("no-such-key")], "tc-import"),
            ("failure", ["load", archive, "--json", "--require-signature", folder.file("no-signers")] + target, "tc-import"),
            ("failure", ["inspect", archive, "--json", "--log", folder.file("no/such/folder/log")], "tc-import"),
            ("failure", source + ["-o", folder.file("b.tcar"), "--json", "--log", folder.file("no/such/folder/log")], "tc-export"),
        ]
        var verdicts: [String] = []
        for (output, arguments, tool) in runs {
            let result = try runTool(tool, arguments)
            let problems = try #require(documented[output]).problems(result.stdout, status: result.status)
            #expect(problems.isEmpty, "\(tool) \(arguments.prefix(2)): \(problems)\n\(result.stdout.prefix(400))\n\(result.stderr)")
            #expect(result.stderr.components(separatedBy: "error:").count <= 2, "one error line: \(result.stderr)")
            verdicts.append((try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])?["verdict"] as? String ?? "?")
        }
        #expect(verdicts == ["written", "dry_run", "verified", "shown", "loadable", "blocked", "dry_run_with_rejects",
                             "committed_with_rejects", "installed", "failed", "failed", "failed", "failed", "failed", "failed"])
        #expect(!FileManager.default.fileExists(atPath: folder.file("b.tcar")))

        // Every rejected row names its columns, one per value.
        let rejects = try String(contentsOfFile: folder.file("r.ndjson"), encoding: .utf8).split(separator: "\n")
        #expect(rejects.count == 1)
        for line in rejects {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let columns = object?["columns"] as? [String], row = object?["row"] as? [Any]
            #expect(columns?.first == "link_id" && columns?.count == row?.count && object?["table"] as? String == "conversation_link_members")
        }

        // -o -: the JSON goes to standard error, and archive_bytes counts the bytes of the pipe.
        let piped = folder.file("piped.tcar")
        let streamed = try runTool("sh", ["-c", "p=$1; shift; exec \"$p\" \"$@\" -o - --json > '\(piped)'", "sh", builtProducts + "/tc-export"] + source, direct: true)
        let json = try #require(streamed.stderr.components(separatedBy: "\n").drop { !$0.hasPrefix("{") }.joined(separator: "\n") as String?)
        #expect(try documented["tc-export --json"]!.problems(json, status: streamed.status).isEmpty, "\(streamed.stderr)")
        let bytes = (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["archive_bytes"] as? Int
        let size = try FileManager.default.attributesOfItem(atPath: piped)[.size] as? Int
        #expect(bytes != nil && bytes == size && size ?? 0 > 1000, "archive_bytes \(String(describing: bytes)), piped \(String(describing: size))")
    }
}
