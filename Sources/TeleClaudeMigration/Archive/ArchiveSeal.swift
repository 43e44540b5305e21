import Crypto

/// The seal after a compressed archive (format-spec.md, "Seal"): SHA-256 of every byte of
/// the file before it, in a frame that standard decompressors skip (a zstd skippable frame,
/// an empty gzip member). Checksums inside the tar cover what decompresses; the seal covers
/// the compressed bytes themselves, where some flips decompress to the same output.
enum ArchiveSeal {
    static let tag = Array("TCSEAL01".utf8)

    /// Length of the seal for a compression, 0 for an uncompressed tar (which has none).
    static func length(_ compression: Compression) -> Int {
        switch compression {
        case .zstd: return 8 + tag.count + 32
        case .gzip: return 10 + tag.count + 1 + 64 + 1 + 2 + 8
        case .none: return 0
        }
    }

    static func bytes(_ compression: Compression, digest: [UInt8]) -> [UInt8] {
        switch compression {
        case .zstd:
            // Skippable frame: magic 0x184D2A5E, payload length 40, little-endian.
            return [0x5E, 0x2A, 0x4D, 0x18, 40, 0, 0, 0] + tag + digest
        case .gzip:
            // A gzip member with FLG.FCOMMENT, MTIME 0, OS 255; the comment carries the
            // digest; an empty final deflate block; CRC-32 and ISIZE of nothing.
            return [0x1F, 0x8B, 0x08, 0x10, 0, 0, 0, 0, 0, 0xFF] + tag + [0x20] + Array(digest.hexString.utf8) + [0]
                + [0x03, 0x00] + [0, 0, 0, 0, 0, 0, 0, 0]
        case .none:
            return []
        }
    }

    static func compression(ofFirstBytes bytes: some Collection<UInt8>) -> Compression {
        if bytes.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) { return .zstd }
        if bytes.starts(with: [0x1F, 0x8B]) { return .gzip }
        return .none
    }
}

/// Hashes a byte stream while holding back its last `sealLength` bytes, so that at the end
/// the digest of everything before the seal can be compared with the seal.
struct SealCheck {
    private(set) var compression: Compression?
    private var hasher = SHA256()
    private var tail: [UInt8] = []
    private var sealLength = 0

    mutating func add(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        if compression == nil {
            // The first read of the file is at least four bytes unless the file is shorter.
            compression = ArchiveSeal.compression(ofFirstBytes: bytes)
            sealLength = ArchiveSeal.length(compression!)
        }
        if bytes.count >= sealLength {
            hasher.update(data: tail)
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: bytes[..<(bytes.count - sealLength)]))
            tail = Array(bytes[(bytes.count - sealLength)...])
        } else {
            tail.append(contentsOf: bytes)
            let excess = tail.count - sealLength
            if excess > 0 {
                hasher.update(data: tail[..<excess])
                tail.removeFirst(excess)
            }
        }
    }

    /// Throws unless the stream ended with the seal of everything before it.
    func verify(displayName: String) throws {
        guard let compression, compression != .none else { return }
        let expected = ArchiveSeal.bytes(compression, digest: Array(hasher.finalize()))
        guard tail == expected else {
            throw ArchiveError("\(displayName): the \(compression.rawValue) seal at the end of the file does not match its bytes: the file is damaged, truncated or was changed after it was written", reason: .damaged)
        }
    }
}
