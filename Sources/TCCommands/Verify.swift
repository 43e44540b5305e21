import ArgumentParser
import Foundation
import TeleClaudeMigration

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check an archive completely, without any database.",
        discussion: """
        Checks the format version, every member's name, order and checksum, every row's \
        encoding and column count, and every row count. Names the first problem found.

        Examples:
          tc-import verify teleclaude.tcar
          ssh oldhost tc-export -o - | tc-import verify -
          tc-import verify teleclaude.tcar --json

        Exit status: 0 the archive verifies; 1 it does not (the first problem is named), or it cannot be read; 64 invalid options.
        """)

    @OptionGroup var options: ArchiveArgument

    func run() throws {
        try options.start { io, console, keys in
            do {
                let result = try ArchiveVerifier(options.source, keys: keys, console: console).run()
                result.warnings.forEach { console.warning($0) }
                io.print(options.json ? try ImportReport.json(result) : Console.printable(ImportReport.text(result)), terminator: options.json ? "" : "\n")
            } catch {
                try io.run(console, failing: "\(options.archive) does not verify: ", json: options.json, archive: options.archive) { throw error }
            }
        }
    }
}
