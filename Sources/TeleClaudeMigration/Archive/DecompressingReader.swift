import CTCArchive
import Foundation

/// The decompressed bytes of an archive file, through libarchive's filters (zstd, gzip, or
/// none, detected from the first bytes). Owns the `struct archive*`.
///
/// libarchive's own tar reader is deliberately not used for the tar layer: it is lenient
/// by design (it skips padding unread, accepts many dialects and ignores what follows the
/// end of the archive), and this format must reject every deviation. See `TarReader`.
final class DecompressingReader: ByteSource {
    private var handle: OpaquePointer?
    private let raw: RawFileSource
    private var finished = false
    let displayName: String
    /// Total decompressed bytes handed out so far.
    private(set) var position: Int64 = 0
    /// The compression libarchive detected.
    private(set) var compression: Compression = .none

    init(input: ArchiveInput, displayName: String, signature: SignatureRequest?) throws {
        self.displayName = displayName
        raw = RawFileSource(input: input, displayName: displayName, signatureRequest: signature)
        guard let archive = archive_read_new() else { throw ArchiveError("libarchive could not allocate a reader") }
        handle = archive
        do {
            try check(archive_read_support_filter_zstd(archive), "enabling zstd")
            try check(archive_read_support_filter_gzip(archive), "enabling gzip")
            try check(archive_read_support_format_raw(archive), "enabling raw reading")
            let context = Unmanaged.passUnretained(raw).toOpaque()
            let opened = archive_read_open(archive, context, nil, { archive, context, buffer in
                let source = Unmanaged<RawFileSource>.fromOpaque(context!).takeUnretainedValue()
                let count = source.readNext()
                if count < 0 { tc_archive_set_error_message(archive, source.lastError) }
                buffer!.pointee = UnsafeRawPointer(source.buffer)
                return count
            }, nil)
            if opened != ARCHIVE_OK, raw.failure == nil, raw.total == 0 {
                throw ArchiveError("\(displayName) is empty: not a tc-export archive", reason: .notAnArchive)
            }
            try check(opened, "opening \(displayName)")
            var entry: OpaquePointer?
            let code = archive_read_next_header(archive, &entry)
            if code == ARCHIVE_EOF { throw ArchiveError("\(displayName) is empty: not a tc-export archive", reason: .notAnArchive) }
            try check(code, "reading \(displayName)")
            switch archive_filter_code(archive, 0) {
            case ARCHIVE_FILTER_ZSTD: compression = .zstd
            case ARCHIVE_FILTER_GZIP: compression = .gzip
            default: compression = .none
            }
        } catch {
            archive_read_free(archive)
            handle = nil
            throw error
        }
    }

    deinit {
        if let handle { archive_read_free(handle) }
    }

    private func check(_ code: Int32, _ what: String) throws {
        guard code != ARCHIVE_OK else { return }
        let message = handle.flatMap { archive_error_string($0) }.map { String(cString: $0) } ?? "code \(code)"
        throw ArchiveError("\(displayName): failed while \(what): \(message)")
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let archive = handle, !finished, buffer.count > 0 else { return 0 }
        let count = archive_read_data(archive, buffer.baseAddress, buffer.count)
        if count < 0 {
            let message = archive_error_string(archive).map { String(cString: $0) } ?? "code \(count)"
            throw ArchiveError("\(displayName) is damaged or truncated after \(position) decompressed bytes: \(message)", reason: .damaged)
        }
        if count == 0 { finished = true }
        position += Int64(count)
        return count
    }

    /// Reads whatever follows the decompressed stream and checks the seal of a compressed
    /// file. Call after the tar layer has ended.
    func finish() throws -> SignatureInfo? {
        while raw.readNext() > 0 {}
        if let error = raw.failure { throw error }
        try raw.seal.verify(displayName: displayName)
        guard let request = raw.signatureRequest else { return nil }
        let found = compression == .zstd ? raw.signatureCheck?.find(sealLength: ArchiveSeal.length(.zstd), signers: request.signers) : nil
        guard case .require = request else { return found }
        guard let found else {
            throw ArchiveError("\(displayName) is not signed, and --require-signature asks for a signature (tc-export --sign-with KEY makes one)", reason: .unsigned)
        }
        guard found.valid else {
            throw ArchiveError("\(displayName): the signature (key \(found.key)) does not cover the bytes read: the archive was changed after it was signed", reason: .damaged)
        }
        guard found.principals != nil else {
            throw ArchiveError("\(displayName) is signed with the key \(found.key), which the allowed signers file does not list for \(SSHSignature.namespace)", reason: .unsigned)
        }
        return found
    }
}

/// Reads the archive file in 1 MiB pieces for libarchive and feeds every byte to the seal check.
final class RawFileSource {
    let input: ArchiveInput
    let displayName: String
    /// The signature is looked for only when asked: it costs a SHA-512 of the whole file.
    let signatureRequest: SignatureRequest?
    lazy var signatureCheck: SignatureCheck? = signatureRequest == nil ? nil : SignatureCheck()
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 16)
    var seal = SealCheck()
    private(set) var failure: ArchiveError?
    /// Bytes read from the file so far.
    private(set) var total = 0
    var lastError: String { failure?.message ?? "read error" }

    init(input: ArchiveInput, displayName: String, signatureRequest: SignatureRequest?) {
        self.input = input
        self.displayName = displayName
        self.signatureRequest = signatureRequest
    }

    deinit { buffer.deallocate() }

    /// Bytes now in `buffer`, 0 at the end of the file, -1 on a read error.
    func readNext() -> Int {
        guard let count = input.read(into: UnsafeMutableRawBufferPointer(start: buffer, count: 1 << 20)) else {
            failure = input.failure ?? ArchiveError("cannot read \(displayName): \(String(cString: strerror(errno)))", reason: .io)
            return -1
        }
        seal.add(UnsafeRawBufferPointer(start: buffer, count: count))
        signatureCheck?.add(UnsafeRawBufferPointer(start: buffer, count: count))
        total += count
        return count
    }
}
