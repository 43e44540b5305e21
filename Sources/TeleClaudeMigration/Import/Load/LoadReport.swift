/// What `tc-import load` did: per table, the rows loaded, rejected, read back, skipped and
/// changed; sequences, owners, the checks after COMMIT and the way back. `Failure` is what
/// it says when nothing was committed.
extension Loader {
    public struct Report: Codable, Sendable {
        public struct Table: Codable, Sendable {
            /// As messages name it: `events.notifications` outside the main database.
            public var name: String
            public var database = DatabaseEntry.main
            public var rows: Int64
            public var loaded: Int64
            public var rejected: Int64
            /// Rows read back and compared value by value (0 with `--verify counts` or merge).
            public var verified: Int64
            /// Rows already in the target under the same key with the same values (`--if-exists merge`).
            public var skipped: Int64
            /// Rows whose key is in the target with other values (`--if-exists merge`), kept as
            /// the target had them or taken from the archive (`updated`), as `--on-conflict` says.
            public var conflicts: Int64 = 0
            /// Of `conflicts`, the target rows given the archive's values (`--on-conflict take-archive`).
            public var updated: Int64 = 0
            /// Values their conversion changed, in columns named with `--allow-change`.
            public var changed: [Change] = []
        }

        /// `count` values of `column` were changed this way (`--allow-change`).
        public struct Change: Codable, Sendable, Equatable {
            public var column: String
            public var change: ValueChange
            public var count: Int64
        }

        public struct Sequence: Codable, Sendable {
            public var sequence: String
            public var value: Int64
        }

        public var archive: String
        public var schema: String
        public var committed: Bool
        public var tables: [Table]
        public var sequences: [Sequence]
        public var ownershipUpdated: Int
        /// The rejects file, when rows were rejected (`--on-error reject`).
        public var rejects: String?
        public var seconds: Double
        /// Checks after COMMIT; the command exits 0 only when all passed.
        public var checks: [Check]

        public struct Check: Codable, Sendable {
            public var name: String
            public var passed: Bool
            public var detail: String
        }
        /// How to go back to the single-user installation, step by step.
        public var rollback: [String]
        /// The person ownerless sessions were given, and where that name came from.
        public var owner: String?
        /// Configuration and docs installed after COMMIT (nil with --skip-files or none archived).
        public var files: InstallReport?
        /// Tables `--create-missing-tables` created, and what their definition left out.
        public var createdTables: [String] = []
        public var creationNotes: [String] = []
        /// How large values were compressed (`--toast-compression`); nil: the server's default.
        public var toastCompression: String?
        /// Secondary indexes dropped before their table's rows and built again after them.
        public var indexesBuiltAfterData: [String] = []
        /// How long ANALYZE of the loaded tables took, inside the transaction (nil: `--no-analyze`).
        public var analyzeSeconds: Double?
        /// Loaded tables whose statistics this role could not gather (another role owns them).
        public var analyzeSkipped: [String] = []
        /// `load --dry-run`: everything was done inside the transaction, then rolled back.
        public var dryRun = false
        /// Names PostgreSQL holds differently from the archive (longer than 63 bytes).
        public var renamed: [TargetNames.Renamed] = []
        /// `content` (every value read back) or `counts` (`--verify counts`).
        public var verification = "content"
        /// Each database of the archive and the schema it went to, the main one first.
        public var databases: [Target] = []

        public struct Target: Codable, Sendable, Equatable {
            public var name: String
            public var schema: String
        }

        /// Tables of the source database this load did not load: left out at export (named in
        /// the archive, not in it) or by this load's `-t`/`-T` (read and verified, not loaded).
        public var leftOut: [LeftOut] = []
        /// The warnings tc-export gave its user (format 1.5), said again to whoever loads.
        public var exportWarnings: [String] = []
        /// With `--require-signature`: the signature checked over every byte read.
        public var signature: SignatureInfo?
        /// `warnings tc-export gave USER on HOST ...`, then the warnings (text report only).
        public var exportWarningLines: [String] = []

        public struct LeftOut: Codable, Sendable, Equatable {
            public var name: String
            public var rows: Int64
            /// `export` (tc-export -t/-T) or `load` (this command's -t/-T).
            public var by: String

            /// `not loaded, by tc-export -t/-T (not in the archive): sessions (4 rows); by ...`.
            public static func list(_ tables: [LeftOut]) -> String {
                let groups = [("export", "by tc-export -t/-T (not in the archive)"), ("load", "by this load's -t/-T (read and verified)")]
                return "not loaded, " + groups.compactMap { by, why in
                    let names = tables.filter { $0.by == by }.map { "\($0.name) (\(Units.count($0.rows)) rows)" }
                    return names.isEmpty ? nil : "\(why): " + names.joined(separator: ", ")
                }.joined(separator: "; ")
            }
        }

