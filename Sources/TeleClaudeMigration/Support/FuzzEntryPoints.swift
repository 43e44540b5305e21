import Foundation

/// The parsers that read untrusted bytes, each behind one call that must return (with a
/// result or an error) for any input: the entry points of the `tc-fuzz` libFuzzer targets
/// and of the corpus replay in the tests. An error is a correct answer; a crash, a hang
/// or a trap is a bug.
public enum FuzzEntryPoints {
    public enum Target: String, CaseIterable, Sendable {
        /// One NDJSON line of table data (format-spec.md section 6).
        case values
        /// `manifest.json`, with every structural check a reader makes.
        case manifest
        /// A `.env` file.
        case env
        /// The tar layer (`TarReader`) on decompressed bytes: headers, names, sizes, padding.
        case tar
        /// A whole file through the container: compression detected, decompressed, the seal
        /// checked (`ArchiveInput`, `DecompressingReader`).
        case container
        /// An age file: header, stanzas, MAC, STREAM chunks, opened with the fuzz identity.
        case age
        /// A zstd file with a signature frame, its signature required from the fuzz signer.
        case signature
        /// `SHA256SUMS`.
        case checksums
        /// `summary.json`.
        case summary
        /// The whole `verify` of a file: everything a received archive goes through.
        case verify
    }

    /// Keys of the fuzz targets, throwaway and for nothing else: the seeds of
    /// Tests/fuzz-corpus/age, signature and verify were written with them (scripts/fuzz).
    static let identityFile = "AGE-SECRET-KEY-1QQH05GPPXUGNRNM34E272R0VRCM4T2UYCWAAVZKE84EUUJTU35PQV5ANEM"
    static let allowedSigners = "fuzz@tc namespaces=\"tc-archive@teleclaude\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEmA1wjnuFr6RKaI/dN2456ePhZWNFubTXonyWM8dABJ"

    static let keys: ArchiveKeys = {
        var identities = Age.Identities()
        identities.secretKeys = (try? Age.Identities.parseIdentityFile(identityFile, path: "fuzz identity")) ?? []
        let signers = try? SSHSignature.AllowedSigners(parsing: allowedSigners, path: "fuzz signers")
        return ArchiveKeys(identities: identities, signature: signers.map { .report($0) })
    }()

    /// Feeds `bytes` to a target; returns whether the input was accepted.
    @discardableResult
    public static func run(_ target: Target, _ bytes: [UInt8]) -> Bool {
        switch target {
        case .values:
            guard let values = try? RowDecoder.decode(bytes) else { return false }
            // What is decoded must encode back to a line that decodes to the same values.
            var encoder = RowEncoder(columnCount: values.count, capacity: bytes.count + 16)
            encoder.appendRow(values)
            let again = try? RowDecoder.decode(Array(encoder.buffer.dropLast()))
            precondition(again == values, "a decoded row does not survive re-encoding")
            return true
        case .manifest:
            return (try? ManifestCheck.parse(bytes)) != nil
        case .env:
            return (try? EnvFile.parse(String(decoding: bytes, as: UTF8.self), path: ".env")) != nil
        case .tar:
            let tar = TarReader(source: MemorySource(bytes), bufferSize: 4096)
            var buffer = [UInt8](repeating: 0, count: 4096)
            do {
                while try tar.nextMember() != nil {
                    while try buffer.withUnsafeMutableBytes({ try tar.readData(into: $0) }) > 0 {}
                }
                return true
            } catch {
                return false
            }
        case .container, .age, .signature:
            return (try? readFile(bytes, keys: target == .container ? .none
                                          : target == .age ? ArchiveKeys(identities: keys.identities)
                                          : ArchiveKeys(signature: keys.signature.flatMap(\.signers).map { .require($0) }))) != nil
        case .checksums:
            return (try? ChecksumList(parsing: bytes)) != nil
        case .summary:
            return (try? JSONDecoder().decode(Summary.self, from: Data(bytes))) != nil
        case .verify:
            return FuzzFile.with(bytes) { path in
                (try? ArchiveVerifier(.file(path), keys: keys, console: Console(quiet: true, interactive: false, sink: { _ in })).run()) != nil
            }
        }
    }

    /// The file's bytes through age, the decompressor, the seal and the signature frame, as
    /// `ArchiveReader` takes them (without the tar layer and what follows it).
    static func readFile(_ bytes: [UInt8], keys: ArchiveKeys) throws {
        try FuzzFile.with(bytes) { path in try readFile(path, keys: keys) }
    }

    static func readFile(_ path: String, keys: ArchiveKeys) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ArchiveError("cannot open the fuzz file") }
        defer { close(fd) }
        let input = try ArchiveInput(fileDescriptor: fd, displayName: "fuzz", identities: keys.identities)
        let reader = try DecompressingReader(input: input, displayName: "fuzz", signature: keys.signature)
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while try buffer.withUnsafeMutableBytes({ try reader.read(into: $0) }) > 0 {}
        _ = try reader.finish()  // the seal, and the signature when one is required
    }

    /// Bytes in memory as a decompressed stream.
    final class MemorySource: ByteSource {
        let bytes: [UInt8]
        var offset = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
        func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            let count = min(buffer.count, bytes.count - offset)
            bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: count) }
            offset += count
            return count
        }
    }

    /// The readers take a file: one per input, removed after it (in /dev/shm when there is
    /// one, so no disk is touched). Per input, not per process: the corpus replay runs
    /// targets side by side in one test process.
    enum FuzzFile {
        static let folder = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()

        static func with<T>(_ bytes: [UInt8], _ body: (String) throws -> T) rethrows -> T {
            let path = "\(folder)/tc-fuzz-\(getpid())-\(UUID().uuidString)"
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 {
                _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                close(fd)
            }
            defer { unlink(path) }
            return try body(path)
        }
    }
}
