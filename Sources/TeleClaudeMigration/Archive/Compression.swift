/// The outer compression of an archive. Readers detect it from the first bytes.
public enum Compression: String, Sendable, CaseIterable, Codable {
    case zstd, gzip, none
}
