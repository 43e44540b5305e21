import Foundation

/// Byte buffers handed back by the thread that consumed them, for the producing thread to
/// fill again. Without it every 1 MiB COPY buffer was a fresh allocation: new pages for the
/// kernel to fault in and zero, measured as several percent of a load.
final class BufferPool: @unchecked Sendable {
    private let lock = NSLock()
    private var buffers: [[UInt8]] = []
    private let limit: Int
    private let capacity: Int

    /// Keeps at most `limit` buffers; new ones reserve `capacity` bytes.
    init(limit: Int, capacity: Int) {
        self.limit = limit
        self.capacity = capacity
    }

    /// An empty buffer: a returned one when there is one, else a new one.
    func take() -> [UInt8] {
        lock.lock()
        let spare = buffers.popLast()
        lock.unlock()
        if let spare { return spare }
        var fresh: [UInt8] = []
        fresh.reserveCapacity(capacity)
        return fresh
    }

    /// Takes a buffer back (emptied, its storage kept) unless enough are waiting.
    func give(_ buffer: consuming [UInt8]) {
        buffer.removeAll(keepingCapacity: true)
        lock.lock()
        defer { lock.unlock() }
        if buffers.count < limit { buffers.append(buffer) }
    }
}
