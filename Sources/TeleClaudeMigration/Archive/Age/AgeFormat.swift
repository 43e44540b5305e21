import Crypto
import CryptoExtras
import Foundation

/// The age file format (age-encryption.org/v1, C2SP's spec): the header's text framing,
/// its stanzas and MAC, and the keys derived for X25519 and scrypt recipients.
///
/// Hand-written here is only the framing (lines, stanzas, unpadded base64, Bech32 keys):
/// no Swift library of the mirror implements age. Every cryptographic step is swift-crypto's
/// (X25519, ChaCha20-Poly1305, HKDF-SHA256, HMAC-SHA256, and scrypt from CryptoExtras).
public enum Age {
    static let intro = "age-encryption.org/v1"
    static let fileKeyLength = 16
    static let scryptLabel = "age-encryption.org/v1/scrypt"
    static let x25519Label = "age-encryption.org/v1/X25519"
    /// The work factor written (as age itself picks about one second's worth) and the
    /// largest accepted when reading (age's own limit).
    static let scryptWorkFactor = 18
    static let maxScryptWorkFactor = 22

    public struct Failure: Error, CustomStringConvertible {
        public enum Kind: Sendable { case malformed, noKey, mac }
        public let description: String
        public let kind: Kind
        init(_ description: String, _ kind: Kind = .malformed) {
            self.description = description
            self.kind = kind
        }
    }

    /// One recipient stanza: `-> TYPE ARGS...` and its body.
    struct Stanza: Equatable {
        var type: String
        var arguments: [String]
        var body: [UInt8]

        /// The stanza's lines; the body wrapped at 64 columns, its last line shorter (maybe empty).
        var text: String {
            var lines = ["-> " + ([type] + arguments).joined(separator: " ")]
            let encoded = Base64Raw.encode(body)
            var index = encoded.startIndex
            while true {
                let end = encoded.index(index, offsetBy: 64, limitedBy: encoded.endIndex) ?? encoded.endIndex
                let line = String(encoded[index..<end])
                lines.append(line)
                if line.count < 64 { break }
                index = end
            }
            return lines.joined(separator: "\n") + "\n"
        }
    }

    /// The header: the stanzas and the MAC over everything before it.
    struct Header {
        var stanzas: [Stanza]
        var mac: [UInt8]

        /// The bytes the MAC covers: from the intro line to the `---` of the last line.
        static func macInput(_ stanzas: [Stanza]) -> [UInt8] {
            Array((intro + "\n" + stanzas.map(\.text).joined() + "---").utf8)
        }

