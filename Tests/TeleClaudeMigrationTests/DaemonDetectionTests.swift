import Foundation
import TCSamples
import Testing
@testable import TeleClaudeMigration

@Suite("tc-export recognizes TeleClaude's daemon, and only it")
struct DaemonDetectionTests {
    @Test("command lines: the daemon module or script, not anything that mentions teleclaude")
    func commandLines() {
        for daemon in [["python3", "-m", "teleclaude.daemon"], ["/srv/tc/.venv/bin/python", "-u", "-m", "teleclaude.daemon"],
                       ["python3.12", "-X", "dev", "-m", "teleclaude.daemon"], ["python", "/srv/tc/teleclaude/daemon.py"]] {
            #expect(RunningDaemon.isDaemon(daemon), "\(daemon)")
        }
        for other in [["less", "teleclaude-notes.md"], ["tmux", "new", "-s", "teleclaude", "tc-export"], ["python3", "-m", "teleclaude.cli"],
                      ["python3", "notes.py", "-m", "teleclaude.daemon"], ["python3", "-c", "import teleclaude.daemon"],
                      ["vim", "teleclaude/daemon.py"]] {
            #expect(!RunningDaemon.isDaemon(other), "\(other)")
        }
    }

    /// Starts a process and waits until its command line is visible in /proc.
    func start(_ arguments: [String], in folder: String? = nil, environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = environment.map { "\($0.key)=\($0.value)" } + arguments
        if let folder { process.currentDirectoryURL = URL(fileURLWithPath: folder) }
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        // Until env (and a version manager's shim) has exec'd the program itself.
        func started(_ running: [String]) -> Bool {
            (running.first as NSString?)?.lastPathComponent == arguments[0] && running.last == arguments.last
        }
        while RunningDaemon.arguments(of: process.processIdentifier).map(started) != true {
            guard process.isRunning, Date() < deadline else { throw ArchiveError("\(arguments) did not start") }
            usleep(20_000)
        }
        return process
    }

    @Test("without /proc (macOS), ps gives the process list and the words of a command line that tell the daemon apart")
    func psFallback() throws {
        let process = try start(["sleep", "30"])
        defer { process.terminate() }
        #expect(RunningDaemon.psArguments(of: process.processIdentifier) == ["sleep", "30"])
        #expect(RunningDaemon.ps(["-ax", "-o", "pid="])?.split(whereSeparator: \.isWhitespace).contains("\(process.processIdentifier)") == true)
        #expect(RunningDaemon.isDaemon(["/usr/bin/python3", "-m", "teleclaude.daemon"]))
    }

    @Test("a real daemon process is named with its pid; a pager or a python script mentioning teleclaude is not; teleclaude.pid is read")
    func runningProcesses() throws {
        let folder = try TemporaryFolder("tc-daemon")
        try BundledSample.write(to: folder.file("installation"))
        let project = folder.file("installation/project")
        let arguments = ["--project-root", project, "--docs", folder.file("installation/home/.teleclaude/docs"), "--dry-run"]
        func export() throws -> String { try runTool("tc-export", arguments).stderr }

        let lookalikes = [try start(["python3", "-c", "import time; time.sleep(60)", "teleclaude-notes.md"]),
                          try start(["python3", "-c", "import time; time.sleep(60)", "--pager", "teleclaude"])]
        defer { lookalikes.forEach { kill($0.processIdentifier, SIGKILL); $0.waitUntilExit() } }
        #expect(!(try export()).contains("daemon is running"), "a process that mentions teleclaude is not the daemon")

        try folder.write("module/teleclaude/__init__.py", "")
        try folder.write("module/teleclaude/daemon.py", "import time\ntime.sleep(60)\n")
        let daemon = try start(["python3", "-m", "teleclaude.daemon"], in: folder.file("module"))
        let found = try export()
        kill(daemon.processIdentifier, SIGKILL); daemon.waitUntilExit()
        #expect(found.contains("the TeleClaude daemon is running (pid \(daemon.processIdentifier): python3 running teleclaude.daemon; found by its command line)"),
                "\(found)")

        try folder.write("installation/project/teleclaude.pid", "\(lookalikes[1].processIdentifier)\n")
        #expect(try export().contains("(pid \(lookalikes[1].processIdentifier): python3; named by \(project)/teleclaude.pid)"))
        kill(lookalikes[1].processIdentifier, SIGKILL); lookalikes[1].waitUntilExit()
        #expect(!(try export()).contains("daemon is running"), "a stale pid file names no process")
    }
}
