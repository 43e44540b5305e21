/// A strict reader of the tar layer of an archive (format-spec.md, "Container").
///
/// Hand-written on purpose: the spec allows only regular files, pax `x` headers with a few
/// keywords, zero padding and an exact end, and a reader must notice a single flipped or
/// missing byte anywhere. libarchive's tar reader skips padding without reading it and
/// accepts trailing garbage, which would let such damage pass. Decompression stays with
/// libarchive (`DecompressingReader`).
final class TarReader {
    struct Member: Equatable {
        let name: String
        let size: Int64
        /// Offset of the member's first header in the decompressed stream.
        let offset: Int64
    }

    struct Limits {
        var maxNameBytes = 1024
        var maxPaxHeaderBytes = 64 * 1024
    }

    private let source: ByteSource
    private let limits: Limits
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var consumed: Int64 = 0  // bytes of the stream before buffer[start]
    private var remainingData: Int64 = 0
    private var remainingPadding = 0
    private var current: Member?
    private var atEnd = false

    /// How messages name the input (`the archive`, a path, `standard input`).
    var displayName = "the archive"

    init(source: ByteSource, limits: Limits = Limits(), bufferSize: Int = 1 << 20) {
        self.source = source
        self.limits = limits
        self.buffer = [UInt8](repeating: 0, count: bufferSize)
    }

    /// Stream offset of the next unread byte.
    var offset: Int64 { consumed }

    // MARK: - Buffering

