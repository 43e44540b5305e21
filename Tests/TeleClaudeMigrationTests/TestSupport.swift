import CTCSQLite
import Foundation
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
        rows[table.name, default: []].append(row.values)
    }

    mutating func file(_ entry: Manifest.FileEntry, bytes: [UInt8]) throws { files[entry.path] = bytes }

    mutating func end(summary: Summary, checksums: ChecksumList) throws {
        self.summary = summary
        self.checksums = checksums
    }

    static func read(_ path: String) throws -> CollectedArchive {
        var collected = CollectedArchive()
        try ArchiveReader(path: path).read(into: &collected)
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

/// Where `swift build` put the executables of this package.
var builtProducts: String {
    let testFile = URL(fileURLWithPath: #filePath)
    let root = testFile.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.appendingPathComponent(".build/debug").path
}

struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs one of the built executables with arguments, environment additions and a working folder.
func runTool(_ name: String, _ arguments: [String], environment: [String: String] = [:], in folder: String? = nil,
             limitFileSize kilobytes: Int? = nil, umask mask: String? = nil, direct: Bool = false) throws -> CommandResult {
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

/// Counts for `scripts/reliability-figures`: with TC_FIGURES_FILE set, tests append
/// `name value` lines that the script adds up. Recording never changes a test's outcome.
enum Figures {
    private static let lock = NSLock()

    static func record(_ name: String, _ value: Int) {
        guard let path = ProcessInfo.processInfo.environment["TC_FIGURES_FILE"], !path.isEmpty else { return }
        lock.lock()
        defer { lock.unlock() }
        guard let handle = FileHandle(forWritingAtPath: path) ?? {
            FileManager.default.createFile(atPath: path, contents: nil)
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
        var options = LoadOptions(archive: archive, databaseURL: schema.url, schema: schema.name)
        options.createMissingTables = createMissing
        if let reject {
            options.onError = .reject
            options.rejectsPath = reject.file("rejects.ndjson")
        }
        return options
    }
}
