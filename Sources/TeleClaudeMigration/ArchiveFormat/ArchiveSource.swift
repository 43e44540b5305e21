/// Where an archive is read from: a file, or standard input, which can be read only once
/// (no second pass for storage classes, no re-read to name a refused row).
public enum ArchiveSource: Sendable, Equatable {
    case file(String)
    case standardInput

    /// The command line's spelling: `-` is standard input, anything else a path.
    public init(argument: String) {
        self = argument == "-" ? .standardInput : .file(argument)
    }

    /// As the command line spells it (`-` for standard input), for commands shown to the user.
    public var argument: String {
        switch self {
        case .file(let path): path
        case .standardInput: "-"
        }
    }

    /// As messages name it.
    public var displayName: String {
        switch self {
        case .file(let path): path
        case .standardInput: "standard input"
        }
    }

    /// A file the load keeps beside the archive (`ARCHIVE.suffix`); read from standard
    /// input, `tc-import-suffix` in the working directory.
    public func sidecar(_ suffix: String) -> String {
        switch self {
        case .file(let path): path + "." + suffix
        case .standardInput: "tc-import-" + suffix
        }
    }

    /// Whether a second pass over the same bytes is possible.
    public var canBeReadAgain: Bool { self != .standardInput }
}
