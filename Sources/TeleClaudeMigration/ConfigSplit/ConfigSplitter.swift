import Foundation
import Yams

/// Splits a single-user `config.yml` and its `.env` into the system, secrets and per-user
/// layers (REFERENCE.md), keeping comments and key order, and proves the split: the
/// layers merged and resolved equal the original resolved with its `.env`.
public enum ConfigSplitter {
    /// `environment` is the exporting shell's: a `${VAR}` that only it defines will be
    /// missing for the system daemon.
    public static func split(configText: String?, configPath: String, envText: String?, envPath: String,
                             owner: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> ConfigSplit {
        let env = try envText.map { text throws(ConfigError) in try EnvFile.parse(text, path: envPath) } ?? EnvFile(entries: [])
        let root = try parse(configText ?? "", path: configPath)
        var warnings = env.duplicates.map { duplicate in
            "\(envPath): \(duplicate.name) is set on lines \(duplicate.lines.map(String.init).joined(separator: ", ")); line \(duplicate.lines.last!) wins (it is the value secrets.yml gets)"
        }
        var reemitted: [String] = []

        guard let mapping = root?.mapping else {
            if root != nil { throw .notAMapping(path: configPath) }
            let secrets = try SecretsFile.renderChecked(env.entries.map { ($0.name, $0.value) })
            return ConfigSplit(systemText: configText ?? "", secretsText: secrets, userText: nil,
                               record: .init(keys: [], movedSecrets: [], secretNames: env.entries.map(\.name),
                                             reemitted: [], warnings: []))
        }

        // Literal secrets, and the layer of each top-level key.
        var sites: [SecretSite] = []
        for (index, pair) in mapping.enumerated() {
            let key = ConfigValue.keyText(pair.key)
            collectSecrets(pair.value, steps: [], path: key, key: key, top: index, into: &sites, warnings: &warnings)
        }
        var layers: [ConfigSplit.KeyLayer] = []
        for (index, pair) in mapping.enumerated() {
            let key = ConfigValue.keyText(pair.key)
            var layer: ConfigLayer = ConfigLayer.userKeys.contains(key) ? .user : .system
            if layer == .user, let site = sites.first(where: { $0.top == index }) {
                layer = .system
                warnings.append("\(key) stays in the system layer because it holds a secret (\(site.path)); the per-user layer never holds secrets")
            }
            layers.append(.init(key: key, layer: layer))
        }
        warnings += environmentWarnings(mapping, layers: layers, env: env.values, environment: environment, configPath: configPath)
        if !mapping.contains(where: { ConfigValue.keyText($0.key) == "people" }) {
            warnings.append("\(configPath) has no people: list, so tc-import cannot tell who owns the sessions; add one (name, email, username, role) or pass --owner-person NAME with --owner-person-unlisted to tc-import load")
        } else if let text = configText, People.name(ofUser: owner, inConfig: text) == nil {
            // Found at export, where it can still be fixed, not at the load on another machine.
            let names = People.names(inConfig: text) ?? []
            warnings.append("\(configPath) has no people: entry with username \(owner) (names there: \(names.isEmpty ? "none" : names.joined(separator: ", "))), so tc-import cannot tell who owns the sessions; add username: \(owner) to your entry and export again, or pass --owner-person NAME to tc-import load")
        }

        // Variables for the moved secrets: the key path in capitals, unless .env already
        // holds the same value under that name; never a name that holds something else.
        var secretEntries = env.entries.map { (name: $0.name, value: $0.value) }
        var taken = Set(secretEntries.map(\.name))
        var moved: [ConfigSplit.MovedSecret] = []
        for index in sites.indices {
            let base = variableName(for: sites[index].path)
            if env.values[base] == sites[index].scalar.string {
                sites[index].variable = base
            } else {
                var name = base
                var suffix = 2
                while taken.contains(name) { name = "\(base)_\(suffix)"; suffix += 1 }
                taken.insert(name)
                secretEntries.append((name, sites[index].scalar.string))
                sites[index].variable = name
            }
            moved.append(.init(path: sites[index].path, variable: sites[index].variable))
        }

        // The expected trees, then their text with comments kept where possible.
        var systemPairs: [(Node, Node)] = []
        var userPairs: [(Node, Node)] = []
        for (index, pair) in mapping.enumerated() {
            var value = pair.value
            for site in sites where site.top == index {
                value = replacing(value, steps: site.steps[...], with: .scalar(.init("${\(site.variable)}", Tag(.str), .plain)))
            }
            if layers[index].layer == .user { userPairs.append((pair.key, value)) } else { systemPairs.append((pair.key, value)) }
        }
        let blocks = YAMLBlocks(text: configText ?? "", root: mapping)
        let flow = mapping.style == .flow
        var systemText = blocks.text(of: blocks.header)
        for (index, block) in blocks.blocks.enumerated() where layers[index].layer == .system && !flow {
            var patched: [Int: String] = [:]
            var patchable = true
            for site in sites where site.top == index && patchable {
                guard let mark = site.scalar.mark, let line = patched[mark.line - 1] ?? blocks.lines[safe: mark.line - 1],
                      let edited = blocks.patchScalar(in: line, mark: mark, style: site.scalar.style,
                                                      replacement: "${\(site.variable)}") else {
                    patchable = false
                    break
                }
                patched[mark.line - 1] = edited
            }
            if patchable {
                systemText += blocks.text(of: block.lines, patched: patched)
            } else {
                let pair = systemPairs.first { ConfigValue.keyText($0.0) == block.key }!
                systemText += try emit([pair])
                reemitted.append("config.yml: \(block.key)")
            }
        }
        let systemKeptComments = flow ? false : try matches(systemText, expected: systemPairs)
        if !systemKeptComments {
            systemText = blocks.text(of: blocks.header) + (try emit(systemPairs))
            reemitted.append("config.yml (system layer)")
        }
        var userText: String?
        if !userPairs.isEmpty {
            var text = "# Per-user TeleClaude preferences of \(owner), split from config.yml by tc-export.\n\n"
            for (index, block) in blocks.blocks.enumerated() where layers[index].layer == .user {
                text += blocks.text(of: block.lines)
            }
            let keptComments = flow ? false : try matches(text, expected: userPairs)
            if !keptComments {
                text = "# Per-user TeleClaude preferences of \(owner), split from config.yml by tc-export.\n\n" + (try emit(userPairs))
                reemitted.append("per-user config.yml")
            }
            userText = text
        }
        if !reemitted.isEmpty {
            warnings.append("comments could not be kept for: \(reemitted.joined(separator: ", ")) (re-written from the parsed YAML)")
        }
        let secretsText = try SecretsFile.renderChecked(secretEntries)

        // The proof.
        let differences = try differencesAfterSplit(original: root, env: env.values, systemText: systemText,
                                                    secretsText: secretsText, userText: userText, paths: ("config.yml", "secrets.yml", "per-user config.yml"))
        guard differences.isEmpty else { throw .splitDiffers(keyPaths: differences) }
        if let userText {
            let problems = ConfigLayer.userLayerProblems(ConfigValue(try parse(userText, path: "per-user config.yml") ?? Node.mapping(.init([])), environment: nil))
            guard problems.isEmpty else { throw .userLayerRule(path: "per-user config.yml", problems: problems) }
        }
        return ConfigSplit(systemText: systemText, secretsText: secretsText, userText: userText,
                           record: .init(keys: layers, movedSecrets: moved, secretNames: secretEntries.map(\.name),
                                         reemitted: reemitted, warnings: warnings))
    }

    // MARK: - Proof

    /// Key paths where the layers (system, then per-user, `${VAR}` resolved from secrets)
    /// differ from the original resolved from its `.env`; also names any `.env` variable
    /// that secrets.yml lacks or changes.
    public static func differencesAfterSplit(original: Node?, env: [String: String], systemText: String, secretsText: String,
                                             userText: String?, paths: (system: String, secrets: String, user: String)) throws(ConfigError) -> [String] {
        let secrets = try SecretsFile.parse(secretsText, path: paths.secrets)
        var differences = env.keys.sorted().filter { secrets[$0] != env[$0] }.map { "environment variable \($0)" }
        let empty = ConfigValue.mapping([:])
        let system = try parse(systemText, path: paths.system).map { ConfigValue($0, environment: secrets) } ?? empty
        let user = try userText.flatMap { text throws(ConfigError) in try parse(text, path: paths.user) }.map { ConfigValue($0, environment: secrets) } ?? empty
        let before = original.map { ConfigValue($0, environment: env) } ?? empty
        differences += ConfigValue.differences(before, ConfigValue.merge(system, user))
        return differences
    }

    /// As `differencesAfterSplit`, for layers another person's were joined into: only what
    /// the archive holds is looked for (`ConfigJoin.uncovered`); the rest is theirs.
    /// `${VAR}` references are resolved with this archive's secrets over the installed ones:
    /// a variable whose installed value was kept is a conflict of its own, not of every
    /// key that refers to it.
    public static func uncoveredAfterJoin(original: Node?, env: [String: String], systemText: String, secretsText: String,
                                          archivedSecretsText: String, userText: String?,
                                          paths: (system: String, secrets: String, user: String)) throws(ConfigError) -> [String] {
        let installedSecrets = try SecretsFile.parse(secretsText, path: paths.secrets)
        var uncovered = env.keys.sorted().filter { installedSecrets[$0] != env[$0] }.map { "environment variable \($0)" }
        let secrets = installedSecrets.merging(try SecretsFile.parse(archivedSecretsText, path: "the archive's secrets.yml")) { _, archived in archived }
        let empty = ConfigValue.mapping([:])
        let system = try parse(systemText, path: paths.system).map { ConfigValue($0, environment: secrets) } ?? empty
        let user = try userText.flatMap { text throws(ConfigError) in try parse(text, path: paths.user) }.map { ConfigValue($0, environment: secrets) } ?? empty
        let before = original.map { ConfigValue($0, environment: env) } ?? empty
        uncovered += ConfigJoin.uncovered(before, in: ConfigValue.merge(system, user))
        return uncovered
    }

    public static func parse(_ text: String, path: String) throws(ConfigError) -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch {
            throw .invalidYAML(path: path, reason: describe(error))
        }
    }

