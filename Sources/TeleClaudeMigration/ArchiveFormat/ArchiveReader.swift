import Crypto
import Foundation

/// Streams an archive from a file or standard input and enforces every rule of
/// format-spec.md that needs no database: version, member names and order, sizes, NDJSON
/// syntax and arity, row counts, per-table digests and the checksum list. The first
/// violation stops the read with an `ArchiveError` that names it.
public struct ArchiveReader {
    public let source: ArchiveSource
    /// What opens an encrypted archive, and whether its signature is looked for.
    public let keys: ArchiveKeys
    /// Decompressed bytes read so far, for progress.
    public var onProgress: ((_ decompressedBytes: Int64) -> Void)?

    /// The version this reader implements is the one the writer writes.
    public static let supportedMajor = FormatVersion.current.major
    public static let supportedMinor = FormatVersion.current.minor
    /// Features this reader implements; a `required_features` entry not listed here is refused.
    public static let knownFeatures: Set<String> = [DatabaseEntry.multipleDatabasesFeature]

    public init(_ source: ArchiveSource, keys: ArchiveKeys = .none) {
        self.source = source
        self.keys = keys
    }

    /// Reads and checks only the first member, the manifest (for `plan`).
    public func readManifest() throws -> Manifest {
        struct Stop: Error {}
        struct First: ArchiveVisitor {
            var manifest: Manifest?
            mutating func manifest(_ manifest: Manifest, warnings: [String]) throws {
                self.manifest = manifest
                throw Stop()
            }
        }
        var first = First()
        do {
            try read(into: &first)
        } catch is Stop {
            return first.manifest!
        }
        throw ArchiveError("the archive has no manifest")
    }

    /// The manifest and the file members (configuration, docs), which come before the
    /// first table: what the preflight needs, without reading the tables.
    public func readHead() throws -> ArchiveFiles {
        struct Stop: Error {}
        struct Head: ArchiveVisitor {
            var files = ArchiveFiles()
            mutating func manifest(_ manifest: Manifest, warnings: [String]) throws {
                try files.manifest(manifest, warnings: warnings)
                if manifest.files.isEmpty { throw Stop() }
            }
            mutating func file(_ entry: Manifest.FileEntry, bytes: [UInt8]) throws {
                try files.file(entry, bytes: bytes)
                if files.members.count == files.manifest?.files.count { throw Stop() }
            }
            mutating func beginTable(_ table: TableSchema, position: Int) throws { throw Stop() }
        }
        var head = Head()
        do {
            try read(into: &head)
        } catch is Stop {
            return head.files
        }
        guard head.files.manifest != nil else { throw ArchiveError("the archive has no manifest") }
        return head.files
    }

    /// One row of one table (`position` in manifest order, `line` from 1), read again to
    /// name a row the server refused; nil from standard input, which cannot be read twice.
    public func readRow(table position: Int, line: Int64) throws -> [SQLiteValue]? {
        guard source.canBeReadAgain else { return nil }
        struct Found: Error { var values: [SQLiteValue] }
        struct Finder: ArchiveVisitor {
            let position: Int
            let line: Int64
            var current = -1
            mutating func beginTable(_ table: TableSchema, position: Int) throws { current = position }
            mutating func row(_ row: RowValues, table: TableSchema, line: Int64) throws {
                if current == position, line == self.line { throw Found(values: row.values) }
            }
        }
        var finder = Finder(position: position, line: line)
        do {
            try read(into: &finder)
        } catch let found as Found {
            return found.values
        }
        return nil
    }

    public func read<V: ArchiveVisitor>(into visitor: inout V) throws {
        let displayName = source.displayName
        let fd: Int32
        switch source {
        case .standardInput: fd = STDIN_FILENO
        case .file(let path): fd = open(path, O_RDONLY | O_CLOEXEC)
        }
        guard fd >= 0 else {
            throw ArchiveError("cannot open the archive \(displayName): \(String(cString: strerror(errno)))", reason: .io)
        }
        defer { if source != .standardInput { Foundation.close(fd) } }
        let input = try ArchiveInput(fileDescriptor: fd, displayName: displayName, identities: keys.identities)
        let source = try DecompressingReader(input: input, displayName: displayName, signature: keys.signature)
        let tar = TarReader(source: source)
        tar.displayName = displayName
        var session = ReadSession(tar: tar, onProgress: onProgress, finishSource: source.finish)
        try session.run(&visitor)
    }
}

