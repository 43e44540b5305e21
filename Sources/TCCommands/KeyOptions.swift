import ArgumentParser
import TeleClaudeMigration

/// `--identity` and `--passphrase-file`: what opens an age-encrypted archive.
struct KeyOptions: ParsableArguments {
    @Option(name: .customLong("identity"), help: ArgumentHelp("An age identity file (AGE-SECRET-KEY-1... lines, as age-keygen writes) for an encrypted archive (repeatable).", valueName: "FILE"))
    var identityFiles: [String] = []

    @Option(name: .customLong("passphrase-file"), help: ArgumentHelp("The passphrase of an archive encrypted with one, on the first line of this file.", valueName: "FILE"))
    var passphraseFile: String?

    @Option(name: .customLong("require-signature"), help: ArgumentHelp("Refuse an archive not signed (tc-export --sign-with) by a key of this OpenSSH allowed_signers file, before anything is changed.", valueName: "ALLOWED_SIGNERS"))
    var requireSignature: String?

    /// The keys these options name, read from their files; `reportSignature` (inspect):
    /// the signature is looked for even when none is required. A key file that cannot be
    /// read ends the command as any failure does (`json`: with the failure object for `archive`).
    func read(reportSignature: Bool = false, json: Bool = false, archive: String? = nil) throws -> ArchiveKeys {
        try CommandIO.current.starting(json: json, archive: archive) {
            let identities = try Age.identities(files: identityFiles, passphraseFile: passphraseFile)
            let signers = try requireSignature.map { path throws(SSHSignature.Failure) in try SSHSignature.AllowedSigners(contentsOf: path) }
            let request: SignatureRequest? = signers.map { .require($0) } ?? (reportSignature ? .report(nil) : nil)
            return ArchiveKeys(identities: identities, signature: request)
        }
    }
}

extension ArchiveArgument {
    /// What every command that reads an archive does first: its keys, the process set-up,
    /// and its console (quiet with -q, and with --json unless `quietWithJSON` is false:
    /// plan and inspect print their messages beside their JSON).
    func start(quietWithJSON: Bool = true, reportSignature: Bool = false, _ body: (CommandIO, Console, ArchiveKeys) throws -> Void) throws {
        let io = CommandIO.current
        let keys = try keys.read(reportSignature: reportSignature, json: json, archive: archive)
        ProcessSetup.prepare()
        let console = try io.starting(json: json, archive: archive) {
            try io.console(quiet: quiet || (quietWithJSON && json), logging: logging)
        }
        try body(io, console, keys)
    }
}
