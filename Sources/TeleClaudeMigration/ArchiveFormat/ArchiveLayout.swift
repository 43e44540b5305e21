/// Member names and limits of format v1 (format-spec.md, "Layout").
public enum ArchiveLayout {
    public static let manifest = "manifest.json"
    public static let summary = "summary.json"
    public static let checksums = "SHA256SUMS"
    public static let tablesFolder = "tables/"
    public static let extensionsFolder = "ext/"
    /// Doc snippets: `docs/<path relative to the snippets folder>`.
    public static let docsFolder = "docs/"

    /// The parts of an archive in the one order writers write them and readers require
    /// (format-spec.md section 4; `FormatSpecTests` checks the spec's table against this).
    public enum Section: Int, CaseIterable, Comparable, CustomStringConvertible {
        case manifest, files, tables, extensions, summary, checksums

        public static func < (a: Section, b: Section) -> Bool { a.rawValue < b.rawValue }

        public var description: String {
            switch self {
            case .manifest: return ArchiveLayout.manifest
            case .files: return "file members"
            case .tables: return "table data members"
            case .extensions: return "extension members"
            case .summary: return ArchiveLayout.summary
            case .checksums: return ArchiveLayout.checksums
            }
        }
    }

    /// The section a member of this name belongs to.
    public static func section(of name: String) -> Section {
        switch name {
        case manifest: return .manifest
        case summary: return .summary
        case checksums: return .checksums
        case _ where name.hasPrefix(tablesFolder): return .tables
        case _ where name.hasPrefix(extensionsFolder): return .extensions
        default: return .files
        }
    }

    /// The order kept as members go by, by a writer or a reader: a member of an earlier
    /// section after a later one, or a second manifest, summary or checksum list, is refused.
    struct SectionOrder {
        private(set) var current: Section?

        mutating func enter(_ name: String) throws {
            let section = ArchiveLayout.section(of: name)
            if let current, section < current || (section == current && [.manifest, .summary, .checksums].contains(section)) {
                throw ArchiveError("the member \(TarReader.quoted(name)) (\(section)) comes after \(current); members go in the order: "
                                   + Section.allCases.map(\.description).joined(separator: ", "))
            }
            current = section
        }
    }

    /// Writers start a new data member once this many bytes are buffered (rows never split).
    public static let chunkTarget = 1 << 20
    /// Readers refuse larger members of these kinds.
    public static let maxMetadataMember: Int64 = 64 << 20
    public static let maxChunkMember: Int64 = 2 << 30

    public static func chunkName(member: String, index: Int) -> String {
        let digits = String(index)
        return member + "/" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".ndjson"
    }

    /// `tables/<name>` when the table name is plain ASCII, else `tables/table-<position>`.
    /// `tables/<name>`, or `tables/<database>.<name>` for a table of a database other than the
    /// first; `tables/table-<position>` when the name is not plain (format-spec.md, 4).
    public static func tableMember(name: String, position: Int, database: String? = nil) -> String {
        let plain = DatabaseEntry.isValidName(name)
        return tablesFolder + (plain ? (database.map { "\($0)." } ?? "") + name : "table-\(position)")
    }

    /// Names must be relative, normalized UTF-8 paths of printable characters.
    public static func isSafeMemberName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 1024, !name.hasPrefix("/"), !name.hasSuffix("/") else { return false }
        for scalar in name.unicodeScalars where scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\\" {
            return false
        }
        return name.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { $0 != "" && $0 != "." && $0 != ".." }
    }
}
