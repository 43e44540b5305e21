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
        committed, but a step after COMMIT failed. 130/143 interrupted, nothing changed.
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

        Exit status: 0 the archive verifies; 1 it does not (the first problem is named), or it cannot be read; 64 invalid options.
        """)

    @OptionGroup var options: ArchiveArgument

    func run() throws {
        try options.start { io, console in
            do {
                let result = try ArchiveVerifier(path: options.archive, console: console).run()
                result.warnings.forEach { console.warning($0) }
                io.print(options.json ? try ImportReport.json(result) : Console.printable(ImportReport.text(result)), terminator: options.json ? "" : "\n")
            } catch {
                try io.run(console, failing: "\(options.archive) does not verify: ", json: options.json, archive: options.archive) { throw error }
            }
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

        Exit status: 0 shown; 1 the archive's manifest cannot be read; 64 invalid options.
        """)

    @OptionGroup var options: ArchiveArgument

    func run() throws {
        try options.start(quietWithJSON: false, reportSignature: true) { io, console in
            try io.run(console, failing: "cannot inspect \(options.archive): ", json: options.json, archive: options.archive) {
                let report = try ArchiveInspector(path: options.archive).run()
                report.warnings.forEach { console.warning($0) }
                let text = ArchiveInspector.render(report)
                // -q: the one line of totals.
                let shown = options.quiet ? (text.split(separator: "\n").first { $0.contains(" tables, ") }.map { $0 + "\n" } ?? text) : text
                io.print(options.json ? try ImportReport.json(report) : Console.printable(shown), terminator: "")
            }
        }
    }
}

struct DatabaseOptions: ParsableArguments {
    @Option(name: [.customShort("d"), .customLong("database-url")], help: ArgumentHelp("A libpq connection string or URI (default: libpq's PG* variables, local socket, peer authentication).", valueName: "URL"))
    var databaseURL = ""

    @Option(help: ArgumentHelp("Target schema of the main database (default: the connection's current_schema()).", valueName: "NAME"))
    var schema: String?

    @Option(name: .customLong("schema-for"), help: ArgumentHelp("Target schema of another database of the archive (default: a schema named like the database, e.g. events).", valueName: "DATABASE=SCHEMA"))
    var schemaFor: [String] = []

    @Option(name: .customLong("skip-column"), help: ArgumentHelp("Leave out an archive column that has no target column.", valueName: "TABLE.COLUMN"))
    var skipColumns: [String] = []

    @Option(name: .customLong("allow-change"), help: ArgumentHelp("Accept values of this column that their conversion changes (rounded to real or to a numeric scale, time of day dropped, padded or cut text, duplicate JSON keys); by default each is refused and named. Accepted changes are counted in the report.", valueName: "TABLE.COLUMN"))
    var allowChange: [String] = []

    @Option(name: .customLong("if-exists"), help: "When target tables already hold rows: fail (default), replace (empty them inside the transaction) or merge (insert only rows whose primary key is absent: the incremental re-run).")
    var ifExists: IfExistsChoice = .fail

    @Option(name: .customLong("on-error"), help: "What a row that cannot be loaded (a value that does not convert, an orphan) does: rollback (default: list every problem, change nothing) or reject (load the rest, write each such row whole to the rejects file).")
    var onError: OnErrorChoice = .rollback

    @Option(name: [.customShort("t"), .customLong("table")], help: ArgumentHelp("Load only this archive table (repeatable). The others are still read and verified, and the report lists them as left out.", valueName: "NAME"))
    var tables: [String] = []

    @Option(name: [.customShort("T"), .customLong("exclude-table")], help: ArgumentHelp("Leave this archive table out of the load (repeatable; wins over -t).", valueName: "NAME"))
    var excludedTables: [String] = []

    @Option(name: .customLong("owner-person"), help: ArgumentHelp("The person who owns sessions without an owner (default: the people: entry of the archived config.yml whose username is the exporting user).", valueName: "NAME"))
    var ownerPerson: String?

    @Flag(name: .customLong("create-missing-tables"), help: "Create archive tables the target lacks from their SQLite schema (type mapping in the README), inside the transaction: keys, defaults and unique constraints first, indexes and foreign keys after the data.")
    var createMissingTables = false

