import ArgumentParser
import Foundation
import TeleClaudeMigration

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what an archive holds: source, tables, row counts, sizes, config and docs members.",
        discussion: """
        Examples:
          tc-import inspect teleclaude.tcar
          tc-import inspect teleclaude.tcar --json | jq '.tables[] | select(.rows > 0)'

        Exit status: 0 shown; 1 the archive's manifest cannot be read; 64 invalid options.
        """)

    @OptionGroup var options: ArchiveArgument

    func run() throws {
        try options.start(quietWithJSON: false, reportSignature: true) { io, console, keys in
            try io.run(console, failing: "cannot inspect \(options.archive): ", json: options.json, archive: options.archive) {
                let report = try ArchiveInspector(options.source, keys: keys).run()
                report.warnings.forEach { console.warning($0) }
                let text = ArchiveInspector.render(report)
                // -q: the one line of totals.
                let shown = options.quiet ? (text.split(separator: "\n").first { $0.contains(" tables, ") }.map { $0 + "\n" } ?? text) : text
                io.print(options.json ? try ImportReport.json(report) : Console.printable(shown), terminator: "")
            }
        }
    }
}
