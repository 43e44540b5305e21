import ArgumentParser
import Foundation
import TeleClaudeMigration

struct Extract: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write one configuration or docs member of a verified archive to a file.",
        discussion: """
        MEMBER is a member path (see `tc-import inspect`) or one of: user-config, \
        system-config, secrets, config (the original config.yml), env (the original .env), \
        split. Members that may hold secrets are written with mode 0600 and never to \
        standard output.

        Examples:
          tc-import extract teleclaude.tcar user-config -o ~/.teleclaude/config.yml
          tc-import extract teleclaude.tcar docs/guides/release-checklist.md -o -

        Exit status: 0 written; 1 no such member, the archive does not verify, or the file \
        cannot be written (nothing is left at the path); 64 invalid options.
        """)

    @Argument(help: ArgumentHelp("The archive file, or - for standard input.", valueName: "ARCHIVE"))
    var archive: String

    @Argument(help: ArgumentHelp("The member to extract.", valueName: "MEMBER"))
    var member: String

    @Option(name: .shortAndLong, help: ArgumentHelp("The file to write, or - for standard output.", valueName: "PATH"))
    var output: String

    @Flag(help: "Replace an existing file (atomically).")
    var force = false

    @OptionGroup var keys: KeyOptions

    func run() throws {
        let io = CommandIO.current
        let keys = try keys.read(archive: archive)
        ProcessSetup.prepare()
        try io.run(try io.console(quiet: false)) {
            if let bytes = try MemberExtractor(archive: ArchiveSource(argument: archive), keys: keys, member: member, output: output,
                                               replaceExisting: force).run() {
                io.bytes(bytes)
            }
        }
    }
}
