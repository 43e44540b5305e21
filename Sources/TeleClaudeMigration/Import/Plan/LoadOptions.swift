import Foundation

/// Everything `tc-import load` and `plan` were asked to do.
public struct LoadOptions: Sendable {
    public enum IfExists: String, Sendable, CaseIterable {
        /// Any target table with rows stops the load before BEGIN.
        case fail
        /// Target tables are emptied inside the load's transaction.
        case replace
        /// Only rows whose primary key is not in the target yet are inserted (incremental re-run).
        case merge
        /// Another installation's rows beside those already there: generated integer keys
        /// get new values from the target's sequence and every reference to them follows;
        /// other keys are kept, and one already there is merged (the same row, or a conflict).
        case append

        /// Whether rows already in the target stay (and keys may meet them).
        public var keepsTargetRows: Bool { self == .merge || self == .append }
    }

    /// What `--if-exists merge` does with an archive row whose key is in the target with
    /// other values: another installation's row, or one changed since the last load.
    public enum OnConflict: String, Sendable, CaseIterable {
        /// List every such row (table, key, the columns that differ; no values), commit nothing.
        case fail
        /// Keep the target's row; the archive's is counted as a conflict kept.
        case keepTarget = "keep-target"
        /// Replace the target row's values with the archive's (its key stays).
        case takeArchive = "take-archive"
    }

    public enum OnError: String, Sendable, CaseIterable {
        /// Collect every problem in the archive, then roll everything back.
        case rollback
        /// Load the rest; write each rejected row whole to the rejects file.
        case reject
    }

    public enum Verify: String, Sendable, CaseIterable {
        /// Every loaded value is read back and compared with the archive's.
        case content
        /// Only row counts are compared (faster).
        case counts
    }

    public enum ToastCompression: String, Sendable, CaseIterable {
        /// Large values are compressed with lz4 (PostgreSQL 14+ built with it; else the server's default).
        case lz4
        case pglz
        /// Whatever the server's `default_toast_compression` says.
        case server
    }

    public var archive: ArchiveSource
    /// What opens the archive when it is encrypted, and the signature it must carry.
    public var keys = ArchiveKeys.none
    /// How PostgreSQL compresses large values of columns that name no method of their own.
    /// lz4 compresses several times faster than pglz; reading either back is transparent.
    public var toastCompression: ToastCompression = .lz4
    /// Keep secondary indexes in place while rows go in, rather than build them after the data.
    public var keepIndexes = false
    /// Tables with fewer archive rows keep their indexes (a rebuild gains nothing there).
    public var indexDeferralRows: Int64 = 10_000
    /// Add `owner_person`/`owner_uid` to the target sessions table when it lacks them.
    public var addOwnershipColumns = false
    /// A command run after COMMIT (e.g. the daemon's own check mode); its exit status is a check.
    public var daemonCheck: String?
    public var verify: Verify
    public var onError: OnError
    /// Where `--on-error reject` writes rejected rows.
    public var rejectsPath: String
    /// A libpq connection string or URI; empty for libpq's defaults.
    public var databaseURL: String
    public var schema: String?
    public var ifExists: IfExists
    /// `table.column` pairs of archive columns to leave out.
    public var skipColumns: Set<String>
    /// `TABLE.COLUMN`s whose values may be changed by their conversion (rounded, cut, padded;
    /// README, "What counts as a change"); every other change is refused.
    public var allowChange: Set<String> = []
    /// `-t`/`-T`: the archive tables this load takes (all by default).
    public var tables = TableSelection()
    /// `--schema-for NAME=SCHEMA`: the target schema of a database other than the main one
    /// (default: a schema named like the database).
    public var schemaFor: [String: String] = [:]
    /// `load --dry-run`: the whole load inside the transaction, then ROLLBACK.
    public var dryRun = false
    /// `--progress`: `auto` (a line redrawn on a terminal), `plain` (a line per finished
    /// phase, for logs), `none`.
    public enum Progress: String, Sendable, CaseIterable { case auto, plain, none }
    public var progress = Progress.auto
    /// Tables `--create-missing-tables` creates get their declared types' mapping, not
    /// types chosen from the storage classes their columns hold.
    public var declaredTypes = false
    public var naiveTimeZone: TimeZone
    /// The person sessions without an owner get; nil: the `people:` entry of the archived
    /// config.yml whose `username` is the exporting user.
    public var ownerPerson: String?
    public var ownerUID: Int?
    /// Accept an `ownerPerson` that the archived `people:` list does not name.
    public var ownerPersonUnlisted = false
    /// Where the report is also written as JSON after COMMIT; its folder is checked before BEGIN.
    public var reportPath: String?
    /// Print row values (and PostgreSQL's DETAIL and CONTEXT, which quote them) in messages:
    /// for a developer on a test copy. Off by default: values may be secrets.
    public var showValues = false
    /// Create archive tables the target lacks (keys, defaults, unique constraints first;
    /// indexes and foreign keys after the data), inside the load's transaction.
    public var createMissingTables = false
    /// ANALYZE every loaded table inside the transaction, so the statistics commit with the
    /// data and the daemon's first queries are not planned blind (`--no-analyze` skips it).
    public var analyze = true
    /// `--on-conflict`: see `OnConflict`.
    public var onConflict = OnConflict.fail
    /// The longest the load waits for one lock (a table another session holds, another
    /// load into the same database), in seconds; 0 waits as long as it takes.
    public var lockTimeout: Double = 60
    /// How long the load waits out a server that does not answer at all (a frozen network
    /// path), in seconds, before it gives up; 0 waits forever. Long server work (an index
    /// build) is not silence: the server answers a second connection meanwhile.
    public var peerTimeout: Double = 60
    /// How long, after the connection failed during COMMIT, the load keeps asking the server
    /// whether the transaction committed (the server may be restarting) before it says the
    /// outcome is not known (exit status 4).
    public var commitQuestionSeconds: Double = 60
    /// Where to install the configuration layers and docs after COMMIT; nil: not at all.
    public var install: InstallOptions?

    public init(archive: ArchiveSource, databaseURL: String = "", schema: String? = nil, ifExists: IfExists = .fail,
                skipColumns: Set<String> = [], naiveTimeZone: TimeZone = TimeZone(identifier: "UTC")!,
                ownerPerson: String? = nil, ownerUID: Int? = nil, onError: OnError = .rollback, rejectsPath: String? = nil,
                verify: Verify = .content) {
        self.archive = archive
        self.verify = verify
        self.onError = onError
        self.rejectsPath = rejectsPath ?? archive.sidecar("rejects.ndjson")
        self.databaseURL = databaseURL
        self.schema = schema
        self.ifExists = ifExists
        self.skipColumns = skipColumns
        self.naiveTimeZone = naiveTimeZone
        self.ownerPerson = ownerPerson
        self.ownerUID = ownerUID
    }
}
