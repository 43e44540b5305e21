/// What counts as a secret in configuration (REFERENCE.md): a key whose name says so, or
/// a value shaped like a credential. A value that is wholly or partly a `${VAR}` reference
/// is not a literal secret: the secret lives in the environment.
public enum SecretRules {
    static let nameSuffixes = ["_key", "_token", "_secret", "_password"]
    static let exactNames: Set<String> = ["token", "password", "secret", "apikey"]
    /// Prefixes of well-known API key formats; the value must also be at least 16 bytes.
    static let valuePrefixes = ["sk-", "sk_live_", "sk_test_", "rk_live_", "xoxb-", "xoxp-", "xoxa-", "xapp-",
                                "ghp_", "gho_", "ghu_", "ghs_", "github_pat_", "glpat-", "AIza", "AKIA"]

    public static func isSecretName(_ key: String) -> Bool {
        let lower = key.lowercased()
        return exactNames.contains(lower) || nameSuffixes.contains { lower.hasSuffix($0) }
    }

    public static func looksLikeSecretValue(_ value: String) -> Bool {
        if value.contains("${") { return false }
        if value.utf8.count >= 16, valuePrefixes.contains(where: { value.hasPrefix($0) }) { return true }
        return isTelegramBotToken(value) || hasURLPassword(value)
    }

    /// A literal secret: a non-empty string under a secret name, or a credential-shaped string.
    public static func isLiteralSecret(key: String?, value: String) -> Bool {
        if value.isEmpty || value.contains("${") { return false }
        return (key.map(isSecretName) ?? false) || looksLikeSecretValue(value)
    }

    /// `123456789:AA...`: digits, a colon, then at least 30 URL-safe characters.
    static func isTelegramBotToken(_ value: String) -> Bool {
        guard let colon = value.firstIndex(of: ":") else { return false }
        let id = value[..<colon]
        let rest = value[value.index(after: colon)...]
        return id.count >= 6 && id.allSatisfy(\.isASCIIDigit) && rest.count >= 30
            && rest.allSatisfy { $0.isASCIIAlphanumeric || $0 == "_" || $0 == "-" }
    }

    /// `scheme://user:password@host...`
    static func hasURLPassword(_ value: String) -> Bool {
        guard let scheme = value.range(of: "://") else { return false }
        let afterScheme = value[scheme.upperBound...]
        let authority = afterScheme.prefix(while: { $0 != "/" && $0 != "?" && $0 != "#" })
        guard let at = authority.lastIndex(of: "@") else { return false }
        let userInfo = authority[..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return false }
        return userInfo.index(after: colon) < userInfo.endIndex
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
    var isASCIIAlphanumeric: Bool { isASCII && (isLetter || isNumber) }
}
