import ArgumentParser
import Foundation
import TeleClaudeMigration

public struct TCExport: ParsableCommand {
    public init() {}
    public static let configuration = CommandConfiguration(
        commandName: "tc-export",
        abstract: "Write a verified, versioned archive of a single-user TeleClaude installation.",
        discussion: """
        Run as the user who owns the installation. The database is read in one read-only \
        transaction, so the archive is a consistent snapshot even while the daemon writes; \
        nothing that is read is ever modified.

        Examples:
          tc-export -o teleclaude.tcar                     # from the project root
          tc-export --project-root ~/teleclaude -o /backup/tc.tcar
          tc-export -o - | ssh server tc-import load -     # stream to another host
          SOURCE_DATE_EPOCH=0 tc-export -o a.tcar --json   # reproducible, JSON
          tc-export --dry-run                              # show it, write nothing
          tc-export -T memory_observations -o tc.tcar      # every table but one
          tc-export --events-db /srv/tc/events.db -o tc.tcar
          tc-export --encrypt-to age1... -o - | ssh host tc-import load --identity k -

        The archive also holds config.yml and .env unchanged, the configuration split into \
        the system layer (/etc/teleclaude/config.yml), the secrets layer (secrets.yml: every \
        .env variable plus literal secrets moved out of config.yml as ${VAR}) and the \
        per-user layer (ui, terminal, tts, stt, experiments, interests, thinking_mode, \
        default_agent, notifications), and every file of the doc snippets folder. The split \
        is proven before anything is written: the layers must resolve to the same \
        configuration as config.yml with its .env, or the export fails naming the key paths.

        Exit status: 0 archive written; 1 export failed (nothing at the target path); \
        64 invalid options; 130/143 interrupted (nothing at the target path).
        """,
        version: "tc-export \(Exporter.toolVersion) (writes archive format \(FormatVersion.current))")

    @Option(name: .customLong("project-root"), help: ArgumentHelp("The installation's project root (default: the current folder).", valueName: "DIR"))
    var projectRoot: String?

    @Option(name: .customLong("db"), help: ArgumentHelp("The SQLite database (default: $TELECLAUDE_DB_PATH, database.path in config.yml, <root>/teleclaude.db).", valueName: "PATH"))
    var database: String?

    @Option(help: ArgumentHelp("config.yml (default: <root>/config.yml).", valueName: "PATH"))
    var config: String?

    @Option(help: ArgumentHelp(".env file (default: <root>/.env).", valueName: "PATH"))
    var env: String?

    @Option(help: ArgumentHelp("Doc snippets folder (default: ~/.teleclaude/docs).", valueName: "DIR"))
    var docs: String?

    @Option(name: .customLong("events-db"), help: ArgumentHelp("The event platform's database, archived as the database events (default: ~/.teleclaude/events.db when present).", valueName: "PATH"))
    var eventsDatabase: String?

    @Option(name: .customLong("extra-db"), help: ArgumentHelp("Another SQLite database of the installation, archived under NAME (repeatable); its tables load into the schema NAME unless tc-import --schema-for says otherwise.", valueName: "NAME=PATH"))
    var extraDatabases: [String] = []

    @Option(name: .customLong("encrypt-to"), help: ArgumentHelp("Encrypt the archive with age to this recipient (an age1... X25519 key; repeatable). Decrypt with tc-import --identity, or age -d -i.", valueName: "RECIPIENT"))
    var encryptTo: [String] = []

    @Option(name: .customLong("recipients-file"), help: ArgumentHelp("Encrypt to every recipient in this file, one per line as age reads it (repeatable).", valueName: "FILE"))
    var recipientsFiles: [String] = []

    @Option(name: .customLong("passphrase-file"), help: ArgumentHelp("Encrypt with age to the passphrase on the first line of this file (scrypt; not with --encrypt-to).", valueName: "FILE"))
    var passphraseFile: String?

    @Option(name: .customLong("sign-with"), help: ArgumentHelp("Sign the archive with this Ed25519 SSH private key (without a passphrase), as ssh-keygen -Y sign would, in the namespace tc-archive@teleclaude; zstd only.", valueName: "KEY"))
    var signWith: String?

    @Option(name: [.customShort("t"), .customLong("table")], help: ArgumentHelp("Export only this table (repeatable); the archive names the others as left out.", valueName: "NAME"))
    var tables: [String] = []

    @Option(name: [.customShort("T"), .customLong("exclude-table")], help: ArgumentHelp("Leave this table out (repeatable; wins over -t); the archive names it as left out.", valueName: "NAME"))
    var excludedTables: [String] = []

