/// The three layers of the system deployment (REFERENCE.md), merged in this order.
public enum ConfigLayer: String, Codable, Sendable {
    case system
    case secrets
    case user

    /// Top-level keys a per-user config may hold; everything else is system config.
    public static let userKeys: Set<String> = ["ui", "terminal", "tts", "stt", "experiments", "interests",
                                               "thinking_mode", "default_agent", "notifications"]

    /// Problems that keep `node` from being a valid per-user layer: keys outside the
    /// allow-list and anything that looks like a secret (named by key path, never by value).
    public static func userLayerProblems(_ value: ConfigValue) -> [String] {
        guard case .mapping(let keys) = value else { return ["the file is not a mapping of keys"] }
        var problems = keys.keys.sorted().filter { !userKeys.contains($0) }.map { "\($0) is not a per-user key" }
        func walk(_ value: ConfigValue, path: String, key: String?) {
            switch value {
            case .mapping(let pairs):
                for (name, child) in pairs.sorted(by: { $0.key < $1.key }) {
                    walk(child, path: path.isEmpty ? name : path + "." + name, key: name)
                }
            case .sequence(let items):
                for (index, item) in items.enumerated() { walk(item, path: "\(path)[\(index)]", key: nil) }
            case .scalar(let text, let kind):
                let named = key.map(SecretRules.isSecretName) ?? false
                if (named && kind != "null" && !text.isEmpty) || SecretRules.looksLikeSecretValue(text) {
                    problems.append("\(path) looks like a secret")
                }
            }
        }
        walk(value, path: "", key: nil)
        return problems
    }
}
