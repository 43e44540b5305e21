import CTCSQLite
import ArgumentParser
import Foundation
import Synchronization
import TCCommands
import Testing
@testable import TeleClaudeMigration

/// A temporary folder that removes itself.
final class TemporaryFolder {
    let path: String

    init(_ label: String = "tc-test") throws {
        var template = Array("/tmp/\(label).XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw ArchiveError("mkdtemp failed")
        }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    func write(_ name: String, _ text: String) throws {
        let full = file(name)
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: false, encoding: .utf8)
    }
}

/// A read-write SQLite database for building test inputs.
func makeDatabase(_ path: String, wal: Bool = true, _ statements: [String]) throws -> SQLiteConnection {
    let db = try SQLiteConnection(uri: path, path: path, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
    if wal { try db.execute("PRAGMA journal_mode = WAL") }
    for statement in statements { try db.execute(statement) }
    return db
}

/// Collects everything an archive holds, for assertions.
struct CollectedArchive: ArchiveVisitor {
    var manifest: Manifest?
    var warnings: [String] = []
    var rows: [String: [[SQLiteValue]]] = [:]
    var files: [String: [UInt8]] = [:]
    var summary: Summary?
    var checksums: ChecksumList?

    mutating func manifest(_ manifest: Manifest, warnings: [String]) throws {
        self.manifest = manifest
        self.warnings = warnings
    }

    mutating func row(_ row: RowValues, table: TableSchema, line: Int64) throws {
        rows[table.displayName, default: []].append(row.values)
    }

    mutating func file(_ entry: Manifest.FileEntry, bytes: [UInt8]) throws { files[entry.path] = bytes }

    mutating func end(summary: Summary, checksums: ChecksumList) throws {
        self.summary = summary
        self.checksums = checksums
    }

    static func read(_ path: String) throws -> CollectedArchive {
        var collected = CollectedArchive()
        try ArchiveReader(.file(path)).read(into: &collected)
        return collected
    }
}

/// Runs an export quietly with a fixed creation time, capturing what it prints.
@discardableResult
func export(database: String, to output: String, compression: Compression = .zstd, projectRoot: String? = nil,
            chunkTarget: Int = ArchiveLayout.chunkTarget, messages: MessageLog = MessageLog()) throws -> ExportResult {
    let root = projectRoot ?? (database as NSString).deletingLastPathComponent
    let options = ExportOptions(
        locations: .init(projectRoot: root, database: database, docs: nil), output: output, compression: compression,
        replaceExisting: true, createdAt: Date(timeIntervalSince1970: 1_700_000_000), chunkTarget: chunkTarget)
    return try Exporter(options: options, console: messages.console).run()
}

/// Captures everything a Console prints.
final class MessageLog: @unchecked Sendable {
    private let lock = NSLock()
    private var text = ""

    var console: Console {
        Console(quiet: false, interactive: false) { [self] line in
            lock.lock()
            text += line
            lock.unlock()
        }
    }

    var output: String {
        lock.lock()
        defer { lock.unlock() }
        return text
    }
}

/// The bytes of a file, or nil when it does not exist.
func contents(_ path: String) -> [UInt8]? {
    FileManager.default.contents(atPath: path).map(Array.init)
}

/// Where `swift build` put the executables of this package: beside the test bundle that
/// runs these tests (what `swift build --show-bin-path` prints; asking SwiftPM itself from
/// inside `swift test` would wait on the build folder's lock that `swift test` holds).
let builtProducts: String = {
    let runner = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).resolvingSymlinksInPath()
    var folder = runner.deletingLastPathComponent()
    // The runner may be inside a bundle folder (`…/debug/X.xctest/…`).
    while folder.path.contains(".xctest") { folder = folder.deletingLastPathComponent() }
    if FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent("tc-import").path) { return folder.path }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.appendingPathComponent(".build/debug").path
}()

struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs tc-export or tc-import: in this process (the command parsed and run with its output
/// captured, as swiftly's tests do) unless the test needs a process of its own (an
/// environment, a working folder, a file-size limit or umask) or asks for the built binary
/// with `binary`; any other program as a process.
func runTool(_ name: String, _ arguments: [String], environment: [String: String] = [:], in folder: String? = nil,
             limitFileSize kilobytes: Int? = nil, umask mask: String? = nil, direct: Bool = false, binary: Bool = false) throws -> CommandResult {
    if !binary, !direct, environment.isEmpty, folder == nil, kilobytes == nil, mask == nil, let root = commandRoots[name] {
        return runInProcess(root, arguments)
    }
    let process = Process()
    // Through a shell so a file-size limit or umask can be set for the tool alone.
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    var prefix = ""
    if let kilobytes { prefix += "ulimit -f \(kilobytes); " }
    if let mask { prefix += "umask \(mask); " }
    let program = direct ? name : builtProducts + "/" + name
    process.arguments = ["-c", prefix + "exec \"$0\" \"$@\"", program] + arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    if let folder { process.currentDirectoryURL = URL(fileURLWithPath: folder) }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
    let stderrData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
                         stderr: String(decoding: stderrData, as: UTF8.self))
}

