import Crypto
import Foundation
import TCSamples
import Testing
@testable import TeleClaudeMigration

/// SSH signatures, against OpenSSH's `ssh-keygen -Y` both ways (scripts/setup installs
/// openssh-client; under scripts/test a missing ssh-keygen fails instead of skipping).
@Suite("Signed archives, checked by ssh-keygen", .timeLimit(.minutes(5)), InteropTool.trait("ssh-keygen", package: "openssh-client"))
struct SignatureTests {
    /// An Ed25519 key made by ssh-keygen, and an allowed_signers file listing it.
    struct Key {
        let file: String
        let allowedSigners: String

        init(_ folder: TemporaryFolder, name: String = "id", principal: String = "maurice@example.org") throws {
            file = folder.file(name)
            let made = try runTool("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", principal, "-f", file], direct: true)
            guard made.status == 0 else { throw ArchiveError("ssh-keygen failed: \(made.stderr)") }
            let publicKey = try String(contentsOfFile: file + ".pub", encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
            allowedSigners = folder.file(name + ".allowed")
            try "\(principal) namespaces=\"\(SSHSignature.namespace)\" \(publicKey)\n".write(toFile: allowedSigners, atomically: true, encoding: .utf8)
        }
    }

    static func requireSSHKeygen() throws { try InteropTool.require("ssh-keygen", package: "openssh-client") }

    func signedArchive(_ folder: TemporaryFolder, key: Key, name: String = "signed.tcar", extra: [String] = []) throws -> String {
        if !FileManager.default.fileExists(atPath: folder.file("s")) { try BundledSample.write(to: folder.file("s")) }
        let archive = folder.file(name)
        let exported = try runTool("tc-export", ["--project-root", folder.file("s/project"), "--docs", folder.file("s/home/.teleclaude/docs"),
                                                 "-o", archive, "--sign-with", key.file, "--json"] + extra)
        guard exported.status == 0 else { throw ArchiveError("export failed: \(exported.stderr)") }
        return archive
    }