    /// Makes at least `count` bytes available (fewer only at the end of the stream).
    private func fill(_ count: Int) throws -> Int {
        if end - start >= count { return end - start }
        if start > 0 {
            buffer.withUnsafeMutableBytes { raw in
                raw.baseAddress!.copyMemory(from: raw.baseAddress! + start, byteCount: end - start)
            }
            end -= start
            start = 0
        }
        if buffer.count < count { buffer.append(contentsOf: [UInt8](repeating: 0, count: count - buffer.count)) }
        while end - start < count {
            let n = try buffer.withUnsafeMutableBytes { raw in
                try source.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[end...]))
            }
            if n == 0 { break }
            end += n
        }
        return end - start
    }

    private func take(_ count: Int) throws -> ArraySlice<UInt8>? {
        guard try fill(count) >= count else { return nil }
        let slice = buffer[start..<(start + count)]
        start += count
        consumed += Int64(count)
        return slice
    }

    // MARK: - Members

    /// The next member header, or nil at a well-formed end of archive.
    func nextMember() throws -> Member? {
        if atEnd { return nil }
        if remainingData > 0 || remainingPadding > 0 {
            try skipRestOfMember()
        }
        let headerOffset = consumed
        var paxPath: String?
        var paxSize: Int64?
        while true {
            guard let block = try take(512) else {
                if consumed == 0 { throw ArchiveError("\(displayName) ends before its first tar header: not a tc-export archive", reason: .notAnArchive) }
                throw ArchiveError("the archive ends at byte \(consumed) where a tar header or the end-of-archive marker should be: it is truncated", reason: .truncated)
            }
            if block.allSatisfy({ $0 == 0 }) {
                guard paxPath == nil, paxSize == nil else {
                    throw ArchiveError("a pax header at byte \(headerOffset) is followed by the end-of-archive marker")
                }
                guard let second = try take(512), second.allSatisfy({ $0 == 0 }) else {
                    throw ArchiveError("the end-of-archive marker at byte \(consumed - 512) is incomplete or damaged", reason: .damaged)
                }
                var probe = [UInt8](repeating: 0, count: 1)
                let more = start < end ? 1 : try probe.withUnsafeMutableBytes { try source.read(into: $0) }
                if more > 0 {
                    throw ArchiveError("bytes follow the end-of-archive marker at byte \(consumed): the archive has trailing data")
                }
                atEnd = true
                return nil
            }
            let header = Array(block)
            let at = consumed - 512
            // A file that does not start with a tar header is not a damaged archive: say what it is.
            if at == 0, !Self.isTarHeader(header) { throw ArchiveError.notAnArchive(displayName, startingWith: header) }
            try verifyChecksum(header, at: at)
            guard header[257..<263].elementsEqual("ustar\0".utf8), header[263..<265].elementsEqual("00".utf8) else {
                throw ArchiveError("the tar header at byte \(at) is not a POSIX ustar/pax header")
            }
            let size = try octal(header[124..<136], field: "size", at: at)
            let type = header[156]
            switch type {
            case UInt8(ascii: "x"):
                guard size <= Int64(limits.maxPaxHeaderBytes) else {
                    throw ArchiveError("the pax header at byte \(at) is \(size) bytes, over the limit of \(limits.maxPaxHeaderBytes)")
                }
                guard let data = try take(Int(size)) else { throw truncated(at: at) }
                try takePadding(for: size, name: "pax header at byte \(at)")
                (paxPath, paxSize) = try parsePax(Array(data), at: at, path: paxPath, size: paxSize)
                continue
            case UInt8(ascii: "0"), 0:
                break
            default:
                let kind: String
                switch type {
                case UInt8(ascii: "1"): kind = "a hard link"
                case UInt8(ascii: "2"): kind = "a symbolic link"
                case UInt8(ascii: "3"), UInt8(ascii: "4"): kind = "a device"
                case UInt8(ascii: "5"): kind = "a directory"
                case UInt8(ascii: "6"): kind = "a FIFO"
                case UInt8(ascii: "g"): kind = "a pax global header"
                case UInt8(ascii: "L"), UInt8(ascii: "K"): kind = "a GNU long-name header"
                default: kind = "an entry of type '\(Character(Unicode.Scalar(type)))'"
                }
                let name = paxPath ?? ustarName(header)
                throw ArchiveError("the member \(Self.quoted(name)) at byte \(at) is \(kind); archives hold regular files only")
            }
            let name = try paxPath ?? decodeName(ustarBytes(header), at: at)
            let memberSize = paxSize ?? size
            remainingData = memberSize
            remainingPadding = Int((512 - memberSize % 512) % 512)
            let member = Member(name: name, size: memberSize, offset: headerOffset)
            current = member
            return member
        }
    }

    /// Reads up to `into.count` bytes of the current member's data; 0 when it is done.
    func readData(into destination: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let member = current else { return 0 }
        if remainingData == 0 {
            try takePadding(remaining: remainingPadding, name: member.name)
            remainingPadding = 0
            current = nil
            return 0
        }
        let available = try fill(1)
        guard available > 0 else { throw truncated(at: member.offset, name: member.name) }
        let count = min(available, destination.count, Int(clamping: remainingData))
        buffer.withUnsafeBytes { raw in
            destination.baseAddress!.copyMemory(from: raw.baseAddress! + start, byteCount: count)
        }
        start += count
        consumed += Int64(count)
        remainingData -= Int64(count)
        return count
    }

    private func skipRestOfMember() throws {
        var scratch = [UInt8](repeating: 0, count: 64 * 1024)
        while try scratch.withUnsafeMutableBytes({ try readData(into: $0) }) > 0 {}
    }

    private func takePadding(for size: Int64, name: String) throws {
        try takePadding(remaining: Int((512 - size % 512) % 512), name: name)
    }

    private func takePadding(remaining: Int, name: String) throws {
        guard remaining > 0 else { return }
        let at = consumed
        guard let padding = try take(remaining) else { throw truncated(at: at, name: name) }
        guard padding.allSatisfy({ $0 == 0 }) else {
            throw ArchiveError("the padding after \(Self.quoted(name)) at byte \(at) is not zero: the archive is damaged", reason: .damaged)
        }
    }

    private func truncated(at offset: Int64, name: String? = nil) -> ArchiveError {
        ArchiveError("the archive is truncated inside \(name.map { "the member \(Self.quoted($0))" } ?? "the entry") that starts at byte \(offset)", reason: .truncated)
    }

    // MARK: - Header fields

    /// POSIX requires the checksum as six octal digits, NUL, space; anything else is damage.
    private func verifyChecksum(_ header: [UInt8], at offset: Int64) throws {
        var sum = 0
        for (i, b) in header.enumerated() { sum += (148..<156).contains(i) ? 0x20 : Int(b) }
        let field = header[148..<156]
        let digits = field.prefix(6)
        guard digits.allSatisfy({ (0x30...0x37).contains($0) }), header[154] == 0, header[155] == 0x20,
              let stored = Int(String(decoding: digits, as: UTF8.self), radix: 8), stored == sum else {
            throw ArchiveError("the tar header at byte \(offset) has a bad checksum: the archive is damaged", reason: .damaged)
        }
    }

    /// Whether a block has a tar header's checksum field and ustar magic (as any tar does).
    static func isTarHeader(_ header: [UInt8]) -> Bool {
        header.count == 512 && header[257..<262].elementsEqual("ustar".utf8)
            && header[148..<154].allSatisfy { (0x30...0x37).contains($0) || $0 == 0x20 || $0 == 0 }
    }

    private func octal(_ field: ArraySlice<UInt8>, field name: String, at offset: Int64) throws -> Int64 {
        var value: Int64 = 0
        var seenDigit = false
        var ended = false
        for b in field {
            if ended {
                guard b == 0 || b == 0x20 else { throw badField(name, at: offset) }
            } else if (0x30...0x37).contains(b) {
                guard value < Int64.max >> 3 else { throw badField(name, at: offset) }
                value = value << 3 | Int64(b - 0x30)
                seenDigit = true
            } else if b == 0x20 && !seenDigit {
                continue
            } else if b == 0 || b == 0x20 {
                ended = true
            } else {
                throw badField(name, at: offset)
            }
        }
        guard seenDigit else { throw badField(name, at: offset) }
        return value
    }

    private func badField(_ name: String, at offset: Int64) -> ArchiveError {
        ArchiveError("the tar header at byte \(offset) has an invalid \(name) field")
    }

    private func ustarBytes(_ header: [UInt8]) -> [UInt8] {
        let name = header[0..<100].prefix { $0 != 0 }
        let prefix = header[345..<500].prefix { $0 != 0 }
        return prefix.isEmpty ? Array(name) : Array(prefix) + [UInt8(ascii: "/")] + Array(name)
    }

    private func ustarName(_ header: [UInt8]) -> String {
        String(decoding: ustarBytes(header), as: UTF8.self)
    }

    private func decodeName(_ bytes: [UInt8], at offset: Int64) throws -> String {
        guard bytes.count <= limits.maxNameBytes else {
            throw ArchiveError("the member name at byte \(offset) is \(bytes.count) bytes, over the limit of \(limits.maxNameBytes)")
        }
        guard bytes.withUnsafeBufferPointer({ JSONText.isValidUTF8($0) }) else {
            throw ArchiveError("the member name at byte \(offset) is not valid UTF-8")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Parses `LENGTH KEY=VALUE\n` records; accepts `path` and `size`, ignores the time,
    /// owner and group keywords, and refuses every other keyword.
    private func parsePax(_ data: [UInt8], at offset: Int64, path: String?, size: Int64?) throws -> (String?, Int64?) {
        var path = path
        var size = size
        var i = 0
        while i < data.count {
            guard let space = data[i...].firstIndex(of: 0x20), space - i <= 10,
                  let length = Int(String(decoding: data[i..<space], as: UTF8.self)), length > space - i + 2,
                  i + length <= data.count, data[i + length - 1] == 0x0A,
                  let equals = data[(space + 1)..<(i + length)].firstIndex(of: UInt8(ascii: "=")) else {
                throw ArchiveError("the pax header at byte \(offset) has a malformed record")
            }
            let key = String(decoding: data[(space + 1)..<equals], as: UTF8.self)
            let value = Array(data[(equals + 1)..<(i + length - 1)])
            switch key {
            case "path":
                path = try decodeName(value, at: offset)
            case "size":
                guard value.count <= 18, value.allSatisfy({ (0x30...0x39).contains($0) }),
                      let parsed = Int64(String(decoding: value, as: UTF8.self)) else {
                    throw ArchiveError("the pax header at byte \(offset) has an invalid size")
                }
                size = parsed
            case "mtime", "atime", "ctime", "uid", "gid", "uname", "gname":
                break
            default:
                throw ArchiveError("the pax header at byte \(offset) uses the keyword \(Self.quoted(key)), which this format does not allow")
            }
            i += length
        }
        return (path, size)
    }

    static func quoted(_ name: String) -> String {
        let shown = name.count > 80 ? String(name.prefix(80)) + "…" : name
        return "'" + shown.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined() + "'"
    }
}