        static func mac(_ stanzas: [Stanza], fileKey: [UInt8]) -> [UInt8] {
            let key = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: fileKey), salt: [UInt8](), info: Array("header".utf8),
                                             outputByteCount: 32)
            return Array(HMAC<SHA256>.authenticationCode(for: macInput(stanzas), using: key))
        }

        func bytes() -> [UInt8] {
            Self.macInput(stanzas) + Array((" " + Base64Raw.encode(mac) + "\n").utf8)
        }

        /// Parses a header from its lines (each without its newline), up to and including the MAC line.
        static func parse(_ lines: [String]) throws(Failure) -> Header {
            guard lines.first == intro else { throw Failure("not an age header") }
            var stanzas: [Stanza] = []
            var index = 1
            while index < lines.count, lines[index].hasPrefix("-> ") {
                let words = lines[index].dropFirst(3).split(separator: " ", omittingEmptySubsequences: false).map(String.init)
                guard let type = words.first, !type.isEmpty, words.allSatisfy({ !$0.isEmpty }) else { throw Failure("a stanza line is malformed") }
                index += 1
                var encoded = ""
                while true {
                    guard index < lines.count else { throw Failure("the header ends inside a stanza") }
                    let line = lines[index]
                    index += 1
                    guard line.count <= 64 else { throw Failure("a stanza body line is longer than 64 columns") }
                    encoded += line
                    if line.count < 64 { break }
                }
                guard let body = Base64Raw.decode(encoded) else { throw Failure("a stanza body is not canonical unpadded base64") }
                stanzas.append(Stanza(type: type, arguments: Array(words.dropFirst()), body: body))
            }
            guard index == lines.count - 1, lines[index].hasPrefix("--- "),
                  let mac = Base64Raw.decode(String(lines[index].dropFirst(4))), mac.count == 32 else {
                throw Failure("the header's MAC line is missing or malformed")
            }
            guard !stanzas.isEmpty else { throw Failure("the header has no recipient stanza") }
            return Header(stanzas: stanzas, mac: mac)
        }
    }

    // MARK: - Recipients

    /// What the file key is wrapped to.
    public enum Recipient: Sendable {
        case x25519(publicKey: [UInt8])
        case scrypt(passphrase: [UInt8], workFactor: Int)

        /// An `age1...` recipient.
        public static func parse(_ text: String) throws(Failure) -> Recipient {
            guard let (prefix, data) = Bech32.decode(text), prefix == "age", data.count == 32 else {
                throw Failure("\(text.prefix(80)) is not an age X25519 recipient (age1...)")
            }
            return .x25519(publicKey: data)
        }

        /// `x25519` or `scrypt`, for reports.
        public var kind: String {
            switch self {
            case .x25519: "x25519"
            case .scrypt: "scrypt"
            }
        }

        func stanza(fileKey: [UInt8]) throws -> Stanza {
            switch self {
            case .x25519(let publicKey):
                let ephemeral = Curve25519.KeyAgreement.PrivateKey()
                let share = Array(ephemeral.publicKey.rawRepresentation)
                let shared = try ephemeral.sharedSecretFromKeyAgreement(with: .init(rawRepresentation: publicKey))
                let key = Age.wrapKey(shared: shared, salt: share + publicKey)
                return Stanza(type: "X25519", arguments: [Base64Raw.encode(share)], body: try Age.wrap(fileKey, key: key))
            case .scrypt(let passphrase, let workFactor):
                var salt = [UInt8](repeating: 0, count: 16)
                for index in salt.indices { salt[index] = UInt8.random(in: 0...255) }  // SystemRandomNumberGenerator: the OS's CSPRNG
                let key = try KDF.Scrypt.deriveKey(from: passphrase, salt: Array(scryptLabel.utf8) + salt, outputByteCount: 32,
                                                   rounds: 1 << workFactor, blockSize: 8, parallelism: 1)
                return Stanza(type: "scrypt", arguments: [Base64Raw.encode(salt), String(workFactor)], body: try Age.wrap(fileKey, key: key))
            }
        }
    }

    // MARK: - Identities

    /// What unwraps a file key: X25519 secret keys (an identity file's `AGE-SECRET-KEY-1...`
    /// lines) and passphrases.
    public struct Identities: Sendable {
        public var secretKeys: [[UInt8]] = []
        public var passphrases: [[UInt8]] = []
        /// File keys these identities opened, by header MAC: a load reads its archive up to
        /// three times, and a passphrase's scrypt (work factor 18: 256 MiB, most of a second)
        /// should run once, not each time.
        private let opened = OpenedFileKeys()
        var fileKeysUnwrapped: Int { opened.unwrapped }

        public init() {}

        public var isEmpty: Bool { secretKeys.isEmpty && passphrases.isEmpty }

        /// The `AGE-SECRET-KEY-1...` lines of an identity file (comments and blank lines skipped).
        public static func parseIdentityFile(_ text: String, path: String) throws(Failure) -> [[UInt8]] {
            var keys: [[UInt8]] = []
            for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.isEmpty || line.hasPrefix("#") { continue }
                guard let (prefix, data) = Bech32.decode(line), prefix == "age-secret-key-", data.count == 32 else {
                    throw Failure("\(path), line \(number + 1): not an age identity (AGE-SECRET-KEY-1...); plugin identities are not supported")
                }
                keys.append(data)
            }
            guard !keys.isEmpty else { throw Failure("\(path) holds no age identity") }
            return keys
        }

        /// The file key, from the first stanza one of these identities opens.
        func unwrap(_ header: Header) throws(Failure) -> [UInt8] {
            let scrypt = header.stanzas.filter { $0.type == "scrypt" }
            if !scrypt.isEmpty && header.stanzas.count > 1 {
                throw Failure("the header mixes a scrypt stanza with others, which age forbids")
            }
            // A key opened before counts only if the MAC of this very header checks with it.
            if let key = opened.key(for: header.mac), Header.mac(header.stanzas, fileKey: key) == header.mac { return key }
            for stanza in header.stanzas {
                if let key = try open(stanza) {
                    guard Header.mac(header.stanzas, fileKey: key) == header.mac else {
                        throw Failure("the age header's MAC does not match: the header was changed", .mac)
                    }
                    opened.remember(key, for: header.mac)
                    return key
                }
            }
            let kinds = header.stanzas.map { $0.type == "scrypt" ? "a passphrase (scrypt)" : $0.type == "X25519" ? "an X25519 key (age1...)" : "\($0.type) (not supported)" }
            let offered = [secretKeys.isEmpty ? nil : "\(secretKeys.count) identit\(secretKeys.count == 1 ? "y" : "ies")",
                           passphrases.isEmpty ? nil : "a passphrase"].compactMap { $0 }
            throw Failure("the archive is encrypted with age to \(Array(Set(kinds)).sorted().joined(separator: " and ")); "
                          + (offered.isEmpty ? "pass --identity FILE (an age identity file) or --passphrase-file FILE"
                                             : "what was given (\(offered.joined(separator: " and "))) does not open it"), .noKey)
        }

        private func open(_ stanza: Stanza) throws(Failure) -> [UInt8]? {
            switch stanza.type {
            case "X25519":
                guard stanza.arguments.count == 1, let share = Base64Raw.decode(stanza.arguments[0]), share.count == 32,
                      stanza.body.count == 32 else { throw Failure("an X25519 stanza is malformed") }
                for secret in secretKeys {
                    guard let identity = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: secret),
                          let shared = try? identity.sharedSecretFromKeyAgreement(with: .init(rawRepresentation: share)) else { continue }
                    let key = Age.wrapKey(shared: shared, salt: share + Array(identity.publicKey.rawRepresentation))
                    if let fileKey = Age.unwrap(stanza.body, key: key) { return fileKey }
                }
                return nil
            case "scrypt":
                guard stanza.arguments.count == 2, let salt = Base64Raw.decode(stanza.arguments[0]), salt.count == 16,
                      let factor = Int(stanza.arguments[1]), String(factor) == stanza.arguments[1], stanza.body.count == 32 else {
                    throw Failure("a scrypt stanza is malformed")
                }
                guard (1...maxScryptWorkFactor).contains(factor) else {
                    throw Failure("the passphrase's scrypt work factor \(factor) is above \(maxScryptWorkFactor); refusing to spend that much memory and time")
                }
                for passphrase in passphrases {
                    guard let key = try? KDF.Scrypt.deriveKey(from: passphrase, salt: Array(scryptLabel.utf8) + salt, outputByteCount: 32,
                                                              rounds: 1 << factor, blockSize: 8, parallelism: 1) else { continue }
                    if let fileKey = Age.unwrap(stanza.body, key: key) { return fileKey }
                }
                return nil
            default:
                return nil  // a stanza type this reader does not know is skipped, as age does
            }
        }
    }

    /// The file keys one set of identities opened; shared by copies of it, guarded by a lock
    /// (archives may be read from more than one thread).
    final class OpenedFileKeys: @unchecked Sendable {
        private let lock = NSLock()
        private var keys: [[UInt8]: [UInt8]] = [:]

        private var unwraps = 0

        func key(for mac: [UInt8]) -> [UInt8]? { lock.withLock { keys[mac] } }
        func remember(_ key: [UInt8], for mac: [UInt8]) { lock.withLock { keys[mac] = key; unwraps += 1 } }
        /// How many times a file key had to be unwrapped from a stanza (scrypt run, for a passphrase).
        var unwrapped: Int { lock.withLock { unwraps } }
    }

    // MARK: - Keys

    static func wrapKey(shared: SharedSecret, salt: [UInt8]) -> SymmetricKey {
        shared.withUnsafeBytes { raw in
            HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: raw), salt: salt, info: Array(x25519Label.utf8), outputByteCount: 32)
        }
    }

    static let zeroNonce = try! ChaChaPoly.Nonce(data: [UInt8](repeating: 0, count: 12))

    static func wrap(_ fileKey: [UInt8], key: SymmetricKey) throws -> [UInt8] {
        let box = try ChaChaPoly.seal(fileKey, using: key, nonce: zeroNonce)
        return Array(box.ciphertext) + Array(box.tag)
    }

    static func unwrap(_ body: [UInt8], key: SymmetricKey) -> [UInt8]? {
        guard body.count == fileKeyLength + 16,
              let box = try? ChaChaPoly.SealedBox(nonce: zeroNonce, ciphertext: body[..<fileKeyLength], tag: body[fileKeyLength...]),
              let opened = try? ChaChaPoly.open(box, using: key) else { return nil }
        return Array(opened)
    }

    static func payloadKey(fileKey: [UInt8], nonce: [UInt8]) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: fileKey), salt: nonce, info: Array("payload".utf8), outputByteCount: 32)
    }
}

