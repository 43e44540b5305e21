import Foundation

/// The bytes of an archive file as the container reads them: the file's own bytes, or,
/// when the file is an age file, its decrypted payload. Which one is decided by the first
/// bytes, so a pipe is read once.
final class ArchiveInput {
    private let fileDescriptor: Int32
    private var pending: [UInt8]
    private var pendingOffset = 0
    private let decryptor: AgeDecryptor?
    /// Why the last read failed, when it was not the descriptor (a chunk that does not open).
    private(set) var failure: ArchiveError?

    init(fileDescriptor: Int32, displayName: String, identities: Age.Identities) throws {
        self.fileDescriptor = fileDescriptor
        var first = [UInt8](repeating: 0, count: 64 * 1024)
        var count = 0
        let intro = Array((Age.intro + "\n").utf8)
        // Enough bytes to tell an age file from anything else (a pipe may hand out fewer).
        while count < intro.count {
            guard let got = first.withUnsafeMutableBytes({ DurableFile.read(fileDescriptor, into: UnsafeMutableRawBufferPointer(rebasing: $0[count...])) }) else {
                throw ArchiveError("cannot read \(displayName): \(String(cString: strerror(errno)))", reason: .io)
            }
            if got == 0 { break }
            count += got
        }
        let start = Array(first[..<count])
        if start.starts(with: intro) {
            decryptor = try AgeDecryptor(start: start, read: { DurableFile.read(fileDescriptor, into: $0) }, identities: identities,
                                         displayName: displayName)
            pending = []
        } else {
            decryptor = nil
            pending = start
        }
    }

    /// Bytes into `buffer`, 0 at the end, nil on a failure (`failure`, or errno for the descriptor).
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        if let decryptor {
            do {
                return try decryptor.read(into: buffer)
            } catch let error as ArchiveError {
                failure = error
                return nil
            } catch {
                failure = ArchiveError("\(error)", reason: .damaged)
                return nil
            }
        }
        if pendingOffset < pending.count {
            let count = min(buffer.count, pending.count - pendingOffset)
            pending.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + pendingOffset, byteCount: count) }
            pendingOffset += count
            return count
        }
        return DurableFile.read(fileDescriptor, into: buffer)
    }
}
