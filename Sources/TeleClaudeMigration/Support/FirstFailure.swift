import Synchronization

/// The first error of a worker thread, readable from the thread that feeds it: later
/// errors are consequences of the first and are dropped.
final class FirstFailure: Sendable {
    private let error = Mutex<Error?>(nil)

    var current: Error? { error.withLock { $0 } }

    func record(_ error: Error) {
        self.error.withLock { first in
            if first == nil { first = error }
        }
    }
}
