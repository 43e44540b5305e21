import Yams

/// A configuration as the daemon sees it after loading: mappings (order does not matter),
/// sequences, and scalars with their resolved YAML type. Used to prove that a split
/// configuration means the same as the original.
public indirect enum ConfigValue: Equatable, Sendable {
    case mapping([String: ConfigValue])
    case sequence([ConfigValue])
    case scalar(String, kind: String)

    /// The value of a YAML node, with `${VAR}` references resolved from `environment`
    /// (when given). A reference to an unknown variable stays as written, on both sides of
    /// any comparison. A scalar that contained a reference is a string.
    public init(_ node: Node, environment: [String: String]?) {
        switch node {
        case .scalar(let scalar):
            if let environment, scalar.string.contains("${") {
                self = .scalar(ConfigValue.resolve(scalar.string, environment: environment), kind: "str")
            } else {
                self = .scalar(scalar.string, kind: ConfigValue.kind(of: scalar))
            }
        case .mapping(let mapping):
            var pairs: [String: ConfigValue] = [:]
            for (key, value) in mapping { pairs[ConfigValue.keyText(key)] = ConfigValue(value, environment: environment) }
            self = .mapping(pairs)
        case .sequence(let sequence):
            self = .sequence(sequence.map { ConfigValue($0, environment: environment) })
        case .alias:
            self = .scalar("*alias", kind: "alias")
        }
    }

    static func keyText(_ key: Node) -> String {
        key.scalar?.string ?? ((try? Yams.serialize(node: key)) ?? "?").trimmingTrailingBlanks()
    }

    static func kind(of scalar: Node.Scalar) -> String {
        // The tag the resolver gave the plain scalar (str, int, float, bool, null, ...),
        // so `"true"` and `true` differ, as they do for the daemon.
        let name = Node.scalar(scalar).tag.rawValue
        if let last = name.split(separator: ":").last { return String(last) }
        return name
    }

    /// `${NAME}` replaced by its value; an unknown name stays as written, or becomes empty
    /// with `keepUnknown: false` (as a shell would expand it).
    public static func resolve(_ text: String, environment: [String: String], keepUnknown: Bool = true) -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else { break }
            let name = String(rest[open.upperBound..<close])
            result += environment[name] ?? (keepUnknown ? "${\(name)}" : "")
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }

    /// Layers merged in order: mappings merge key by key, anything else is replaced.
    public static func merge(_ base: ConfigValue, _ top: ConfigValue) -> ConfigValue {
        guard case .mapping(var merged) = base, case .mapping(let upper) = top else { return top }
        for (key, value) in upper {
            merged[key] = merged[key].map { merge($0, value) } ?? value
        }
        return .mapping(merged)
    }

    /// Dotted key paths where the two values differ, in sorted order.
    public static func differences(_ a: ConfigValue, _ b: ConfigValue, path: String = "") -> [String] {
        switch (a, b) {
        case (.mapping(let x), .mapping(let y)):
            return Set(x.keys).union(y.keys).sorted().flatMap { key -> [String] in
                let child = path.isEmpty ? key : path + "." + key
                guard let left = x[key], let right = y[key] else { return [child] }
                return differences(left, right, path: child)
            }
        case (.sequence(let x), .sequence(let y)) where x.count == y.count:
            return zip(x, y).enumerated().flatMap { differences($1.0, $1.1, path: "\(path)[\($0)]") }
        default:
            return a == b ? [] : [path.isEmpty ? "(top level)" : path]
        }
    }
}
