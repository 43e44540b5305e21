import ArgumentParser
import Foundation
import TeleClaudeMigration

struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show how an archive maps onto the target schema, changing nothing.",
        discussion: """
        Reads the manifest and the target catalog and prints, per table: target found or \
        missing, columns matched by name with their conversion, columns missing on either \
        side, ownership columns, where the configuration and docs go after COMMIT, and the \
        verdict. `load` runs the same checks before BEGIN; give plan the same options.

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
    @OptionGroup var files: LoadFilesArguments

    @Flag(help: "Print only the SQL that --create-missing-tables and --add-ownership-columns would run (tables, then the indexes and foreign keys that follow the data), to review it or create the schema by hand.")
    var sql = false

    @Flag(name: .customLong("storage-classes"), help: "Also show the storage classes each column holds; reads (and verifies) the whole archive, so it takes as long as verify. Not with standard input.")
    var storageClasses = false

    func validate() throws {
        if storageClasses && !archive.source.canBeReadAgain { throw ValidationError("--storage-classes reads the archive twice; pass a file, not -") }
    }

    func run() throws {
        try archive.start(quietWithJSON: false) { io, console, keys in
            try io.run(console, json: archive.json, archive: archive.archive) {
                var options = database.loadOptions(archive: archive.source, keys: keys)
                options.install = files.options(archive: archive.source)  // plan checks and shows where load writes the files
                let plan = try Planner(options: options, console: console).plan(storageClasses: storageClasses)
                var text = archive.quiet ? plan.verdictLines.joined(separator: "\n") + "\n" : plan.render()  // -q: the verdict alone
                if sql {
                    let nothing = database.createMissingTables || plan.tables.allSatisfy(\.targetFound) ? "-- nothing to create: every archive table is in the target\n"
                        : "-- nothing to create: every archive table is in the target (or pass --create-missing-tables)\n"
                    text = plan.createSQL.isEmpty ? nothing
                        : plan.createSQL.map { $0 + ";\n" }.joined(separator: "\n")
                }
                io.print(archive.json ? try ImportReport.json(plan) : Console.printable(text), terminator: "")
                if !plan.problems.isEmpty { throw ExitCode.failure }
            }
        }
    }
}
