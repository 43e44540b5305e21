import Foundation
import TCSamples
import Testing
@testable import TeleClaudeMigration

/// A copy of the bundled sample installation exported to an archive, and target folders.
struct SampleExport {
    let folder: TemporaryFolder
    let archive: String
    var installation: String { folder.file("installation") }
    var configDirectory: String { folder.file("target/etc/teleclaude") }
    var docsDirectory: String { folder.file("target/share/docs") }
    var userConfig: String { folder.file("target/home/config.yml") }

    init(configure: (String) throws -> Void = { _ in }) throws {
        folder = try TemporaryFolder("tc-install")
        try BundledSample.write(to: folder.file("installation"))
        try configure(folder.file("installation"))
        archive = folder.file("sample.tcar")
        let options = ExportOptions(
            locations: .init(projectRoot: folder.file("installation/project"), docs: folder.file("installation/home/.teleclaude/docs")),
            output: archive, createdAt: Date(timeIntervalSince1970: 1_700_000_000))
        _ = try Exporter(options: options, console: MessageLog().console).run()
    }

    func installOptions(overwriteConfig: Bool = false, overwriteDocs: Bool = false) -> InstallOptions {
        InstallOptions(configDirectory: configDirectory, docsDirectory: docsDirectory, userConfig: userConfig,
                       overwriteConfig: overwriteConfig, overwriteDocs: overwriteDocs, archive: .file(archive),
                       now: Date(timeIntervalSince1970: 1_800_000_000))
    }

    func install(overwriteConfig: Bool = false, overwriteDocs: Bool = false) throws -> InstallReport {
        var files = ArchiveFiles()
        try ArchiveReader(.file(archive)).read(into: &files)
        return try FileInstaller(files: files, options: installOptions(overwriteConfig: overwriteConfig, overwriteDocs: overwriteDocs)).install()
    }

    func installArguments(_ extra: [String] = []) -> [String] {
        ["install-files", archive, "--config-dir", configDirectory, "--docs-dir", docsDirectory, "--user-config", userConfig] + extra
    }
}

func mode(_ path: String) -> mode_t? {
    var info = stat()
    return stat(path, &info) == 0 ? info.st_mode & 0o7777 : nil
}