        /// What the session did, database by database (the main one first); what comes after
        /// COMMIT (checks, rollback steps, files, rejects, time) is added by `Loader.run`.
        init(_ session: LoadSession) {
            let options = session.context.options
            let parts = session.databases.map { (view: $0.view, transaction: $0.transaction!) }
            let main = parts[0].transaction
            archive = options.archive.argument
            schema = main.catalog.schema
            committed = !options.dryRun
            dryRun = options.dryRun
            tables = parts.flatMap { part in part.transaction.loaded.map { Loader.named($0, in: part.view) } }
            sequences = parts.flatMap(\.transaction.sequences)
            ownershipUpdated = main.ownershipUpdated
            owner = main.owner
            rejects = nil
            seconds = 0
            checks = []
            rollback = []
            createdTables = parts.flatMap { part in part.transaction.created.map { Loader.display($0.name, in: part.view) } }
            creationNotes = parts.flatMap(\.transaction.creationNotes)
            toastCompression = main.toastCompression
            analyzeSeconds = main.analyzeSeconds
            analyzeSkipped = main.analyzeSkipped
            indexesBuiltAfterData = parts.flatMap(\.transaction.indexesBuiltAfterData)
            renamed = session.renamed
            verification = options.verify.rawValue
            leftOut = session.leftOut
            let source = session.databases[0].view.manifest.source
            exportWarnings = source.exportWarnings ?? []
            exportWarningLines = source.exportWarningLines
            signature = session.signature
            databases = parts.map { .init(name: $0.view.database, schema: $0.transaction.catalog.schema) }
        }

        /// How `tc-import load` exits after a COMMIT (README, "Exit status"): 0 every row
        /// loaded and every check passed; 2 committed, but rows were rejected; 3 committed,
        /// but something after COMMIT failed (a check, installing the files, the JSON report).
        public var exitStatus: Int32 {
            if checks.contains(where: { !$0.passed }) { return dryRun ? 1 : 3 }
            return tables.contains { $0.rejected > 0 } ? 2 : 0
        }

        /// `sessions 3, hook_outbox 1`: the tables that rejected rows, with their counts.
        public var rejectedByTable: String {
            tables.filter { $0.rejected > 0 }.map { "\($0.name) \($0.rejected)" }.joined(separator: ", ")
        }

        enum CodingKeys: String, CodingKey {
            case archive, schema, committed, tables, sequences
            case ownershipUpdated = "ownership_updated"
            case rejects, seconds, checks, rollback, owner, files
            case createdTables = "created_tables"
            case creationNotes = "creation_notes"
            case toastCompression = "toast_compression"
            case analyzeSeconds = "analyze_seconds"
            case analyzeSkipped = "analyze_skipped"
            case indexesBuiltAfterData = "indexes_built_after_data"
            case dryRun = "dry_run"
            case renamed, verification
            case leftOut = "left_out"
            case databases
            case exportWarnings = "export_warnings"
            case signature
        }
    }

    /// Every value that could not be converted, or the plan's problems: nothing was committed.
    /// A load that stopped, with every problem it found. `what` says what stopped it; the
    /// consequence (what the load left in the target) is `LoadOutcome`'s, set where the load
    /// ends, so no throw site words an outcome it cannot know.
    public struct Failure: Error, CustomStringConvertible {
        public var what: String
        public var consequence: String?
        /// Said after the consequence: what changes the policy.
        public var hint: String?
        public var problems: [String]

        init(_ what: String, hint: String? = nil, problems: [String]) {
            self.what = what
            self.hint = hint
            self.problems = problems
        }

        public var summary: String {
            what + (consequence.map { "; " + $0 } ?? "") + (hint.map { " (" + $0 + ")" } ?? "") + ":"
        }

        public var description: String {
            ([summary] + problems.prefix(200).map { "  - \($0)" }
                + (problems.count > 200 ? ["  … and \(problems.count - 200) more"] : [])).joined(separator: "\n")
        }
    }

    /// Any other error that stopped a load (the server, the archive, a file), with what the
    /// load left; its kind (`cause`) still decides the JSON failure's reason.
    public struct Stopped: Error, CustomStringConvertible {
        public var cause: Error
        public var consequence: String
        /// 1, or `commitUnknownExitStatus` when whether the load committed is not known.
        public var exitStatus: Int32 = 1
        public var description: String { "\(cause)\n(the load stopped: \(consequence))" }
    }

    /// The exit status of a load whose COMMIT's outcome is not known (README, "Exit status").
    public static let commitUnknownExitStatus: Int32 = 4
}