    /// A YAML error without the quoted source line Yams adds: that line may hold a secret.
    static func describe(_ error: Error) -> String {
        guard let yaml = error as? YamlError else { return "unreadable" }
        switch yaml {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return "\(problem) at line \(mark.line), column \(mark.column)"
        case .reader(let problem, let offset, _, _):
            return "\(problem)" + (offset.map { " at byte \($0)" } ?? "")
        case .duplicatedKeysInMapping(let duplicates, _):
            return "duplicate keys: \(duplicates.joined(separator: ", "))"
        default:
            return "unreadable YAML"
        }
    }

    // MARK: - What the system daemon will not have

    /// Warnings, by key path and variable name (never a value): `${VAR}` references that
    /// `.env` does not define (the system daemon does not inherit the user's shell), paths
    /// in the user's home moving into the system layer or, from `.env`, into secrets.yml
    /// (the service user's home differs), and the single-user database's path, which the
    /// system layer keeps as written.
    static func environmentWarnings(_ mapping: Node.Mapping, layers: [ConfigSplit.KeyLayer], env: [String: String],
                                    environment: [String: String], configPath: String) -> [String] {
        var warnings: [String] = []
        var reported = Set<String>()
        let home = environment["HOME"].flatMap { $0.count > 1 ? $0 : nil }
        for (index, pair) in mapping.enumerated() {
            let key = ConfigValue.keyText(pair.key)
            forEachScalar(pair.value, path: key) { path, text in
                for name in references(in: text) where env[name] == nil && reported.insert(name).inserted {
                    warnings.append(environment[name] != nil
                        ? "\(path) uses ${\(name)}, which only the environment of this shell defines (not .env): the system daemon will not have it; add \(name) to .env before exporting, or to secrets.yml after"
                        : "\(path) uses ${\(name)}, which neither .env nor the environment defines: it resolves to an empty value")
                }
                if layers[index].layer == .system, isHomePath(text, home: home) {
                    warnings.append("\(path) is a path in the user's home (${HOME}, ~ or the home folder itself), moving into the system layer: the service user's home differs; write the path the system daemon should use in the system config.yml")
                }
                if path == "database.path" {
                    warnings.append("database.path (the single-user SQLite file) stays in the system layer as written; the multi-user daemon's data is in PostgreSQL, where tc-import loads it: set or remove database.path in the system config.yml as the deployment's daemon expects")
                }
            }
        }
        for name in env.keys.sorted() where isHomePath(env[name] ?? "", home: home) {
            warnings.append("\(name) (.env) is a path in the user's home (${HOME}, ~ or the home folder itself), moving into secrets.yml: the service user's home differs; set the path the system daemon should use in secrets.yml")
        }
        return warnings
    }

