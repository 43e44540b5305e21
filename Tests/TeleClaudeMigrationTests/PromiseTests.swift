import Foundation
import TCSamples
import Testing
@testable import TeleClaudeMigration

/// Users made for a test with `useradd` (the tests run as root, as CI does), removed again.
final class TestUsers {
    private(set) var names: [String] = []

    /// A user whose home is `home` (made and given to them when not nil).
    func add(home: String? = nil) throws -> (name: String, uid: uid_t, gid: gid_t) {
        try #require(geteuid() == 0, "this test makes users with useradd and needs root; scripts/test runs as root in CI")
        let name = "tct" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(8).lowercased()
        var arguments = ["-M", "-s", "/bin/sh", "-U"]
        if let home { arguments += ["-d", home] }
        let result = try runTool("/usr/sbin/useradd", arguments + [name], direct: true)
        try #require(result.status == 0, "useradd: \(result.stderr)")
        names.append(name)
        let entry = try #require(getpwnam(name))
        if let home {
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
            chown(home, entry.pointee.pw_uid, entry.pointee.pw_gid)
        }
        return (name, entry.pointee.pw_uid, entry.pointee.pw_gid)
    }

    deinit {
        for name in names { _ = try? runTool("/usr/sbin/userdel", [name], direct: true) }
    }
}

func owner(_ path: String) -> (uid: uid_t, gid: gid_t)? {
    var info = stat()
    return stat(path, &info) == 0 ? (info.st_uid, info.st_gid) : nil
}

