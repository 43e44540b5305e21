import ArgumentParser
import TCCommands

// tc-export and tc-import in one file, for the release archive (scripts/package links it
// statically and installs it under both names, as hard links: one copy of the Swift runtime,
// Foundation and the C libraries instead of two). The name it is run by picks the command;
// by its own name it takes the command as its first word.
struct TCMigrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tc-migrate",
        abstract: "tc-export and tc-import in one file: run it by either name (the release archive installs both, as links to it), or give the command first.",
        discussion: """
            Examples:
              tc-migrate tc-export -o ~/teleclaude.tcar
              tc-migrate tc-import verify ~/teleclaude.tcar
            """,
        subcommands: [TCExport.self, TCImport.self])
}

switch CommandLine.arguments.first.map({ $0.split(separator: "/").last.map(String.init) ?? $0 }) {
case "tc-export": TCExport.main()
case "tc-import": TCImport.main()
default: TCMigrate.main()
}
