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

    /// A database column whose name suggests it holds secrets (`token`, `api_key`,
    /// `password_hash`, ...): broader than `isSecretName`, since a column's values are
    /// never checked one by one before a message names them.
    public static func looksLikeSecretColumn(_ name: String) -> Bool {
        let lower = name.lowercased()
        return ["token", "secret", "password", "passwd", "key", "credential", "auth", "cookie"].contains { lower.contains($0) }
    }

    public static func looksLikeSecretValue(_ value: String) -> Bool {
        if value.contains("${") { return false }
        if isCredentialShaped(value) { return true }
        return hasURLPassword(value) || isWebhookURL(value) || hasSecretQueryParameter(value) || hasCredentialInURL(value)
    }

    /// A well-known API key format, or a Telegram bot token.
    static func isCredentialShaped(_ value: Substring) -> Bool {
        if value.utf8.count >= 16, valuePrefixes.contains(where: { value.hasPrefix($0) }) { return true }
        return isTelegramBotToken(String(value))
    }

    static func isCredentialShaped(_ value: String) -> Bool { isCredentialShaped(Substring(value)) }

    /// Query parameter names that carry a credential (`?key=...`, `&sig=...`), beyond
    /// the secret-named keys.
    static let secretParameters: Set<String> = ["key", "apikey", "api-key", "sig", "signature", "access_token", "auth", "code_secret", "pass", "passwd"]

    /// `...?key=...` or `...&token=...`: a URL whose query names a credential.
    static func hasSecretQueryParameter(_ value: String) -> Bool {
        guard value.contains("://"), let query = value.split(separator: "?", maxSplits: 1).dropFirst().first else { return false }
        for pair in query.split(whereSeparator: { $0 == "&" || $0 == ";" || $0 == "#" }) {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, !parts[1].isEmpty else { continue }
            let name = parts[0].lowercased()
            if secretParameters.contains(name) || isSecretName(name) { return true }
        }
        return false
    }

    /// URLs that are themselves the credential: whoever has one can post as the app.
    static let webhookPrefixes = ["hooks.slack.com/services/", "hooks.slack.com/workflows/", "discord.com/api/webhooks/",
                                  "discordapp.com/api/webhooks/", "outlook.office.com/webhook/", "hooks.zapier.com/hooks/catch/",
                                  "maker.ifttt.com/trigger/"]

    static func isWebhookURL(_ value: String) -> Bool {
        guard let scheme = value.range(of: "://") else { return false }
        let rest = value[scheme.upperBound...].lowercased()
        return webhookPrefixes.contains { rest.hasPrefix($0) || rest.hasPrefix("www." + $0) }
            || (rest.contains(".webhook.office.com/") && rest.split(separator: "/").count > 2)
    }

    /// A credential-shaped piece inside a URL (`https://api.telegram.org/bot123456:AA.../`,
    /// `https://host/hook/sk-...`).
    static func hasCredentialInURL(_ value: String) -> Bool {
        guard let scheme = value.range(of: "://") else { return false }
        for piece in value[scheme.upperBound...].split(whereSeparator: { "/?&=#@".contains($0) }) {
            if isCredentialShaped(piece) || (piece.hasPrefix("bot") && isCredentialShaped(piece.dropFirst(3))) { return true }
        }
        return false
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
