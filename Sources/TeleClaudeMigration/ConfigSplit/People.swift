import Yams

/// The `people:` list of config.yml: `name`, `email`, optional `username` (the OS user
/// name), `role`.
public enum People {
    /// The `name` of the person whose `username` is `user`, when config.yml lists one.
    public static func name(ofUser user: String, inConfig text: String) -> String? {
        guard let people = (try? Yams.compose(yaml: text))??["people"]?.sequence else { return nil }
        for person in people where person["username"]?.string == user {
            if let name = person["name"]?.string, !name.isEmpty { return name }
        }
        return nil
    }

    /// Every person's `name` in config.yml's `people:` list; nil when there is no list.
    public static func names(inConfig text: String) -> [String]? {
        guard let people = (try? Yams.compose(yaml: text))??["people"]?.sequence else { return nil }
        return people.compactMap { $0["name"]?.string }.filter { !$0.isEmpty }
    }
}
