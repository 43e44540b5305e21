import ArgumentParser
import Foundation
import TeleClaudeMigration

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

    @Option(name: .customLong("if-exists"), help: ArgumentHelp("When target tables already hold rows: fail (default), replace (empty them inside the transaction), merge (insert only rows whose primary key is absent: the re-run of the same installation; see --on-conflict) or append (another person's installation beside the rows there: generated integer keys get new values from the target's sequences and every reference follows; other keys are merged).", valueName: LoadOptions.IfExists.choices))
    var ifExists: LoadOptions.IfExists = .fail

    @Option(name: .customLong("on-error"), help: ArgumentHelp("What a row that cannot be loaded (a value that does not convert, an orphan) does: rollback (default: list every problem, change nothing) or reject (load the rest, write each such row whole to the rejects file).", valueName: LoadOptions.OnError.choices))
    var onError: LoadOptions.OnError = .rollback

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
    func loadOptions(archive: ArchiveSource, keys: ArchiveKeys) -> LoadOptions {
        var options = LoadOptions(archive: archive, databaseURL: databaseURL, schema: schema,
                                  ifExists: ifExists, skipColumns: Set(skipColumns),
                                  ownerPerson: ownerPerson, onError: onError)
        options.keys = keys
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
