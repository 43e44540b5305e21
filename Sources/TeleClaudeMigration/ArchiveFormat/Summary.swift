/// `summary.json`, written after all table data: what the writer actually wrote, so a
/// reader can check the data against it and against the manifest.
public struct Summary: Codable, Sendable, Equatable {
    public var tables: [Table]

    public struct Table: Codable, Sendable, Equatable {
        public var name: String
        public var rows: Int64
        public var chunks: Int
        /// Total bytes of the table's data members.
        public var bytes: Int64
        /// SHA-256 of the digests of the table's data members: each member's SHA-256 as 64
        /// lowercase hex digits and a newline, in order (its lines of SHA256SUMS, names cut).
        public var sha256: String
        /// Per column (manifest order), how many values of each storage class it holds.
        public var classes: [ClassCounts]
    }
}
