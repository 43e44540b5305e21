import Crypto

/// The signature of a zstd archive (format 1.4, format-spec.md 3.5): a zstd skippable
/// frame between the compressed stream and the seal, holding `TCSIGN01` and an armored
/// SSHSIG over every byte of the file before the frame. Decompressors skip it, and the seal
/// after it covers it, so a reader that does not know it reads the archive as before.
enum SignatureFrame {
    static let tag = Array("TCSIGN01".utf8)
    /// Larger frames are not signatures (an Ed25519 SSHSIG is about 300 bytes).
    static let maxLength = 8192

    static func bytes(armored: String) -> [UInt8] {
        let payload = tag + Array(armored.utf8)
        let length = UInt32(payload.count)
        return [0x5E, 0x2A, 0x4D, 0x18] + (0..<4).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) } + payload
    }
}

/// What a reader found at the end of an archive: the signature, its key, and whether it
/// signs the bytes before it. Checked against allowed signers when the reader has them.
public struct SignatureInfo: Sendable, Codable, Equatable {
    /// `SHA256:...` of the signing key, as ssh-keygen prints it.
    public var key: String
    /// The principals of the allowed_signers line that holds the key (nil: not checked, or not listed).
    public var principals: String?
    /// The signature covers the bytes read.
    public var valid: Bool
    /// How many bytes of the file it signs (the file up to the frame), for `head -c N`.
    public var signedBytes: Int64
    public var armored: String

    enum CodingKeys: String, CodingKey {
        case key, principals, valid
        case signedBytes = "signed_bytes"
        case armored
    }
}

/// Hashes the file with SHA-512 and SHA-256 a little behind what was read, so that at the
/// end the digest of everything before a signature frame is at hand.
struct SignatureCheck {
    private var sha512 = SHA512()
    private var sha256 = SHA256()
    private var window: [UInt8] = []
    private var hashed: Int64 = 0
    private static let lag = SignatureFrame.maxLength + 64

    mutating func add(_ bytes: UnsafeRawBufferPointer) {
        window.append(contentsOf: bytes)
        if window.count > 4 * Self.lag {
            let count = window.count - Self.lag
            window.withUnsafeBytes { all in
                let part = UnsafeRawBufferPointer(rebasing: all[..<count])
                sha512.update(bufferPointer: part)
                sha256.update(bufferPointer: part)
            }
            window.removeFirst(count)
            hashed += Int64(count)
        }
    }

    /// The signature before the last `sealLength` bytes, if a frame ends exactly there.
    func find(sealLength: Int, signers: SSHSignature.AllowedSigners?) -> SignatureInfo? {
        let end = window.count - sealLength
        guard end >= 16 else { return nil }
        for start in stride(from: end - 16, through: max(0, end - SignatureFrame.maxLength - 8), by: -1) {
            guard window[start..<(start + 4)] == [0x5E, 0x2A, 0x4D, 0x18][...],
                  Array(window[(start + 8)..<(start + 16)]) == SignatureFrame.tag else { continue }
            let length = window[(start + 4)..<(start + 8)].reversed().reduce(0) { $0 << 8 | Int($1) }
            guard start + 8 + length == end else { continue }
            let armored = String(decoding: window[(start + 16)..<end], as: UTF8.self)
            var sha512 = self.sha512, sha256 = self.sha256
            window.withUnsafeBytes { all in
                sha512.update(bufferPointer: UnsafeRawBufferPointer(rebasing: all[..<start]))
                sha256.update(bufferPointer: UnsafeRawBufferPointer(rebasing: all[..<start]))
            }
            guard let signature = try? SSHSignature.Signature(armored: armored) else {
                return SignatureInfo(key: "?", principals: nil, valid: false, signedBytes: hashed + Int64(start), armored: armored)
            }
            let valid = signature.signs(sha512: Array(sha512.finalize()), sha256: Array(sha256.finalize()))
            return SignatureInfo(key: SSHSignature.fingerprint(signature.publicKey), principals: signers?.principals(for: signature.publicKey),
                                 valid: valid, signedBytes: hashed + Int64(start), armored: armored)
        }
        return nil
    }
}