@Suite("Installing configuration and docs", .timeLimit(.minutes(5)))
struct InstallTests {
    @Test("relative --config-dir, --docs-dir and --user-config (folders not yet made) are the working directory's: installed there, named absolutely; it used to trap")
    func relativePaths() throws {
        let sample = try SampleExport()
        let result = try runTool("tc-import", ["install-files", sample.archive, "--config-dir", "etc", "--docs-dir", "docs", "--user-config", "u/config.yml"],
                                 in: sample.folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        for file in ["etc/config.yml", "etc/secrets.yml", "u/config.yml"] {
            #expect(FileManager.default.fileExists(atPath: sample.folder.file(file)), "\(file)")
        }
        #expect(result.stdout.contains(sample.folder.file("etc/config.yml")), "\(result.stdout)")
    }

    @Test func layersAreInstalledWithTheirModesAndProven() throws {
        let sample = try SampleExport()
        // umask 000 must not widen the secrets file.
        let result = try runTool("tc-import", sample.installArguments(["--json"]), umask: "000")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(mode(sample.configDirectory + "/config.yml") == 0o640)  // the service user's, and its group's
        #expect(mode(sample.configDirectory + "/secrets.yml") == 0o600)
        let report = try JSONDecoder().decode(InstallReport.self, from: Data(result.stdout.utf8))
        #expect(report.validated && report.differences.isEmpty && report.userLayerProblems.isEmpty)
        #expect(report.config.map(\.action) == [.written, .written, .written])
        #expect(report.docsCopied.count == 3)
        // The literal WhatsApp token left config.yml for secrets.yml; comments stayed.
        let system = String(decoding: contents(sample.configDirectory + "/config.yml") ?? [], as: UTF8.self)
        #expect(system.contains("access_token: ${WHATSAPP_ACCESS_TOKEN}   # pasted here before .env existed"))
        #expect(system.hasPrefix("# TeleClaude configuration for maurice's workstation."))
        #expect(!system.contains("EAAfake"))
        let secrets = try SecretsFile.parse(String(decoding: contents(sample.configDirectory + "/secrets.yml") ?? [], as: UTF8.self), path: "s")
        #expect(secrets["WHATSAPP_ACCESS_TOKEN"] == "EAAfakeWhatsAppAccessTokenForTheSample")
        #expect(secrets["REDIS_PASSWORD"] == "p4ss=with=equals")
        let user = String(decoding: contents(sample.userConfig) ?? [], as: UTF8.self)
        #expect(user.contains("  provider: openai         # whisper via API"))
        #expect(!user.contains("computer:"))
        // Nothing secret in what was printed.
        for secret in ["EAAfake", "AAFakeTelegram", "sk-fake", "p4ss=with", "MTAfake"] {
            #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret))
        }
    }

    @Test func aDifferentConfigIsNeverOverwrittenWithoutTheFlag() throws {
        let sample = try SampleExport()
        try FileManager.default.createDirectory(atPath: sample.configDirectory, withIntermediateDirectories: true)
        let mine = Array("computer:\n  name: hand-edited\n".utf8)
        _ = FileManager.default.createFile(atPath: sample.configDirectory + "/config.yml", contents: Data(mine))
        let refused = try runTool("tc-import", sample.installArguments())
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("\(sample.configDirectory)/config.yml"))
        #expect(refused.stderr.contains("--overwrite-config"))
        #expect(contents(sample.configDirectory + "/config.yml") == mine)
        // Nothing else was written either: the check runs before the first write.
        #expect(contents(sample.configDirectory + "/secrets.yml") == nil)
        #expect(!FileManager.default.fileExists(atPath: sample.docsDirectory))

        let report = try sample.install(overwriteConfig: true)
        let backup = try #require(report.config.first?.backup)
        #expect(report.config.first?.action == .replaced)
        #expect(contents(backup) == mine)
        #expect(contents(sample.configDirectory + "/config.yml") != mine)
        // Once installed, a second run changes nothing.
        let again = try sample.install()
        #expect(again.config.map(\.action) == [.unchanged, .unchanged, .unchanged])
        #expect(again.docsIdentical.count == 3 && again.docsCopied.isEmpty)
    }

