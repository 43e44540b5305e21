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
