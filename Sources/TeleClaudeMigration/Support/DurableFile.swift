import Foundation
import SystemPackage

/// Writing files so that they survive a crash and appear whole, in one place: every byte
/// written (swift-system's `writeAll` retries partial writes and EINTR), the file flushed,
/// renamed over its final name, and the folder flushed so the rename itself is durable.
/// `AtomicFile` (reports, config) and `ArchiveOutput` (the archive) both end with `commit`.
enum DurableFile {
    /// Writes all of `bytes` to `fd`; the error's text on failure.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> String? {
        do {
            _ = try FileDescriptor(rawValue: fd).writeAll(bytes)
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// Reads up to `buffer.count` bytes (EINTR retried): the count, 0 at the end, nil with `errno` set.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        do {
            return try FileDescriptor(rawValue: fd).read(into: buffer)
        } catch let error as Errno {
            errno = error.rawValue
            return nil
        } catch {
            return nil
        }
    }

    /// Flushes and closes `fd`, renames `temporary` to `target`, flushes the folder. The
    /// temporary file is removed on failure; the error's text is returned.
    static func commit(_ fd: Int32, temporary: String, target: String) -> String? {
        if fsync(fd) != 0 || close(fd) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            return reason
        }
        guard rename(temporary, target) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            return reason
        }
        syncFolder(of: target)
        return nil
    }

    /// Flushes the folder holding `path`, so a rename into it survives a crash.
    static func syncFolder(of path: String) {
        let folder = (path as NSString).deletingLastPathComponent
        let fd = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); close(fd) }
    }
}
