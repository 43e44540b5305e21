import Foundation

/// Reads every file under a doc snippets folder (snippets in subfolders, non-Markdown
/// files too), in binary name order, following symbolic links and refusing loops.
public enum DocsCollector {
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public var path: String
        public var reason: String
        public var description: String { "doc snippets: \(path): \(reason)" }
    }

    /// Largest single file taken; a reader refuses bigger file members.
    public static let maxFileBytes = Int(ArchiveLayout.maxMetadataMember)

    public static func collect(root: String) throws(Failure) -> (files: [DocFile], warnings: [String]) {
        var files: [DocFile] = []
        var warnings: [String] = []
        var visiting: [String] = []
        try walk(directory: root, relative: "", visiting: &visiting, files: &files, warnings: &warnings)
        return (files, warnings)
    }

    private static func walk(directory: String, relative: String, visiting: inout [String],
                             files: inout [DocFile], warnings: inout [String]) throws(Failure) {
        guard let real = realpath(directory, nil) else {
            throw Failure(path: directory, reason: String(cString: strerror(errno)))
        }
        let resolved = String(cString: real)
        free(real)
        if visiting.contains(resolved) {
            throw Failure(path: directory, reason: "a symbolic link loop leads back to \(resolved); remove the link or pass --docs to another folder")
        }
        visiting.append(resolved)
        defer { visiting.removeLast() }
        let names: [String]
        do {
            guard access(directory, R_OK | X_OK) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EACCES) }
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            let reason = (error as? POSIXError).map { String(cString: strerror($0.code.rawValue)) } ?? "cannot be listed"
            throw Failure(path: directory, reason: "cannot be listed: \(reason) (running as user \(CurrentUser.lookup().name)); nothing was written")
        }
        for name in names.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            let path = directory + "/" + name
            let childRelative = relative.isEmpty ? name : relative + "/" + name
            var info = stat()
            guard stat(path, &info) == 0 else {
                if errno == ELOOP {
                    throw Failure(path: path, reason: "a symbolic link loop; remove the link")
                }
                warnings.append("doc snippets: skipped \(path): \(String(cString: strerror(errno))) (a dangling link?)")
                continue
            }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                try walk(directory: path, relative: childRelative, visiting: &visiting, files: &files, warnings: &warnings)
            case S_IFREG:
                guard ArchiveLayout.isSafeMemberName(ArchiveLayout.docsFolder + childRelative) else {
                    throw Failure(path: path, reason: "its name cannot be stored safely (control characters, backslash or over 1 KiB); rename it")
                }
                guard info.st_size <= maxFileBytes else {
                    throw Failure(path: path, reason: "larger than \(Units.bytes(Int64(maxFileBytes))); doc snippets are small text files")
                }
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw Failure(path: path, reason: "cannot be read: \(String(cString: strerror(errno))) (running as user \(CurrentUser.lookup().name)); nothing was written")
                }
                files.append(DocFile(relativePath: childRelative, bytes: Array(data)))
            default:
                warnings.append("doc snippets: skipped \(path): not a regular file or folder")
            }
        }
    }

}
