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

    @Flag(name: .customLong("join-config"), help: "The installed config.yml and secrets.yml are another person's: join this archive's into them (keys and people: entries they lack are added, variables they lack too; a value that differs is named and the installed one kept; each old file is kept as a backup). For the second person of a deployment.")
    var joinConfig = false

    @Flag(name: .customLong("overwrite-docs"), help: "Replace doc snippets that exist with other content (default: keep them and report a conflict).")
    var overwriteDocs = false

    /// The options given on the command line, by name (for usage errors).
    var given: [String] {
        [(configDirectory != nil, "--config-dir"), (docsDirectory != nil, "--docs-dir"), (userConfig != nil, "--user-config"),
         (serviceUser != nil, "--service-user"), (overwriteConfig, "--overwrite-config"), (joinConfig, "--join-config"),
         (overwriteDocs, "--overwrite-docs")]
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

    func options(archive: ArchiveSource) -> InstallOptions {
        var options = InstallOptions(configDirectory: configDirectory ?? InstallOptions.defaultConfigDirectory,
                                     docsDirectory: docsDirectory ?? InstallOptions.defaultDocsDirectory, userConfig: userConfig,
                                     overwriteConfig: overwriteConfig, overwriteDocs: overwriteDocs, archive: archive)
        options.owners = (try? InstallOwners.resolve(serviceUser: serviceUser)) ?? .currentUser  // validate() refused a failure
        options.joinConfig = joinConfig
        return options
    }
}
