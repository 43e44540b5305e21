import Crypto
import Foundation

/// The exporter's second thread: it hashes, compresses and writes the members the reading
/// thread hands over, so SQLite reading and encoding run beside hashing and compression.
/// At most `capacity` members wait in between, which bounds memory.
final class ArchiveAssembler: @unchecked Sendable {
    enum Job: Sendable {
        case member(name: String, bytes: [UInt8], table: Int?)
        /// Table data, as the encoder handed it over.
        case chunk(name: String, bytes: EncodedBytes, table: Int)
        /// Writes `summary.json` (digests filled in here) and `SHA256SUMS`, then closes.
        case finish(tables: [Summary.Table])
    }

    // Owned by the writer thread from `start()` until `wait()` returns.
    private let writer: TarWriter
    private let queue: BlockingQueue<Job>
    private let done = DispatchSemaphore(value: 0)
    private var tableHashers: [SHA256]
    private var checksums: [ChecksumList.Entry] = []
    /// The member order of format-spec.md section 4, kept as members are written.
    private var order = ArchiveLayout.SectionOrder()
    private let failure = FirstFailure()

    init(writer: TarWriter, tableCount: Int, capacity: Int = 3) {
        self.writer = writer
        self.queue = BlockingQueue(capacity: capacity)
        self.tableHashers = Array(repeating: SHA256(), count: tableCount)
    }

    func start() {
        let thread = Thread { [self] in
            self.drain()
            self.done.signal()
        }
        thread.name = "tc-export archive writer"
        thread.start()
    }

    /// Hands a job to the writer thread; throws the writer's error if it has failed.
    func submit(_ job: Job) throws {
        if let failure = currentFailure { throw failure }
        if !queue.push(job), let failure = currentFailure { throw failure }
    }

    /// Waits for the writer thread to finish everything submitted.
    func wait() throws {
        join()
        if let failure = currentFailure { throw failure }
    }

    /// Stops the writer thread after a failure on either side; safe after `wait()`.
    func cancel() {
        record(ExportError.interrupted)
        join()
    }

    private var joined = false

    /// Closes the queue and waits for the writer thread, once: the thread signals `done`
    /// exactly once, so a second wait would block forever.
    private func join() {
        guard !joined else { return }
        joined = true
        queue.close()
        done.wait()
    }

    private var currentFailure: Error? { failure.current }

    private func record(_ error: Error) { failure.record(error) }

    private func drain() {
        while let job = queue.pop() {
            guard currentFailure == nil else { continue }
            do {
                switch job {
                case .member(let name, let bytes, let table):
                    try bytes.withUnsafeBytes { try write(name: name, bytes: $0, table: table) }
                case .chunk(let name, let bytes, let table):
                    try bytes.withBytes { try write(name: name, bytes: $0, table: table) }
                case .finish(var tables):
                    for index in tables.indices { tables[index].sha256 = tableHashers[index].finalizeHex() }
                    try CanonicalJSON.encode(Summary(tables: tables)).withUnsafeBytes { try write(name: ArchiveLayout.summary, bytes: $0, table: nil) }
                    let list = ChecksumList(entries: checksums)
                    try order.enter(ArchiveLayout.checksums)
                    try writer.writeMember(name: ArchiveLayout.checksums, bytes: Array(list.text.utf8))
                    try writer.close()
                }
            } catch {
                record(error)
                queue.close()
            }
        }
    }

    private func write(name: String, bytes: UnsafeRawBufferPointer, table: Int?) throws {
        try order.enter(name)
        var hasher = SHA256()
        hasher.update(bufferPointer: bytes)
        let digest = hasher.finalizeHex()
        if let table { tableHashers[table].update(data: Array((digest + "\n").utf8)) }
        checksums.append(.init(sha256: digest, name: name))
        try writer.writeMember(name: name, bytes: bytes)
    }
}
