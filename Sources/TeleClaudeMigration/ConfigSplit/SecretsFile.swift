import Yams

/// `secrets.yml`: a flat mapping of environment variable names to values, which the
/// daemon exports into its environment. Every value is written double-quoted, so it reads
/// back as the same string whatever characters it holds.
public enum SecretsFile {
    public static let header = """
        # TeleClaude secrets: exported into the daemon's environment, so ${VAR} references in
        # config.yml resolve. Readable by the service user only (mode 0600). Written by tc-export.

        """

    public static func render(_ entries: [(name: String, value: String)]) throws -> String {
        guard !entries.isEmpty else { return header + "{}\n" }
        let pairs = entries.map { (Node.scalar(.init($0.name, .implicit, .plain)), Node.scalar(.init($0.value, Tag(.str), .doubleQuoted))) }
        return header + (try Yams.serialize(node: .mapping(.init(pairs)), width: -1, allowUnicode: true))
    }

    /// Reads a secrets file back; `path` names it in errors.
    public static func parse(_ text: String, path: String) throws(ConfigError) -> [String: String] {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw .invalidYAML(path: path, reason: ConfigSplitter.describe(error))
        }
        guard let node else { return [:] }
        guard let mapping = node.mapping else { throw .notAMapping(path: path) }
        var values: [String: String] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string, let text = value.scalar?.string else { throw .notAMapping(path: path) }
            values[name] = text
        }
        return values
    }
}
