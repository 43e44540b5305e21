import Foundation

/// Result lines of `tc-import`, as text or JSON.
public enum ImportReport {
    public static func text(_ result: ArchiveVerifier.Result) -> String {
        "\(result.archive): OK (format \(result.formatVersion), \(result.tables) tables, \(Format.count(result.rows)) rows, "
            + "\(result.members) members, \(Format.bytes(result.decompressedBytes)) of data, checked in \(Format.seconds(result.seconds)))"
    }

    public static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try CanonicalJSON.encode(value), as: UTF8.self)
    }

    public static func jsonFailure(archive: String, error: Error) -> String {
        struct Failure: Encodable { var archive: String; var ok: Bool; var error: String }
        return (try? json(Failure(archive: archive, ok: false, error: "\(error)"))) ?? "{\"ok\":false}\n"
    }
}
