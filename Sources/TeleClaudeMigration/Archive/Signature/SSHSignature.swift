import Crypto
import Foundation

/// OpenSSH signatures (`ssh-keygen -Y sign/verify`, PROTOCOL.sshsig) with Ed25519 keys:
/// reading an unencrypted `openssh-key-v1` private key, making and checking the SSHSIG
/// blob and its armor, and OpenSSH's allowed_signers file.
///
/// Hand-written: the SSH wire framing (strings, the key and signature layouts); no library
/// of the mirror reads OpenSSH keys or SSHSIG. The signature itself is swift-crypto's Ed25519.
public enum SSHSignature {
    /// The namespace every archive signature is made in (`ssh-keygen -n`).
    public static let namespace = "tc-archive@teleclaude"
    static let preamble = Array("SSHSIG".utf8)
    static let keyType = "ssh-ed25519"

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    // MARK: - Wire format

    struct Writer {
        var bytes: [UInt8] = []
        mutating func uint32(_ value: UInt32) { bytes += (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * (3 - $0))) } }
        mutating func string(_ data: [UInt8]) { uint32(UInt32(data.count)); bytes += data }
        mutating func string(_ text: String) { string(Array(text.utf8)) }
    }

    struct Reader {
        let bytes: [UInt8]
        var offset = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
        mutating func uint32() throws(Failure) -> UInt32 {
            guard offset + 4 <= bytes.count else { throw Failure("truncated") }
            defer { offset += 4 }
            return bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | UInt32($1) }
        }
        mutating func string() throws(Failure) -> [UInt8] {
            let count = Int(try uint32())
            guard count <= bytes.count - offset else { throw Failure("truncated") }
            defer { offset += count }
            return Array(bytes[offset..<(offset + count)])
        }
        mutating func text() throws(Failure) -> String { String(decoding: try string(), as: UTF8.self) }
        mutating func raw(_ count: Int) throws(Failure) -> [UInt8] {
            guard count <= bytes.count - offset else { throw Failure("truncated") }
            defer { offset += count }
            return Array(bytes[offset..<(offset + count)])
        }
    }

    /// The public key blob: `string "ssh-ed25519"`, `string key`.
    static func publicBlob(_ key: [UInt8]) -> [UInt8] {
        var writer = Writer()
        writer.string(keyType)
        writer.string(key)
        return writer.bytes
    }

    /// `SHA256:...` as ssh-keygen prints a key's fingerprint.
    public static func fingerprint(_ key: [UInt8]) -> String {
        "SHA256:" + Base64Raw.encode(Array(SHA256.hash(data: publicBlob(key))))
    }

    /// What is signed: the preamble, the namespace, the reserved string, the hash name and
    /// the message's SHA-512.
    static func signedData(digest: [UInt8]) -> [UInt8] {
        var writer = Writer()
        writer.bytes = preamble
        writer.string(namespace)
        writer.string("")
        writer.string("sha512")
        writer.string(digest)
        return writer.bytes
    }

    // MARK: - Signing

    /// An Ed25519 key from an unencrypted OpenSSH private key file.
    public struct SigningKey: Sendable {
        let key: Curve25519.Signing.PrivateKey
        public var publicKey: [UInt8] { Array(key.publicKey.rawRepresentation) }

        public init(contentsOf path: String) throws(Failure) {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw Failure("cannot read the signing key \(path): \(String(cString: strerror(errno)))")
            }
            let text = String(decoding: data, as: UTF8.self)
            let begin = "-----BEGIN OPENSSH PRIVATE KEY-----", end = "-----END OPENSSH PRIVATE KEY-----"
            guard let start = text.range(of: begin), let stop = text.range(of: end),
                  let blob = Data(base64Encoded: text[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }) else {
                throw Failure("\(path) is not an OpenSSH private key (ssh-keygen -t ed25519 writes one)")
            }
            do {
                var reader = Reader([UInt8](blob))
                guard try reader.raw(15) == Array("openssh-key-v1\0".utf8) else { throw Failure("not openssh-key-v1") }
                let cipher = try reader.text()
                _ = try reader.text()  // kdf name
                _ = try reader.string()  // kdf options
                guard cipher == "none" else {
                    throw Failure("\(path) is protected by a passphrase; --sign-with takes a key without one (ssh-keygen -p -N '' on a copy)")
                }
                guard try reader.uint32() == 1 else { throw Failure("\(path) holds more than one key") }
                _ = try reader.string()  // public key blob
                var secret = Reader(try reader.string())
                guard try secret.uint32() == (try secret.uint32()) else { throw Failure("\(path): the key's check numbers differ") }
                guard try secret.text() == keyType else { throw Failure("\(path) is not an Ed25519 key; --sign-with takes ssh-ed25519 keys") }
                let publicKey = try secret.string()
                let secretKey = try secret.string()
                guard publicKey.count == 32, secretKey.count == 64, Array(secretKey[32...]) == publicKey else {
                    throw Failure("\(path): the Ed25519 key is malformed")
                }
                key = try Curve25519.Signing.PrivateKey(rawRepresentation: secretKey[..<32])
            } catch let failure as Failure {
                throw failure.description.hasPrefix(path) ? failure : Failure("\(path): \(failure.description)")
            } catch {
                throw Failure("\(path): the Ed25519 key is malformed")
            }
        }

        /// The armored SSHSIG of a message whose SHA-512 is `digest`.
        func sign(digest: [UInt8]) throws -> String {
            let signature = try key.signature(for: SSHSignature.signedData(digest: digest))
            var inner = Writer()
            inner.string(keyType)
            inner.string(Array(signature))
            var writer = Writer()
            writer.bytes = preamble
            writer.uint32(1)
            writer.string(publicBlob(publicKey))
            writer.string(namespace)
            writer.string("")
            writer.string("sha512")
            writer.string(inner.bytes)
            let encoded = Data(writer.bytes).base64EncodedString()
            var lines = ["-----BEGIN SSH SIGNATURE-----"]
            var index = encoded.startIndex
            while index < encoded.endIndex {
                let next = encoded.index(index, offsetBy: 70, limitedBy: encoded.endIndex) ?? encoded.endIndex
                lines.append(String(encoded[index..<next]))
                index = next
            }
            lines.append("-----END SSH SIGNATURE-----")
            return lines.joined(separator: "\n") + "\n"
        }
    }

    // MARK: - Verifying

    /// A parsed SSHSIG: its key and whether it signs a given digest.
    public struct Signature: Sendable {
        public let publicKey: [UInt8]
        let hashAlgorithm: String
        let signature: [UInt8]

        public init(armored text: String) throws(Failure) {
            let begin = "-----BEGIN SSH SIGNATURE-----", end = "-----END SSH SIGNATURE-----"
            guard let start = text.range(of: begin), let stop = text.range(of: end),
                  let blob = Data(base64Encoded: text[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }) else {
                throw Failure("the signature is not an armored SSH signature")
            }
            var reader = Reader([UInt8](blob))
            guard try reader.raw(6) == preamble, try reader.uint32() == 1 else { throw Failure("the signature is not SSHSIG version 1") }
            var key = Reader(try reader.string())
            guard try key.text() == keyType else { throw Failure("the signature's key is not ssh-ed25519") }
            publicKey = try key.string()
            guard try reader.text() == namespace else { throw Failure("the signature was made for another namespace than \(namespace)") }
            _ = try reader.string()  // reserved
            hashAlgorithm = try reader.text()
            guard ["sha512", "sha256"].contains(hashAlgorithm) else { throw Failure("the signature's hash \(hashAlgorithm) is not sha512 or sha256") }
            var inner = Reader(try reader.string())
            guard try inner.text() == keyType else { throw Failure("the signature is not ssh-ed25519") }
            signature = try inner.string()
            guard publicKey.count == 32, signature.count == 64 else { throw Failure("the signature is malformed") }
        }

        /// Whether it signs the message whose SHA-512 and SHA-256 are given.
        public func signs(sha512: [UInt8], sha256: [UInt8]) -> Bool {
            var writer = Writer()
            writer.bytes = preamble
            writer.string(namespace)
            writer.string("")
            writer.string(hashAlgorithm)
            writer.string(hashAlgorithm == "sha512" ? sha512 : sha256)
            guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
            return key.isValidSignature(signature, for: writer.bytes)
        }
    }

    /// OpenSSH's allowed_signers file: `principals [options] keytype key [comment]` lines.
    public struct AllowedSigners: Sendable {
        public struct Entry: Sendable {
            public var principals: String
            public var key: [UInt8]
            var namespaces: [String]?
        }
        public var entries: [Entry] = []

        public init(contentsOf path: String) throws(Failure) {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw Failure("cannot read the allowed signers file \(path): \(String(cString: strerror(errno)))")
            }
            try self.init(parsing: String(decoding: data, as: UTF8.self), path: path)
        }

        /// The lines of an allowed signers file (`path` names it in messages).
        public init(parsing text: String, path: String) throws(Failure) {
            for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.isEmpty || line.hasPrefix("#") { continue }
                let words = Self.words(line)
                guard let typeIndex = words.firstIndex(where: { $0.hasPrefix("ssh-") || $0.hasPrefix("ecdsa-") || $0.hasPrefix("sk-") }),
                      typeIndex >= 1, typeIndex + 1 < words.count else {
                    throw Failure("\(path), line \(number + 1): not an allowed_signers line (principals [options] keytype key)")
                }
                guard words[typeIndex] == keyType else { continue }  // other key types cannot have made an Ed25519 signature
                guard let blob = Data(base64Encoded: words[typeIndex + 1]) else { throw Failure("\(path), line \(number + 1): the key is not base64") }
                var reader = Reader([UInt8](blob))
                guard (try? reader.text()) == keyType, let key = try? reader.string(), key.count == 32 else {
                    throw Failure("\(path), line \(number + 1): the key is malformed")
                }
                let options = words[1..<typeIndex].joined(separator: " ")
                if options.contains("cert-authority") { continue }  // certificates are not supported; such a line signs nothing here
                var namespaces: [String]?
                if let range = options.range(of: "namespaces=\"") {
                    let rest = options[range.upperBound...]
                    namespaces = rest.prefix { $0 != "\"" }.split(separator: ",").map(String.init)
                }
                entries.append(Entry(principals: words[0], key: key, namespaces: namespaces))
            }
        }

        /// Words split at spaces outside double quotes (options may hold quoted lists).
        static func words(_ line: String) -> [String] {
            var words: [String] = [], current = "", quoted = false
            for character in line {
                if character == "\"" { quoted.toggle() }
                if character == " " && !quoted {
                    if !current.isEmpty { words.append(current) }
                    current = ""
                } else {
                    current.append(character)
                }
            }
            if !current.isEmpty { words.append(current) }
            return words
        }

        /// The principals allowed to sign archives with this key, or nil.
        public func principals(for key: [UInt8]) -> String? {
            entries.first { $0.key == key && ($0.namespaces?.contains { Self.matches(SSHSignature.namespace, $0) } ?? true) }?.principals
        }

        /// OpenSSH's `*` and `?` patterns.
        static func matches(_ text: String, _ pattern: String) -> Bool {
            let text = Array(text), pattern = Array(pattern)
            func match(_ t: Int, _ p: Int) -> Bool {
                if p == pattern.count { return t == text.count }
                if pattern[p] == "*" { return (t...text.count).contains { match($0, p + 1) } }
                return t < text.count && (pattern[p] == "?" || pattern[p] == text[t]) && match(t + 1, p + 1)
            }
            return match(0, 0)
        }
    }
}