    @Test("--join-config: the second person's layers join the first one's: people become the union, a new key and a new secret are added, differing values are named (never shown) and kept, comments stay, the result validates")
    func joinSecondPerson() throws {
        let first = try SampleExport()
        _ = try first.install()
        let installedConfig = try #require(contents(first.configDirectory + "/config.yml"))
        let second = try SampleExport { root in
            let config = root + "/project/config.yml"
            var text = try String(contentsOfFile: config, encoding: .utf8)
            text = text.replacingOccurrences(of: "  - name: Ada Example\n", with: "  - name: Bob Example\n    email: bob@example.org\n    username: bob\n    role: member\n  - name: Ada Example\n")
            text = text.replacingOccurrences(of: "theme: dark", with: "theme: light")
            text += "\nbob_tools:\n  editor: helix   # Bob's own\n"
            try text.write(toFile: config, atomically: true, encoding: .utf8)
            let env = root + "/project/.env"
            var secrets = try String(contentsOfFile: env, encoding: .utf8)
            secrets = secrets.replacingOccurrences(of: "REDIS_PASSWORD='p4ss=with=equals'", with: "REDIS_PASSWORD='bobs-other-pass'")
            secrets += "BOB_API_KEY=sk-bob-fake-0000\n"
            try secrets.write(toFile: env, atomically: true, encoding: .utf8)
        }
        var files = ArchiveFiles()
        try ArchiveReader(.file(second.archive)).read(into: &files)
        var options = InstallOptions(configDirectory: first.configDirectory, docsDirectory: first.docsDirectory, userConfig: second.userConfig,
                                     archive: .file(second.archive), now: Date(timeIntervalSince1970: 1_800_000_100))
        options.joinConfig = true
        let report = try FileInstaller(files: files, options: options).install()
        #expect(report.validated && report.differences.isEmpty, "\(report.differences)")
        let joined = String(decoding: try #require(contents(first.configDirectory + "/config.yml")), as: UTF8.self)
        #expect(joined.hasPrefix(String(decoding: installedConfig.prefix(200), as: UTF8.self)), "the first person's text and comments stay")
        #expect(People.names(inConfig: joined) == ["Maurice Faber", "Ada Example", "Bob Example"], "\(joined)")
        #expect(joined.contains("bob_tools:\n  editor: helix   # Bob's own"))
        let system = try #require(report.config.first { $0.role == "config-system" })
        #expect(system.action == .replaced && system.backup != nil)
        #expect(system.note?.contains("added key(s) people: Bob Example, bob_tools") == true, "\(system.note ?? "")")
        let secrets = try #require(report.config.first { $0.role == "config-secrets" })
        #expect(secrets.note?.contains("added variable(s) BOB_API_KEY") == true && secrets.note?.contains("REDIS_PASSWORD") == true, "\(secrets.note ?? "")")
        #expect(!(secrets.note ?? "").contains("bobs-other-pass") && !(secrets.note ?? "").contains("sk-bob"))
        let installedSecrets = try SecretsFile.parse(String(decoding: try #require(contents(first.configDirectory + "/secrets.yml")), as: UTF8.self), path: "s")
        #expect(installedSecrets["REDIS_PASSWORD"] == "p4ss=with=equals" && installedSecrets["BOB_API_KEY"] == "sk-bob-fake-0000")
    }

    @Test func docConflictsAreKeptAndTheIndexCoversEverySnippet() throws {
        let sample = try SampleExport()
        try FileManager.default.createDirectory(atPath: sample.docsDirectory + "/guides", withIntermediateDirectories: true)
        let local = Array("---\nid: guides/release-checklist\ndescription: the admin's own\n---\nlocal\n".utf8)
        _ = FileManager.default.createFile(atPath: sample.docsDirectory + "/guides/release-checklist.md", contents: Data(local))
        _ = FileManager.default.createFile(atPath: sample.docsDirectory + "/team.md",
                                       contents: Data("---\nid: team/oncall\ntype: policy\nscope: global\ndescription: Who is on call\n---\n".utf8))
        let report = try sample.install()
        #expect(report.docsConflicts == [sample.docsDirectory + "/guides/release-checklist.md"])
        #expect(contents(sample.docsDirectory + "/guides/release-checklist.md") == local)
        #expect(report.docsCopied.count == 2)
        #expect(report.indexedSnippets == 3)
        let index = String(decoding: contents(sample.docsDirectory + "/index.yaml") ?? [], as: UTF8.self)
        let entries = try SnippetIndex.survey(root: sample.docsDirectory).entries
        #expect(entries.map(\.id) == ["guides/release-checklist", "reference/git-conventions", "team/oncall"])
        #expect(index.contains("id: team/oncall") && index.contains("path: team.md") && index.contains("visibility: internal"))
        #expect(index.contains("snippets_root: \(sample.docsDirectory)"))

        let replaced = try sample.install(overwriteDocs: true)
        #expect(replaced.docsReplaced == [sample.docsDirectory + "/guides/release-checklist.md"])
        #expect(contents(sample.docsDirectory + "/guides/release-checklist.md") != local)
    }

    @Test("snippets left out of the index are named with the reason, a shared id is said, source_project survives the rebuild")
    func snippetProblemsAreNamed() throws {
        let broken: [(String, String, String)] = [
            ("plain.md", "just text\n", "does not start with a --- line"),
            ("open.md", "---\nid: open\n", "front matter is not closed"),
            ("bad.md", "---\nid: [unclosed\n---\nbody\n", "not valid YAML"),
            ("list.md", "---\n- a\n- b\n---\n", "not a mapping"),
            ("anonymous.md", "---\ndescription: no id here\n---\n", "has no id"),
        ]
        let sample = try SampleExport { installation in
            let docs = installation + "/home/.teleclaude/docs"
            for (name, text, _) in broken { _ = FileManager.default.createFile(atPath: docs + "/" + name, contents: Data(text.utf8)) }
            _ = FileManager.default.createFile(atPath: docs + "/copy.md",
                                           contents: Data("---\nid: reference/git-conventions\n---\nsecond\n".utf8))
            // The archived index says where a snippet came from; front matter does not.
            let index = docs + "/index.yaml"
            let text = try String(contentsOfFile: index, encoding: .utf8)
                .replacingOccurrences(of: "    path: guides/release-checklist.md\n", with: "    path: guides/release-checklist.md\n    source_project: teleclaude-docs\n")
            try text.write(toFile: index, atomically: true, encoding: .utf8)
        }
        let exported = try runTool("tc-export", ["--project-root", sample.installation + "/project", "--docs",
                                                 sample.installation + "/home/.teleclaude/docs", "-o", sample.folder.file("again.tcar")])
        for (name, _, reason) in broken {
            #expect(exported.stderr.contains("/\(name) is not indexed: ") && exported.stderr.contains(reason), "\(name): \(exported.stderr)")
        }
        #expect(exported.stderr.contains("the id reference/git-conventions is declared by copy.md and reference/git-conventions.md"),
                "\(exported.stderr)")
        #expect(!exported.stderr.contains("unclosed"), "the snippet's text is not quoted")

        let report = try sample.install()
        #expect(Set(report.snippetsNotIndexed.map(\.path)) == Set(broken.map(\.0)))
        #expect(report.duplicateSnippetIDs == [.init(id: "reference/git-conventions", paths: ["copy.md", "reference/git-conventions.md"])])
        #expect(report.lines.joined(separator: "\n").contains("bad.md is not indexed: its front matter is not valid YAML"))
        let index = String(decoding: contents(sample.docsDirectory + "/index.yaml") ?? [], as: UTF8.self)
        #expect(index.contains("path: guides/release-checklist.md\n  visibility: internal\n  source_project: teleclaude-docs"), "\(index)")
        // A second rebuild reads it back from the folder's own index.
        _ = try sample.install()
        #expect(String(decoding: contents(sample.docsDirectory + "/index.yaml") ?? [], as: UTF8.self) == index)
    }

    @Test func aSymbolicLinkPlantedInATargetFolderIsRefused() throws {
        let sample = try SampleExport()
        let outside = try TemporaryFolder("tc-outside")
        try FileManager.default.createDirectory(atPath: sample.docsDirectory, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: sample.docsDirectory + "/guides", withDestinationPath: outside.path)
        let result = try runTool("tc-import", sample.installArguments())
        #expect(result.status == 1)
        #expect(result.stderr.contains("refusing to write"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: sample.configDirectory + "/config.yml"))
    }

    @Test("a per-user layer with nowhere to go here is left beside the archive, readable by its user, with the line they run")
    func theUserConfigWaitsBesideTheArchive() throws {
        let sample = try SampleExport()
        var files = ArchiveFiles()
        try ArchiveReader(.file(sample.archive)).read(into: &files)
        var options = sample.installOptions()
        options.userConfig = nil
        // The exporting user exists here (it is us), so point the lookup at a user that does not.
        let report = try FileInstaller(files: files.renamingUser("no-such-user-tc"), options: options).install()
        let user = try #require(report.config.first { $0.role == FileRole.configUser.rawValue })
        let pending = sample.archive + ".user-config.yml"
        #expect(user.action == .pending && user.pending == pending)
        #expect(user.note?.contains("install -D -m 0644 \(pending) ~/.teleclaude/config.yml") == true, "\(user.note ?? "")")
        #expect(String(decoding: contents(pending) ?? [], as: UTF8.self).contains("theme: dark"))
        var info = stat()
        #expect(stat(pending, &info) == 0 && info.st_mode & 0o777 == 0o644)
        #expect(report.summary.contains("2 of 3 config files in place") && report.summary.contains("config-user waiting at \(pending)"), "\(report.summary)")
        let rollback = FileInstaller.rollbackSteps(report).joined(separator: "\n")
        #expect(rollback.contains("rm \(pending)") && rollback.contains("~no-such-user-tc/.teleclaude/config.yml"), "\(rollback)")

        // The archive's own copy, for whoever may read the archive.
        let extracted = sample.folder.file("extracted/config.yml")
        let result = try runTool("tc-import", ["extract", sample.archive, "user-config", "-o", extracted])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(String(decoding: contents(extracted) ?? [], as: UTF8.self).contains("theme: dark"))
        let secret = try runTool("tc-import", ["extract", sample.archive, "secrets", "-o", "-"])
        #expect(secret.status == 1 && secret.stdout.isEmpty)
    }

    @Test func dryRunShowsTheSplitAndWritesNothing() throws {
        let folder = try TemporaryFolder()
        try BundledSample.write(to: folder.path)
        let before = try FileManager.default.subpathsOfDirectory(atPath: folder.path).sorted()
        let result = try runTool("tc-export", ["--project-root", folder.file("project"), "--docs", folder.file("home/.teleclaude/docs"), "--dry-run"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("per-user layer stt, tts, ui, terminal, experiments"))
        #expect(result.stderr.contains("literal secret whatsapp.access_token moved to secrets as ${WHATSAPP_ACCESS_TOKEN}"))
        #expect(result.stderr.contains("nothing was written"))
        #expect(!result.stderr.contains("EAAfake") && !result.stdout.contains("EAAfake"))
        #expect(try FileManager.default.subpathsOfDirectory(atPath: folder.path).sorted() == before)
    }

    @Test func aSymbolicLinkLoopInTheDocsFolderStopsTheExport() throws {
        let folder = try TemporaryFolder()
        try BundledSample.write(to: folder.path)
        try FileManager.default.createSymbolicLink(atPath: folder.file("home/.teleclaude/docs/guides/again"),
                                                   withDestinationPath: folder.file("home/.teleclaude/docs"))
        let result = try runTool("tc-export", ["--project-root", folder.file("project"), "--docs", folder.file("home/.teleclaude/docs"), "-o", folder.file("a.tcar")])
        #expect(result.status == 1)
        #expect(result.stderr.contains("symbolic link loop"))
        #expect(!FileManager.default.fileExists(atPath: folder.file("a.tcar")))
    }

    @Test func exportFailsOnABrokenEnvLineWithoutEchoingIt() throws {
        #expect(throws: ConfigError.self) {
            _ = try SampleExport { root in
                try "GOOD=1\nthis line holds hunter2secret\n".write(toFile: root + "/project/.env", atomically: false, encoding: .utf8)
            }
        }
        let folder = try TemporaryFolder()
        try BundledSample.write(to: folder.path)
        try "GOOD=1\nthis line holds hunter2secret\n".write(toFile: folder.file("project/.env"), atomically: false, encoding: .utf8)
        let result = try runTool("tc-export", ["--project-root", folder.file("project"), "--docs", folder.file("home/.teleclaude/docs"), "-o", folder.file("a.tcar")])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(folder.file("project/.env")), line 2"))
        #expect(!result.stderr.contains("hunter2"))
        #expect(!FileManager.default.fileExists(atPath: folder.file("a.tcar")))
    }
}

extension ArchiveFiles {
    /// The same files with another exporting user in the manifest (for user lookups).
    func renamingUser(_ user: String) throws -> ArchiveFiles {
        var copy = ArchiveFiles()
        var manifest = try #require(self.manifest)
        manifest.source.user = user
        try copy.manifest(manifest, warnings: [])
        for member in members { try copy.file(member.entry, bytes: member.bytes) }
        try copy.end(summary: Summary(tables: []), checksums: ChecksumList(entries: []))
        return copy
    }
}
