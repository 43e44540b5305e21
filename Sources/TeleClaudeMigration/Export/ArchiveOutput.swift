import Foundation

/// Where an archive goes: standard output, or a file that only appears at its path once it
/// is complete. The file is written as `.<name>.partial-XXXXXX` beside the target (mode
/// 0600 whatever the umask), flushed, renamed over the target and the folder flushed.
/// A failure, or SIGINT/SIGTERM/SIGHUP, removes the temporary file.
final class ArchiveOutput {
    let fileDescriptor: Int32
    let displayPath: String
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
        fileDescriptor = created.fileDescriptor
        displayPath = target
        temporaryPath = created.path
        targetPath = target
    }

    deinit { abandon() }

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
