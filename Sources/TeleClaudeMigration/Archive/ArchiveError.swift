import Foundation

/// Everything that can be wrong with an archive or with writing one. Each message names
/// the member (and line, table, column where it applies) and what was expected; the
/// reason says which kind of wrong it is, for a caller that acts on it (exit codes, JSON).
public struct ArchiveError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Reason: String, Sendable, Codable {
        /// The file is something else (a SQLite database, text, an empty file).
        case notAnArchive = "not_an_archive"
        /// The bytes do not match what was written: a bad checksum, seal or padding.
        case damaged
        /// The archive ends before its end.
        case truncated
        /// A format version or required feature this reader does not implement.
        case unsupported
        /// The archive is well formed but breaks a rule of the format (or is hostile).
        case invalid
        /// Reading or writing the file failed.
        case io
        /// An age-encrypted archive that no identity or passphrase given opens.
        case encrypted
        /// `--require-signature`: the archive is not signed by an allowed signer.
        case unsigned
    }

    public let message: String
    public let reason: Reason

    public init(_ message: String, reason: Reason = .invalid) {
        self.message = message
        self.reason = reason
    }

    public var description: String { message }

    /// The file at byte 0 is not a tar header: what it is instead, when that can be told.
    static func notAnArchive(_ displayName: String, startingWith bytes: [UInt8]) -> ArchiveError {
        let what: String
        if bytes.starts(with: Array("SQLite format 3\u{0}".utf8)) {
            what = "a SQLite database, not a tc-export archive (to export it: tc-export --db \(displayName))"
        } else if bytes.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) || bytes.starts(with: [0x1F, 0x8B]) {
            what = "compressed data that does not hold a tar archive"
        } else if bytes.starts(with: Array("age-encryption.org/".utf8)) {
            what = "an age-encrypted file; decrypt it first (age -d)"
        } else if !bytes.isEmpty, String(validating: bytes.prefix(256), as: UTF8.self) != nil,
                  bytes.prefix(256).allSatisfy({ $0 >= 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            what = "a text file, not a tc-export archive (tc-export writes a compressed tar)"
        } else {
            what = "not a tc-export archive (its first bytes are not a tar header)"
        }
        return ArchiveError("\(displayName) is \(what)", reason: .notAnArchive)
    }
}

/// A temporary file the load keeps (a spool of rejected rows' originals, the read-back's
/// pair file) could not be made, written or read. Not the archive's fault: its own error.
public struct SpoolError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let action: String
    public let code: Int32

    public var description: String {
        "cannot \(action) \(file): \(String(cString: strerror(code))) (the load keeps it in $TMPDIR or /tmp; make room there or set TMPDIR)"
    }
}
