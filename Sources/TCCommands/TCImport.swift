import ArgumentParser
import Foundation
import TeleClaudeMigration


public struct TCImport: ParsableCommand {
    public init() {}
    public static let configuration = CommandConfiguration(
        commandName: "tc-import",
        abstract: "Check and load a TeleClaude migration archive written by tc-export.",
        discussion: """
        Exit status: 0 success; 1 the archive is invalid or the command failed, nothing \
        changed; 64 invalid options. load also: 2 committed, with rejected rows; 3 \
        committed, but a step after COMMIT failed; 4 whether COMMIT went through is not \
        known (the connection failed during it; the query that tells is printed). \
        130/143 interrupted, nothing changed.
        """,
        version: "tc-import \(Exporter.toolVersion) (reads archive format \(FormatVersion.current.major).0 to \(FormatVersion.current))",
        subcommands: [Verify.self, Inspect.self, Plan.self, Load.self, InstallFiles.self, Extract.self])
}

struct ArchiveArgument: ParsableArguments {
    @Argument(help: ArgumentHelp("The archive file, or - for standard input.", valueName: "ARCHIVE"))
    var archive: String

    @Flag(name: .shortAndLong, help: "Print only the result line and errors.")
    var quiet = false

    @Flag(help: "Print the result as JSON on standard output.")
    var json = false

    @OptionGroup var logging: LoggingOptions
    @OptionGroup var keys: KeyOptions

    var source: ArchiveSource { ArchiveSource(argument: archive) }
}
