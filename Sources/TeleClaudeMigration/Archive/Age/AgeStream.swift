import Crypto
import Foundation

/// age's payload (STREAM): a 16-byte nonce, then the plaintext in 64 KiB chunks, each sealed
/// with ChaCha20-Poly1305 under an 11-byte big-endian counter and a last-chunk flag, so a
/// truncated, reordered or altered chunk never opens.
enum AgeStream {
    static let chunk = 64 * 1024
    static let tag = 16

    static func nonce(_ counter: UInt64, last: Bool) -> ChaChaPoly.Nonce {
        var bytes = [UInt8](repeating: 0, count: 12)
        for index in 0..<8 { bytes[3 + index] = UInt8(truncatingIfNeeded: counter >> (8 * (7 - index))) }
        bytes[11] = last ? 1 : 0
        return try! ChaChaPoly.Nonce(data: bytes)
    }
}

/// Encrypts what an archive writer produces, as an age file, and hands the encrypted bytes
/// on (`output`). The header and nonce go out first; a chunk goes out once the next byte
/// shows it is not the last.
final class AgeEncryptor {
    private let key: SymmetricKey
    private var pending: [UInt8] = []
    private var counter: UInt64 = 0
    private var finished = false
    let output: (UnsafeRawBufferPointer) -> Bool

    init(recipients: [Age.Recipient], output: @escaping (UnsafeRawBufferPointer) -> Bool) throws {
        precondition(!recipients.isEmpty)
        var fileKey = [UInt8](repeating: 0, count: Age.fileKeyLength)
        for index in fileKey.indices { fileKey[index] = UInt8.random(in: 0...255) }  // the OS's CSPRNG
        let stanzas = try recipients.map { try $0.stanza(fileKey: fileKey) }
        let header = Age.Header(stanzas: stanzas, mac: Age.Header.mac(stanzas, fileKey: fileKey))
        var nonce = [UInt8](repeating: 0, count: 16)
        for index in nonce.indices { nonce[index] = UInt8.random(in: 0...255) }
        key = Age.payloadKey(fileKey: fileKey, nonce: nonce)
        self.output = output
        pending.reserveCapacity(AgeStream.chunk)
        let start = header.bytes() + nonce
        guard start.withUnsafeBytes(output) else { throw Age.Failure("writing the age header failed") }
    }

    func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            if pending.count == AgeStream.chunk {
                guard emit(last: false) else { return false }
            }
            let take = min(AgeStream.chunk - pending.count, bytes.count - offset)
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + take)]))
            offset += take
        }
        return true
    }

    /// The last chunk (possibly full; empty only when nothing was written).
    func finish() -> Bool {
        guard !finished else { return true }
        finished = true
        return emit(last: true)
    }

    private func emit(last: Bool) -> Bool {
        guard let box = try? ChaChaPoly.seal(pending, using: key, nonce: AgeStream.nonce(counter, last: last)) else { return false }
        counter += 1
        pending.removeAll(keepingCapacity: true)
        let sealed = Array(box.ciphertext) + Array(box.tag)
        return sealed.withUnsafeBytes(output)
    }
}

/// Reads an age file from a descriptor and hands out its plaintext: the header is parsed
/// and authenticated with the identities given, then each chunk is opened as it is read,
/// and the last one must carry the last-chunk flag and be followed by nothing.
final class AgeDecryptor {
    private let read: (UnsafeMutableRawBufferPointer) -> Int?
    private let displayName: String
    private let key: SymmetricKey
    private var raw: [UInt8]
    private var counter: UInt64 = 0
    private var plain: [UInt8] = []
    private var plainOffset = 0
    private var endOfInput = false
    private var done = false

