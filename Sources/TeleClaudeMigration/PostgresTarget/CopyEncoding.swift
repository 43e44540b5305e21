/// The COPY forms of a converted value: the text format's escapes and the binary format's
/// fields, for the column type the converter is for.
extension ValueConverter {
    // MARK: - COPY text format

    /// Appends the COPY text form of a converted value (`\N` for NULL).
    public func appendText(_ value: Converted, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: [0x5C, 0x4E])  // \N
        case .integer(let v), .decimal(let v): DecimalText.append(v, to: &out)
        case .boolean(let v): out.append(v ? UInt8(ascii: "t") : UInt8(ascii: "f"))
        case .float(let v):
            // A real's own shortest form, so that the server's float4 input reads back this float.
            out.append(contentsOf: (binaryForm == .float4 && v.isFinite ? Float(v).description : Self.realText(v)).utf8)
        case .micros(let v):
            TimestampText.append(utcMicroseconds: v, to: &out)
            if kind == .timestamptz { out.append(contentsOf: [UInt8(ascii: "+"), 0x30, 0x30]) }
        case .days(let v): TimestampText.append(utcMicroseconds: v * 86_400_000_000, dateOnly: true, to: &out)
        case .uuid(let high, let low): Self.appendUUID(high, low, to: &out)
        case .bytes(let bytes), .json(let bytes, _): appendContent(bytes, to: &out)
        case .owned(let bytes): bytes.withUnsafeBufferPointer { appendContent($0, to: &out) }
        }
    }

    private func appendContent(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        if kind == .bytea { Self.appendHex(bytes, to: &out) } else { Self.appendEscaped(bytes, to: &out) }
    }

    static func appendUUID(_ high: UInt64, _ low: UInt64, to out: inout [UInt8]) {
        for index in 0..<32 {
            if index == 8 || index == 12 || index == 16 || index == 20 { out.append(UInt8(ascii: "-")) }
            let word = index < 16 ? high : low
            out.append(HexDigits.table[Int(word >> UInt64(60 - (index % 16) * 4) & 0xF)])
        }
    }

    /// Escapes for COPY's text format: backslash, newline, carriage return and tab. Runs of
    /// bytes that need no escape are copied at once (most text has none at all).
    static func appendEscaped(_ source: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        var runStart = 0
        for index in 0..<source.count {
            let b = source[index]
            guard b == 0x5C || b == 0x0A || b == 0x0D || b == 0x09 else { continue }
            if index > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: source[runStart..<index])) }
            out.append(0x5C)
            switch b {
            case 0x0A: out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "t"))
            default: out.append(0x5C)
            }
            runStart = index + 1
        }
        if runStart < source.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: source[runStart...])) }
    }

    /// bytea in hex form, its backslash escaped for COPY: `\\x0102…`.
    static func appendHex(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(contentsOf: [0x5C, 0x5C, UInt8(ascii: "x")])
        HexDigits.append(bytes, to: &out)
    }

    // MARK: - COPY binary format

    /// Whether `appendBinary` can write this column: PostgreSQL's built-in types whose
    /// binary form is fixed and simple. Any other column sends its table in text format.
    public var hasBinaryForm: Bool { binaryForm != .none }

    /// Microseconds (and days) between 1970-01-01 and PostgreSQL's epoch, 2000-01-01.
    static let postgresEpochMicros: Int64 = 946_684_800_000_000
    static let postgresEpochDays: Int64 = 10_957

    /// Appends one field of COPY's binary format (length, then bytes; -1 for NULL).
    /// Only for columns with `hasBinaryForm`.
    public func appendBinary(_ value: Converted, to out: inout [UInt8]) {
        @inline(__always) func length(_ n: Int) { BinaryCopy.appendLength(n, to: &out) }
        switch value {
        case .null:
            length(-1)
        case .integer(let v):
            switch binaryForm {
            case .int2: length(2); BinaryCopy.appendBigEndian(UInt16(truncatingIfNeeded: v), to: &out)
            case .int4: length(4); BinaryCopy.appendBigEndian(UInt32(truncatingIfNeeded: v), to: &out)
            case .int8: length(8); BinaryCopy.appendBigEndian(UInt64(bitPattern: v), to: &out)
            // An integer reaches no other binary form: the converter gives other kinds for them.
            case .bool, .float4, .float8, .timestamp, .date, .uuid, .bytes, .jsonb, .none:
                length(8); BinaryCopy.appendBigEndian(UInt64(bitPattern: v), to: &out)
            }
        case .boolean(let v):
            length(1); out.append(v ? 1 : 0)
        case .float(let v) where binaryForm == .float4:
            length(4); BinaryCopy.appendBigEndian(Float(v).bitPattern, to: &out)
        case .float(let v):
            length(8); BinaryCopy.appendBigEndian(v.bitPattern, to: &out)
        case .micros(let v):
            length(8); BinaryCopy.appendBigEndian(UInt64(bitPattern: v &- Self.postgresEpochMicros), to: &out)
        case .days(let v):
            length(4); BinaryCopy.appendBigEndian(UInt32(truncatingIfNeeded: v - Self.postgresEpochDays), to: &out)
        case .uuid(let high, let low):
            length(16); BinaryCopy.appendBigEndian(high, to: &out); BinaryCopy.appendBigEndian(low, to: &out)
        case .decimal(let v):
            let mark = out.count
            length(0)
            if binaryForm == .jsonb { out.append(1) }
            DecimalText.append(v, to: &out)
            BinaryCopy.patchLength(at: mark, in: &out)
        case .bytes(let bytes), .json(let bytes, _):
            appendBinaryContent(bytes, to: &out)
        case .owned(let bytes):
            bytes.withUnsafeBufferPointer { appendBinaryContent($0, to: &out) }
        }
    }

    private func appendBinaryContent(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        if binaryForm == .jsonb {
            BinaryCopy.appendBigEndian(UInt32(bytes.count + 1), to: &out)
            out.append(1)  // jsonb's binary format version
        } else {
            BinaryCopy.appendBigEndian(UInt32(bytes.count), to: &out)
        }
        out.append(contentsOf: bytes)
    }
}
