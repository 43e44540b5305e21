import Foundation
import TCCommands
import TCSamples
import Testing
@testable import TeleClaudeMigration

/// The built executables, end to end: exit codes, messages, JSON, pipes and signals.
@Suite("tc-export and tc-import as a user runs them", .timeLimit(.minutes(5)))
struct CommandTests {
    func sample(_ folder: TemporaryFolder) throws -> String {
        try BundledSample.write(to: folder.file("s"))
        return folder.file("s/project")
    }

    @Test("--help explains options, examples and exit codes")
    func help() throws {
        for (tool, arguments) in [("tc-export", ["--help"]), ("tc-import", ["verify", "--help"]), ("tc-import", ["inspect", "--help"])] {
            let result = try runTool(tool, arguments, binary: true)
            #expect(result.status == 0)
            #expect(result.stdout.contains("Examples:"), "\(tool) \(arguments)")
        }
        #expect(try runTool("tc-export", ["--help"]).stdout.contains("Exit status"))
    }

    @Test("every command's help has examples and exit codes, and no example wraps on an 80-column terminal")
    func helpOnEightyColumns() throws {
        let commands: [(String, [String])] = [("tc-export", [])] + ["verify", "inspect", "plan", "load", "install-files", "extract"].map { ("tc-import", [$0]) }
        for (tool, subcommand) in commands {
            let result = try runTool(tool, subcommand + ["--help"], environment: ["COLUMNS": "80"], binary: true)
            #expect(result.status == 0 && result.stdout.contains("Exit status"), "\(tool) \(subcommand)")
            var examples = false
            for line in result.stdout.split(separator: "\n", omittingEmptySubsequences: false) {
                if line == "Examples:" { examples = true; continue }
                if line.isEmpty { examples = false }
                #expect(!examples || line.hasPrefix("  "), "\(tool) \(subcommand): an example wraps: \(line)")
            }
        }
    }

    @Test("a command run in-process prints and exits as the built binary does")
    func inProcessIsTheBinary() throws {
        let folder = try TemporaryFolder()
        try folder.write("README.md", "# not an archive\n")
        for arguments in [["verify", folder.file("README.md")], ["verify", "--json", folder.file("README.md")], ["plan", "--help"],
                          ["load", folder.file("README.md"), "--rejects", "x"], ["nosuch"]] {
            let here = runInProcess(TCImport.self, arguments)
            let binary = try runTool("tc-import", arguments, binary: true)
            #expect(here.status == binary.status && here.stdout == binary.stdout && here.stderr == binary.stderr, "\(arguments)")
        }
    }

    @Test("-q prints the one line that matters; an unknown member is listed one per line with the closest suggested")
    func quietAndMembers() throws {
        let inspected = try runTool("tc-import", ["inspect", FormatVersionTests.fixture, "-q"])
        #expect(inspected.status == 0 && inspected.stdout == "13 tables, 28 rows, 4.1 KB of data\n", "\(inspected.stdout)")
        let folder = try TemporaryFolder()
        let extracted = try runTool("tc-import", ["extract", FormatVersionTests.fixture, "user-confg", "-o", folder.file("x")])
        #expect(extracted.status == 1)
        #expect(extracted.stderr.contains("no member user-confg (did you mean user-config?); it has:\n  "), "\(extracted.stderr)")
        #expect(extracted.stderr.contains("\n  docs/index.yaml\n"))
        #expect(!FileManager.default.fileExists(atPath: folder.file("x")))
        for command in [["verify", "--help"], ["inspect", "--help"], ["plan", "--help"], ["load", "--help"], ["install-files", "--help"], ["extract", "--help"]] {
            #expect(try runTool("tc-import", command).stdout.contains("Exit status:"), "\(command)")
        }
        let planHelp = try runTool("tc-import", ["plan", "--help"]).stdout
        #expect(planHelp.contains("--create-missing-tables") && planHelp.contains("--sql"))
        #expect(planHelp.contains("--config-dir") && planHelp.contains("--skip-files"), "plan checks the destinations load writes, so it takes their options")
        for loadOnly in ["--toast-compression", "--rejects", "--keep-indexes", "--daemon-check", "--verify"] {
            #expect(!planHelp.contains(loadOnly), "plan --help lists \(loadOnly), which only load uses")
        }
    }

