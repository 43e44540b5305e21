import ArgumentParser
import Foundation
import TeleClaudeMigration

/// Where a command writes: its result to standard output, its messages to the console on
/// standard error. The executables use the process's streams; tests run a command
/// in-process with both captured (`CommandIO.$current.withValue`), as swiftly's tests do.
public struct CommandIO: Sendable {
    /// Bytes for standard output: a member extracted with `-o -` is written as it is.
    public var bytes: @Sendable ([UInt8]) -> Void
    public var errors: @Sendable (String) -> Void
    /// Whether progress may be redrawn in place (standard error is a terminal).
    public var interactive: Bool

    public init(bytes: @escaping @Sendable ([UInt8]) -> Void, errors: @escaping @Sendable (String) -> Void, interactive: Bool) {
        self.bytes = bytes
        self.errors = errors
        self.interactive = interactive
    }

    public static let process = CommandIO(
        bytes: { FileHandle.standardOutput.write(Data($0)) },
        errors: { FileHandle.standardError.write(Data($0.utf8)) },
        interactive: isatty(STDERR_FILENO) != 0)

    /// Text for standard output.
    func output(_ text: String) { bytes(Array(text.utf8)) }

    @TaskLocal public static var current = CommandIO.process

    func console(quiet: Bool, logging: LoggingOptions? = nil) throws -> Console {
        let log = try logging?.log.map { path throws(LogFile.OpenError) in try LogFile(path: path) }
        return Console(quiet: quiet, verbose: logging?.verbose ?? false, log: log, interactive: interactive, sink: errors)
    }

    func print(_ text: String, terminator: String = "\n") {
        output(text + terminator)
    }

    /// A command's body with the one way failures end it: an `ExitCode` as it is; any other
    /// error printed once on the console (after `prefix`) and exit status 1 (a load that
    /// does not know whether its COMMIT went through: 4).
    /// With `json`, the failure is also printed on standard output as ImportReport's error
    /// object, for `archive` (so a script reading --json always gets an object).
    /// `jsonToErrors`: the failure object goes to standard error (standard output carries an archive).
    func run(_ console: Console, failing prefix: String = "", json: Bool = false, archive: String? = nil, jsonToErrors: Bool = false,
             _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            // 1, or 4 for a load whose COMMIT's outcome is not known.
            let status = (error as? Loader.Stopped)?.exitStatus ?? 1
            if json {
                let object = ImportReport.jsonFailure(archive: archive, error: error, exitStatus: status)
                if jsonToErrors { errors(object) } else { print(object, terminator: "") }
            }
            // Standard error holding the JSON object holds nothing else (the object has the message).
            if !(json && jsonToErrors) { console.error(prefix + "\(error)") }
            throw ExitCode(status)
        }
    }

    /// `body` makes the command's console (and whatever must come before it: keys,
    /// allowed signers, the --log file); a failure there ends the command as `run` ends
    /// one, with --json as the failure object, instead of reaching the argument parser,
    /// which would print it without JSON.
    func starting<T>(json: Bool, archive: String?, jsonToErrors: Bool = false, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            try run(Console(interactive: false, sink: errors), json: json, archive: archive, jsonToErrors: jsonToErrors) { throw error }
            fatalError("run rethrows every failure")
        }
    }
}

/// `-v/--verbose` and `--log FILE`, on every command that talks to a database or writes an archive.
struct LoggingOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Also print each SQL statement with its time, and each phase's time (never a row value).")
    var verbose = false

    @Option(help: ArgumentHelp("Append every message, with -v's details and a timestamp each, to this file (created mode 0600), whatever -q or -v say.", valueName: "FILE"))
    var log: String?
}
