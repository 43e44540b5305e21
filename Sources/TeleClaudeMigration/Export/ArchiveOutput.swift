import Foundation

/// Where an archive goes: standard output, or a file that only appears at its path once it
/// is complete. On Linux the file is written unnamed (`O_TMPFILE` in the target's folder,
/// mode 0600): a kill or a power cut leaves nothing; once complete it is flushed, given a
/// name beside the target, renamed over it and the folder flushed. Where the filesystem
/// cannot (or elsewhere) it is written as `.<name>.partial-XXXXXX` beside the target: a
/// failure, or SIGINT/SIGTERM/SIGHUP, removes it, and what SIGKILL or a power cut leaves
/// (unencrypted archive bytes) the next export to the same path removes: a writer holds an
/// exclusive `flock` on its partial file for as long as it lives, so one that can be locked
/// has no writer left.
final class ArchiveOutput {
    let fileDescriptor: Int32
    let displayPath: String
    /// Partial files of earlier, killed exports to the same path, removed.
    private(set) var removedPartials: [String] = []
    private let temporaryPath: String?
    private let targetPath: String?
    /// The file has no name yet (`O_TMPFILE`); `commit` gives it one.
    private let unnamed: Bool
    private var finished = false

    init(path: String, replaceExisting: Bool) throws {
        if path == "-" {
            guard isatty(STDOUT_FILENO) == 0 else { throw ExportError.outputIsTerminal }
            fileDescriptor = STDOUT_FILENO
            displayPath = "standard output"
            temporaryPath = nil
            targetPath = nil
            unnamed = false
            return
        }
        let target = Installation.absolute(path, relativeTo: FileManager.default.currentDirectoryPath)
        if !replaceExisting && FileManager.default.fileExists(atPath: target) {
            throw ExportError.outputExists(path: target)
        }
        let folder = (target as NSString).deletingLastPathComponent
        let base = (target as NSString).lastPathComponent
        let removed = Self.removeStalePartials(in: folder, prefix: ".\(base).partial-")
        if let fd = Self.openUnnamed(in: folder) {
            _ = flock(fd, LOCK_EX | LOCK_NB)  // the name it gets at the end is locked as the partial files are
            removedPartials = removed
            fileDescriptor = fd
            displayPath = target
            temporaryPath = nil
            targetPath = target
            unnamed = true
            return
        }
        // No interrupt may land between creating the file and registering it for removal.
        let created = TemporaryFiles.withInterruptsBlocked { () -> (fileDescriptor: Int32, path: String)? in
            let file = TemporaryFile.create(prefix: "\(folder)/.\(base).partial-")
            if let file { TemporaryFiles.register(file.path) }
            return file
        }
        guard let created else {
            throw ExportError.output(path: target, reason: String(cString: strerror(errno)))
        }
        fchmod(created.fileDescriptor, 0o600)
        _ = flock(created.fileDescriptor, LOCK_EX | LOCK_NB)  // held until this process ends
        removedPartials = removed
        fileDescriptor = created.fileDescriptor
        displayPath = target
        temporaryPath = created.path
        targetPath = target
        unnamed = false
    }

    /// An unnamed file in `folder` (Linux's `O_TMPFILE`), when the filesystem makes one and
    /// `/proc/self/fd` is there to name it by at the end; nil otherwise.
    static func openUnnamed(in folder: String) -> Int32? {
        #if os(Linux)
        // O_TMPFILE is __O_TMPFILE | O_DIRECTORY (linux/fcntl.h; 020000000 on x86_64 and
        // arm64), a macro Glibc's Swift module does not export.
        let flag: Int32 = 0o20000000 | O_DIRECTORY
        guard access("/proc/self/fd", X_OK) == 0 else { return nil }
        let fd = open(folder, flag | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }  // EOPNOTSUPP, EISDIR on old kernels: named partial file instead
        fchmod(fd, 0o600)
        return fd
        #else
        return nil
        #endif
    }

    deinit { abandon() }

    /// Removes the partial files in `folder` named `prefix...` that are regular files of
    /// this user and that no living export holds locked; returns their paths.
    static func removeStalePartials(in folder: String, prefix: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        var removed: [String] = []
        for name in names where name.hasPrefix(prefix) {
            let path = folder + "/" + name
            let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            var info = stat()
            guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_uid == getuid(),
                  flock(fd, LOCK_EX | LOCK_NB) == 0 else { continue }
            if unlink(path) == 0 { removed.append(path) }
        }
        return removed
    }

    /// Makes the archive durable and visible at its path.
    func commit() throws {
        guard !finished else { return }
        finished = true
        guard let targetPath else { return }
        if unnamed {
            try commitUnnamed(to: targetPath)
            return
        }
        guard let temporaryPath else { return }
        defer { TemporaryFiles.unregister(temporaryPath) }
        if let reason = DurableFile.commit(fileDescriptor, temporary: temporaryPath, target: targetPath) {
            throw ExportError.output(path: targetPath, reason: reason)
        }
    }

    /// The unnamed file, complete: linked in under a partial name (registered for removal
    /// like one), then committed as a named partial file is.
    private func commitUnnamed(to targetPath: String) throws {
        let folder = (targetPath as NSString).deletingLastPathComponent
        let name = "\(folder)/.\((targetPath as NSString).lastPathComponent).partial-\(UUID().uuidString.prefix(8))"
        let linked = TemporaryFiles.withInterruptsBlocked { () -> Bool in
            guard linkat(AT_FDCWD, "/proc/self/fd/\(fileDescriptor)", AT_FDCWD, name, AT_SYMLINK_FOLLOW) == 0 else { return false }
            TemporaryFiles.register(name)
            return true
        }
        guard linked else {
            let reason = String(cString: strerror(errno))
            close(fileDescriptor)
            throw ExportError.output(path: targetPath, reason: "cannot give the finished archive a name: \(reason)")
        }
        defer { TemporaryFiles.unregister(name) }
        if let reason = DurableFile.commit(fileDescriptor, temporary: name, target: targetPath) {
            unlink(name)
            throw ExportError.output(path: targetPath, reason: reason)
        }
    }

    /// Removes the partial file; nothing appears at the target path.
    func abandon() {
        guard !finished else { return }
        finished = true
        if unnamed {
            close(fileDescriptor)  // an unnamed file is gone with its last descriptor
            return
        }
        guard let temporaryPath else { return }
        close(fileDescriptor)
        unlink(temporaryPath)
        TemporaryFiles.unregister(temporaryPath)
    }
}
