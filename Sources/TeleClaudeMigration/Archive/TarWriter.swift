import CTCArchive
import Crypto
import Foundation

/// Writes a pax tar stream, optionally compressed, through libarchive to a file descriptor.
/// Owns the `struct archive*` and frees it exactly once.
///
/// Every member is a regular file with the same fixed metadata (mode 0600, uid/gid 0, no
/// owner names, the archive's creation time), so equal contents give equal bytes.
public final class TarWriter {
    private var handle: OpaquePointer?
    private let modificationTime: Int
    private let compression: Compression
    private let sink: RawFileSink
    private var closed = false

    /// The archive's bytes written so far (all of them after `close`).
    var bytesWritten: Int64 { sink.bytesWritten }

    /// One zstd worker per core.
    public static var defaultZstdWorkers: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// `recipients`: the archive is written as an age file encrypted to them.
    /// `signer`: a signature frame goes before the seal (zstd only, format-spec.md 3.5).
    private let signer: SSHSignature.SigningKey?

    init(fileDescriptor: Int32, compression: Compression, modificationTime: Int, zstdLevel: Int = 3,
         zstdWorkers: Int = TarWriter.defaultZstdWorkers, recipients: [Age.Recipient] = [],
         signer: SSHSignature.SigningKey? = nil) throws {
        precondition(signer == nil || compression == .zstd, "signatures go in a zstd skippable frame")
        self.signer = signer
        self.sink = try RawFileSink(fileDescriptor: fileDescriptor, hashing: compression != .none, recipients: recipients,
                                    signing: signer != nil)
        guard let archive = archive_write_new() else { throw ArchiveError("libarchive could not allocate a writer") }
        handle = archive
        self.modificationTime = modificationTime
        self.compression = compression
        do {
            try check(archive_write_set_format_pax_restricted(archive), "setting the tar format")
            switch compression {
            case .zstd:
                try check(archive_write_add_filter_zstd(archive), "enabling zstd")
                try check(archive_write_set_filter_option(archive, "zstd", "compression-level", String(zstdLevel)), "setting the zstd level")
                // zstd workers: compression runs beside reading, hashing and tar writing, on
                // every core. zstd's streaming output with one or more workers does not
                // depend on how many (ArchiveWriterTests checks it), so archives stay
                // reproducible from machine to machine.
                try check(archive_write_set_filter_option(archive, "zstd", "threads", String(zstdWorkers)), "setting zstd threads")
            case .gzip:
                try check(archive_write_add_filter_gzip(archive), "enabling gzip")
                // No timestamp in the gzip header, so the archive stays deterministic.
                try check(archive_write_set_filter_option(archive, "gzip", "timestamp", nil), "clearing the gzip timestamp")
            case .none:
                try check(archive_write_add_filter_none(archive), "disabling compression")
            }
            // No padding after the end-of-archive blocks: a reader can then require the stream
            // to end exactly there, so truncation anywhere is detectable.
            try check(archive_write_set_bytes_in_last_block(archive, 1), "setting the last block size")
            // Hand the output over in 1 MiB writes rather than tar's 10 KiB records.
            try check(archive_write_set_bytes_per_block(archive, 1 << 20), "setting the block size")
            let context = Unmanaged.passUnretained(sink).toOpaque()
            try check(archive_write_open(archive, context, nil, { archive, context, buffer, count in
                let sink = Unmanaged<RawFileSink>.fromOpaque(context!).takeUnretainedValue()
                guard sink.write(UnsafeRawBufferPointer(start: buffer, count: count)) else {
                    tc_archive_set_error_message(archive, sink.lastError)
                    return -1
                }
                return count
            }, nil), "opening the output")
        } catch {
            archive_write_free(archive)
            handle = nil
            throw error
        }
    }

    deinit {
        if let handle { archive_write_free(handle) }  // archive_write_free also closes
    }

    private func check(_ code: Int32, _ what: String) throws {
        guard code != ARCHIVE_OK else { return }
        let message = handle.flatMap { archive_error_string($0) }.map { String(cString: $0) } ?? "code \(code)"
        throw ArchiveError("writing the archive failed while \(what): \(message)")
    }

