import Foundation

/// A nameless temporary file of (key hash, row hash) pairs, 16 bytes a row, written while
/// a table loads and read back only when the read-back check finds a difference, to name
/// the rows. Memory stays constant; the file is gone when closed, whatever happens.
final class PairSpool {
    struct Pair: Hashable {
        var key: UInt64
        var row: UInt64
    }

    private let fd: Int32
    private var buffer: [UInt64] = []
    private(set) var count = 0

    init() throws {
        guard let file = TemporaryFile.create(prefix: "/tmp/tc-import-check.") else {
            throw SpoolError(file: "the read-back's pair file", action: "create", code: errno)
        }
        unlink(file.path)
        fd = file.fileDescriptor
        buffer.reserveCapacity(8192)
    }

    deinit { close(fd) }

    func append(_ pair: Pair) throws {
        buffer.append(pair.key)
        buffer.append(pair.row)
        count += 1
        if buffer.count >= 8192 { try flush() }
    }

    private func flush() throws {
        if buffer.withUnsafeBytes({ DurableFile.writeAll(fd, $0) }) != nil {
            throw SpoolError(file: "the read-back's pair file", action: "write", code: errno)
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Every pair, in the order appended.
    func forEach(_ body: (Pair) -> Void) throws {
        try flush()
        var chunk = [UInt64](repeating: 0, count: 8192)
        var offset: off_t = 0
        while true {
            let read = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, offset) }
            if read < 0 { throw SpoolError(file: "the read-back's pair file", action: "read", code: errno) }
            if read == 0 { break }
            offset += off_t(read)
            for index in stride(from: 0, to: read / 8 - 1, by: 2) { body(Pair(key: chunk[index], row: chunk[index + 1])) }
        }
    }
}
