import ArgumentParser
import Foundation
import TeleClaudeMigration

/// Options only `load` uses (so `plan --help` lists only what plan reads).
struct LoadOnlyOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Rejects file for --on-error reject (default: ARCHIVE.rejects.ndjson).", valueName: "PATH"))
    var rejects: String?
    @Option(help: ArgumentHelp("After loading, content (default: read every row back and compare each value with the archive) or counts (row counts only, faster).", valueName: LoadOptions.Verify.choices))
    var verify: LoadOptions.Verify = .content
    @Option(name: .customLong("toast-compression"), help: ArgumentHelp("How PostgreSQL compresses large values (long text, JSON) of columns that name no method: lz4 (default; several times faster than pglz, used when the server has it), pglz, or server (its default_toast_compression). Reading either back is transparent.", valueName: LoadOptions.ToastCompression.choices))
    var toastCompression: LoadOptions.ToastCompression = .lz4
    @Flag(name: .customLong("keep-indexes"), help: "Keep secondary indexes in place while rows go in. By default, on tables of 10,000 rows or more (not with --if-exists merge), indexes that can be re-created exactly are dropped inside the transaction and built again after the table's rows, which is faster, but locks those tables against readers until COMMIT (with --keep-indexes readers are not blocked; they see the tables as they were).")
    var keepIndexes = false
    @Option(name: .customLong("naive-timezone"), help: ArgumentHelp("Time zone of timestamps written without an offset.", valueName: "ZONE"))
    var naiveTimeZone = "UTC"
    @Option(name: .customLong("daemon-check"), help: ArgumentHelp("A command to run after COMMIT, e.g. the daemon's own check mode; its exit status is recorded as a check.", valueName: "CMD"))
    var daemonCheck: String?
    @Option(name: .customLong("owner-uid"), help: ArgumentHelp("Their uid (default: the exporting uid from the manifest).", valueName: "UID"))
    var ownerUID: Int?
    @Flag(name: .customLong("no-analyze"), help: "Skip ANALYZE of the loaded tables (by default run inside the transaction, so their statistics commit with the rows and the daemon's first queries are planned on them).")
    var noAnalyze = false
    @Option(name: .customLong("on-conflict"), help: ArgumentHelp("With --if-exists merge or append, an archive row whose key the target holds with other values: fail (default: list each by table, key and differing columns, commit nothing), keep-target, or take-archive (the target row gets the archive's values). keep-target is refused where other archive tables reference the table (their rows would hang under a row that is not theirs).", valueName: LoadOptions.OnConflict.choices))
    var onConflict: LoadOptions.OnConflict = .fail
    @Option(name: .customLong("lock-timeout"), help: ArgumentHelp("The longest the load waits for one lock (a table another session holds, another load into the same database), in seconds; while it waits it names who holds it. 0 waits as long as it takes.", valueName: "SECONDS"))
    var lockTimeout: Double = 60
    @Option(name: .customLong("peer-timeout"), help: ArgumentHelp("How long the load waits out a server that stops answering altogether (a frozen network path), in seconds, before it stops and says so; 0 waits forever. A busy server is not silent: it answers a second connection meanwhile.", valueName: "SECONDS"))
    var peerTimeout: Double = 60
    @Flag(name: .customLong("show-values"), help: "Print row values in messages, and PostgreSQL's DETAIL and CONTEXT, which quote them: for a developer on a test copy. By default no row value is printed (they may be secrets).")
    var showValues = false

    func validate() throws {
        guard peerTimeout >= 0, peerTimeout.isFinite else {
            throw ValidationError("--peer-timeout \(peerTimeout): give the seconds a silent server is waited out, or 0 to wait forever")
        }
        guard lockTimeout >= 0, lockTimeout.isFinite else {
            throw ValidationError("--lock-timeout \(lockTimeout): give the seconds to wait for a lock, or 0 to wait as long as it takes")
        }
        guard TimeZone(identifier: naiveTimeZone) != nil else {
            throw ValidationError("--naive-timezone \(naiveTimeZone) is not a known time zone (e.g. UTC, Europe/Amsterdam)")
        }
    }

    func apply(to options: inout LoadOptions) {
        options.naiveTimeZone = TimeZone(identifier: naiveTimeZone) ?? TimeZone(identifier: "UTC")!  // validate() refused an unknown zone
        options.ownerUID = ownerUID
        if let rejects { options.rejectsPath = rejects }
        options.verify = verify
        options.daemonCheck = daemonCheck
        options.toastCompression = toastCompression
        options.keepIndexes = keepIndexes
        options.showValues = showValues
        options.lockTimeout = lockTimeout
        options.peerTimeout = peerTimeout
        options.onConflict = onConflict
        options.analyze = !noAnalyze
    }
}
