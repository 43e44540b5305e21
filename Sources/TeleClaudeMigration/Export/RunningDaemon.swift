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
        for pid in processes() {
            guard pid != getpid(), let arguments = arguments(of: pid), isDaemon(arguments) else { continue }
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

    /// Every process id: Linux's /proc, else (macOS, where the old machine often is) `ps`.
    static func processes() -> [Int32] {
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") {
            return entries.compactMap { Int32($0) }.sorted()
        }
        return (ps(["-ax", "-o", "pid="]) ?? "").split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }.sorted()
    }

    /// A process's command line: /proc's exact words, else `ps`'s (split at spaces, which
    /// is enough to tell `python -m teleclaude.daemon` apart).
    static func arguments(of pid: Int32) -> [String]? {
        if FileManager.default.fileExists(atPath: "/proc/self/cmdline") {
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return nil }
            return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        }
        return psArguments(of: pid)
    }

    static func psArguments(of pid: Int32) -> [String]? {
        let words = (ps(["-ww", "-o", "args=", "-p", String(pid)]) ?? "").split(whereSeparator: \.isWhitespace).map(String.init)
        return words.isEmpty ? nil : words
    }

    /// `ps` with these arguments: its standard output, nil when it could not run.
    static func ps(_ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/ps")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// The program's name only: the rest of a command line may hold anything (a process named
    /// by a stale pid file could carry a password in its arguments).
    static func program(_ arguments: [String]) -> String {
        arguments.first.map { ($0 as NSString).lastPathComponent } ?? "?"
    }
}
