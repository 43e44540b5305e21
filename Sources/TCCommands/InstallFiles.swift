import ArgumentParser
import Foundation
import TeleClaudeMigration

struct InstallFiles: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install-files",
        abstract: "Install an archive's configuration layers and doc snippets, without any database.",
        discussion: """
        Verifies the whole archive first. Then checks every destination: a config file that \
        exists with other content stops the install before anything is written (unless \
        --overwrite-config). Files are written atomically; identical files are left alone; \
        a doc snippet that differs is kept and reported as a conflict. The snippet index is \
        rebuilt from every snippet in --docs-dir. Finally the installed layers are loaded, \
        merged and resolved, and must equal the archived config.yml with its .env.

        Examples:
          tc-import install-files teleclaude.tcar
          tc-import install-files tc.tcar --config-dir /tmp/etc --docs-dir /tmp/docs
          tc-import install-files teleclaude.tcar --overwrite-config --json

        Exit status: 0 installed and validated; 1 nothing installed (conflict, unsafe path, \
        invalid archive) or validation failed; 64 invalid options.
        """)

    @OptionGroup var archive: ArchiveArgument
    @OptionGroup var install: InstallArguments

    func run() throws {
        try archive.start { io, console, keys in
            try io.run(console, json: archive.json, archive: archive.archive) {
                var files = ArchiveFiles()
                try ArchiveReader(archive.source, keys: keys).read(into: &files)
                let report = try FileInstaller(files: files, options: install.options(archive: archive.source)).install()
                io.print(archive.json ? try ImportReport.json(report) : Console.printable((["installed:"] + report.lines).joined(separator: "\n")),
                         terminator: archive.json ? "" : "\n")
            }
        }
    }
}
