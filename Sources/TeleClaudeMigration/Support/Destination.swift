import Foundation

/// Whether a file can be written at a path later: checked before a load's BEGIN for
/// everything it writes after COMMIT (report, rejects, configuration, docs), so that
/// nothing that could be known in advance fails once the data is committed.
enum Destination {
    /// Why a file could not be created or replaced at `path`, or nil when it could: the
    /// path itself, when present, is a regular file; every existing component above it is
    /// a folder; and the nearest existing folder is one this user may create entries in
    /// (a replacement is a rename in that folder). With `makesFolders`, folders missing
    /// below it are created by the writer; without, the file's own folder must exist.
    static func problem(writing given: String, makesFolders: Bool = true) -> String? {
        // Absolute first: the walk up then ends at `/`, and a relative path is the working
        // directory's (Foundation traps taking the parent of some one-component relative paths).
        let path = Installation.absolute(given, relativeTo: FileManager.default.currentDirectoryPath)
        var info = stat()
        if stat(path, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG {
            return (info.st_mode & S_IFMT) == S_IFDIR ? "\(path) is a folder" : "\(path) is not a regular file"
        }
        var parent = (path as NSString).deletingLastPathComponent
        if parent.isEmpty { parent = "." }
        while stat(parent, &info) != 0 {
            if !makesFolders && errno == ENOENT { return "the folder \(parent) does not exist" }
            guard errno == ENOENT || errno == ENOTDIR else { return "\(parent): \(String(cString: strerror(errno)))" }
            let up = (parent as NSString).deletingLastPathComponent
            if up == parent || up.isEmpty { return "no existing folder above \(path)" }
            parent = up
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { return "\(parent) is not a folder" }
        guard access(parent, W_OK | X_OK) == 0 else {
            return "cannot create files in \(parent): \(String(cString: strerror(errno))) (as user \(CurrentUser.lookup().name))"
        }
        return nil
    }
}
