/// The file members of an archive (configuration and docs), kept while the rest of the
/// archive streams past; usable only once the whole archive has been verified.
public struct ArchiveFiles: ArchiveVisitor, Sendable {
    public private(set) var manifest: Manifest?
    public private(set) var members: [(entry: Manifest.FileEntry, bytes: [UInt8])] = []
    public private(set) var verified = false

    /// Files are small (each at most 64 MiB by the format); their sum is capped too.
    public static let maxTotalBytes = 512 << 20
    private var total = 0

    public init() {}

    public mutating func manifest(_ manifest: Manifest, warnings: [String]) throws {
        self.manifest = manifest
    }

    public mutating func file(_ entry: Manifest.FileEntry, bytes: [UInt8]) throws {
        total += bytes.count
        guard total <= Self.maxTotalBytes else {
            throw ArchiveError("the archive's file members hold more than \(Units.bytes(Int64(Self.maxTotalBytes))); refusing to read them")
        }
        members.append((entry, bytes))
    }

    public mutating func end(summary: Summary, checksums: ChecksumList) throws {
        verified = true
    }

    public func bytes(of role: FileRole) -> [UInt8]? {
        members.first { $0.entry.role == role.rawValue }?.bytes
    }

    public var hasConfiguration: Bool { bytes(of: .configSystem) != nil }
}