    func writeMember(name: String, bytes: UnsafeRawBufferPointer) throws {
        guard let archive = handle, !closed else { throw ArchiveError("archive writer used after close") }
        guard let entry = archive_entry_new() else { throw ArchiveError("libarchive could not allocate an entry") }
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname_utf8(entry, name)
        archive_entry_set_size(entry, la_int64_t(bytes.count))
        archive_entry_set_filetype(entry, tc_ae_ifreg)
        archive_entry_set_perm(entry, 0o600)
        archive_entry_set_mtime(entry, time_t(modificationTime), 0)
        archive_entry_set_uid(entry, 0)
        archive_entry_set_gid(entry, 0)
        try check(archive_write_header(archive, entry), "writing the header of \(name)")
        var offset = 0
        while offset < bytes.count {
            let written = archive_write_data(archive, bytes.baseAddress! + offset, bytes.count - offset)
            if written <= 0 {
                try check(Int32(truncatingIfNeeded: written == 0 ? Int(ARCHIVE_FATAL) : written), "writing \(name)")
            }
            offset += written
        }
        try check(archive_write_finish_entry(archive), "finishing \(name)")
    }

    func writeMember(name: String, bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try writeMember(name: name, bytes: $0) }
    }

    /// Writes the end-of-archive blocks and flushes the compressor.
    func close() throws {
        guard let archive = handle, !closed else { return }
        closed = true
        try check(archive_write_close(archive), "closing the archive")
        if let signer, let digest = sink.signingHasher?.finalize() {
            let frame = SignatureFrame.bytes(armored: try signer.sign(digest: Array(digest)))
            guard frame.withUnsafeBytes({ sink.write($0) }) else {
                throw ArchiveError("writing the archive failed while signing it: \(sink.lastError)")
            }
        }
        let seal = ArchiveSeal.bytes(compression, digest: Array(sink.hasher.finalize()))
        guard seal.withUnsafeBytes({ sink.write($0) }), sink.finish() else {
            throw ArchiveError("writing the archive failed while sealing it: \(sink.lastError)")
        }
    }
}

/// Writes libarchive's output to a file descriptor and hashes it for the seal; with
/// recipients, through age encryption (the seal is of the archive inside).
final class RawFileSink {
    let fileDescriptor: Int32
    /// Uncompressed archives have no seal, so their bytes need no second hash.
    let hashing: Bool
    var hasher = SHA256()
    private(set) var lastError = ""
    /// Every byte written to the descriptor, seal and encryption included: the archive's
    /// size wherever it goes (a pipe too).
    private(set) var bytesWritten: Int64 = 0
    private var encryptor: AgeEncryptor?
    /// SHA-512 of every byte so far, for the signature (nil when not signing).
    var signingHasher: SHA512?

    init(fileDescriptor: Int32, hashing: Bool, recipients: [Age.Recipient] = [], signing: Bool = false) throws {
        self.fileDescriptor = fileDescriptor
        self.hashing = hashing
        if signing { signingHasher = SHA512() }
        if !recipients.isEmpty {
            encryptor = try AgeEncryptor(recipients: recipients) { [unowned self] bytes in self.writeOut(bytes) }
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if hashing { hasher.update(bufferPointer: bytes) }
        signingHasher?.update(bufferPointer: bytes)
        if let encryptor { return encryptor.write(bytes) || fail("encrypting the archive failed") }
        return writeOut(bytes)
    }

    /// After the seal: the last encrypted chunk.
    func finish() -> Bool {
        encryptor?.finish() ?? true
    }

    private func writeOut(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytesWritten += Int64(bytes.count)
        if let failure = DurableFile.writeAll(fileDescriptor, bytes) {
            lastError = failure
            return false
        }
        return true
    }

    private func fail(_ message: String) -> Bool {
        if lastError.isEmpty { lastError = message }
        return false
    }
}
