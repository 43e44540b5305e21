import Synchronization

/// Byte buffers handed back by the thread that consumed them, for the producing thread to
/// fill again. Without it every 1 MiB COPY buffer was a fresh allocation: new pages for the
/// kernel to fault in and zero, measured as several percent of a load.
final class BufferPool: Sendable {
    private let buffers = Mutex<[[UInt8]]>([])
    private let limit: Int
    private let capacity: Int

    /// Keeps at most `limit` buffers; new ones reserve `capacity` bytes.
    init(limit: Int, capacity: Int) {
        self.limit = limit
        self.capacity = capacity
    }

    /// An empty buffer: a returned one when there is one, else a new one.
    func take() -> [UInt8] {
        if let spare = buffers.withLock({ $0.popLast() }) { return spare }
        var fresh: [UInt8] = []
        fresh.reserveCapacity(capacity)
        return fresh
    }

    /// Takes a buffer back (emptied, its storage kept) unless enough are waiting.
    func give(_ buffer: consuming [UInt8]) {
        var buffer = buffer
        buffer.removeAll(keepingCapacity: true)
        buffers.withLock { waiting in
            if waiting.count < limit { waiting.append(buffer) }
        }
    }
}