    @Flag(name: .customLong("declared-types"), help: "Tables --create-missing-tables creates get the type their SQLite declared type maps to, even where the column holds values that type would refuse (by default the type is chosen from the storage classes the column holds, which takes one extra read of the archive file).")
    var declaredTypes = false

    @Flag(name: .customLong("add-ownership-columns"), help: "Add owner_person and owner_uid to the target sessions table when it lacks them (inside the transaction).")
    var addOwnershipColumns = false

    @Flag(name: .customLong("owner-person-unlisted"), help: "Accept an --owner-person that is not a name in the archived people: list (by default such a name is refused before BEGIN).")
    var ownerPersonUnlisted = false

    func validate() throws {
        for given in schemaFor where given.split(separator: "=", omittingEmptySubsequences: false).count != 2 || given.hasPrefix("=") || given.hasSuffix("=") {
            throw ValidationError("--schema-for \(given): give DATABASE=SCHEMA, e.g. --schema-for events=teleclaude_events")
        }
        if ownerPersonUnlisted && ownerPerson == nil {
            throw ValidationError("--owner-person-unlisted goes with --owner-person NAME")
        }
    }

    /// The load options these set (`plan` needs no more; `load` adds `LoadOnlyOptions`).
    func loadOptions(archive: String) -> LoadOptions {
        var options = LoadOptions(archive: archive, databaseURL: databaseURL, schema: schema,
                                  ifExists: LoadOptions.IfExists(rawValue: ifExists.rawValue)!, skipColumns: Set(skipColumns),
                                  ownerPerson: ownerPerson, onError: LoadOptions.OnError(rawValue: onError.rawValue)!)
        options.addOwnershipColumns = addOwnershipColumns
        options.createMissingTables = createMissingTables
        options.ownerPersonUnlisted = ownerPersonUnlisted
        options.allowChange = Set(allowChange)
        options.declaredTypes = declaredTypes
        options.tables = TableSelection(only: tables, excluded: excludedTables)
        options.schemaFor = Dictionary(schemaFor.map { given in
            let parts = given.split(separator: "=", maxSplits: 1).map(String.init)
            return (parts[0], parts[1])
        }, uniquingKeysWith: { _, last in last })
        return options
    }
}

/// Options only `load` uses (so `plan --help` lists only what plan reads).
struct LoadOnlyOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Rejects file for --on-error reject (default: ARCHIVE.rejects.ndjson).", valueName: "PATH"))
    var rejects: String?
    @Option(help: "After loading, content (default: read every row back and compare each value with the archive) or counts (row counts only, faster).")
    var verify: VerifyChoice = .content
    @Option(name: .customLong("toast-compression"), help: "How PostgreSQL compresses large values (long text, JSON) of columns that name no method: lz4 (default; several times faster than pglz, used when the server has it), pglz, or server (its default_toast_compression). Reading either back is transparent.")
    var toastCompression: ToastCompressionChoice = .lz4
    @Flag(name: .customLong("keep-indexes"), help: "Keep secondary indexes in place while rows go in. By default, on tables of 10,000 rows or more (not with --if-exists merge), indexes that can be re-created exactly are dropped inside the transaction and built again after the table's rows, which is faster, but locks those tables against readers until COMMIT (with --keep-indexes readers are not blocked; they see the tables as they were).")
    var keepIndexes = false
    @Option(name: .customLong("naive-timezone"), help: ArgumentHelp("Time zone of timestamps written without an offset.", valueName: "ZONE"))
    var naiveTimeZone = "UTC"
    @Option(name: .customLong("daemon-check"), help: ArgumentHelp("A command to run after COMMIT, e.g. the daemon's own check mode; its exit status is recorded as a check.", valueName: "CMD"))
    var daemonCheck: String?
    @Option(name: .customLong("owner-uid"), help: ArgumentHelp("Their uid (default: the exporting uid from the manifest).", valueName: "UID"))
    var ownerUID: Int?
    @Flag(name: .customLong("show-values"), help: "Print row values in messages, and PostgreSQL's DETAIL and CONTEXT, which quote them: for a developer on a test copy. By default no row value is printed (they may be secrets).")
    var showValues = false

    func validate() throws {
        guard TimeZone(identifier: naiveTimeZone) != nil else {
            throw ValidationError("--naive-timezone \(naiveTimeZone) is not a known time zone (e.g. UTC, Europe/Amsterdam)")
        }
    }

    func apply(to options: inout LoadOptions) {
        options.naiveTimeZone = TimeZone(identifier: naiveTimeZone) ?? TimeZone(identifier: "UTC")!  // validate() refused an unknown zone
        options.ownerUID = ownerUID
        if let rejects { options.rejectsPath = rejects }
        options.verify = LoadOptions.Verify(rawValue: verify.rawValue)!
        options.daemonCheck = daemonCheck
        options.toastCompression = LoadOptions.ToastCompression(rawValue: toastCompression.rawValue)!
        options.keepIndexes = keepIndexes
        options.showValues = showValues
    }
}

