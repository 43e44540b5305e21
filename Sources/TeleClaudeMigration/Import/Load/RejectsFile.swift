import Foundation

/// `--on-error reject`: rows that cannot be loaded, each written whole as one JSON line
/// `{"columns":["…",…],"database":"main","line":N,"reason":"…","row":[…],"table":"…"}`, where `row` is the
/// archive row in the archive's own value encoding (format-spec.md, 6.2) and `columns` names
/// its values in order. Created owner-only: rows can hold
/// secrets. Nothing is lost: loaded + rejected = the archive's rows, per table.
final class RejectsFile {
    let path: String
    private let handle: FileHandle
    private(set) var count = 0

    /// The rejects file cannot be made where `--rejects` says.
    struct CreateError: Error, CustomStringConvertible { let message: String; var description: String { message } }

    /// Created before BEGIN, never over an existing file: a failed load removes it again,
    /// and must not have destroyed what was there (an earlier load's rejected rows).
    init(path: String) throws {
        self.path = path
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let reason = errno == EEXIST ? "it exists (an earlier load's rejected rows?); move it away or pass another --rejects PATH"
                : String(cString: strerror(errno))
            throw CreateError(message: "cannot create the rejects file \(path): \(reason); nothing was changed")
        }
        fchmod(fd, 0o600)
        handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    func write(table: TableSchema, line: Int64, reason: String, row: [UInt8]) throws {
        var out = Array("{\"columns\":[".utf8)
        for (index, column) in table.columns.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            Self.appendString(column.name, to: &out)
        }
        out += Array("],\"database\":".utf8)
        Self.appendString(table.databaseName, to: &out)
        out += Array(",\"line\":\(line),\"reason\":".utf8)
        Self.appendString(reason, to: &out)
        out += Array(",\"row\":".utf8)
        out += row.last == 0x0A ? row.dropLast() : row[...]
        out += Array(",\"table\":".utf8)
        Self.appendString(table.name, to: &out)
        out += Array("}\n".utf8)
        try handle.write(contentsOf: out)
        count += 1
    }

    static func appendString(_ text: String, to out: inout [UInt8]) {
        text.utf8CString.dropLast().withUnsafeBufferPointer { pointer in
            pointer.withMemoryRebound(to: UInt8.self) { _ = JSONText.appendEscapedString($0, to: &out) }
        }
    }

    func close() throws {
        try handle.synchronize()
        try handle.close()
    }
}

/// The canonical lines of one table's rows, kept on disk while the table loads through a
/// staging table, so a row found to be an orphan can be rejected whole. Memory holds only
/// one offset per row.
final class RowSpool {
    private let handle: FileHandle
    private var offsets: [UInt64] = []
    private var size: UInt64 = 0

    init() throws {
        guard let file = TemporaryFile.create(prefix: "/tmp/tc-import-spool.") else {
            throw SpoolError(file: "the spool of staged rows", action: "create", code: errno)
        }
        unlink(file.path)  // nameless: gone when closed, whatever happens
        handle = FileHandle(fileDescriptor: file.fileDescriptor, closeOnDealloc: true)
    }

    func append(_ line: [UInt8]) throws {
        offsets.append(size)
        try handle.write(contentsOf: line)
        size += UInt64(line.count)
    }

    /// The line of row `number` (1-based, in the order appended).
    func line(_ number: Int64) throws -> [UInt8] {
        let index = Int(number - 1)
        let start = offsets[index]
        let end = index + 1 < offsets.count ? offsets[index + 1] : size
        try handle.seek(toOffset: start)
        let data = try handle.read(upToCount: Int(end - start)) ?? Data()
        try handle.seekToEnd()
        return Array(data)
    }
}
