import CTCSQLite
import Foundation

/// A read-only, consistent view of a TeleClaude database that changes nothing on disk:
/// not the database, not its `-wal`, not the bytes of its `-shm`, and creates no file.
///
/// - WAL database with its `-shm` present (the daemon ran or runs): opened with
///   `mode=ro&readonly_shm=1`, so SQLite reads the WAL index without writing read marks,
///   and one read transaction pins a snapshot while the daemon keeps writing.
/// - WAL database with neither `-wal` nor `-shm` (cleanly closed): a plain read-only open
///   would create both files, so it is opened `immutable=1` and the file's identity is
///   compared before and after; any change fails the export.
/// - Rollback-journal database: `mode=ro`, whose shared lock keeps writers out meanwhile.
public final class DatabaseSnapshot {
    public enum Mode: String, Sendable {
        case walSnapshot = "WAL snapshot (read-only shared memory)"
        case immutable = "immutable read (no WAL files present; the file is checked unchanged when the read ends)"
        case rollbackJournal = "read-only transaction (rollback journal)"
    }

    public let connection: SQLiteConnection
    public let mode: Mode
    public let path: String
    private let fingerprint: FileFingerprint?
    /// For an immutable read: the `-wal` as it was at the start (nil: absent). An empty one
    /// left by a cleanly closed connection is no change; one that appears or grows is.
    private let walFingerprint: FileFingerprint?

    public init(path: String, busyTimeoutMilliseconds: Int32 = 5000) throws {
        self.path = path
        let header = try Self.readHeader(path)
        let isWAL = header[18] == 2 || header[19] == 2
        let walExists = FileManager.default.fileExists(atPath: path + "-wal")
        let shmExists = FileManager.default.fileExists(atPath: path + "-shm")
        let uriPath = Self.uriEscape(path)
        let uri: String
        if isWAL && shmExists {
            mode = .walSnapshot
            uri = "file:\(uriPath)?mode=ro&readonly_shm=1"
            fingerprint = nil
            walFingerprint = nil
        } else if isWAL {
            if walExists, (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0 > 0 {
                throw ExportError.notSQLite(path: path, reason: "its write-ahead log \(path)-wal exists without \(path)-shm. Let TeleClaude (or `sqlite3 \(path) 'PRAGMA quick_check'`) open it once to recover the log, then export again")
            }
            mode = .immutable
            uri = "file:\(uriPath)?mode=ro&immutable=1"
            fingerprint = try FileFingerprint(path: path)
            walFingerprint = try? FileFingerprint(path: path + "-wal")
        } else {
            mode = .rollbackJournal
            uri = "file:\(uriPath)?mode=ro"
            fingerprint = nil
            walFingerprint = nil
        }
        do {
            connection = try SQLiteConnection(uri: uri, path: path)
            connection.busyTimeoutMilliseconds = busyTimeoutMilliseconds
            try connection.execute("BEGIN")
            // The snapshot is taken at the first read inside the transaction.
            _ = try connection.rows("SELECT count(*) FROM sqlite_schema")
        } catch let error as SQLiteError {
            throw ExportError.notSQLite(path: path, reason: error.message)
        }
    }

    /// Ends the read transaction and, for an immutable read, proves nothing changed.
    public func finish() throws {
        _ = try? connection.execute("COMMIT")
        connection.close()
        if let fingerprint {
            let after = try? FileFingerprint(path: path)
            let walAfter = try? FileFingerprint(path: path + "-wal")
            if after != fingerprint || walAfter != walFingerprint { throw ExportError.changedDuringExport(path: path) }
        }
    }

    static func readHeader(_ path: String) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ExportError.unreadable(what: "database", path: path)
        }
        defer { try? handle.close() }
        let header = Array((try? handle.read(upToCount: 100)) ?? Data())
        guard header.count == 100, header.starts(with: Array("SQLite format 3\0".utf8)) else {
            throw ExportError.notSQLite(path: path, reason: "it does not start with the SQLite header (is it an SQLite 3 database?)")
        }
        return header
    }

    static func uriEscape(_ path: String) -> String {
        var out = ""
        for scalar in path.unicodeScalars {
            switch scalar {
            case "%": out += "%25"
            case "?": out += "%3f"
            case "#": out += "%23"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// Identity and last change of a file, to detect a write between two points in time.
struct FileFingerprint: Equatable {
    let device: UInt64
    let inode: UInt64
    let size: Int64
    let modifiedSeconds: Int
    let modifiedNanoseconds: Int

    init(path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { throw ExportError.unreadable(what: "database", path: path) }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        #if canImport(Darwin)
        let modified = info.st_mtimespec  // macOS's name for it
        #else
        let modified = info.st_mtim
        #endif
        modifiedSeconds = Int(modified.tv_sec)
        modifiedNanoseconds = Int(modified.tv_nsec)
    }
}
