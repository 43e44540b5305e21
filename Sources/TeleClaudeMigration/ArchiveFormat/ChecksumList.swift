/// `SHA256SUMS`, the last member: one `<hex>  <name>` line per other member, in archive
/// order, in the format `sha256sum -c` reads.
public struct ChecksumList: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var sha256: String
        public var name: String
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    public var text: String {
        entries.map { "\($0.sha256)  \($0.name)\n" }.joined()
    }

    public init(parsing bytes: [UInt8]) throws {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ArchiveError("\(ArchiveLayout.checksums) is not UTF-8 text")
        }
        guard text.isEmpty || text.hasSuffix("\n") else {
            throw ArchiveError("\(ArchiveLayout.checksums) does not end with a newline: it is truncated")
        }
        var entries: [Entry] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().enumerated() {
            let hash = line.prefix(64)
            guard line.count > 66, hash.allSatisfy({ $0.isHexDigit && !$0.isUppercase }),
                  line.dropFirst(64).hasPrefix("  ") else {
                throw ArchiveError("\(ArchiveLayout.checksums) line \(number + 1) is not '<sha256>  <name>'")
            }
            entries.append(Entry(sha256: String(hash), name: String(line.dropFirst(66))))
        }
        self.entries = entries
    }
}
