import Foundation

/// What every part of one load shares, passed down from `Loader.run` to each database and
/// table: the connection, the load's options, the console and progress, the rejects file,
/// how rows are named, the JSON validator, and the outcome so far. Per-database and
/// per-table values (`DatabaseLoad`, `LoadTransaction`, `TableLoad`) hold only what is theirs.
final class LoadContext {
    let connection: PostgresConnection
    /// The load's options; `options(for:)` gives them as one database of the archive applies them.
    let options: LoadOptions
    let console: Console
    let progress: LoadProgress
    /// `--on-error reject`: where rejected rows go; nil in rollback mode.
    let rejects: RejectsFile?
    let naming: RowNaming
    /// Validates (and hashes) JSON values; reused for every one.
    let json = JSONHasher()
    /// What the load has done to the target so far.
    let outcome: LoadOutcome

    init(connection: PostgresConnection, options: LoadOptions, console: Console, rejects: RejectsFile?) {
        self.connection = connection
        self.options = options
        self.console = console
        self.rejects = rejects
        naming = RowNaming(showValues: options.showValues)
        progress = LoadProgress(console: console, style: options.progress, totalRows: 0)
        outcome = LoadOutcome(dryRun: options.dryRun)
    }

    /// The options as they apply to one database of the archive: its schema; installing
    /// files, the JSON report and the owner of sessions belong to the main one only.
    func options(for view: LoadView) -> LoadOptions {
        var options = self.options
        options.schema = view.schema
        if view.database != DatabaseEntry.main {
            options.install = nil
            options.reportPath = nil
        }
        return options
    }
}