/// A copy of a built tool that any user can run (the build folder may be private).
func toolCopy(_ name: String, in folder: TemporaryFolder) throws -> String {
    let copy = folder.file("bin/" + name)
    if !FileManager.default.fileExists(atPath: copy) {
        try FileManager.default.createDirectory(atPath: folder.file("bin"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: builtProducts + "/" + name, toPath: copy)
    }
    chmod(folder.path, 0o755)
    chmod(folder.file("bin"), 0o755)
    chmod(copy, 0o755)
    return copy
}

/// Gives every file below `path` to a user.
func chownTree(_ path: String, _ uid: uid_t, _ gid: gid_t) {
    chown(path, uid, gid)
    for entry in FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? [] {
        chown(path + "/" + entry, uid, gid)
    }
}

@Suite("Inputs that exist but cannot be read stop the export", .timeLimit(.minutes(5)))
struct UnreadableInputTests {
    enum Damage: String, CaseIterable, CustomTestStringConvertible {
        case envUnreadable, configUnreadable, docsUnreadable, envNotUTF8, configIsAFolder
        var testDescription: String { rawValue }
    }

    @Test("the export fails naming the file, the reason and the user, and writes nothing", arguments: Damage.allCases)
    func unreadable(_ damage: Damage) throws {
        let folder = try TemporaryFolder()
        chmod(folder.path, 0o755)
        try BundledSample.write(to: folder.file("s"))
        let project = folder.file("s/project"), docs = folder.file("s/home/.teleclaude/docs")
        let users = TestUsers()
        let user = try users.add()
        chownTree(folder.file("s"), user.uid, user.gid)
        let reason: String
        let path: String
        switch damage {
        case .envUnreadable: (path, reason) = (project + "/.env", "Permission denied")
        case .configUnreadable: (path, reason) = (project + "/config.yml", "Permission denied")
        case .docsUnreadable: (path, reason) = (docs, "Permission denied")
        case .envNotUTF8: (path, reason) = (project + "/.env", "not valid UTF-8 (the first invalid byte is at offset 4)")
        case .configIsAFolder: (path, reason) = (project + "/config.yml", "not a regular file")
        }
        switch damage {
        case .envUnreadable, .configUnreadable, .docsUnreadable:
            chown(path, 0, 0)
            chmod(path, 0)
        case .envNotUTF8:
            _ = FileManager.default.createFile(atPath: path, contents: Data([0x41, 0x3D, 0x31, 0x0A, 0xC3, 0x28, 0x0A]))
        case .configIsAFolder:
            try FileManager.default.removeItem(atPath: path)
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        }
        let output = folder.file("out/a.tcar")
        try FileManager.default.createDirectory(atPath: folder.file("out"), withIntermediateDirectories: true)
        chown(folder.file("out"), user.uid, user.gid)
        let tool = try toolCopy("tc-export", in: folder)
        let result = try runTool("/usr/sbin/runuser", ["-u", user.name, "--", "env", "HOME=" + folder.file("s/home"), tool,
                                                       "--project-root", project, "-o", output], direct: true)
        #expect(result.status == 1, "\(damage): \(result.stderr)")
        #expect(result.stderr.contains(path) && result.stderr.contains(reason) && result.stderr.contains(user.name), "\(result.stderr)")
        #expect(!result.stderr.contains("warning: no "), "an unreadable part is not a missing one: \(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("out")).isEmpty)
    }

    @Test("a part that is missing stays a warning")
    func missing() throws {
        let folder = try TemporaryFolder()
        try BundledSample.write(to: folder.file("s"))
        try FileManager.default.removeItem(atPath: folder.file("s/project/.env"))
        let result = try runTool("tc-export", ["--project-root", folder.file("s/project"), "-o", folder.file("a.tcar")],
                                 environment: ["HOME": folder.file("s/home")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("no .env at"))
    }
}

@Suite("Installed files belong to the right users", .timeLimit(.minutes(5)))
struct ServiceUserTests {
    @Test("config and secrets go to --service-user (0640/0600), the per-user file and its folder to the migrating user")
    func owners() throws {
        let folder = try TemporaryFolder()
        chmod(folder.path, 0o755)
        let users = TestUsers()
        let service = try users.add()
        let migrating = try users.add(home: folder.file("home-of-migrating"))
        try BundledSample.write(to: folder.file("s"))
        chownTree(folder.file("s"), migrating.uid, migrating.gid)
        try FileManager.default.createDirectory(atPath: folder.file("out"), withIntermediateDirectories: true)
        chown(folder.file("out"), migrating.uid, migrating.gid)
        // Exported as the migrating user, so the manifest names them.
        let exported = try runTool("/usr/sbin/runuser", ["-u", migrating.name, "--", "env", "HOME=" + folder.file("s/home"),
                                                         try toolCopy("tc-export", in: folder), "--project-root", folder.file("s/project"),
                                                         "-o", folder.file("out/a.tcar")], direct: true)
        try #require(exported.status == 0, "\(exported.stderr)")
        let etc = folder.file("etc/teleclaude")
        let result = try runTool("tc-import", ["install-files", folder.file("out/a.tcar"), "--config-dir", etc, "--docs-dir", folder.file("docs"),
                                               "--service-user", service.name])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(owner(etc + "/config.yml")! == (service.uid, service.gid) && mode(etc + "/config.yml") == 0o640)
        #expect(owner(etc + "/secrets.yml")! == (service.uid, service.gid) && mode(etc + "/secrets.yml") == 0o600)
        let user = folder.file("home-of-migrating/.teleclaude/config.yml")
        #expect(owner(user)! == (migrating.uid, migrating.gid) && mode(user) == 0o644, "\(result.stdout)")
        #expect(owner(folder.file("home-of-migrating/.teleclaude"))! == (migrating.uid, migrating.gid))

        let unknown = try runTool("tc-import", ["install-files", folder.file("out/a.tcar"), "--service-user", "no-such-user-tc"])
        #expect(unknown.status == 64 && unknown.stderr.contains("no-such-user-tc"), "\(unknown.stderr)")
    }
}

@Suite("Exit status, usage errors and what is checked before BEGIN", .timeLimit(.minutes(5)))
struct LoadPromiseTests {
    func loadArguments(_ archive: String, _ schema: TestServer.Schema, _ extra: [String]) -> [String] {
        ["load", archive, "--database-url", schema.url, "--schema", schema.name, "--owner-person", "Maurice Faber"] + extra
    }

    @Test("conflicting or invalid options exit 64 before anything is read", arguments: [
        ["tc-export", "--dry-run", "-o", "/tmp/never.tcar"],
        ["tc-export", "-o", "/tmp/never.tcar", "--compression", "gzip", "--level", "19"],
        ["tc-import", "load", "/tmp/none.tcar", "--rejects", "/tmp/r.ndjson"],
        ["tc-import", "load", "/tmp/none.tcar", "--skip-files", "--config-dir", "/tmp/etc"],
        ["tc-import", "load", "/tmp/none.tcar", "--naive-timezone", "Mars/Olympus_Mons"],
        ["tc-import", "load", "/tmp/none.tcar", "--owner-person-unlisted"],
        ["tc-import", "plan", "/tmp/none.tcar", "--naive-timezone", "Nowhere"],
    ])
    func usage(_ command: [String]) throws {
        let result = try runTool(command[0], Array(command.dropFirst()))
        #expect(result.status == 64, "\(command): \(result.status) \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never.tcar"))
    }

    @Test("a load that committed but rejected rows exits 2 and counts them per table on the last line")
    func rejectedRowsExit2() throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder, keepOrphan: true)
        let schema = try TestServer.Schema()
        let result = try runTool("tc-import", loadArguments(archive, schema, ["--on-error", "reject", "--rejects", folder.file("r.ndjson"), "--skip-files"]))
        #expect(result.status == 2, "\(result.stderr)")
        let last = result.stderr.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.contains("rejected rows") && last.contains("conversation_link_members 1"), "\(last)")
        #expect(try schema.counts()["sessions"] == 4)
        // Every row loaded: 0.
        let clean = try TestServer.Schema()
        let other = try TemporaryFolder()
        let ok = try runTool("tc-import", loadArguments(try PostgresLoadTests.sampleArchive(other), clean, ["--skip-files"]))
        #expect(ok.status == 0, "\(ok.stderr)")
    }

    @Test("a destination written after COMMIT that cannot be written stops the load before BEGIN", arguments: ["report", "docs", "rejects"])
    func destinationsCheckedBeforeBegin(_ which: String) throws {
        let sample = try SampleExport()
        let schema = try TestServer.Schema()
        let folder = sample.folder
        _ = FileManager.default.createFile(atPath: folder.file("plain-file"), contents: Data("x".utf8))
        _ = FileManager.default.createFile(atPath: folder.file("old-rejects.ndjson"), contents: Data("earlier rows\n".utf8))
        var extra = ["--config-dir", sample.configDirectory, "--user-config", sample.userConfig]
        switch which {
        case "report": extra += ["--docs-dir", sample.docsDirectory, "--report-json", folder.file("no/such/folder/report.json")]
        case "docs": extra += ["--docs-dir", folder.file("plain-file/docs")]
        default: extra += ["--docs-dir", sample.docsDirectory, "--on-error", "reject", "--rejects", folder.file("old-rejects.ndjson")]
        }
        let result = try runTool("tc-import", loadArguments(sample.archive, schema, extra))
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains(which == "report" ? "--report-json" : which == "docs" ? "plain-file is not a folder" : "old-rejects.ndjson"),
                "\(result.stderr)")
        #expect(!result.stderr.contains("NSCocoaErrorDomain") && !result.stderr.contains("Error Domain"))
        #expect(try schema.counts().values.allSatisfy { $0 == 0 })
        #expect(!FileManager.default.fileExists(atPath: sample.configDirectory))
        #expect(String(decoding: contents(folder.file("old-rejects.ndjson")) ?? [], as: UTF8.self) == "earlier rows\n")
    }

    @Test("a failure after COMMIT still prints the report, names it, and the rollback steps cover every file written")
    func failureAfterCommit() throws {
        let sample = try SampleExport { root in
            try makeDatabase(root + "/project/teleclaude.db", wal: false, ["DELETE FROM conversation_link_members WHERE link_id = 'link-0000'"]).close()
            // A doc too large for the file-size limit below: config files go in, then it fails.
            try String(repeating: "A line of a long snippet.\n", count: 400)
                .write(toFile: root + "/home/.teleclaude/docs/zz-large.md", atomically: false, encoding: .utf8)
        }
        let schema = try TestServer.Schema()
        let result = try runTool("tc-import", loadArguments(sample.archive, schema, [
            "--config-dir", sample.configDirectory, "--docs-dir", sample.docsDirectory, "--user-config", sample.userConfig,
        ]), limitFileSize: 4)
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stdout.contains("check FAILED: configuration and docs installed") && result.stdout.contains("To roll back:"), "\(result.stdout)")
        #expect(try schema.counts()["sessions"] == 4)
        var written: [String] = []
        for root in [sample.configDirectory, sample.docsDirectory, (sample.userConfig as NSString).deletingLastPathComponent] {
            for entry in FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? [] {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: root + "/" + entry, isDirectory: &isDirectory), !isDirectory.boolValue {
                    written.append(root + "/" + entry)
                }
            }
        }
        #expect(written.count >= 4, "\(written)")  // three config files and a snippet at least
        let steps = try #require(result.stdout.range(of: "To roll back:").map { result.stdout[$0.upperBound...] })
        for path in written { #expect(steps.contains(path), "the rollback steps leave out \(path)") }
    }

    @Test("--if-exists replace empties every archive table in one statement, and refuses to touch tables outside the archive")
    func replaceAndForeignKeys() throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder)
        let schema = try TestServer.Schema()
        func load() throws -> CommandResult { try runTool("tc-import", loadArguments(archive, schema, ["--if-exists", "replace", "--skip-files"])) }
        #expect(try load().status == 0)
        // sessions has rows, session_tokens (which references it) none.
        try schema.connection.execute("DELETE FROM \(schema.name).session_tokens")
        let again = try load()
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try schema.counts()["sessions"] == 4 && schema.counts()["session_tokens"]! > 0)

        try schema.connection.execute("CREATE TABLE \(schema.name).audit_notes (session_id text REFERENCES \(schema.name).sessions (session_id))")
        try schema.connection.execute("DELETE FROM \(schema.name).sessions WHERE session_id LIKE '7f3c%'")
        let before = try schema.counts()
        let refused = try load()
        #expect(refused.status == 1 && refused.stderr.contains("audit_notes") && refused.stderr.contains("never cascades"), "\(refused.stderr)")
        #expect(try schema.counts() == before)
    }

    @Test("--owner-person must name a person of the archived people: list")
    func ownerChecked() throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder)
        let schema = try TestServer.Schema()
        var options = LoadOptions(archive: .file(archive), databaseURL: schema.url, schema: schema.name, ownerPerson: "Nobody Known")
        #expect {
            _ = try Loader(options: options, console: MessageLog().console).run()
        } throws: { error in
            "\(error)".contains("Nobody Known is not a name in the archived people: list (Maurice Faber, Ada Example)")
                && "\(error)".contains("--owner-person-unlisted")
        }
        #expect(try schema.counts().values.allSatisfy { $0 == 0 })
        options.ownerPersonUnlisted = true
        _ = try Loader(options: options, console: MessageLog().console).run()
        #expect(try schema.value("SELECT count(*) FROM \(schema.name).sessions WHERE owner_person = 'Nobody Known'") == "4")
    }
}