    /// Whether a value names a place in the exporting user's home: `${HOME}`, `$HOME` (not
    /// `$HOMEBREW_...`), `~` and `~/...`, or an absolute path under `home`.
    static func isHomePath(_ text: String, home: String?) -> Bool {
        text.contains("${HOME}") || text == "$HOME" || text.contains("$HOME/") || text == "~" || text.hasPrefix("~/")
            || home.map { text == $0 || text.hasPrefix($0 + "/") } == true
    }

    /// The names of the `${NAME}` references in a text.
    static func references(in text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "${"), let close = rest[open.upperBound...].firstIndex(of: "}") {
            names.append(String(rest[open.upperBound..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }

    static func forEachScalar(_ node: Node, path: String, _ body: (String, String) -> Void) {
        switch node {
        case .scalar(let scalar): body(path, scalar.string)
        case .mapping(let mapping):
            for pair in mapping { forEachScalar(pair.value, path: path + "." + ConfigValue.keyText(pair.key), body) }
        case .sequence(let sequence):
            for (index, item) in sequence.enumerated() { forEachScalar(item, path: "\(path)[\(index)]", body) }
        case .alias: break
        }
    }

    // MARK: - Secrets in the tree

    enum Step { case pair(Int), item(Int) }

    struct SecretSite {
        var top: Int
        var steps: [Step]
        var path: String
        var scalar: Node.Scalar
        var variable = ""
    }

    static func collectSecrets(_ node: Node, steps: [Step], path: String, key: String?, top: Int,
                               into sites: inout [SecretSite], warnings: inout [String]) {
        switch node {
        case .scalar(let scalar):
            let kind = ConfigValue.kind(of: scalar)
            if kind == "str" || scalar.style == .singleQuoted || scalar.style == .doubleQuoted {
                if SecretRules.isLiteralSecret(key: key, value: scalar.string) {
                    sites.append(SecretSite(top: top, steps: steps, path: path, scalar: scalar))
                }
            } else if let key, SecretRules.isSecretName(key), kind != "null", kind != "bool" {
                warnings.append("\(path) is named like a secret but holds a \(kind), which a ${VAR} reference cannot reproduce; it stays in the system config. Move it to .env by hand if it is secret")
            }
        case .mapping(let mapping):
            for (index, pair) in mapping.enumerated() {
                let name = ConfigValue.keyText(pair.key)
                collectSecrets(pair.value, steps: steps + [.pair(index)], path: path + "." + name, key: name, top: top,
                               into: &sites, warnings: &warnings)
            }
        case .sequence(let sequence):
            for (index, item) in sequence.enumerated() {
                collectSecrets(item, steps: steps + [.item(index)], path: "\(path)[\(index)]", key: nil, top: top,
                               into: &sites, warnings: &warnings)
            }
        case .alias:
            break
        }
    }

    static func replacing(_ node: Node, steps: ArraySlice<Step>, with new: Node) -> Node {
        guard let step = steps.first else { return new }
        switch (node, step) {
        case (.mapping(let mapping), .pair(let index)):
            var pairs = mapping.map { ($0.key, $0.value) }
            pairs[index].1 = replacing(pairs[index].1, steps: steps.dropFirst(), with: new)
            return .mapping(.init(pairs, mapping.tag, mapping.style, mapping.mark))
        case (.sequence(let sequence), .item(let index)):
            var nodes = Array(sequence)
            nodes[index] = replacing(nodes[index], steps: steps.dropFirst(), with: new)
            return .sequence(.init(nodes, sequence.tag, sequence.style, sequence.mark))
        default:
            return node
        }
    }

    /// `telegram.bot_token` → `TELEGRAM_BOT_TOKEN`.
    static func variableName(for path: String) -> String {
        var name = ""
        for scalar in path.uppercased().unicodeScalars {
            let keep = (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9")
            if keep { name.unicodeScalars.append(scalar) } else if !name.hasSuffix("_") && !name.isEmpty { name += "_" }
        }
        while name.hasSuffix("_") { name.removeLast() }
        if name.isEmpty || name.first!.isNumber { name = "SECRET_" + name }
        return name
    }

    // MARK: - Text

    static func emit(_ pairs: [(Node, Node)]) throws(ConfigError) -> String {
        do {
            return try Yams.serialize(node: .mapping(.init(pairs)), width: -1, allowUnicode: true)
        } catch {
            throw .invalidYAML(path: "config.yml", reason: "cannot be written back: \(describe(error))")
        }
    }

    static func matches(_ text: String, expected pairs: [(Node, Node)]) throws(ConfigError) -> Bool {
        let parsed: Node?
        do {
            parsed = try Yams.compose(yaml: text)
        } catch {
            return false
        }
        return ConfigValue(parsed ?? .mapping(.init([])), environment: nil) == ConfigValue(.mapping(.init(pairs)), environment: nil)
    }
}

extension SecretsFile {
    /// Renders and reads back: the file must give exactly these values.
    static func renderChecked(_ entries: [(name: String, value: String)]) throws(ConfigError) -> String {
        let text: String
        do {
            text = try render(entries)
        } catch {
            throw .invalidYAML(path: "secrets.yml", reason: "cannot be written: \(ConfigSplitter.describe(error))")
        }
        let back = try parse(text, path: "secrets.yml")
        let expected = Dictionary(entries.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
        guard back == expected else {
            throw .splitDiffers(keyPaths: expected.keys.sorted().filter { back[$0] != expected[$0] }.map { "secrets.yml: \($0)" })
        }
        return text
    }
}
