import Foundation

/// The first error of a worker thread, readable from the thread that feeds it: later
/// errors are consequences of the first and are dropped.
final class FirstFailure: @unchecked Sendable {
    private let lock = NSLock()
    private var error: Error?

    var current: Error? {
        lock.lock()
        defer { lock.unlock() }
        return error
    }

    func record(_ error: Error) {
        lock.lock()
        if self.error == nil { self.error = error }
        lock.unlock()
    }
}
