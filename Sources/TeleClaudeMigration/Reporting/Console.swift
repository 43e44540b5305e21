import Foundation
import Synchronization

/// Where the tools talk to the person running them. Messages go to standard error, so
/// standard output stays free for an archive (`-o -`) or `--json`. Tests capture it.
public final class Console: Sendable {
    public enum Level: Sendable { case info, warning, error }

    private let sink: @Sendable (String) -> Void
    public let quiet: Bool
    /// `-v`: also the details (each SQL statement with its time, each phase's time).
    public let verbose: Bool
    /// `--log FILE`: every message, details included and `-q` or not, with its time.
    private let log: LogFile?
    /// True when progress lines may be redrawn in place (standard error is a terminal).
    public let interactive: Bool
    /// A progress line is on the screen (the next message clears it first).
    private let progressShown = Mutex(false)

    public init(quiet: Bool = false, verbose: Bool = false, log: LogFile? = nil, interactive: Bool? = nil,
                sink: (@Sendable (String) -> Void)? = nil) {
        self.quiet = quiet
        self.verbose = verbose
        self.log = log
        self.interactive = interactive ?? (isatty(STDERR_FILENO) != 0)
        self.sink = sink ?? { text in FileHandle.standardError.write(Data(text.utf8)) }
    }

    /// Whether details are wanted anywhere (on the terminal with -v, or in the log).
    public var wantsDetails: Bool { (verbose && !quiet) || log != nil }

    public func info(_ message: String) {
        log?.append(message)
        guard !quiet else { return }
        emit(message + "\n")
    }

    /// A detail for `-v` and the log: SQL statements and timings.
    public func detail(_ message: String) {
        log?.append(message)
        guard verbose, !quiet else { return }
        emit(message + "\n")
    }

    public func warning(_ message: String) {
        log?.append("warning: " + message)
        emit("warning: " + message + "\n")
    }

    public func error(_ message: String) {
        log?.append("error: " + message)
        emit("error: " + message + "\n")
    }

    /// A progress line, redrawn in place on a terminal and never written elsewhere.
    public func progress(_ line: String) {
        guard interactive, !quiet else { return }
        progressShown.withLock { $0 = true }
        sink("\r\u{1B}[2K" + line)
    }

    /// Control characters other than newline and tab, shown as `\u{1b}`: names and values
    /// from an archive or a database (ANSI escapes in `last_output_raw`, a crafted member
    /// name) must not drive the terminal.
    public static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\n" && $0 != "\t") || $0.value == 0x7F || (0x80...0x9F).contains($0.value) }) else {
            return text
        }
        var result = ""
        for scalar in text.unicodeScalars {
            if (scalar.value < 0x20 && scalar != "\n" && scalar != "\t") || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value) {
                result += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    private func emit(_ text: String) {
        let text = Console.printable(text)
        let clear = progressShown.withLock { shown in defer { shown = false }; return shown }
        sink((clear ? "\r\u{1B}[2K" : "") + text)
    }

    public func endProgress() {
        let clear = progressShown.withLock { shown in defer { shown = false }; return shown }
        if clear { sink("\r\u{1B}[2K") }
    }
}

/// `--log FILE`: messages appended as lines `2026-12-01T10:00:00.123Z message`, to a file
/// created owner-only (messages name tables, paths and keys; never a value, as on the screen).
public final class LogFile: Sendable {
    public let path: String
    private let descriptor: Int32

    public struct OpenError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(path: String) throws(OpenError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw OpenError(description: "cannot open the log file \(path): \(String(cString: strerror(errno)))") }
        self.path = path
        descriptor = fd
    }

    deinit { close(descriptor) }

    func append(_ message: String) {
        let stamp = Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
        let lines = Console.printable(message).split(separator: "\n", omittingEmptySubsequences: false).map { "\(stamp) \($0)\n" }.joined()
        // One write per message with O_APPEND: lines of messages from two threads never interleave.
        _ = lines.utf8CString.dropLast().withUnsafeBytes { DurableFile.writeAll(descriptor, $0) }
    }
}
