import Foundation

/// Keys from the files the options name: recipients to encrypt to, identities and
/// passphrases to decrypt with. The messages name the file and the line, never a key.
extension Age {
    static func readText(_ path: String, what: String) throws(Failure) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure("cannot read the \(what) \(path): \(String(cString: strerror(errno)))")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// A passphrase file's first line (a trailing newline is not part of it).
    static func passphrase(_ path: String) throws(Failure) -> [UInt8] {
        let text = try readText(path, what: "passphrase file")
        let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let passphrase = line.hasSuffix("\r") ? String(line.dropLast()) : line
        guard !passphrase.isEmpty else { throw Failure("the passphrase file \(path) is empty") }
        return Array(passphrase.utf8)
    }

    /// `--encrypt-to`, each line of each `--recipients-file` (as age reads one: `#` comments and
    /// blank lines skipped), and a `--passphrase-file` (alone: age does not mix a passphrase
    /// with other recipients).
    public static func recipients(_ given: [String], files: [String], passphraseFile: String?) throws(Failure) -> [Recipient] {
        var recipients = try given.map { text throws(Failure) in try Recipient.parse(text) }
        for path in files {
            for (number, raw) in try readText(path, what: "recipients file").split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.isEmpty || line.hasPrefix("#") { continue }
                do {
                    recipients.append(try Recipient.parse(line))
                } catch {
                    throw Failure("\(path), line \(number + 1): not an age X25519 recipient (age1...); ssh and plugin recipients are not supported")
                }
            }
        }
        if let passphraseFile {
            guard recipients.isEmpty else {
                throw Failure("--passphrase-file encrypts with a passphrase alone; leave out --encrypt-to and --recipients-file, or the passphrase")
            }
            recipients.append(.scrypt(passphrase: try passphrase(passphraseFile), workFactor: scryptWorkFactor))
        }
        return recipients
    }

    /// `--identity FILE` (repeatable) and `--passphrase-file FILE`.
    public static func identities(files: [String], passphraseFile: String?) throws(Failure) -> Identities {
        var identities = Identities()
        for path in files {
            identities.secretKeys += try Identities.parseIdentityFile(try readText(path, what: "identity file"), path: path)
        }
        if let passphraseFile { identities.passphrases.append(try passphrase(passphraseFile)) }
        return identities
    }
}
