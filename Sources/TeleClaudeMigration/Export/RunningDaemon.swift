import Foundation

/// Finds TeleClaude's own daemon, to warn that the export is a snapshot of a live database.
/// The daemon is the Python module `teleclaude.daemon` (`python -m teleclaude.daemon`, which
/// TeleClaude's service wrapper execs), or the process named by `teleclaude.pid` in the
/// project root (where its control script keeps it). Any other process that merely mentions
/// "teleclaude" (a pager on notes, a shell around tc-export) is not the daemon.
struct RunningDaemon: Equatable {
    let pid: Int32
    let command: String
    /// How it was recognized, for the message.
    let foundBy: String

    var warning: String {
        "the TeleClaude daemon is running (pid \(pid): \(command); \(foundBy)); the archive is a snapshot of the database "
            + "as of now, and what the daemon writes later is not in it. For the final migration, stop the daemon first"
    }

    static func find(projectRoot: String?) -> RunningDaemon? {
        if let root = projectRoot, let daemon = fromPIDFile(root + "/teleclaude.pid") { return daemon }
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        for entry in entries.sorted() {
            guard let pid = Int32(entry), pid != getpid(), let arguments = arguments(of: pid), isDaemon(arguments) else { continue }
            return RunningDaemon(pid: pid, command: program(arguments) + " running teleclaude.daemon", foundBy: "found by its command line")
        }
        return nil
    }

    /// Whether a command line runs TeleClaude's daemon module: `python… -m teleclaude.daemon`
    /// or `python… …/teleclaude/daemon.py`.
    static func isDaemon(_ arguments: [String]) -> Bool {
        guard let program = arguments.first.map({ ($0 as NSString).lastPathComponent }), program.hasPrefix("python") else { return false }
        // Python's options come first; the first word after them is the script, or -m's module.
        var index = 1
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "-m" { return index + 1 < arguments.count && arguments[index + 1] == "teleclaude.daemon" }
            if argument == "-mteleclaude.daemon" { return true }
            if argument == "-c" { return false }
            if !argument.hasPrefix("-") { return argument.hasSuffix("teleclaude/daemon.py") }
            index += (argument == "-X" || argument == "-W") ? 2 : 1
        }
        return false
    }

    static func fromPIDFile(_ path: String) -> RunningDaemon? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0,
              kill(pid, 0) == 0 || errno == EPERM, let arguments = arguments(of: pid), !arguments.isEmpty else { return nil }
        return RunningDaemon(pid: pid, command: program(arguments), foundBy: "named by \(path)")
    }

    static func arguments(of pid: Int32) -> [String]? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return nil }
        return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The program's name only: the rest of a command line may hold anything (a process named
    /// by a stale pid file could carry a password in its arguments).
    static func program(_ arguments: [String]) -> String {
        arguments.first.map { ($0 as NSString).lastPathComponent } ?? "?"
    }
}
