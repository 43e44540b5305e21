import Foundation

/// `tc-import extract`: one configuration or docs member, written only after the whole
/// archive verified. Members that may hold secrets are written owner-only and never to
/// standard output.
public struct MemberExtractor {
    public static let aliases: [String: FileRole] = [
        "user-config": .configUser, "system-config": .configSystem, "secrets": .configSecrets,
        "config": .configOriginal, "env": .envOriginal, "split": .configSplit,
    ]

    public let archive: ArchiveSource
    public let keys: ArchiveKeys
    public let member: String
    /// A file path, or `-` for standard output.
    public let output: String
    public let replaceExisting: Bool

    public init(archive: ArchiveSource, keys: ArchiveKeys = .none, member: String, output: String, replaceExisting: Bool) {
        self.archive = archive
        self.keys = keys
        self.member = member
        self.output = output
        self.replaceExisting = replaceExisting
    }

    /// Returns the member's bytes when `output` is `-` (the caller prints them), else nil.
    public func run() throws -> [UInt8]? {
        var files = ArchiveFiles()
        try ArchiveReader(archive, keys: keys).read(into: &files)
        let name = Self.aliases[member]?.memberName ?? member
        guard let found = files.members.first(where: { $0.entry.path == name }) else {
            throw InstallError.noSuchMember(name: member, available: Self.aliases.keys.sorted() + files.members.map(\.entry.path))
        }
        let secret = FileRole(rawValue: found.entry.role)?.holdsSecrets ?? true
        if output == "-" {
            guard !secret else {
                throw InstallError.write(path: "standard output", reason: "\(name) may hold secrets; write it to a file with -o PATH (created owner-only)")
            }
            return found.bytes
        }
        if access(output, F_OK) == 0 && !replaceExisting {
            throw InstallError.write(path: output, reason: "it exists; pass --force to replace it")
        }
        let folder = (output as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        do {
            try AtomicFile.write(found.bytes, to: output, mode: secret ? 0o600 : 0o644)
        } catch {
            throw InstallError.write(path: output, reason: error.reason)
        }
        return nil
    }
}
