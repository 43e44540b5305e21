/// What a consumer of an archive sees while `ArchiveReader` streams and checks it.
/// Everything passed here has already passed the checks that are possible at that point;
/// the final checks (summary, checksums) happen before `end` is called, so a consumer that
/// commits work must do it in `end`, never earlier.
public protocol ArchiveVisitor {
    mutating func manifest(_ manifest: Manifest, warnings: [String]) throws
    mutating func beginTable(_ table: TableSchema, position: Int) throws
    /// One decoded row; `line` counts from 1 within the table. `row` is reused for the next
    /// line: keep `row.values` (an owned copy) if the values must outlive the call.
    mutating func row(_ row: RowValues, table: TableSchema, line: Int64) throws
    mutating func endTable(_ table: TableSchema, rows: Int64) throws
    mutating func file(_ entry: Manifest.FileEntry, bytes: [UInt8]) throws
    /// The archive's signature, when the reader's `ArchiveKeys.signature` asked for it (before `end`).
    mutating func signature(_ info: SignatureInfo?) throws
    mutating func end(summary: Summary, checksums: ChecksumList) throws
}

public extension ArchiveVisitor {
    mutating func manifest(_ manifest: Manifest, warnings: [String]) throws {}
    mutating func beginTable(_ table: TableSchema, position: Int) throws {}
    mutating func row(_ row: RowValues, table: TableSchema, line: Int64) throws {}
    mutating func endTable(_ table: TableSchema, rows: Int64) throws {}
    mutating func file(_ entry: Manifest.FileEntry, bytes: [UInt8]) throws {}
    mutating func signature(_ info: SignatureInfo?) throws {}
    mutating func end(summary: Summary, checksums: ChecksumList) throws {}
}
