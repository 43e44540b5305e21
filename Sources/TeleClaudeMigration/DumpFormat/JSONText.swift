/// JSON string escaping and UTF-8 validation, fused into one pass over the bytes.
///
/// Hand-written because the exporter needs both answers at once for every TEXT value
/// ("is this valid UTF-8?" and "what is its JSON form?") without building a Swift
/// String; the rules are RFC 8259 section 7 and RFC 3629.
enum JSONText {
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `"…"` with the canonical escapes. Returns false, leaving partial output,
    /// when `bytes` is not valid UTF-8 (the caller rolls back).
    static func appendEscapedString(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) -> Bool {
        out.append(UInt8(ascii: "\""))
        var runStart = 0
        var i = 0
        let n = bytes.count
        let base = UnsafeRawPointer(bytes.baseAddress)
        while i < n {
            // Eight plain ASCII bytes at a time: none >= 0x80, < 0x20, '"' or '\\'.
            if let base, n - i >= 8 {
                let word = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                if !needsAttention(word) {
                    i += 8
                    continue
                }
            }
            let b = bytes[i]
            if b >= 0x20 && b < 0x80 && b != UInt8(ascii: "\"") && b != UInt8(ascii: "\\") {
                i += 1
                continue
            }
            if b >= 0x80 {
                let length = validSequenceLength(bytes, at: i)
                if length == 0 { return false }
                i += length
                continue
            }
            if runStart < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i])) }
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            default:
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                        hex[Int(b >> 4)], hex[Int(b & 0xF)]])
            }
            i += 1
            runStart = i
        }
        if runStart < n { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<n])) }
        out.append(UInt8(ascii: "\""))
        return true
    }

    /// True when any byte of `word` is not plain ASCII that JSON can carry unescaped.
    /// Classic SWAR zero-byte tests; a false positive only sends the word to the byte loop.
    @inline(__always)
    static func needsAttention(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func hasZeroByte(_ v: UInt64) -> UInt64 { (v &- ones) & ~v & highs }
        let nonASCII = word & highs
        let control = (word &- 0x2020_2020_2020_2020) & ~word & highs
        let quote = hasZeroByte(word ^ 0x2222_2222_2222_2222)
        let backslash = hasZeroByte(word ^ 0x5C5C_5C5C_5C5C_5C5C)
        return (nonASCII | control | quote | backslash) != 0
    }

    /// Length of the well-formed UTF-8 sequence starting at `i` (lead byte >= 0x80), or 0.
    @inline(__always)
    static func validSequenceLength(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> Int {
        let n = bytes.count
        let b0 = bytes[i]
        @inline(__always) func cont(_ k: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool {
            i + k < n && bytes[i + k] >= low && bytes[i + k] <= high
        }
        switch b0 {
        case 0xC2...0xDF: return cont(1) ? 2 : 0
        case 0xE0: return cont(1, 0xA0) && cont(2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF: return cont(1) && cont(2) ? 3 : 0
        case 0xED: return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0
        case 0xF0: return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0
        case 0xF1...0xF3: return cont(1) && cont(2) && cont(3) ? 4 : 0
        case 0xF4: return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0
        default: return 0
        }
    }

    static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i < bytes.count {
            if bytes[i] < 0x80 { i += 1; continue }
            let length = validSequenceLength(bytes, at: i)
            if length == 0 { return false }
            i += length
        }
        return true
    }
}
