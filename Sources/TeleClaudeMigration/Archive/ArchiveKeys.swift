/// What a command may open and check its archive with: the age identities and
/// passphrases (`--identity`, `--passphrase-file`) and whether the signature is looked for
/// (`--require-signature`, and `inspect`, which shows who signed). A value every reader is
/// handed, so a command's inputs are visible where it reads.
public struct ArchiveKeys: Sendable {
    public var identities: Age.Identities
    public var signature: SignatureRequest?

    public init(identities: Age.Identities = Age.Identities(), signature: SignatureRequest? = nil) {
        self.identities = identities
        self.signature = signature
    }

    /// No keys, no signature looked for: a plain archive.
    public static var none: ArchiveKeys { ArchiveKeys() }
}

/// Whether a command looks for the archive's signature, and against which signers.
public enum SignatureRequest: Sendable {
    /// Refuse an archive that no key of these allowed signers signed.
    case require(SSHSignature.AllowedSigners)
    /// Say who signed, checking against these signers when given.
    case report(SSHSignature.AllowedSigners?)

    var signers: SSHSignature.AllowedSigners? {
        switch self {
        case .require(let signers): signers
        case .report(let signers): signers
        }
    }
}
