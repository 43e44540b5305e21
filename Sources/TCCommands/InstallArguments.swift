import ArgumentParser
import Foundation
import TeleClaudeMigration

struct InstallArguments: ParsableArguments {
    @Option(name: .customLong("config-dir"), help: ArgumentHelp("Where config.yml (0640) and secrets.yml (0600), owned by --service-user, go (default: \(InstallOptions.defaultConfigDirectory)).", valueName: "DIR"))
    var configDirectory: String?

    @Option(name: .customLong("docs-dir"), help: ArgumentHelp("Where the shared doc snippets and their rebuilt index.yaml go (default: \(InstallOptions.defaultDocsDirectory)).", valueName: "DIR"))
    var docsDirectory: String?

    @Option(name: .customLong("user-config"), help: ArgumentHelp("Where the per-user layer goes, owned by the migrating user (default: their ~/.teleclaude/config.yml when absent and writable, else the command to run is printed).", valueName: "PATH"))
    var userConfig: String?

    @Option(name: .customLong("service-user"), help: ArgumentHelp("The user the system daemon runs as: owner of config.yml and secrets.yml (default: teleclaude when that user exists, else the user running tc-import).", valueName: "NAME"))
    var serviceUser: String?

    @Flag(name: .customLong("overwrite-config"), help: "Replace config files that exist with other content; each old file is kept as PATH.<UTC time>.bak.")
    var overwriteConfig = false

    @Flag(name: .customLong("overwrite-docs"), help: "Replace doc snippets that exist with other content (default: keep them and report a conflict).")
    var overwriteDocs = false

    /// The options given on the command line, by name (for usage errors).
    var given: [String] {
        [(configDirectory != nil, "--config-dir"), (docsDirectory != nil, "--docs-dir"), (userConfig != nil, "--user-config"),
         (serviceUser != nil, "--service-user"), (overwriteConfig, "--overwrite-config"), (overwriteDocs, "--overwrite-docs")]
            .filter(\.0).map(\.1)
    }

    /// Checked while parsing, so a service user that cannot own the files is a usage error (64).
    func validate() throws {
        do {
            _ = try InstallOwners.resolve(serviceUser: serviceUser)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func options(archive: String) -> InstallOptions {
        var options = InstallOptions(configDirectory: configDirectory ?? InstallOptions.defaultConfigDirectory,
                                     docsDirectory: docsDirectory ?? InstallOptions.defaultDocsDirectory, userConfig: userConfig,
                                     overwriteConfig: overwriteConfig, overwriteDocs: overwriteDocs, archivePath: archive)
        options.owners = (try? InstallOwners.resolve(serviceUser: serviceUser)) ?? .currentUser  // validate() refused a failure
        return options
    }
}

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
        try archive.start { io, console in
            try io.run(console, json: archive.json, archive: archive.archive) {
                var files = ArchiveFiles()
                try ArchiveReader(path: archive.archive).read(into: &files)
                let report = try FileInstaller(files: files, options: install.options(archive: archive.archive)).install()
                io.print(archive.json ? try ImportReport.json(report) : Console.printable((["installed:"] + report.lines).joined(separator: "\n")),
                         terminator: archive.json ? "" : "\n")
            }
        }
    }
}

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
        try keys.with(archive: archive) { try runWithKeys() }
    }

    private func runWithKeys() throws {
        ProcessSetup.prepare()
        let io = CommandIO.current
        try io.run(try io.console(quiet: false)) {
            if let bytes = try MemberExtractor(archive: archive, member: member, output: output, replaceExisting: force).run() {
                io.bytes(bytes)
            }
        }
    }
}