    @Option(name: .shortAndLong, help: ArgumentHelp("The archive to write, or - for standard output.", valueName: "PATH"))
    var output: String?

    @Flag(name: .customLong("dry-run"), help: "Find the installation, count rows, split the configuration and list the docs; write nothing (no -o needed).")
    var dryRun = false

    @Option(help: ArgumentHelp("Outer compression: zstd, gzip or none.", valueName: Compression.choices))
    var compression: Compression = .zstd

    @Option(help: ArgumentHelp("zstd compression level, 1 (fastest, the default) to 19 (smallest); only with zstd.", valueName: "N"))
    var level: Int?

    @Option(name: .customLong("chunk-bytes"), help: ArgumentHelp("Target size of a table data member (for benchmarks).", visibility: .hidden))
    var chunkBytes: Int = ArchiveLayout.chunkTarget

    @Flag(name: .customLong("no-source-check"), help: "Skip PRAGMA quick_check of each database before it is read (by default a damaged database stops the export, naming it and how to recover).")
    var noSourceCheck = false

    @Flag(help: "Replace an existing file at the output path (atomically, once the new archive is complete).")
    var force = false

    @Flag(name: .shortAndLong, help: "Print only warnings and errors.")
    var quiet = false

    @OptionGroup var logging: LoggingOptions

    @Flag(help: "Print a JSON summary on standard output (standard error when the archive goes to standard output).")
    var json = false

    /// `--extra-db NAME=PATH`, split.
    var extras: [Installation.ExtraDatabase] {
        extraDatabases.map { given in
            let parts = given.split(separator: "=", maxSplits: 1).map(String.init)
            return Installation.ExtraDatabase(name: parts[0], path: parts.count > 1 ? parts[1] : "")
        }
    }

    public func validate() throws {
        if signWith != nil && compression != .zstd {
            throw ValidationError("--sign-with puts the signature in a zstd frame; it goes with --compression zstd (the default)")
        }
        for given in extraDatabases where !given.contains("=") || given.hasPrefix("=") || given.hasSuffix("=") {
            throw ValidationError("--extra-db \(given): give NAME=PATH, e.g. --extra-db metrics=/srv/tc/metrics.db")
        }
        guard output != nil || dryRun else { throw ValidationError("missing -o PATH (or - for standard output), unless --dry-run") }
        if dryRun && output != nil { throw ValidationError("--dry-run writes nothing; leave out -o, or leave out --dry-run to write the archive") }
        if dryRun && force { throw ValidationError("--dry-run writes nothing, so --force has nothing to replace") }
        if let level {
            guard compression == .zstd else { throw ValidationError("--level sets the zstd level; --compression \(compression.rawValue) has no level") }
            guard (1...19).contains(level) else { throw ValidationError("--level must be between 1 and 19") }
        }
        guard (4096...(256 << 20)).contains(chunkBytes) else { throw ValidationError("--chunk-bytes must be between 4096 and 268435456") }
    }

    public func run() throws {
        ProcessSetup.prepare()
        let io = CommandIO.current
        // --json with the archive on standard output: the failure object goes to standard
        // error, where the result's JSON goes too.
        let toErrors = output == "-"
        let console = try io.starting(json: json, archive: output, jsonToErrors: toErrors) { try io.console(quiet: quiet || json, logging: logging) }
        let options = ExportOptions(
            locations: .init(projectRoot: projectRoot, database: database, config: config, env: env, docs: docs,
                             eventsDatabase: eventsDatabase, extraDatabases: extras),
            output: output ?? "-", compression: compression, replaceExisting: force, zstdLevel: level ?? ExportOptions.defaultZstdLevel,
            chunkTarget: chunkBytes, dryRun: dryRun, tables: TableSelection(only: tables, excluded: excludedTables))
        try io.run(console, json: json, archive: output, jsonToErrors: toErrors) {
            var options = options
            options.checkSource = !noSourceCheck
            options.recipients = try Age.recipients(encryptTo, files: recipientsFiles, passphraseFile: passphraseFile)
            options.signer = try signWith.map { path throws(SSHSignature.Failure) in try SSHSignature.SigningKey(contentsOf: path) }
            let result = try Exporter(options: options, console: console).run()
            if json {
                // With the archive on standard output, the JSON goes to standard error.
                let text = try ExportReport.json(result)
                if output == "-" && !dryRun { io.errors(text) } else { io.print(text, terminator: "") }
            } else {
                console.info(ExportReport.text(result))
            }
        }
    }
}
