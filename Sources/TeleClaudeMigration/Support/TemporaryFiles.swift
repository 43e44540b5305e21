import Foundation

/// Temporary files to remove if the process is interrupted by a signal, and what to say
/// then. The handler only calls `unlink`, `write` and `_exit`, which are async-signal-safe,
/// on C strings prepared earlier.
enum TemporaryFiles {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var paths: [String: UnsafeMutablePointer<CChar>] = [:]
    /// The C strings the handler unlinks: a fixed C array, so the handler needs no Swift
    /// array or iterator (their generic metadata may be instantiated on first use, which
    /// allocates; malloc in a signal handler deadlocks when the signal interrupted malloc).
    private static let slotCount = 16
    nonisolated(unsafe) private static let slots: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
        let slots = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: slotCount)
        slots.initialize(repeating: nil, count: slotCount)
        return slots
    }()
    nonisolated(unsafe) private static var installed = false

    static func register(_ path: String) {
        lock.lock()
        defer { lock.unlock() }
        let copy = strdup(path)!
        paths[path] = copy
        if let free = (0..<slotCount).first(where: { slots[$0] == nil }) { slots[free] = copy }
        installHandlers()
    }

    /// Called with `lock` held.
    private static func installHandlers() {
        guard !installed else { return }
        installed = true
        _ = slots  // made now: the handler must not be the first to touch (and allocate) it
        signal(SIGPIPE, SIG_IGN)  // a closed pipe becomes a write error, handled like any other
        signal(SIGXFSZ, SIG_IGN)  // so does a file-size limit
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig) { received in
                TemporaryFiles.removeAllFromSignalHandler()
                _exit(128 + received)
            }
        }
    }

    /// Runs `body` with SIGINT, SIGTERM and SIGHUP held back; they are delivered after it.
    static func withInterruptsBlocked<T>(_ body: () -> T) -> T {
        var interrupts = sigset_t()
        var previous = sigset_t()
        sigemptyset(&interrupts)
        for sig in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&interrupts, sig) }
        pthread_sigmask(SIG_BLOCK, &interrupts, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return body()
    }

    static func unregister(_ path: String) {
        lock.lock()
        defer { lock.unlock() }
        guard let copy = paths.removeValue(forKey: path) else { return }
        if let index = (0..<slotCount).first(where: { slots[$0] == copy }) { slots[index] = nil }
        free(copy)
    }

    /// What an interruption means at this moment, written to standard error by the
    /// handler (`load`: before COMMIT nothing was changed; after it, the files may be partly
    /// installed). Nil: the tool dies with no word, as before.
    nonisolated(unsafe) private static var interruptMessage: UnsafeMutablePointer<CChar>?

    static func setInterruptMessage(_ message: String?) {
        lock.lock()
        defer { lock.unlock() }
        installHandlers()
        let old = interruptMessage
        interruptMessage = message.map { strdup(Console.printable($0) + "\n")! }
        if let old { free(old) }
    }

    /// Async-signal-safe: loads, `unlink`, `write`; no allocation, no generic code.
    private static func removeAllFromSignalHandler() {
        var index = 0
        while index < slotCount {
            if let slot = slots[index] { unlink(slot) }
            index += 1
        }
        if let message = interruptMessage { _ = write(STDERR_FILENO, message, strlen(message)) }
    }
}
