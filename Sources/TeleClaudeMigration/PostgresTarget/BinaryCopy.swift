/// PostgreSQL's binary COPY format, both directions, in one place: the header (signature,
/// flags, extension area), each row's field count, each field's length (-1 for NULL), and
/// the trailer. `ValueConverter.appendBinary` writes a field's bytes through it; the load
/// frames rows with it; the read-back (`ContentCheck`) parses `COPY ... TO STDOUT (FORMAT
/// binary)` with it. Hand-written, as libpq leaves the COPY data format to the caller
/// (postgres-nio's binary COPY writer is the model).
enum BinaryCopy {
    /// `PGCOPY\n\377\r\n\0`.
    static let signature: [UInt8] = [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00]

    // MARK: - Writing

    /// The signature, no flags, an empty header extension.
    static func appendHeader(to out: inout [UInt8]) {
        out.append(contentsOf: signature + [0, 0, 0, 0, 0, 0, 0, 0])
    }

    static func appendFieldCount(_ count: Int, to out: inout [UInt8]) {
        appendBigEndian(UInt16(count), to: &out)
    }

    /// A field's length; -1 is NULL.
    @inline(__always)
    static func appendLength(_ length: Int, to out: inout [UInt8]) {
        appendBigEndian(UInt32(truncatingIfNeeded: length), to: &out)
    }

    /// An int8 field.
    static func appendField(_ value: Int64, to out: inout [UInt8]) {
        appendLength(8, to: &out)
        appendBigEndian(UInt64(bitPattern: value), to: &out)
    }

    /// The field count -1 that ends the data.
    static func appendTrailer(to out: inout [UInt8]) {
        out.append(contentsOf: [0xFF, 0xFF])
    }

    /// Sets the length written at `mark` (as a placeholder) to the bytes after it.
    static func patchLength(at mark: Int, in out: inout [UInt8]) {
        let n = UInt32(out.count - mark - 4)
        out[mark] = UInt8(n >> 24); out[mark + 1] = UInt8(n >> 16 & 0xFF)
        out[mark + 2] = UInt8(n >> 8 & 0xFF); out[mark + 3] = UInt8(n & 0xFF)
    }

    @inline(__always)
    static func appendBigEndian<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
    }

    // MARK: - Reading

    /// The offset after the header when `message` starts with one, else 0.
    static func headerLength(_ message: UnsafeBufferPointer<UInt8>) -> Int {
        guard message.count >= 19, message.starts(with: signature) else { return 0 }
        return 19 + Int(int32(message, at: 15))
    }

    /// The fields of the row at `start`, passed to `field` (nil for NULL); the offset after
    /// the row, or nil at the trailer or the end of the message. A row cut short (a field
    /// longer than the bytes left) ends the parse: its cut field is never passed on.
    @inline(__always)
    static func row(_ message: UnsafeBufferPointer<UInt8>, at start: Int, _ field: (Int, UnsafeBufferPointer<UInt8>?) -> Void) -> Int? {
        guard start + 2 <= message.count else { return nil }
        let fields = Int(Int16(bitPattern: UInt16(message[start]) << 8 | UInt16(message[start + 1])))
        guard fields >= 0 else { return nil }  // the trailer
        var offset = start + 2
        for column in 0..<fields {
            guard offset + 4 <= message.count else { return nil }
            let length = Int(int32(message, at: offset))
            offset += 4
            guard length <= message.count - offset else { return nil }
            field(column, length < 0 ? nil : UnsafeBufferPointer(rebasing: message[offset..<offset + length]))
            if length > 0 { offset += length }
        }
        return offset
    }

    static func int32(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> Int32 {
        Int32(bitPattern: UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3]))
    }

    /// A big-endian integer of up to 8 bytes.
    static func int64(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64 {
        var value: UInt64 = 0
        for b in bytes { value = value << 8 | UInt64(b) }
        return Int64(bitPattern: value)
    }
}
