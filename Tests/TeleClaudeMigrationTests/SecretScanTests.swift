import Foundation
import TCSamples
import Testing
@testable import TeleClaudeMigration

/// No secret of the sample's .env or config.yml appears in anything the tools print or
/// write for a person to read: stdout, stderr, JSON reports, the rejects file, errors.
@Suite("Secrets never reach output", .timeLimit(.minutes(5)))
struct SecretScanTests {
    @Test func everyOutputOfTheWholeJobIsFreeOfSecrets() throws {
        let sample = try SampleExport()
        let env = try EnvFile.parse(String(decoding: try #require(contents(sample.installation + "/project/.env")), as: UTF8.self), path: ".env")
        let secrets = env.entries.filter { SecretRules.isSecretName($0.name) || SecretRules.looksLikeSecretValue($0.value) }.map(\.value)
            + ["EAAfakeWhatsAppAccessTokenForTheSample"]
        #expect(secrets.count >= 5, "\(secrets.count) secrets found in the sample")

        let schema = try TestServer.Schema()
        let folder = sample.folder
        let install = ["--config-dir", sample.configDirectory, "--docs-dir", sample.docsDirectory, "--user-config", sample.userConfig]
        let database = ["--database-url", schema.url, "--schema", schema.name]
        var outputs: [(String, String)] = []
        func run(_ tool: String, _ arguments: [String]) throws {
            let result = try runTool(tool, arguments)
            outputs.append(("\(tool) \(arguments.first ?? "") stdout", result.stdout))
            outputs.append(("\(tool) \(arguments.first ?? "") stderr", result.stderr))
        }
        let project = ["--project-root", sample.installation + "/project", "--docs", sample.installation + "/home/.teleclaude/docs"]
        try run("tc-export", project + ["--dry-run"])
        try run("tc-export", project + ["-o", folder.file("b.tcar"), "--json"])
        try run("tc-import", ["verify", folder.file("b.tcar"), "--json"])
        try run("tc-import", ["inspect", folder.file("b.tcar"), "--json"])
        try run("tc-import", ["inspect", folder.file("b.tcar")])
        try run("tc-import", ["plan", folder.file("b.tcar")] + database)
        // A failing load (the orphan), then one that rejects it, with every report.
        try run("tc-import", ["load", folder.file("b.tcar"), "--owner-person", "Maurice Faber"] + database + install)
        try run("tc-import", ["load", folder.file("b.tcar"), "--owner-person", "Maurice Faber", "--on-error", "reject",
                              "--rejects", folder.file("rejects.ndjson"), "--report-json", folder.file("report.json")] + database + install)
        try run("tc-import", ["install-files", folder.file("b.tcar"), "--json"] + install)
        try run("tc-import", ["extract", folder.file("b.tcar"), "secrets", "-o", "-"])
        for file in ["report.json", "rejects.ndjson", "target/etc/teleclaude/config.yml", "target/home/config.yml", "target/share/docs/index.yaml"] {
            outputs.append((file, String(decoding: contents(folder.file(file)) ?? [], as: UTF8.self)))
        }
        #expect(outputs.contains { $0.0 == "report.json" && $0.1.contains("committed") })
        #expect(outputs.contains { $0.0 == "rejects.ndjson" && $0.1.contains("link-0000") })
        for (label, text) in outputs {
            for secret in secrets {
                #expect(!text.contains(secret), "a secret appears in \(label)")
            }
        }
        // Where secrets belong, they are, and owner-only.
        let installed = String(decoding: contents(sample.configDirectory + "/secrets.yml") ?? [], as: UTF8.self)
        #expect(secrets.allSatisfy { installed.contains($0) })
        #expect(mode(sample.configDirectory + "/secrets.yml") == 0o600)
        #expect(mode(folder.file("b.tcar")) == 0o600)
        #expect(mode(folder.file("rejects.ndjson")) == 0o600)
    }
}

/// What PostgreSQL and the read-back say about a row carries its values: none of them is
/// printed unless --show-values asks, and a row whose key looks secret is named by position.
@Suite("No row value in messages", .timeLimit(.minutes(5)))
struct RowValueRedactionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var sqlite: [String]
        var target: String
        /// The secret-looking value that must not appear, and what the message must say instead.
        var value: String
        var expected: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "a unique violation (DETAIL: Key (token)=(…) already exists)",
             sqlite: ["CREATE TABLE api_tokens (id INTEGER PRIMARY KEY, token TEXT)",
                      "INSERT INTO api_tokens VALUES (1, 'sk-proj-Fake_DuplicateToken00000000001'), (2, 'sk-proj-Fake_DuplicateToken00000000001')"],
             target: "CREATE TABLE api_tokens (id bigint PRIMARY KEY, token text UNIQUE)",
             value: "DuplicateToken000", expected: ["SQLSTATE 23505", "constraint api_tokens_token_key", "table "]),
        Case(name: "a CHECK violation (DETAIL: Failing row contains …)",
             sqlite: ["CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)", "INSERT INTO notes VALUES (1, 'confidential-note-body-0001')"],
             target: "CREATE TABLE notes (id bigint PRIMARY KEY, body text CHECK (length(body) < 5))",
             value: "confidential-note-body", expected: ["SQLSTATE 23514", "constraint notes_body_check"]),
        Case(name: "an unconvertible value in a table keyed by a token",
             sqlite: ["CREATE TABLE grants (token TEXT PRIMARY KEY, uses INTEGER)", "INSERT INTO grants VALUES ('sk-proj-Fake_KeyOfTheRow000000000001', 'many')"],
             target: "CREATE TABLE grants (token text PRIMARY KEY, uses integer)",
             value: "KeyOfTheRow000", expected: ["grants row 1, column uses", "a TEXT of 4 bytes"]),
        Case(name: "a read-back difference in a table keyed by a token",
             sqlite: ["CREATE TABLE grants (token TEXT PRIMARY KEY, uses INTEGER)", "INSERT INTO grants VALUES ('sk-proj-Fake_KeyOfTheRow000000000002', 3)"],
             target: """
                 CREATE TABLE grants (token text PRIMARY KEY, uses integer);
                 CREATE FUNCTION bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.uses := NEW.uses + 1; RETURN NEW; END $$;
                 CREATE TRIGGER bump BEFORE INSERT ON grants FOR EACH ROW EXECUTE FUNCTION bump();
                 """,
             value: "KeyOfTheRow000", expected: ["key not shown", "column(s) uses"]),
    ]

    @Test("PostgreSQL's DETAIL and CONTEXT, quoted values and secret-looking keys stay out; --show-values brings them back", arguments: cases)
    func redacted(_ testCase: Case) throws {
        let folder = try TemporaryFolder()
        try FileManager.default.createDirectory(atPath: folder.file("db"), withIntermediateDirectories: true)
        try makeDatabase(folder.file("db/app.db"), wal: false, testCase.sqlite).close()
        try export(database: folder.file("db/app.db"), to: folder.file("a.tcar"))
        let schema = try TestServer.Schema(withSampleTables: false, testCase.target)
        let arguments = ["load", folder.file("a.tcar"), "--database-url", schema.url, "--schema", schema.name, "--skip-files"]
        let hidden = try runTool("tc-import", arguments)
        #expect(hidden.status == 1)
        #expect(!(hidden.stdout + hidden.stderr).contains(testCase.value), "a value was printed: \(hidden.stderr)")
        for expected in testCase.expected { #expect(hidden.stderr.contains(expected), "\(expected) missing from: \(hidden.stderr)") }
        let shown = try runTool("tc-import", arguments + ["--show-values"])
        #expect(shown.status == 1)
        #expect(shown.stderr.contains(testCase.value), "--show-values did not show the value: \(shown.stderr)")
        #expect(try schema.counts().values.allSatisfy { $0 == 0 })
    }
}