enum IfExistsChoice: String, ExpressibleByArgument, CaseIterable {
    case fail, replace, merge
}

enum ToastCompressionChoice: String, ExpressibleByArgument, CaseIterable {
    case lz4, pglz, server
}

enum VerifyChoice: String, ExpressibleByArgument, CaseIterable {
    case content, counts
}

enum ProgressChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, plain, none
}

enum OnErrorChoice: String, ExpressibleByArgument, CaseIterable {
    case rollback, reject
}

struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show how an archive maps onto the target schema, changing nothing.",
        discussion: """
        Reads the manifest and the target catalog and prints, per table: target found or \
        missing, columns matched by name with their conversion, columns missing on either \
        side, ownership columns, and the verdict. `load` runs the same checks before BEGIN.

        Examples:
          tc-import plan teleclaude.tcar --database-url postgresql:///teleclaude
          tc-import plan teleclaude.tcar --json
          tc-import plan teleclaude.tcar --storage-classes   # and what columns hold
          tc-import plan teleclaude.tcar -q    # the verdict only
          tc-import plan tc.tcar --create-missing-tables --sql > schema.sql

        Exit status: 0 the archive can be loaded; 1 the load would stop before BEGIN (the \
        problems are listed, counted by kind, with the flags that fix the common case) or \
        the plan could not be made; 64 invalid options. What only the rows can tell (a \
        value that does not convert, an orphan), `load --dry-run` finds.
        """)

    @OptionGroup var archive: ArchiveArgument
    @OptionGroup var database: DatabaseOptions

    @Flag(help: "Print only the SQL that --create-missing-tables and --add-ownership-columns would run (tables, then the indexes and foreign keys that follow the data), to review it or create the schema by hand.")
    var sql = false

    @Flag(name: .customLong("storage-classes"), help: "Also show the storage classes each column holds; reads (and verifies) the whole archive, so it takes as long as verify. Not with standard input.")
    var storageClasses = false

    func validate() throws {
        if storageClasses && archive.archive == "-" { throw ValidationError("--storage-classes reads the archive twice; pass a file, not -") }
    }

    func run() throws {
        try archive.start(quietWithJSON: false) { io, console in
            try io.run(console, json: archive.json, archive: archive.archive) {
                let plan = try Loader(options: database.loadOptions(archive: archive.archive), console: console).plan(storageClasses: storageClasses)
                var text = archive.quiet ? plan.verdictLines.joined(separator: "\n") + "\n" : plan.render()  // -q: the verdict alone
                if sql {
                    text = plan.createSQL.isEmpty ? "-- nothing to create: every archive table is in the target (or pass --create-missing-tables)\n"
                        : plan.createSQL.map { $0 + ";\n" }.joined(separator: "\n")
                }
                io.print(archive.json ? try ImportReport.json(plan) : Console.printable(text), terminator: "")
                if !plan.problems.isEmpty { throw ExitCode.failure }
            }
        }
    }
}

struct Load: ParsableCommand {
    @Option(name: .customLong("report-json"), help: ArgumentHelp("Also write the report as JSON to this file.", valueName: "FILE"))
    var reportJSON: String?

