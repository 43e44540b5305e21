/// The result of splitting `config.yml` and `.env` into the three layers, as it goes into
/// the archive. `record` is written as `config/split.json`.
public struct ConfigSplit: Sendable {
    public var systemText: String
    public var secretsText: String
    /// Nil when no top-level key belongs to the per-user layer.
    public var userText: String?
    public var record: Record

    public struct Record: Codable, Sendable, Equatable {
        /// Every top-level key of config.yml with the layer it went to, in file order.
        public var keys: [KeyLayer]
        /// Literal secrets moved out of config.yml: key path and the variable now holding it.
        public var movedSecrets: [MovedSecret]
        /// Names (never values) of the variables in secrets.yml, in order.
        public var secretNames: [String]
        /// Files whose comments could not be kept (re-emitted from the parsed YAML).
        public var reemitted: [String]
        public var warnings: [String]

        enum CodingKeys: String, CodingKey {
            case keys
            case movedSecrets = "moved_secrets"
            case secretNames = "secret_names"
            case reemitted, warnings
        }
    }

    public struct KeyLayer: Codable, Sendable, Equatable {
        public var key: String
        public var layer: ConfigLayer
    }

    public struct MovedSecret: Codable, Sendable, Equatable {
        public var path: String
        public var variable: String
    }
}
