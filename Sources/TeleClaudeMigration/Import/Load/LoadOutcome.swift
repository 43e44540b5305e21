import Foundation

/// Where the load stands with the target, kept as it happens, and the one place that words
/// what a load that stopped has left: a failure's consequence, the message an interrupt
/// prints. Every step that changes what a stop would leave says so here (BEGIN, a sequence
/// moved, COMMIT sent, COMMIT returned, ROLLBACK), so the wording follows what happened,
/// never what was meant to happen.
final class LoadOutcome {
    enum Stage: Equatable {
        /// No transaction yet: nothing was written.
        case notBegun
        /// BEGIN ran; everything since is undone when the transaction ends without COMMIT.
        case begun
        /// COMMIT was sent and has not returned.
        case commitSent
        case committed
        /// ROLLBACK ran (a dry run's end), or the server said the COMMIT that failed aborted.
        case rolledBack
        /// The connection failed during COMMIT and the server could not be asked since.
        case commitUnknown
    }

    let dryRun: Bool
    private(set) var stage = Stage.notBegun
    /// Sequences the load moved: PostgreSQL never rolls `setval` back.
    private(set) var sequencesMoved: [String] = []
    /// The transaction's id (`txid_current()`), taken before COMMIT: what the server is
    /// asked about (`txid_status`) when the connection fails during COMMIT.
    private(set) var transactionID: String?

    init(dryRun: Bool) {
        self.dryRun = dryRun
    }

    func began() { move(to: .begun) }
    func commitSent(transactionID: String) {
        self.transactionID = transactionID
        move(to: .commitSent)
    }
    func commitUnknown() { move(to: .commitUnknown) }
    func committed() { move(to: .committed) }
    func rolledBack() { move(to: .rolledBack) }
    func moved(sequence: String) {
        if !sequencesMoved.contains(sequence) { sequencesMoved.append(sequence) }
    }
    /// The load let go of a server that stopped answering: its transaction ends when the
    /// server notices, not when the load says so.
    func abandonedSilentServer() { silentServer = true }
    private var silentServer = false

    /// Whether a transaction is open on the connection (ROLLBACK is owed after a failure).
    var transactionOpen: Bool { stage == .begun }

    private func move(to stage: Stage) {
        self.stage = stage
        TemporaryFiles.setInterruptMessage(interrupted)
    }

    /// What a failure at this point leaves in the target, as a clause.
    var consequence: String {
        switch stage {
        case .notBegun:
            return "nothing was changed"
        case .begun where silentServer:
            return "nothing was committed: the server rolls the transaction back once it notices the connection is gone (until then it may hold the load's locks)"
                + (sequencesMoved.isEmpty ? "" : "; the sequence(s) \(sequencesMoved.joined(separator: ", ")) moved forward")
        case .begun, .rolledBack:
            guard !sequencesMoved.isEmpty else { return "the transaction was rolled back and nothing was changed" }
            return "the transaction was rolled back; nothing was changed but the sequence(s) \(sequencesMoved.joined(separator: ", ")), moved forward (PostgreSQL never rolls a sequence back)"
        case .commitSent, .commitUnknown:
            return "the connection failed while COMMIT ran and the server could not be asked since, so whether the load committed is not known; "
                + "once the server answers, \(statusQuery) tells (committed: the archive's rows are in; aborted, or an error that the id is in the future: nothing was changed); ask soon, before other transactions reuse the id after a server crash"
        case .committed:
            return "the data is committed"
        }
    }

    /// The query that tells whether the transaction committed.
    var statusQuery: String { "SELECT txid_status(\(transactionID ?? "<the load's transaction id>"))" }

    /// What Ctrl-C (or SIGTERM) prints at this point.
    var interrupted: String {
        switch stage {
        case .notBegun, .begun, .rolledBack:
            return "interrupted: nothing was committed (PostgreSQL rolls the transaction back as the connection closes); "
                + (sequencesMoved.isEmpty ? "nothing was changed" : "nothing was changed but the sequence(s) \(sequencesMoved.joined(separator: ", ")), moved forward")
        case .commitSent, .commitUnknown:
            return "interrupted while COMMIT ran: whether it committed is not known; \(statusQuery) tells"
        case .committed:
            return "interrupted after COMMIT: the database holds the archive's rows; the configuration and docs may be partly installed (run tc-import install-files to finish)"
        }
    }

    /// `error`, worded with what the load left: a `Loader.Failure` gets the consequence on
    /// its summary line; any other error (the server, the archive, a file) keeps its kind
    /// and text, and says the consequence after it.
    func worded(_ error: Error) -> Error {
        if var failure = error as? Loader.Failure {
            failure.consequence = consequence
            return failure
        }
        if error is Loader.Stopped { return error }
        return Loader.Stopped(cause: error, consequence: consequence, exitStatus: stage == .commitUnknown ? Loader.commitUnknownExitStatus : 1)
    }
}
