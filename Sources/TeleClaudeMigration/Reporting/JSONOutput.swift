import Foundation

/// What every `--json` output of both tools says on top of its own fields (README, "JSON
/// output"): `ok`, true exactly when the command exits 0; `exit_status`; and `verdict`, one
/// word a script can switch on.
public protocol JSONReport: Encodable {
    var verdict: String { get }
    var exitStatus: Int32 { get }
}

/// A report with the three common fields added beside its own, in one object.
struct JSONOutput<Report: JSONReport>: Encodable {
    let report: Report

    enum Keys: String, CodingKey { case ok, verdict, exitStatus = "exit_status" }

    func encode(to encoder: Encoder) throws {
        try report.encode(to: encoder)  // the report's own keyed container; the keys below join it
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(report.exitStatus == 0, forKey: .ok)
        try container.encode(report.verdict, forKey: .verdict)
        try container.encode(report.exitStatus, forKey: .exitStatus)
    }
}

extension ArchiveVerifier.Result: JSONReport {
    public var verdict: String { "verified" }
    public var exitStatus: Int32 { 0 }
}

extension ArchiveInspector.Report: JSONReport {
    public var verdict: String { "shown" }
    public var exitStatus: Int32 { 0 }
}

extension InstallReport: JSONReport {
    public var verdict: String { "installed" }
    public var exitStatus: Int32 { 0 }
}

extension ExportResult: JSONReport {
    public var verdict: String { dryRun ? "dry_run" : "written" }
    public var exitStatus: Int32 { 0 }
}

extension LoadPlan: JSONReport {
    public var verdict: String { allProblems.isEmpty ? "loadable" : "blocked" }
    public var exitStatus: Int32 { allProblems.isEmpty ? 0 : 1 }
}

extension Loader.Report: JSONReport {
    public var verdict: String {
        switch (exitStatus, dryRun) {
        case (0, false): "committed"
        case (2, false): "committed_with_rejects"
        case (_, false): "committed_step_failed"
        case (0, true): "dry_run_clean"
        case (2, true): "dry_run_with_rejects"
        case (_, true): "dry_run_failed"
        }
    }
}
