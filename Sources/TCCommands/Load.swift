import ArgumentParser
import Foundation
import TeleClaudeMigration

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
        its rollback steps cover every file written); 4 the connection failed during \
        COMMIT and the server could not be asked whether it committed (the message gives \
        the query that tells); 64 invalid options; 130/143 interrupted (nothing changed).
        """)

    @OptionGroup var archive: ArchiveArgument
    @OptionGroup var database: DatabaseOptions
    @OptionGroup(title: "Load") var load: LoadOnlyOptions
    @OptionGroup var files: LoadFilesArguments

    @Option(help: ArgumentHelp("Progress on standard error: auto (a line redrawn on a terminal: phase, table, rows of the total, rate, time left), plain (a line per finished phase of each table, for logs), none.", valueName: LoadOptions.Progress.choices))
    var progress: LoadOptions.Progress = .auto

    @Flag(name: .customLong("dry-run"), help: "Do the whole load inside the transaction (tables created, COPY, every conversion, the read-back, sequences, owners), then ROLL BACK and print the same report. No file is installed and no rejects file is kept. Exit status 0 when the real load would commit cleanly, 2 when it would reject rows, 1 when it would fail.")
    var dryRun = false

    func validate() throws {
        if load.rejects != nil && database.onError != .reject {
            throw ValidationError("--rejects names the file for rejected rows, which only --on-error reject writes; add --on-error reject or leave out --rejects")
        }
    }

    func run() throws {
        try archive.start { io, console, keys in
            try io.run(console, json: archive.json, archive: archive.archive) {
                var options = database.loadOptions(archive: archive.source, keys: keys)
                load.apply(to: &options)
                options.install = files.options(archive: archive.source)
                options.reportPath = reportJSON
                options.dryRun = dryRun
                options.progress = progress
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