    @Test("--json failures are one error object on standard output, with the reason")
    func jsonFailures() throws {
        let folder = try TemporaryFolder()
        try folder.write("README.md", "# not an archive\n")
        for (tool, arguments, reason) in [("tc-import", ["verify", "--json", folder.file("README.md")], "not_an_archive"),
                                          ("tc-import", ["inspect", "--json", folder.file("README.md")], "not_an_archive"),
                                          ("tc-export", ["--db", folder.file("missing.db"), "-o", folder.file("a.tcar"), "--json"], "failed")] {
            let result = try runTool(tool, arguments)
            #expect(result.status == 1, "\(arguments)")
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            let error = object?["error"] as? [String: Any]
            #expect(object?["ok"] as? Bool == false && error?["reason"] as? String == reason && (error?["message"] as? String)?.isEmpty == false,
                    "\(arguments): \(result.stdout)")
        }
    }

    @Test("--version names the tool and the archive format")
    func version() throws {
        let export = try runTool("tc-export", ["--version"])
        #expect(export.status == 0 && export.stdout.contains("tc-export \(Exporter.toolVersion) (writes archive format \(FormatVersion.current))"))
        let load = try runTool("tc-import", ["--version"])
        #expect(load.status == 0 && load.stdout.contains("tc-import \(Exporter.toolVersion) (reads archive format 1.0"), "\(load.stdout)")
    }

    @Test("export, verify and inspect the bundled sample, with --json")
    func roundTrip() throws {
        let folder = try TemporaryFolder()
        let project = try sample(folder)
        let environment = ["HOME": folder.file("s/home")]
        let exported = try runTool("tc-export", ["-o", folder.file("a.tcar"), "--json"], environment: environment, in: project)
        #expect(exported.status == 0, "\(exported.stderr)")
        let summary = try JSONDecoder().decode(ExportResult.self, from: Data(exported.stdout.utf8))
        // teleclaude.db's 13 tables and 28 rows, and events.db's 6 tables (found in the home folder).
        let events = Int64(EventsSample.rowCounts.values.reduce(0, +))
        #expect(summary.tables.count == 19 && summary.rows == 28 + events && summary.compression == .zstd, "\(summary.tables.map(\.name))")
        #expect(summary.databases.map(\.name) == ["main", "events"] && summary.tables.contains { $0.name == "events.notifications" })

        let verified = try runTool("tc-import", ["verify", folder.file("a.tcar")])
        #expect(verified.status == 0)
        #expect(verified.stdout.contains("OK") && verified.stdout.contains("\(Units.count(28 + events)) rows"), "\(verified.stdout)")

        let inspected = try runTool("tc-import", ["inspect", folder.file("a.tcar"), "--json"])
        #expect(inspected.status == 0)
        let report = try JSONDecoder().decode(ArchiveInspector.Report.self, from: Data(inspected.stdout.utf8))
        #expect(report.tables.first { $0.name == "sessions" }?.rows == 4)
        #expect(report.source.paths.env == project + "/.env")

        let text = try runTool("tc-import", ["inspect", folder.file("a.tcar")])
        #expect(text.stdout.contains("sessions") && text.stdout.contains("19 tables, \(Units.count(28 + events)) rows"), "\(text.stdout)")
        #expect(text.stdout.contains("database:  events: \(folder.file("s/home/.teleclaude/events.db"))"))
    }

    @Test("tc-export -o - | tc-import verify - streams through a pipe")
    func pipe() throws {
        let folder = try TemporaryFolder()
        let project = try sample(folder)
        let result = try runTool("sh", ["-c", "'\(builtProducts)/tc-export' -q --project-root '\(project)' -o - | '\(builtProducts)/tc-import' verify -"],
                                 environment: ["HOME": folder.file("s/home")], direct: true)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("standard input: OK"))
    }

    @Test("a missing database exits 1 and names the paths tried")
    func missingDatabase() throws {
        let folder = try TemporaryFolder()
        let result = try runTool("tc-export", ["--project-root", folder.path, "-o", folder.file("a.tcar")], environment: ["HOME": folder.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains(folder.file("teleclaude.db")) && result.stderr.contains("--db"))
        #expect(!FileManager.default.fileExists(atPath: folder.file("a.tcar")))
    }

    @Test("a damaged archive exits 1 with the problem, also as JSON")
    func damaged() throws {
        let folder = try TemporaryFolder()
        let project = try sample(folder)
        _ = try runTool("tc-export", ["-q", "--project-root", project, "-o", folder.file("a.tcar")], environment: ["HOME": folder.file("s/home")])
        var bytes = try #require(contents(folder.file("a.tcar")))
        bytes[bytes.count / 2] ^= 0x40
        _ = FileManager.default.createFile(atPath: folder.file("bad.tcar"), contents: Data(bytes))
        let result = try runTool("tc-import", ["verify", folder.file("bad.tcar")])
        #expect(result.status == 1)
        #expect(result.stderr.contains("does not verify"))
        let json = try runTool("tc-import", ["verify", "--json", folder.file("bad.tcar")])
        #expect(json.status == 1)
        #expect(json.stdout.contains("\"ok\" : false"))
        let invalid = try runTool("tc-export", ["-o", folder.file("x"), "--level", "42"])
        #expect(invalid.status == 64)
    }

    @Test("the archive is owner-only even under umask 000")
    func permissions() throws {
        let folder = try TemporaryFolder()
        let project = try sample(folder)
        let result = try runTool("tc-export", ["-q", "--project-root", project, "-o", folder.file("a.tcar")],
                                 environment: ["HOME": folder.file("s/home")], umask: "000")
        #expect(result.status == 0)
        let mode = try FileManager.default.attributesOfItem(atPath: folder.file("a.tcar"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test("SIGTERM during an export leaves nothing at the target path, not even the partial file")
    func interrupted() throws {
        let folder = try TemporaryFolder()
        try SyntheticInstallation(scale: 0.02).write(to: folder.file("big"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: builtProducts + "/tc-export")
        process.arguments = ["-q", "--project-root", folder.file("big/project"), "-o", folder.file("out/a.tcar"), "--compression", "gzip"]
        process.standardError = FileHandle.nullDevice
        try FileManager.default.createDirectory(atPath: folder.file("out"), withIntermediateDirectories: true)
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning, Date() < deadline,
              try FileManager.default.contentsOfDirectory(atPath: folder.file("out")).isEmpty {
            usleep(2_000)
        }
        #expect(process.isRunning, "the export finished before it could be interrupted; make the database bigger")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 128 + SIGTERM)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("out")).isEmpty)
    }
}
