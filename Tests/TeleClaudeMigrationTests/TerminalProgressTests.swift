import Foundation
import Testing
@testable import TeleClaudeMigration

/// Progress as a user sees it on a terminal: the built tools run under a pseudo-terminal
/// (`script`), so standard error is a tty as it is for a person.
@Suite("Progress on a terminal", .timeLimit(.minutes(5)))
struct TerminalProgressTests {
    /// The command's terminal output (standard output and error, as the terminal shows them).
    func underTerminal(_ tool: String, _ arguments: [String]) throws -> CommandResult {
        let quoted = ([builtProducts + "/" + tool] + arguments).map(FileInstaller.shellQuoted)
        return try runTool("script", ["-qfec", quoted.joined(separator: " "), "/dev/null"], direct: true)
    }

    /// The lines the terminal was given to redraw in place (after `\r` and erase-line).
    func redrawn(_ output: String) -> [String] {
        output.components(separatedBy: "\r\u{1B}[2K").dropFirst().map { $0.components(separatedBy: "\n").first ?? "" }.filter { !$0.isEmpty }
    }

    @Test("load draws phase, table, rows of the total, percentage and rate on one redrawn line; -q and --progress none draw nothing; export draws too")
    func loadAndExportDrawOnATerminal() throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder)
        let schema = try TestServer.Schema()
        let load = ["load", archive, "-d", schema.url, "--schema", schema.name, "--owner-person", "Maurice Faber", "--skip-files"]

        let shown = try underTerminal("tc-import", load)
        #expect(shown.status == 0, "\(shown.stdout)")
        let lines = redrawn(shown.stdout)
        #expect(lines.contains { $0.hasPrefix("COPY sessions: 0/4 rows | ") && $0.contains("/27 rows (") && $0.contains("%), ") && $0.contains("/s") },
                "\(lines)")
        for phase in ["read-back sessions:", "keys, counts, sequences and owners", "COMMIT"] {
            #expect(lines.contains { $0.hasPrefix(phase) }, "\(phase) in \(lines)")
        }
        #expect(shown.stdout.contains("committed: "), "the report follows the cleared line")

        for quiet in [["-q"], ["--progress", "none"]] {
            let again = try underTerminal("tc-import", load + ["--if-exists", "replace"] + quiet)
            #expect(again.status == 0 && redrawn(again.stdout).isEmpty, "\(quiet): \(again.stdout)")
        }

        let exported = try underTerminal("tc-export", ["--db", folder.file("s/project/teleclaude.db"), "-o", folder.file("b.tcar")])
        #expect(exported.status == 0, "\(exported.stdout)")
        #expect(!redrawn(exported.stdout).isEmpty, "\(exported.stdout)")
    }
}
