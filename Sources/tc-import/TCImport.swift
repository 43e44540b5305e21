import ArgumentParser
import Foundation
import TeleClaudeMigration

@main
struct TCImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tc-import",
        abstract: "Check and load a TeleClaude migration archive written by tc-export.",
        discussion: """
        Exit status: 0 success; 1 the archive is invalid or the command failed; 64 invalid options.
        """,
        subcommands: [Verify.self, Inspect.self])
}

struct ArchiveArgument: ParsableArguments {
    @Argument(help: ArgumentHelp("The archive file, or - for standard input.", valueName: "ARCHIVE"))
    var archive: String

    @Flag(name: .shortAndLong, help: "Print only the result line and errors.")
    var quiet = false

    @Flag(help: "Print the result as JSON on standard output.")
    var json = false
}

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
        """)

    @OptionGroup var options: ArchiveArgument

    func run() throws {
        ProcessSetup.prepare()
        let console = Console(quiet: options.quiet || options.json)
        do {
            let result = try ArchiveVerifier(path: options.archive, console: console).run()
            result.warnings.forEach { console.warning($0) }
            if options.json {
                print(try ImportReport.json(result), terminator: "")
            } else {
                print(ImportReport.text(result))
            }
        } catch {
            if options.json {
                print(ImportReport.jsonFailure(archive: options.archive, error: error), terminator: "")
            }
            console.error("\(options.archive) does not verify: \(error)")
            throw ExitCode.failure
        }
    }
}

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what an archive holds: source, tables, row counts, sizes, config and docs members.",
        discussion: """
        Examples:
          tc-import inspect teleclaude.tcar
          tc-import inspect teleclaude.tcar --json | jq '.tables[] | select(.rows > 0)'
        """)

    @OptionGroup var options: ArchiveArgument

    func run() throws {
        ProcessSetup.prepare()
        let console = Console(quiet: options.quiet)
        do {
            let report = try ArchiveInspector(path: options.archive).run()
            report.warnings.forEach { console.warning($0) }
            if options.json {
                print(try ImportReport.json(report), terminator: "")
            } else {
                print(ArchiveInspector.render(report), terminator: "")
            }
        } catch {
            console.error("cannot inspect \(options.archive): \(error)")
            throw ExitCode.failure
        }
    }
}
