import Foundation

/// Where `tc-import` installs the configuration layers and doc snippets, and when it may
/// replace what is already there.
public struct InstallOptions: Sendable {
    public var configDirectory: String
    public var docsDirectory: String
    /// The per-user layer's destination; nil: the migrating user's ~/.teleclaude/config.yml
    /// when it is absent and writable, else a printed command.
    public var userConfig: String?
    public var overwriteConfig: Bool
    public var overwriteDocs: Bool
    /// `--join-config`: the installed system layer and secrets are another person's; this
    /// archive's are joined into them (`ConfigJoin`), nothing installed is overwritten.
    public var joinConfig = false
    /// The archive, for the printed extract command.
    public var archive: ArchiveSource
    /// Where the per-user layer is left for its user when its own destination cannot be
    /// written by us (beside the archive: `ARCHIVE.user-config.yml`).
    public var pendingUserConfig: String
    public var now: Date
    /// Who owns what is written: the service user the system layers, the migrating user
    /// the per-user layer.
    public var owners = InstallOwners.currentUser

    public static let defaultConfigDirectory = "/etc/teleclaude"
    public static let defaultDocsDirectory = "/usr/local/share/teleclaude/docs"

    public init(configDirectory: String = InstallOptions.defaultConfigDirectory,
                docsDirectory: String = InstallOptions.defaultDocsDirectory, userConfig: String? = nil,
                overwriteConfig: Bool = false, overwriteDocs: Bool = false, archive: ArchiveSource, now: Date = Date()) {
        // Relative paths are the working directory's, made absolute once: every message and
        // rollback step then names the file wherever it is read from.
        let here = FileManager.default.currentDirectoryPath
        self.configDirectory = Installation.absolute(configDirectory, relativeTo: here)
        self.docsDirectory = Installation.absolute(docsDirectory, relativeTo: here)
        self.userConfig = userConfig.map { Installation.absolute($0, relativeTo: here) }
        self.overwriteConfig = overwriteConfig
        self.overwriteDocs = overwriteDocs
        self.archive = archive
        self.pendingUserConfig = Installation.absolute(archive.sidecar("user-config.yml"), relativeTo: here)
        self.now = now
    }
}
