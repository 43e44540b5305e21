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
                + ". Nothing was installed. Pass --overwrite-config to replace them (each old file is kept as a timestamped backup beside it)"
        case .unsafePath(let path, let reason):
            return "refusing to write \(path): \(reason). Nothing was installed"
        case .write(let path, let reason):
            return "cannot write \(path): \(reason)"
        case .noSuchMember(let name, let available):
            let closest = available.min { Self.distance(name, $0) < Self.distance(name, $1) }
            let suggestion = closest.flatMap { Self.distance(name, $0) <= max(3, name.count / 3) ? " (did you mean \($0)?)" : nil } ?? ""
            return "the archive has no member \(name)\(suggestion); it has:\n" + available.map { "  " + $0 }.joined(separator: "\n")
        case .destinations(let problems):
            return "the configuration and docs could not be installed where they go: " + problems.joined(separator: "; ")
                + ". Nothing was installed. Fix the folders, or choose others with --config-dir, --docs-dir and --user-config (or --skip-files)"
        case .validationFailed(let differences):
            return "the installed configuration does not resolve to the configuration recorded in the archive; differing: "
                + differences.joined(separator: ", ")
        }
    }

    /// Edits (insert, delete, replace a character) from one name to another.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let kept = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = kept
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
}
