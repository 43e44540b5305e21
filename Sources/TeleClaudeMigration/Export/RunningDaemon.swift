import Foundation

/// Looks for a running TeleClaude daemon in `/proc`, to warn that the export is a snapshot
/// of a live database. Processes of these tools are not counted.
struct RunningDaemon {
    let pid: Int32
    let command: String

    static func find() -> RunningDaemon? {
        let own = getpid()
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        for entry in entries {
            guard let pid = Int32(entry), pid != own,
                  let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"), !data.isEmpty else { continue }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            let command = arguments.joined(separator: " ")
            let program = (arguments.first.map { ($0 as NSString).lastPathComponent } ?? "")
            guard command.lowercased().contains("teleclaude"), !program.hasPrefix("tc-"),
                  !program.hasPrefix("swift"), !program.contains("xctest") else { continue }
            if arguments.contains(where: { ($0 as NSString).lastPathComponent.hasPrefix("tc-") }) { continue }
            return RunningDaemon(pid: pid, command: String(command.prefix(120)))
        }
        return nil
    }
}
