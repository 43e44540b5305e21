/// Why files were not installed. Nothing is written when one of these is thrown before
/// the first write (conflicts, unsafe paths); the message says which flag changes that.
public enum InstallError: Error, CustomStringConvertible, Equatable {
    case configConflict(paths: [String])
    case unsafePath(path: String, reason: String)
    case write(path: String, reason: String)
    case noSuchMember(name: String, available: [String])
    case validationFailed(differences: [String])
    case destinations(problems: [String])

    public var description: String {
        switch self {
        case .configConflict(let paths):
            return "these files exist with other content and were left alone: " + paths.joined(separator: ", ")
                + ". Nothing was installed. Pass --overwrite-config to replace them (each old file is kept as a timestamped backup beside it), or, when they are another person's of this deployment, --join-config to join this archive's into them"
        case .unsafePath(let path, let reason):
            return "refusing to write \(path): \(reason). Nothing was installed"
        case .write(let path, let reason):
            return "cannot write \(path): \(reason)"
        case .noSuchMember(let name, let available):
            return "the archive has no member \(name)\(Suggestion.didYouMean(name, among: available)); it has:\n" + available.map { "  " + $0 }.joined(separator: "\n")
        case .destinations(let problems):
            return "the configuration and docs could not be installed where they go: " + problems.joined(separator: "; ")
                + ". Nothing was installed. Fix the folders (for the service user, the administrator makes them: README, \"The migration, step by step\", step 2), or choose others with --config-dir, --docs-dir and --user-config (or --skip-files)"
        case .validationFailed(let differences):
            return "the installed configuration does not resolve to the configuration recorded in the archive; differing: "
                + differences.joined(separator: ", ")
        }
    }
}