/// Standard base64 without padding, canonical only (age, section "Conventions"). Foundation's
/// decoder accepts padding and non-canonical final bits, which age readers must refuse.
enum Base64Raw {
    static func encode(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }

    static func decode(_ text: String) -> [UInt8]? {
        guard !text.contains("="), text.count % 4 != 1 else { return nil }
        let padded = text + String(repeating: "=", count: (4 - text.count % 4) % 4)
        guard let data = Data(base64Encoded: padded) else { return nil }
        let bytes = [UInt8](data)
        return encode(bytes) == text ? bytes : nil  // canonical: re-encoding gives the same text
    }
}

/// Bech32 (BIP 173) decoding without its length limit, as age encodes keys: `age1...`
/// recipients and `AGE-SECRET-KEY-1...` identities. Hand-written: no library of the mirror has it.
enum Bech32 {
    static let charset = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)

    static func polymod(_ values: [UInt8]) -> UInt32 {
        let generator: [UInt32] = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3]
        var check: UInt32 = 1
        for value in values {
            let top = check >> 25
            check = (check & 0x1ffffff) << 5 ^ UInt32(value)
            for bit in 0..<5 where (top >> bit) & 1 == 1 { check ^= generator[bit] }
        }
        return check
    }

    static func expand(_ prefix: [UInt8]) -> [UInt8] {
        prefix.map { $0 >> 5 } + [0] + prefix.map { $0 & 31 }
    }

    /// 5-bit groups back to 8-bit bytes, refusing non-zero padding bits.
    static func bytes(fromGroups data: [UInt8]) -> [UInt8]? {
        var accumulator = 0, bits = 0
        var result: [UInt8] = []
        for value in data {
            accumulator = (accumulator << 5) | Int(value)
            bits += 5
            while bits >= 8 {
                bits -= 8
                result.append(UInt8((accumulator >> bits) & 0xFF))
            }
        }
        guard bits < 5, (accumulator << (8 - bits)) & 0xFF == 0 else { return nil }
        return result
    }

    /// The prefix (lowercase) and the data, or nil for anything that is not valid Bech32.
    static func decode(_ text: String) -> (String, [UInt8])? {
        guard text == text.lowercased() || text == text.uppercased() else { return nil }
        let lower = Array(text.lowercased().utf8)
        guard let separator = lower.lastIndex(of: UInt8(ascii: "1")), separator > 0, lower.count - separator > 6 else { return nil }
        let hrp = Array(lower[..<separator])
        guard hrp.allSatisfy({ (33...126).contains($0) }) else { return nil }
        var values: [UInt8] = []
        for character in lower[(separator + 1)...] {
            guard let index = charset.firstIndex(of: character) else { return nil }
            values.append(UInt8(index))
        }
        guard polymod(expand(hrp) + values) == 1, let data = bytes(fromGroups: Array(values.dropLast(6))) else { return nil }
        return (String(decoding: hrp, as: UTF8.self), data)
    }
}
