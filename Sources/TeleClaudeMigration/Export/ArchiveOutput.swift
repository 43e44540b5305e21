import Foundation

/// Where an archive goes: standard output, or a file that only appears at its path once it
/// is complete. The file is written as `.<name>.partial-XXXXXX` beside the target (mode
/// 0600 whatever the umask), flushed, renamed over the target and the folder flushed.
/// A failure, or SIGINT/SIGTERM/SIGHUP, removes the temporary file. What SIGKILL or a
/// power cut leaves (a partial file holding unencrypted archive bytes) the next export to
/// the same path removes: a writer holds an exclusive `flock` on its partial file for as
/// long as it lives, so one that can be locked has no writer left.
final class ArchiveOutput {
    let fileDescriptor: Int32
    let displayPath: String
    /// Partial files of earlier, killed exports to the same path, removed.
    private(set) var removedPartials: [String] = []
    private let temporaryPath: String?
    private let targetPath: String?
    private var finished = false

    init(path: String, replaceExisting: Bool) throws {
        if path == "-" {
            guard isatty(STDOUT_FILENO) == 0 else { throw ExportError.outputIsTerminal }
            fileDescriptor = STDOUT_FILENO
            displayPath = "standard output"
            temporaryPath = nil
            targetPath = nil
            return
        }
        let target = Installation.absolute(path, relativeTo: FileManager.default.currentDirectoryPath)
        if !replaceExisting && FileManager.default.fileExists(atPath: target) {
            throw ExportError.outputExists(path: target)
        }
        let folder = (target as NSString).deletingLastPathComponent
        let base = (target as NSString).lastPathComponent
        let removed = Self.removeStalePartials(in: folder, prefix: ".\(base).partial-")
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
        guard let temporaryPath, let targetPath else { return }
        defer { TemporaryFiles.unregister(temporaryPath) }
        if let reason = DurableFile.commit(fileDescriptor, temporary: temporaryPath, target: targetPath) {
            throw ExportError.output(path: targetPath, reason: reason)
        }
    }

    /// Removes the partial file; nothing appears at the target path.
    func abandon() {
        guard !finished else { return }
        finished = true
        guard let temporaryPath else { return }
        close(fileDescriptor)
        unlink(temporaryPath)
        TemporaryFiles.unregister(temporaryPath)
    }
}