    /// The signature and the signed byte count, as inspect --json gives them.
    func signature(of archive: String) throws -> (armored: String, signedBytes: Int) {
        let inspected = try runTool("tc-import", ["inspect", archive, "--json"])
        let signature = (try JSONSerialization.jsonObject(with: Data(inspected.stdout.utf8)) as? [String: Any])?["signature"] as? [String: Any]
        return (try #require(signature?["armored"] as? String), try #require(signature?["signed_bytes"] as? Int))
    }

    /// `prefix` with a signature frame holding `armored`, and the seal over both.
    func sealed(_ prefix: [UInt8], armored: String) -> [UInt8] {
        let body = prefix + SignatureFrame.bytes(armored: armored)
        return body + ArchiveSeal.bytes(.zstd, digest: Array(SHA256.hash(data: body)))
    }

    @Test("ssh-keygen -Y verify accepts the signature tc-export wrote, over the bytes inspect names; tc-import accepts one ssh-keygen -Y sign made")
    func bothWays() throws {
        try Self.requireSSHKeygen()
        let folder = try TemporaryFolder()
        let key = try Key(folder)
        let archive = try signedArchive(folder, key: key)
        let (armored, signedBytes) = try signature(of: archive)
        try armored.write(toFile: folder.file("a.sig"), atomically: true, encoding: .utf8)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: archive)))
        try Data(bytes[..<signedBytes]).write(to: URL(fileURLWithPath: folder.file("message")))
        let checked = try runTool("sh", ["-c", "ssh-keygen -Y verify -f \"$1\" -I maurice@example.org -n \(SSHSignature.namespace) -s \"$2\" < \"$3\"",
                                         "sh", key.allowedSigners, folder.file("a.sig"), folder.file("message")], direct: true)
        #expect(checked.status == 0 && checked.stdout.contains("Good \"\(SSHSignature.namespace)\" signature for maurice@example.org"),
                "\(checked.stdout)\(checked.stderr)")

        // The same message signed by ssh-keygen, put where tc-export puts its own.
        let made = try runTool("ssh-keygen", ["-Y", "sign", "-f", key.file, "-n", SSHSignature.namespace, folder.file("message")], direct: true)
        #expect(made.status == 0, "\(made.stderr)")
        let theirs = try String(contentsOfFile: folder.file("message.sig"), encoding: .utf8)
        let spliced = folder.file("spliced.tcar")
        try Data(sealed(Array(bytes[..<signedBytes]), armored: theirs)).write(to: URL(fileURLWithPath: spliced))
        let verified = try runTool("tc-import", ["verify", spliced, "--require-signature", key.allowedSigners])
        #expect(verified.status == 0 && verified.stdout.contains("signed by maurice@example.org"), "\(verified.stderr)")
    }

    @Test("--require-signature refuses an unsigned archive, another key, and a signature over other bytes; a reader not asked still reads a signed archive")
    func refusals() throws {
        try Self.requireSSHKeygen()
        let folder = try TemporaryFolder()
        let key = try Key(folder), other = try Key(folder, name: "other", principal: "eve@example.org")
        let archive = try signedArchive(folder, key: key)
        #expect(try runTool("tc-import", ["verify", archive]).status == 0, "signed archives read as ever without the option")
        #expect(try runTool("tc-import", ["verify", archive, "--require-signature", key.allowedSigners]).status == 0)

        let wrongKey = try runTool("tc-import", ["verify", archive, "--require-signature", other.allowedSigners, "--json"])
        #expect(wrongKey.status == 1 && wrongKey.stderr.contains("which the allowed signers file does not list") && wrongKey.stdout.contains("\"unsigned\""),
                "\(wrongKey.stderr)")
        let unsigned = try PostgresLoadTests.sampleArchive(folder)
        let refused = try runTool("tc-import", ["verify", unsigned, "--require-signature", key.allowedSigners])
        #expect(refused.status == 1 && refused.stderr.contains("is not signed"), "\(refused.stderr)")

        // The signature of one archive over the bytes of another (the seal made right again).
        let second = try signedArchive(folder, key: key, name: "second.tcar", extra: ["-T", "system_settings"])
        let (armored, _) = try signature(of: archive)
        let (_, secondBytes) = try signature(of: second)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: second)))
        let moved = folder.file("moved.tcar")
        try Data(sealed(Array(bytes[..<secondBytes]), armored: armored)).write(to: URL(fileURLWithPath: moved))
        let elsewhere = try runTool("tc-import", ["verify", moved, "--require-signature", key.allowedSigners])
        #expect(elsewhere.status == 1 && elsewhere.stderr.contains("does not cover the bytes read"), "\(elsewhere.stderr)")

        // A load that requires a signature changes nothing when there is none.
        let schema = try TestServer.Schema()
        let load = try runTool("tc-import", ["load", unsigned, "-d", schema.url, "--schema", schema.name, "--owner-person", "Maurice Faber",
                                             "--skip-files", "--require-signature", key.allowedSigners])
        #expect(load.status == 1 && load.stderr.contains("is not signed"), "\(load.stderr)")
        #expect(try schema.counts().values.allSatisfy { $0 == 0 })
    }

    @Test("signed and encrypted: the encrypted ssh-pipe load checks the signature; --sign-with refuses gzip and a passphrase-protected key",
          InteropTool.trait("age", package: "age"))
    func signedAndEncrypted() throws {
        try Self.requireSSHKeygen()
        try EncryptionTests.requireAge()
        let folder = try TemporaryFolder()
        let key = try Key(folder)
        let age = try EncryptionTests.Key(folder, name: "age.txt")
        try BundledSample.write(to: folder.file("s"))
        let source = ["--project-root", folder.file("s/project"), "--docs", folder.file("s/home/.teleclaude/docs")]
        let schema = try TestServer.Schema()
        let quoted = { (words: [String]) in words.map(FileInstaller.shellQuoted).joined(separator: " ") }
        let export = quoted([builtProducts + "/tc-export"] + source + ["-o", "-", "--encrypt-to", age.recipient, "--sign-with", key.file])
        let load = quoted([builtProducts + "/tc-import", "load", "-", "--identity", age.file, "--require-signature", key.allowedSigners,
                           "-d", schema.url, "--schema", schema.name, "--owner-person", "Maurice Faber", "--skip-files",
                           "--on-error", "reject", "--rejects", folder.file("r.ndjson")])
        let piped = try runTool("sh", ["-c", "\(export) | \(load)"], direct: true)
        let sessions = try schema.counts()["sessions"]
        #expect(piped.status == 2 && sessions == 4, "\(piped.stderr)")
        #expect(piped.stdout.contains("signature checked: signed by "), "the load's report says whose signature it checked\n\(piped.stdout)")

        let gzip = try runTool("tc-export", source + ["-o", folder.file("g.tcar"), "--sign-with", key.file, "--compression", "gzip"])
        #expect(gzip.status == 64 && gzip.stderr.contains("--compression zstd"), "\(gzip.stderr)")
        let locked = folder.file("locked")
        #expect(try runTool("ssh-keygen", ["-q", "-t", "ed25519", "-N", "secret words", "-f", locked], direct: true).status == 0)
        let protected = try runTool("tc-export", source + ["-o", folder.file("l.tcar"), "--sign-with", locked])
        #expect(protected.status == 1 && protected.stderr.contains("protected by a passphrase"), "\(protected.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("l.tcar")))
    }
}
