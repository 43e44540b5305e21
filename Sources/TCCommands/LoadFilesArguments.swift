import ArgumentParser
import TeleClaudeMigration

/// What `load` installs after COMMIT, and `plan` checks and shows: the same options in both,
/// so that plan sees the destinations the load will write.
struct LoadFilesArguments: ParsableArguments {
    @OptionGroup(title: "Configuration and docs (installed after COMMIT)") var install: InstallArguments

    @Flag(name: .customLong("skip-files"), help: "Load the database only; install the configuration and docs later with install-files.")
    var skipFiles = false

    func validate() throws {
        if skipFiles, let option = install.given.first {
            throw ValidationError("--skip-files installs no files, so \(option) has nothing to do; leave out one of them")
        }
    }

    /// nil with `--skip-files`.
    func options(archive: ArchiveSource) -> InstallOptions? {
        skipFiles ? nil : install.options(archive: archive)
    }
}