/// Runs one of the repository's scripts (`scripts/NAME`) with no input; its standard output
/// and error together, for a test that checks a whole scenario a script plays out.
func runRepositoryScript(_ name: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let process = Process()
    process.executableURL = root.appendingPathComponent("scripts/\(name)")
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, text)
}

/// Counts for `scripts/reliability-figures`: with TC_FIGURES_FILE set, tests append
/// `name value` lines that the script adds up. Recording never changes a test's outcome.
enum Figures {
    private static let lock = NSLock()

    static func record(_ name: String, _ value: Int) {
        guard let path = ProcessInfo.processInfo.environment["TC_FIGURES_FILE"], !path.isEmpty else { return }
        lock.lock()
        defer { lock.unlock() }
        guard let handle = FileHandle(forWritingAtPath: path) ?? {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            return FileHandle(forWritingAtPath: path)
        }() else { return }
        handle.seekToEndOfFile()
        handle.write(Data("\(name) \(value)\n".utf8))
        try? handle.close()
    }
}

/// Starts one of the built executables without waiting for it, for tests that kill it or
/// cut it off; its standard output is discarded, its standard error goes to `errors`.
func launchTool(_ name: String, _ arguments: [String], errors: Pipe? = nil) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: builtProducts + "/" + name)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = errors ?? FileHandle.nullDevice
    try process.run()
    return process
}

/// A SQLite database made of `statements`, exported to `NAME.tcar` in `folder`; the archive's path.
func exportedDatabase(_ folder: TemporaryFolder, _ statements: [String], name: String = "app") throws -> String {
    let db = try makeDatabase(folder.file("\(name).db"), wal: false, statements)
    db.close()
    try export(database: folder.file("\(name).db"), to: folder.file("\(name).tcar"))
    return folder.file("\(name).tcar")
}

extension LoadOptions {
    /// Options for loading into a test schema, with `--create-missing-tables` and
    /// `--on-error reject` (rejects in `folder`) as asked.
    static func test(_ archive: String, _ schema: TestServer.Schema, createMissing: Bool = false, reject: TemporaryFolder? = nil) -> LoadOptions {
        var options = LoadOptions(archive: .file(archive), databaseURL: schema.url, schema: schema.name)
        options.createMissingTables = createMissing
        if let reject {
            options.onError = .reject
            options.rejectsPath = reject.file("rejects.ndjson")
        }
        return options
    }
}

let commandRoots: [String: any ParsableCommand.Type] = ["tc-import": TCImport.self, "tc-export": TCExport.self]

/// Text written by a command run in-process.
final class CapturedText: Sendable {
    private let text = Mutex("")
    func append(_ more: String) { text.withLock { $0 += more } }
    var value: String { text.withLock { $0 } }
}

/// A command parsed and run here, with the exit status and messages `main()` would give.
func runInProcess(_ root: any ParsableCommand.Type, _ arguments: [String]) -> CommandResult {
    let out = CapturedText(), err = CapturedText()
    let io = CommandIO(bytes: { out.append(String(decoding: $0, as: UTF8.self)) }, errors: { err.append($0) }, interactive: false)
    var status: Int32 = 0
    CommandIO.$current.withValue(io) {
        do {
            var command = try root.parseAsRoot(arguments)
            try command.run()
        } catch {
            status = root.exitCode(for: error).rawValue
            let message = root.fullMessage(for: error)
            if !message.isEmpty { (status == 0 ? out : err).append(message + "\n") }
        }
    }
    return CommandResult(status: status, stdout: out.value, stderr: err.value)
}

/// Keys of a JSON document that are not snake_case (every `--json` output uses one style).
func camelCaseKeys(_ json: String) throws -> [String] {
    func walk(_ value: Any) -> [String] {
        if let object = value as? [String: Any] {
            return object.keys.filter { $0.contains(where: \.isUppercase) } + object.values.flatMap(walk)
        }
        if let array = value as? [Any] { return array.flatMap(walk) }
        return []
    }
    return walk(try JSONSerialization.jsonObject(with: Data(json.utf8)))
}

/// A command-line tool the interop tests run (age, ssh-keygen). A suite that needs one
/// carries `InteropTool.trait(...)`: where the tool is missing the suite is reported as
/// skipped, except under scripts/test (TC_REQUIRE_POSTGRES set, as in CI, which installs
/// every tool), where it runs and `require` fails it, naming the package to install.
enum InteropTool {
    static var required: Bool { ProcessInfo.processInfo.environment["TC_REQUIRE_POSTGRES"] == "1" }

    static func onPath(_ name: String) -> Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(name)") }
    }

    static func trait(_ name: String, package: String) -> ConditionTrait {
        .enabled(if: onPath(name) || required, "\(name) is not installed (apt-get install \(package))")
    }

    static func require(_ name: String, package: String) throws {
        guard onPath(name) else { throw ArchiveError("\(name) is not installed; scripts/setup installs it (apt-get install \(package))") }
    }
}