    static let configuration = CommandConfiguration(
        abstract: "Load an archive into PostgreSQL in one transaction.",
        discussion: """
        Checks the plan before BEGIN, streams every table with COPY in foreign-key order as \
        the archive is read (standard input too), converts each value to its target column's \
        type, checks row counts, sets sequences past the highest key and SQLite's \
        high-water mark, gives ownerless sessions their owner, and commits only after the \
        whole archive verified. Any problem rolls everything back and is listed. Then \
        installs the configuration layers and doc snippets (see install-files; their \
        destinations are checked before BEGIN) unless --skip-files. Sessions without an \
        owner go to --owner-person, else to the people: entry of the archived config.yml \
        whose username is the exporting user.

        Examples:
          tc-import load tc.tcar --database-url postgresql:///teleclaude
          tc-import load tc.tcar --owner-person "Maurice Faber"
          ssh oldhost tc-export -o - | tc-import load - --owner-person "Maurice Faber"
          tc-import load tc.tcar --dry-run    # everything, then ROLLBACK
          tc-import load tc.tcar --if-exists replace --naive-timezone Europe/Amsterdam
          tc-import load tc.tcar --allow-change sessions.score
          tc-import load tc.tcar -T memory_observations    # all tables but this one
          tc-import load tc.tcar --schema-for events=teleclaude_events
          tc-import load tc.tcar --on-error reject --rejects /root/rejects.ndjson
          tc-import load tc.tcar --service-user teleclaude
          tc-import load tc.tcar && systemctl start teleclaude    # only when 0

        Exit status: 0 committed, every row loaded and every check passed; 1 nothing was \
        changed (the reasons are printed); 2 committed, but rows were rejected (--on-error \
        reject; the last line counts them per table); 3 committed, but a step after COMMIT \
        failed (a check, installing the files, the JSON report: the report says which, and \
        its rollback steps cover every file written); 64 invalid options; 130/143 \
        interrupted (nothing changed).
        """)

    @OptionGroup var archive: ArchiveArgument
    @OptionGroup var database: DatabaseOptions
    @OptionGroup(title: "Load") var load: LoadOnlyOptions
    @OptionGroup(title: "Configuration and docs (installed after COMMIT)") var install: InstallArguments

    @Flag(name: .customLong("skip-files"), help: "Load the database only; install the configuration and docs later with install-files.")
    var skipFiles = false

    @Option(help: "Progress on standard error: auto (a line redrawn on a terminal: phase, table, rows of the total, rate, time left), plain (a line per finished phase of each table, for logs), none.")
    var progress: ProgressChoice = .auto

    @Flag(name: .customLong("dry-run"), help: "Do the whole load inside the transaction (tables created, COPY, every conversion, the read-back, sequences, owners), then ROLL BACK and print the same report. No file is installed and no rejects file is kept. Exit status 0 when the real load would commit cleanly, 2 when it would reject rows, 1 when it would fail.")
    var dryRun = false

    func validate() throws {
        if load.rejects != nil && database.onError != .reject {
            throw ValidationError("--rejects names the file for rejected rows, which only --on-error reject writes; add --on-error reject or leave out --rejects")
        }
        if skipFiles, let option = install.given.first {
            throw ValidationError("--skip-files installs no files, so \(option) has nothing to do; leave out one of them")
        }
    }

    func run() throws {
        try archive.start { io, console in
            try io.run(console, json: archive.json, archive: archive.archive) {
                var options = database.loadOptions(archive: archive.archive)
                load.apply(to: &options)
                if !skipFiles { options.install = install.options(archive: archive.archive) }
                options.reportPath = reportJSON
                options.dryRun = dryRun
                options.progress = LoadOptions.Progress(rawValue: progress.rawValue)!
                let report = try Loader(options: options, console: console).run()
                // -q: the outcome line and any failed check, not the table of counts.
                let text = archive.quiet ? ImportReport.summary(report) : ImportReport.text(report)
                io.print(archive.json ? try ImportReport.json(report) : Console.printable(text), terminator: archive.json ? "" : "\n")
                switch report.exitStatus {
                case 0: break
                case 2 where report.dryRun: console.warning("dry run: the real load would commit with rejected rows: \(report.rejectedByTable)")
                case 2: console.warning("committed, with rejected rows (see \(report.rejects ?? "the rejects file")): \(report.rejectedByTable)")
                default: console.error("the data is committed, but a step after COMMIT failed (see the report); the rollback steps above undo the load")
                }
                if report.exitStatus != 0 { throw ExitCode(report.exitStatus) }
            }
        }
    }
}
