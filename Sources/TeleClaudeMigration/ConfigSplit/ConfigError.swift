/// Why the configuration could not be read, split or installed. Messages name the file,
/// line or key path, never a value: any value may be a secret.
public enum ConfigError: Error, CustomStringConvertible, Equatable {
    case envLine(path: String, line: Int, reason: String)
    case invalidYAML(path: String, reason: String)
    case notAMapping(path: String)
    case splitDiffers(keyPaths: [String])
    case userLayerRule(path: String, problems: [String])

    public var description: String {
        switch self {
        case .envLine(let path, let line, let reason):
            return "\(path), line \(line): \(reason) (the value is not shown)"
        case .invalidYAML(let path, let reason):
            return "\(path) is not valid YAML: \(reason)"
        case .notAMapping(let path):
            return "\(path) must hold a mapping of top-level keys"
        case .splitDiffers(let keyPaths):
            return "the split configuration does not resolve to the same effective configuration as config.yml with .env; "
                + "differing key paths: " + keyPaths.joined(separator: ", ") + ". Nothing was written"
        case .userLayerRule(let path, let problems):
            return "\(path) breaks the per-user rules: " + problems.joined(separator: "; ")
        }
    }
}
