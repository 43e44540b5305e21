import Foundation
import TCSamples
import Testing
@testable import TeleClaudeMigration

/// age encryption, against Debian's `age` both ways (scripts/setup installs it; under
/// scripts/test a missing `age` fails instead of skipping).
@Suite("Encrypted archives, readable by age", .timeLimit(.minutes(5)), InteropTool.trait("age", package: "age"))
struct EncryptionTests {
    /// An age identity made by `age-keygen`, and its recipient.
    struct Key {
        let file: String
        let recipient: String

        init(_ folder: TemporaryFolder, name: String = "key.txt") throws {
            file = folder.file(name)
            let made = try runTool("age-keygen", ["-o", file], direct: true)
            guard made.status == 0, let recipient = made.stderr.split(separator: " ").last.map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) }),
                  recipient.hasPrefix("age1") else { throw ArchiveError("age-keygen failed: \(made.stderr)") }
            self.recipient = recipient
        }
    }

    static func requireAge() throws { try InteropTool.require("age", package: "age") }

    /// The bundled sample in `folder/s`, and the arguments that export it.
    func source(_ folder: TemporaryFolder) throws -> [String] {
        try BundledSample.write(to: folder.file("s"))
        return ["--project-root", folder.file("s/project"), "--docs", folder.file("s/home/.teleclaude/docs"), "--events-db",
                folder.file("s/home/.teleclaude/events.db")]
    }

    /// Runs `command` with `input` typed at a terminal (age reads passphrases from /dev/tty only).
    func typed(_ command: String, _ lines: [String]) throws -> CommandResult {
        let feed = lines.map { "sleep 1; printf '%s\\n' '\($0)'" }.joined(separator: "; ")
        return try runTool("sh", ["-c", "(\(feed)) | script -qec \"$1\" /dev/null", "sh", command], direct: true)
    }

    @Test("tc-export --encrypt-to: age -d decrypts it and the result verifies; age -r's file is read by tc-import --identity; the inner archive is the same")
    func x25519BothWays() throws {
        try Self.requireAge()
        let folder = try TemporaryFolder()
        let key = try Key(folder)
        let source = try source(folder)
        let encrypted = folder.file("enc.tcar")
        let exported = try runTool("tc-export", source + ["-o", encrypted, "--encrypt-to", key.recipient, "--json"])
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect((try JSONSerialization.jsonObject(with: Data(exported.stdout.utf8)) as? [String: Any])?["encrypted_to"] as? [String] == ["x25519"])
        #expect(String(decoding: try Data(contentsOf: URL(fileURLWithPath: encrypted)).prefix(22), as: UTF8.self) == "age-encryption.org/v1\n")
        #expect(try FileManager.default.attributesOfItem(atPath: encrypted)[.posixPermissions] as? Int == 0o600)

        let decrypted = folder.file("dec.tcar")
        let opened = try runTool("age", ["-d", "-i", key.file, "-o", decrypted, encrypted], direct: true)
        #expect(opened.status == 0, "\(opened.stderr)")
        #expect(try runTool("tc-import", ["verify", decrypted]).status == 0)
        // Inside is the very archive an unencrypted export writes (same creation time, same bytes).
        let fixed = ["SOURCE_DATE_EPOCH": "1700000000"]
        #expect(try runTool("tc-export", source + ["-o", folder.file("fixed-enc.tcar"), "--encrypt-to", key.recipient], environment: fixed).status == 0)
        #expect(try runTool("tc-export", source + ["-o", folder.file("fixed.tcar")], environment: fixed).status == 0)
        #expect(try runTool("age", ["-d", "-i", key.file, "-o", folder.file("fixed-dec.tcar"), folder.file("fixed-enc.tcar")], direct: true).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder.file("fixed-dec.tcar"))) == Data(contentsOf: URL(fileURLWithPath: folder.file("fixed.tcar"))))
        let ours = try runTool("tc-import", ["verify", encrypted, "--identity", key.file])
        #expect(ours.status == 0 && ours.stdout.contains("OK"), "\(ours.stderr)")

        let byAge = folder.file("by-age.tcar")
        #expect(try runTool("age", ["-r", key.recipient, "-o", byAge, decrypted], direct: true).status == 0)
        let read = try runTool("tc-import", ["inspect", byAge, "--identity", key.file, "--json"])
        #expect(read.status == 0 && read.stdout.contains("\"events.notifications\""), "\(read.stderr)")
        // Two recipients: either identity opens it.
        let other = try Key(folder, name: "other.txt")
        let both = folder.file("both.tcar")
        #expect(try runTool("tc-export", source + ["-o", both, "--encrypt-to", key.recipient, "--encrypt-to", other.recipient]).status == 0)
        #expect(try runTool("tc-import", ["verify", both, "--identity", other.file]).status == 0)
        // A recipients file as age reads one: comments, blank lines, one recipient per line.
        let recipients = folder.file("recipients.txt")
        try "# the migration keys\n\n\(other.recipient)\n".write(toFile: recipients, atomically: true, encoding: .utf8)
        #expect(try runTool("tc-export", source + ["-o", folder.file("listed.tcar"), "--recipients-file", recipients]).status == 0)
        #expect(try runTool("age", ["-d", "-i", other.file, "-o", folder.file("listed.dec"), folder.file("listed.tcar")], direct: true).status == 0)
        try "age1notakey\n".write(toFile: recipients, atomically: true, encoding: .utf8)
        let bad = try runTool("tc-export", source + ["-o", folder.file("bad.tcar"), "--recipients-file", recipients])
        #expect(bad.status == 1 && bad.stderr.contains("recipients.txt, line 1: not an age X25519 recipient"), "\(bad.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("bad.tcar")))
        #expect(try runTool("age", ["-d", "-i", key.file, "-o", folder.file("both.dec"), both], direct: true).status == 0)
    }

    @Test("passphrases both ways: tc-export --passphrase-file opens with age -d; age -p's file opens with tc-import --passphrase-file")
    func scryptBothWays() throws {
        try Self.requireAge()
        let folder = try TemporaryFolder()
        let source = try source(folder)
        let passphrase = folder.file("pass.txt")
        try "correct horse battery\n".write(toFile: passphrase, atomically: true, encoding: .utf8)
        let encrypted = folder.file("p.tcar")
        #expect(try runTool("tc-export", source + ["-o", encrypted, "--passphrase-file", passphrase]).status == 0)
        _ = try typed("age -d -o \(folder.file("p.dec")) \(encrypted)", ["correct horse battery"])
        #expect(try runTool("tc-import", ["verify", folder.file("p.dec")]).status == 0, "age -d with the passphrase")

        _ = try typed("age -p -o \(folder.file("by-age.tcar")) \(folder.file("p.dec"))", ["correct horse battery", "correct horse battery"])
        #expect(try runTool("tc-import", ["verify", folder.file("by-age.tcar"), "--passphrase-file", passphrase]).status == 0)
        try "wrong\n".write(toFile: folder.file("wrong.txt"), atomically: true, encoding: .utf8)
        let wrong = try runTool("tc-import", ["verify", folder.file("by-age.tcar"), "--passphrase-file", folder.file("wrong.txt")])
        #expect(wrong.status == 1 && wrong.stderr.contains("what was given (a passphrase) does not open it"), "\(wrong.stderr)")

        // One command reading the archive more than once (a load reads it up to three times)
        // runs the passphrase's scrypt once: the file key is kept, checked by each header's MAC.
        let identities = try Age.identities(files: [], passphraseFile: passphrase)
        let keys = ArchiveKeys(identities: identities)
        for _ in 0..<3 { _ = try ArchiveVerifier(.file(encrypted), keys: keys, console: MessageLog().console).run() }
        _ = try ArchiveVerifier(.file(folder.file("by-age.tcar")), keys: keys, console: MessageLog().console).run()
        #expect(identities.fileKeysUnwrapped == 2, "one unwrap per archive, not per read")
    }

    @Test("without the key: a clear message naming the recipients' kind, reason encrypted, nothing loaded; a wrong identity says none opens it")
    func missingKey() throws {
        try Self.requireAge()
        let folder = try TemporaryFolder()
        let key = try Key(folder), stranger = try Key(folder, name: "stranger.txt")
        let archive = try PostgresLoadTests.sampleArchive(folder)
        let encrypted = folder.file("enc.tcar")
        #expect(try runTool("age", ["-r", key.recipient, "-o", encrypted, archive], direct: true).status == 0)

        let bare = try runTool("tc-import", ["verify", encrypted, "--json"])
        #expect(bare.status == 1 && bare.stdout.contains("\"reason\" : \"encrypted\""), "\(bare.stdout)")
        #expect(bare.stderr.contains("encrypted with age to an X25519 key (age1...); pass --identity FILE"), "\(bare.stderr)")
        let wrong = try runTool("tc-import", ["verify", encrypted, "--identity", stranger.file])
        #expect(wrong.status == 1 && wrong.stderr.contains("what was given (1 identity) does not open it"), "\(wrong.stderr)")

        let schema = try TestServer.Schema()
        let load = try runTool("tc-import", ["load", encrypted, "-d", schema.url, "--schema", schema.name, "--owner-person", "Maurice Faber", "--skip-files"])
        #expect(load.status == 1 && load.stderr.contains("--identity"), "\(load.stderr)")
        #expect(try schema.counts().values.allSatisfy { $0 == 0 })
        let loaded = try runTool("tc-import", ["load", encrypted, "-d", schema.url, "--schema", schema.name, "--owner-person", "Maurice Faber",
                                               "--skip-files", "--identity", key.file])
        let sessions = try schema.counts()["sessions"]
        #expect(loaded.status == 0 && sessions == 4, "\(loaded.stderr)")
    }

    @Test("a damaged encrypted archive never verifies: a changed header, a reordered or dropped chunk, a flipped bit, a cut, bytes appended")
    func hostile() throws {
        try Self.requireAge()
        let folder = try TemporaryFolder()
        let key = try Key(folder)
        // Big enough for several 64 KiB chunks.
        try SyntheticInstallation(scale: 0.002).write(to: folder.file("big"))
        let encrypted = folder.file("enc.tcar")
        let exported = try runTool("tc-export", ["--project-root", folder.file("big/project"), "--docs", folder.file("big/home/.teleclaude/docs"),
                                                 "-o", encrypted, "--encrypt-to", key.recipient, "--compression", "none"])
        #expect(exported.status == 0, "\(exported.stderr)")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: encrypted)))
        let headerEnd = bytes.indices.first { bytes[$0] == 0x0A && bytes[..<$0].lastIndex(of: 0x0A).map { bytes[($0 + 1)...].starts(with: Array("--- ".utf8)) } == true }! + 1
        let payload = headerEnd + 16, sealed = 64 * 1024 + 16
        #expect(bytes.count - payload > 3 * sealed, "the archive should span several chunks")
        func chunk(_ n: Int) -> Range<Int> { (payload + n * sealed)..<(payload + (n + 1) * sealed) }

        var swappedHeader = bytes
        let share = bytes.firstIndex(of: UInt8(ascii: "X"))! + 8  // inside the X25519 share
        swappedHeader[share] = swappedHeader[share] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        var reordered = bytes
        reordered.replaceSubrange(chunk(1), with: bytes[chunk(2)])
        reordered.replaceSubrange(chunk(2), with: bytes[chunk(1)])
        var dropped = bytes
        dropped.removeSubrange(chunk(1))
        var flipped = bytes
        flipped[chunk(2).lowerBound + 100] ^= 0x04
        let cutAtChunk = Array(bytes[..<chunk(2).upperBound])
        let cutInside = Array(bytes[..<(bytes.count - 7)])
        let appended = bytes + [0x00]
        var macChanged = bytes
        macChanged[headerEnd - 3] = macChanged[headerEnd - 3] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        for (name, damaged) in [("a header byte", swappedHeader), ("two chunks swapped", reordered), ("a chunk dropped", dropped),
                                ("a bit flipped", flipped), ("cut at a chunk boundary", cutAtChunk), ("cut inside the last chunk", cutInside),
                                ("a byte appended", appended), ("the MAC changed", macChanged)] {
            let path = folder.file("damaged.tcar")
            try Data(damaged).write(to: URL(fileURLWithPath: path))
            let result = try runTool("tc-import", ["verify", path, "--identity", key.file])
            #expect(result.status == 1, "\(name) verified: \(result.stdout)")
            #expect(!result.stderr.contains("OK"), "\(name)")
        }
        #expect(try runTool("tc-import", ["verify", encrypted, "--identity", key.file]).status == 0, "the undamaged one verifies")
    }

    @Test("the ssh-pipe migration: tc-export --encrypt-to -o - | tc-import load --identity -, with no unencrypted-secrets warning on a pipe")
    func pipe() throws {
        try Self.requireAge()
        let folder = try TemporaryFolder()
        let key = try Key(folder)
        let source = try source(folder)
        let schema = try TestServer.Schema(events: true)
        let quoted = { (words: [String]) in words.map(FileInstaller.shellQuoted).joined(separator: " ") }
        let export = quoted([builtProducts + "/tc-export"] + source + ["-o", "-", "--encrypt-to", key.recipient])
        let load = quoted([builtProducts + "/tc-import", "load", "-", "--identity", key.file, "-d", schema.url] + schema.options
                          + ["--owner-person", "Maurice Faber", "--skip-files", "--on-error", "reject", "--rejects", folder.file("r.ndjson")])
        let piped = try runTool("sh", ["-c", "\(export) | \(load)"], direct: true)
        #expect(piped.status == 2, "\(piped.stderr)")  // the sample's orphan, rejected
        #expect(try schema.counts()["sessions"] == 4 && schema.eventCounts() == EventsSample.rowCounts)
        #expect(!piped.stderr.contains("unencrypted"), "\(piped.stderr)")
    }

    @Test("an archive with secrets written unencrypted outside the home folder, or to a file through standard output, is warned about; inside home or encrypted it is not")
    func unencryptedWarning() throws {
        let folder = try TemporaryFolder()
        let source = try source(folder)
        let home = folder.file("home")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let outside = try runTool("tc-export", source + ["-o", folder.file("out.tcar")], environment: ["HOME": home])
        #expect(outside.status == 0 && outside.stderr.contains("is written unencrypted to \(folder.file("out.tcar")), outside your home folder"),
                "\(outside.stderr)")
        let inside = try runTool("tc-export", source + ["-o", home + "/in.tcar"], environment: ["HOME": home])
        #expect(inside.status == 0 && !inside.stderr.contains("unencrypted"), "\(inside.stderr)")
        let redirected = try runTool("sh", ["-c", "\"$0\" \"$@\" -o - > '\(folder.file("redirected.tcar"))'", builtProducts + "/tc-export"] + source,
                                     environment: ["HOME": home], direct: true)
        #expect(redirected.stderr.contains("goes unencrypted to standard output, which is not a pipe"), "\(redirected.stderr)")
        try Self.requireAge()
        let key = try Key(folder)
        let encrypted = try runTool("tc-export", source + ["-o", folder.file("enc.tcar"), "--encrypt-to", key.recipient], environment: ["HOME": home])
        #expect(encrypted.status == 0 && !encrypted.stderr.contains("unencrypted"), "\(encrypted.stderr)")
    }
}