/// The state of one pass over an archive.
private struct ReadSession {
    let tar: TarReader
    let onProgress: ((Int64) -> Void)?
    var checksums: [ChecksumList.Entry] = []
    var seenNames: Set<String> = []
    /// The member order of format-spec.md section 4, the writer's own.
    var order = ArchiveLayout.SectionOrder()
    var pending: TarReader.Member?
    var lastProgress: Int64 = 0
    /// Where member data is read into, reused.
    var scratch: [UInt8] = []
    let finishSource: () throws -> SignatureInfo?

    init(tar: TarReader, onProgress: ((Int64) -> Void)?, finishSource: @escaping () throws -> SignatureInfo?) {
        self.tar = tar
        self.onProgress = onProgress
        self.finishSource = finishSource
    }

    mutating func run<V: ArchiveVisitor>(_ visitor: inout V) throws {
        // 1. The manifest, first.
        guard let first = try nextMember() else { throw ArchiveError("the archive holds no members") }
        guard first.name == ArchiveLayout.manifest else {
            throw ArchiveError("the first member is \(TarReader.quoted(first.name)); a v1 archive starts with \(ArchiveLayout.manifest)")
        }
        let manifestBytes = try readSmallMember(first)
        let (manifest, warnings) = try ManifestCheck.parse(manifestBytes)
        try visitor.manifest(manifest, warnings: warnings)

        // 2. File members, in manifest order.
        for entry in manifest.files {
            guard let member = try nextMember(), member.name == entry.path else {
                throw ArchiveError("expected the member \(TarReader.quoted(entry.path)) listed in the manifest's files")
            }
            let bytes = try readSmallMember(member)
            guard bytes.count == entry.size, SHA256Hex.of(bytes) == entry.sha256 else {
                throw ArchiveError("the member \(TarReader.quoted(entry.path)) does not match its size and SHA-256 in the manifest")
            }
            try visitor.file(entry, bytes: bytes)
        }

        // 3. Table data, in manifest order.
        var computed: [Summary.Table] = []
        for (position, table) in manifest.tables.enumerated() {
            try visitor.beginTable(table, position: position)
            computed.append(try readTable(table, visitor: &visitor))
            try visitor.endTable(table, rows: computed.last!.rows)
        }

        // 4. Extension members (ignored), then the summary.
        var member = try nextMember()
        while let m = member, m.name.hasPrefix(ArchiveLayout.extensionsFolder) {
            _ = try readMember(m, limit: ArchiveLayout.maxChunkMember) { _ in }
            member = try nextMember()
        }
        guard let summaryMember = member, summaryMember.name == ArchiveLayout.summary else {
            throw unexpected(member, expected: ArchiveLayout.summary)
        }
        let summary: Summary
        do {
            summary = try JSONDecoder().decode(Summary.self, from: Data(try readSmallMember(summaryMember)))
        } catch let error as ArchiveError {
            throw error
        } catch {
            throw ArchiveError("\(ArchiveLayout.summary) is not valid: \(error)")
        }
        try compare(summary: summary, computed: computed, manifest: manifest)

        // 5. The checksum list, last, then the end of the archive.
        guard let sumsMember = try nextMember(), sumsMember.name == ArchiveLayout.checksums else {
            throw ArchiveError("expected \(ArchiveLayout.checksums) after \(ArchiveLayout.summary)")
        }
        let expected = checksums
        let list = try ChecksumList(parsing: try readSmallMember(sumsMember, hashed: false))
        if list.entries != expected {
            let names = Set(list.entries.map(\.name))
            if let missing = expected.first(where: { !names.contains($0.name) }) {
                throw ArchiveError("\(ArchiveLayout.checksums) does not list the member \(TarReader.quoted(missing.name))")
            }
            let seen = Set(expected.map(\.name))
            if let extra = list.entries.first(where: { !seen.contains($0.name) }) {
                throw ArchiveError("\(ArchiveLayout.checksums) lists \(TarReader.quoted(extra.name)), which is not in the archive")
            }
            for (listed, actual) in zip(list.entries, expected) where listed != actual {
                if listed.name != actual.name {
                    throw ArchiveError("\(ArchiveLayout.checksums) lists the members in another order than the archive holds them (\(TarReader.quoted(listed.name)) where \(TarReader.quoted(actual.name)) is)")
                }
                throw ArchiveError("the SHA-256 of \(TarReader.quoted(actual.name)) is \(actual.sha256), but \(ArchiveLayout.checksums) says \(listed.sha256): the member is damaged")
            }
            throw ArchiveError("\(ArchiveLayout.checksums) has \(list.entries.count) entries for \(expected.count) members")
        }
        if let extra = try nextMember() {
            throw ArchiveError("the member \(TarReader.quoted(extra.name)) follows \(ArchiveLayout.checksums), which must be last")
        }
        try visitor.signature(try finishSource())
        try visitor.end(summary: summary, checksums: list)
    }

