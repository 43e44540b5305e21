import Foundation

/// Replaces a file all at once: a temporary file in the same folder (created owner-only,
/// then given `mode`), flushed, renamed over the target, the folder flushed. A reader
/// sees the old file or the new one, never a mix; an interrupted write leaves the old one.
enum AtomicFile {
    struct Failure: Error, CustomStringConvertible {
        var path: String
        var reason: String
        var description: String { "cannot write \(path): \(reason)" }
    }

    /// When `backup` is given and the target exists, the old file stays reachable under
    /// that name (a hard link made before the rename). `owner` (uid, gid) is given to the
    /// file before it appears at `path`, so it is never visible with the wrong owner.
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t, backup: String? = nil,
                      owner: (uid: uid_t, gid: gid_t)? = nil) throws(Failure) {
        let folder = (path as NSString).deletingLastPathComponent
        let base = (path as NSString).lastPathComponent
        let created = TemporaryFiles.withInterruptsBlocked { () -> (fileDescriptor: Int32, path: String)? in
            guard let file = TemporaryFile.create(prefix: "\(folder)/.\(base).tmp-") else { return nil }
            TemporaryFiles.register(file.path)
            return file
        }
        guard let created else { throw Failure(path: path, reason: String(cString: strerror(errno))) }
        var committed = false
        defer {
            if !committed { unlink(created.path) }
            TemporaryFiles.unregister(created.path)
        }
        let fd = created.fileDescriptor
        var failure: String?
        if let owner, fchown(fd, owner.uid, owner.gid) != 0 { failure = "cannot give it to uid \(owner.uid): \(String(cString: strerror(errno)))" }
        if failure == nil && fchmod(fd, mode) != 0 { failure = String(cString: strerror(errno)) }
        if failure == nil { failure = bytes.withUnsafeBytes { DurableFile.writeAll(fd, $0) } }
        if failure == nil && fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        if close(fd) != 0 && failure == nil { failure = String(cString: strerror(errno)) }
        if let failure { throw Failure(path: path, reason: failure) }
        if let backup, access(path, F_OK) == 0, link(path, backup) != 0 {
            throw Failure(path: path, reason: "cannot keep the old file as \(backup): \(String(cString: strerror(errno)))")
        }
        guard rename(created.path, path) == 0 else { throw Failure(path: path, reason: String(cString: strerror(errno))) }
        committed = true
        DurableFile.syncFolder(of: path)
    }
}
