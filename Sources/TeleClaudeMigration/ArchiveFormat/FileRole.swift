/// What a file member holds (format-spec.md, section 9). A reader ignores a role it does
/// not know.
public enum FileRole: String, Codable, Sendable, CaseIterable {
    /// `config.yml` as it was, for backup and rollback.
    case configOriginal = "config-original"
    /// `.env` as it was.
    case envOriginal = "env-original"
    case configSystem = "config-system"
    case configSecrets = "config-secrets"
    case configUser = "config-user"
    /// `config/split.json`: which key went to which layer, and the secrets moved.
    case configSplit = "config-split"
    case doc
    /// The old generated snippet index: kept, not installed.
    case docIndex = "doc-index"

    /// The fixed member name of each configuration role; docs live under `docs/`.
    public var memberName: String? {
        switch self {
        case .configOriginal: return "config/original/config.yml"
        case .envOriginal: return "config/original/.env"
        case .configSystem: return "config/system/config.yml"
        case .configSecrets: return "config/secrets/secrets.yml"
        case .configUser: return "config/user/config.yml"
        case .configSplit: return "config/split.json"
        case .doc, .docIndex: return nil
        }
    }

    /// Members that may hold secret values: extracted with mode 0600, never printed.
    public var holdsSecrets: Bool {
        self == .configOriginal || self == .envOriginal || self == .configSecrets
    }
}