    // MARK: - Members

    mutating func nextMember() throws -> TarReader.Member? {
        if let member = pending { pending = nil; return member }
        guard let member = try tar.nextMember() else { return nil }
        guard ArchiveLayout.isSafeMemberName(member.name) else {
            throw ArchiveError("the member name \(TarReader.quoted(member.name)) is not a safe relative path (absolute, '..', '.', empty or control characters)")
        }
        guard seenNames.insert(member.name).inserted else {
            throw ArchiveError("the member \(TarReader.quoted(member.name)) appears twice")
        }
        try order.enter(member.name)
        return member
    }

    /// Streams a member's data in pieces, hashing it into the checksum list.
    mutating func readMember(_ member: TarReader.Member, limit: Int64, hashed: Bool = true,
                             _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> String {
        guard member.size <= limit else {
            throw ArchiveError("the member \(TarReader.quoted(member.name)) declares \(member.size) bytes, over the limit of \(limit) for its kind")
        }
        var hasher = SHA256()
        if scratch.isEmpty { scratch = [UInt8](repeating: 0, count: 1 << 20) }  // one for every member
        while true {
            let n = try scratch.withUnsafeMutableBytes { try tar.readData(into: $0) }
            if n == 0 { break }
            try scratch.withUnsafeBytes { raw in
                let piece = UnsafeRawBufferPointer(rebasing: raw[0..<n])
                hasher.update(bufferPointer: piece)
                try body(piece)
            }
            if let onProgress, tar.offset - lastProgress > 4 << 20 {
                lastProgress = tar.offset
                onProgress(tar.offset)
            }
        }
        let hex = hasher.finalizeHex()
        if hashed { checksums.append(.init(sha256: hex, name: member.name)) }
        return hex
    }

    mutating func readSmallMember(_ member: TarReader.Member, hashed: Bool = true) throws -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(min(member.size, ArchiveLayout.maxMetadataMember)))
        _ = try readMember(member, limit: ArchiveLayout.maxMetadataMember, hashed: hashed) { bytes.append(contentsOf: $0) }
        return bytes
    }

    func unexpected(_ member: TarReader.Member?, expected: String) -> ArchiveError {
        guard let member else { return ArchiveError("the archive ends where \(expected) should follow: it is truncated") }
        return ArchiveError("unexpected member \(TarReader.quoted(member.name)) where \(expected) should be")
    }

    // MARK: - Tables

    mutating func readTable<V: ArchiveVisitor>(_ table: TableSchema, visitor: inout V) throws -> Summary.Table {
        var tableHasher = SHA256()
        var rows: Int64 = 0
        var bytes: Int64 = 0
        var chunks = 0
        var classes = Array(repeating: ClassCounts(), count: table.columns.count)
        var partial: [UInt8] = []
        var row = RowValues()
        while true {
            let expectedName = ArchiveLayout.chunkName(member: table.member, index: chunks)
            guard let member = try nextMember() else {
                throw ArchiveError("the archive ends inside the data of table '\(table.displayName)': it is truncated")
            }
            guard member.name == expectedName else {
                if chunks > 0 { pending = member; break }
                throw ArchiveError("expected \(TarReader.quoted(expectedName)), the first data member of table '\(table.displayName)', found \(TarReader.quoted(member.name))")
            }
            chunks += 1
            let digest = try readMember(member, limit: ArchiveLayout.maxChunkMember) { piece in
                bytes += Int64(piece.count)
                var lineStart = 0
                let data = piece.bindMemory(to: UInt8.self)
                while let newline = data[lineStart...].firstIndex(of: 0x0A) {
                    rows += 1
                    if partial.isEmpty {
                        try Self.decodeLine(UnsafeBufferPointer(rebasing: data[lineStart..<newline]), table: table, line: rows,
                                       chunk: member.name, classes: &classes, row: &row, visitor: &visitor)
                    } else {
                        partial.append(contentsOf: UnsafeBufferPointer(rebasing: data[lineStart..<newline]))
                        try partial.withUnsafeBufferPointer {
                            try Self.decodeLine($0, table: table, line: rows, chunk: member.name, classes: &classes, row: &row, visitor: &visitor)
                        }
                        partial.removeAll(keepingCapacity: true)
                    }
                    lineStart = newline + 1
                }
                partial.append(contentsOf: UnsafeBufferPointer(rebasing: data[lineStart...]))
            }
            guard partial.isEmpty else {
                throw ArchiveError("the data member \(TarReader.quoted(member.name)) of table '\(table.displayName)' does not end with a newline: a row is cut")
            }
            tableHasher.update(data: Array((digest + "\n").utf8))
        }
        guard rows == table.rows else {
            throw ArchiveError("table '\(table.displayName)' has \(rows) rows in the archive, but the manifest says \(table.rows)")
        }
        return Summary.Table(name: table.name, rows: rows, chunks: chunks, bytes: bytes,
                             sha256: tableHasher.finalizeHex(), classes: classes)
    }

    static func decodeLine<V: ArchiveVisitor>(_ line: UnsafeBufferPointer<UInt8>, table: TableSchema, line number: Int64, chunk: String,
                                       classes: inout [ClassCounts], row: inout RowValues, visitor: inout V) throws {
        do {
            try RowDecoder.decode(line, into: &row)
        } catch {
            throw ArchiveError("table '\(table.displayName)', row \(number) (\(chunk)): invalid value encoding \(error)")
        }
        guard row.count == table.columns.count else {
            throw ArchiveError("table '\(table.displayName)', row \(number) (\(chunk)): \(row.count) values for \(table.columns.count) columns")
        }
        for (column, slot) in row.slots.enumerated() { classes[column].add(slot.storageClass) }
        try visitor.row(row, table: table, line: number)
    }

    func compare(summary: Summary, computed: [Summary.Table], manifest: Manifest) throws {
        guard summary.tables.count == computed.count else {
            throw ArchiveError("\(ArchiveLayout.summary) lists \(summary.tables.count) tables, the manifest \(computed.count)")
        }
        for (index, (written, found)) in zip(summary.tables, computed).enumerated() {
            let table = "table '\(manifest.tables[safe: index]?.displayName ?? found.name)'"
            guard written.name == found.name else {
                throw ArchiveError("\(ArchiveLayout.summary) names '\(written.name)' where the manifest has '\(found.name)'")
            }
            guard written.rows == found.rows else { throw ArchiveError("\(table): \(ArchiveLayout.summary) says \(written.rows) rows, the data holds \(found.rows)") }
            guard written.chunks == found.chunks else { throw ArchiveError("\(table): \(ArchiveLayout.summary) says \(written.chunks) data members, the archive holds \(found.chunks)") }
            guard written.bytes == found.bytes, written.sha256 == found.sha256 else {
                throw ArchiveError("\(table): the data does not match the size and SHA-256 in \(ArchiveLayout.summary)")
            }
            guard written.classes == found.classes else {
                throw ArchiveError("\(table): the storage classes of its values differ from \(ArchiveLayout.summary)")
            }
        }
    }
}