    /// `start`: the bytes already read (beginning with the intro line). Reads the rest of the
    /// header from `read`.
    init(start: [UInt8], read: @escaping (UnsafeMutableRawBufferPointer) -> Int?, identities: Age.Identities,
         displayName: String) throws {
        self.read = read
        self.displayName = displayName
        var buffered = start
        var eof = false
        // The header ends at the line that starts with "--- ": read until it is complete.
        func headerEnd() -> Int? {
            var lineStart = 0
            for index in buffered.indices where buffered[index] == 0x0A {
                if buffered[lineStart..<index].starts(with: Array("--- ".utf8)) { return index + 1 }
                lineStart = index + 1
            }
            return nil
        }
        var end = headerEnd()
        while end == nil, !eof {
            guard buffered.count < 1 << 20 else { throw ArchiveError("\(displayName): the age header is over 1 MiB", reason: .invalid) }
            var chunk = [UInt8](repeating: 0, count: 64 * 1024)
            guard let count = chunk.withUnsafeMutableBytes(read) else {
                throw ArchiveError("cannot read \(displayName): \(String(cString: strerror(errno)))", reason: .io)
            }
            if count == 0 { eof = true }
            buffered += chunk[..<count]
            end = headerEnd()
        }
        guard let end else { throw ArchiveError("\(displayName) is an age file cut short inside its header", reason: .truncated) }
        let lines = String(decoding: buffered[..<(end - 1)], as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        do {
            let header = try Age.Header.parse(lines)
            let fileKey = try identities.unwrap(header)
            raw = Array(buffered[end...])
            endOfInput = eof
            try Self.fill(&raw, count: 16, eof: &endOfInput, read: read, displayName: displayName)
            guard raw.count >= 16 else { throw ArchiveError("\(displayName) is an age file cut short before its payload", reason: .truncated) }
            key = Age.payloadKey(fileKey: fileKey, nonce: Array(raw[..<16]))
            raw.removeFirst(16)
        } catch let failure as Age.Failure {
            let reasons: [Age.Failure.Kind: ArchiveError.Reason] = [.noKey: .encrypted, .mac: .damaged, .malformed: .invalid]
            throw ArchiveError("\(displayName): \(failure.description)", reason: reasons[failure.kind]!)
        }
    }

    private static func fill(_ raw: inout [UInt8], count: Int, eof: inout Bool,
                             read: (UnsafeMutableRawBufferPointer) -> Int?, displayName: String) throws {
        while raw.count < count, !eof {
            var chunk = [UInt8](repeating: 0, count: 256 * 1024)
            guard let got = chunk.withUnsafeMutableBytes(read) else {
                throw ArchiveError("cannot read \(displayName): \(String(cString: strerror(errno)))", reason: .io)
            }
            if got == 0 { eof = true }
            raw += chunk[..<got]
        }
    }

    /// Plaintext into `buffer`; 0 at the end of the payload.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if plainOffset == plain.count {
            guard !done else { return 0 }
            try nextChunk()
        }
        let count = min(buffer.count, plain.count - plainOffset)
        plain.withUnsafeBytes { source in
            buffer.baseAddress!.copyMemory(from: source.baseAddress! + plainOffset, byteCount: count)
        }
        plainOffset += count
        return count
    }

    private func nextChunk() throws {
        let sealed = AgeStream.chunk + AgeStream.tag
        // One byte past a full chunk tells whether it is the last.
        try Self.fill(&raw, count: sealed + 1, eof: &endOfInput, read: read, displayName: displayName)
        let last = raw.count <= sealed
        let size = last ? raw.count : sealed
        guard size >= AgeStream.tag, !(last && size == AgeStream.tag && counter > 0) else {
            throw ArchiveError("\(displayName): the age payload is truncated or has an empty last chunk", reason: .truncated)
        }
        let box: ChaChaPoly.SealedBox
        let opened: Data
        do {
            box = try ChaChaPoly.SealedBox(nonce: AgeStream.nonce(counter, last: last),
                                           ciphertext: raw[..<(size - AgeStream.tag)], tag: raw[(size - AgeStream.tag)..<size])
            opened = try ChaChaPoly.open(box, using: key)
        } catch {
            throw ArchiveError("\(displayName): age payload chunk \(counter) does not authenticate: the encrypted archive is damaged, truncated or reordered",
                               reason: .damaged)
        }
        counter += 1
        raw.removeFirst(size)
        plain = Array(opened)
        plainOffset = 0
        if last { done = true }
    }
}
