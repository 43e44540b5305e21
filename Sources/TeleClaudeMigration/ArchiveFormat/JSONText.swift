import CTCText

/// JSON string escaping and UTF-8 validation: for longer text a vector check first
/// (CTCText), else one pass over the bytes that does both.
///
/// Hand-written because the exporter needs both answers at once for every TEXT value
/// ("is this valid UTF-8?" and "what is its JSON form?") without building a Swift
/// String; the rules are RFC 8259 section 7 and RFC 3629.
enum JSONText {

    /// Room `writeEscapedString` needs for `count` bytes: every byte a `\u00XX`, and the quotes.
    static func escapedCapacity(_ count: Int) -> Int { 6 * count + 2 }

    /// Appends `"…"` with the canonical escapes. Returns false, writing nothing, when
    /// `bytes` is not valid UTF-8.
    static func appendEscapedString(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) -> Bool {
        var valid = true
        let escaped = [UInt8](unsafeUninitializedCapacity: escapedCapacity(bytes.count)) { room, written in
            guard let count = writeEscapedString(bytes, to: room.baseAddress!) else { valid = false; written = 0; return }
            written = count
        }
        if valid { out.append(contentsOf: escaped) }
        return valid
    }

    /// Writes `"…"` with the canonical escapes to `out`, which has room for
    /// `escapedCapacity(bytes.count)` bytes, and returns how many it wrote; nil when `bytes`
    /// is not valid UTF-8.
    ///
    /// Text of `vectorThreshold` bytes or more goes through AVX2 first (CTCText): valid with
    /// nothing to escape, most of a database's text, is copied as it is; valid with escapes,
    /// only the escapes stop the copy. Shorter text, or no AVX2: one pass, eight bytes at a
    /// time, a word copied in bulk unless it holds a byte to escape ('"', '\\' or a control
    /// character) and put through the UTF-8 automaton unless it is ASCII with no sequence
    /// open, so text with some non-ASCII every few words never stops.
    static func writeEscapedString(_ bytes: UnsafeBufferPointer<UInt8>, to out: UnsafeMutablePointer<UInt8>) -> Int? {
        let n = bytes.count
        guard let source = bytes.baseAddress else {
            out[0] = UInt8(ascii: "\""); out[1] = UInt8(ascii: "\"")
            return 2
        }
        if n >= vectorThreshold {
            let found = Int(tc_text_check(source, n))
            if found == Int(TC_TEXT_PLAIN) {
                out[0] = UInt8(ascii: "\"")
                (out + 1).update(from: source, count: n)
                out[n + 1] = UInt8(ascii: "\"")
                return n + 2
            }
            if found == Int(TC_TEXT_INVALID) { return nil }
            if found == Int(TC_TEXT_ESCAPES) { return writeEscapingValid(bytes, to: out) }
        }
        let base = UnsafeRawPointer(source)
        let rows = UTF8Automaton.rows
        var state = UTF8Automaton.accept
        var w = 1
        out[0] = UInt8(ascii: "\"")
        var runStart = 0
        var i = 0
        @inline(__always) func copyRun(upTo end: Int) {
            (out + w).update(from: source + runStart, count: end - runStart)
            w += end - runStart
        }
        while n - i >= 8 {
            let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            let escapes = escapeMask(word)
            if escapes == 0 {
                // Nothing to escape: validated, and copied later in bulk.
                state = UTF8Automaton.run(state, word: word)
                i += 8
                continue
            }
            // A byte to escape (rare): the bytes before it, then it, which is ASCII and so
            // valid only with no sequence open.
            let length = escapes.trailingZeroBitCount >> 3
            for k in i..<(i + length) { state = rows[Int(source[k])] >> state & 63 }
            i += length
            guard state == UTF8Automaton.accept else { return nil }
            copyRun(upTo: i)
            w += writeEscape(source[i], to: out + w)
            i += 1
            runStart = i
        }
        while i < n {
            let b = source[i]
            state = rows[Int(b)] >> state & 63
            if b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
                guard state == UTF8Automaton.accept else { return nil }
                copyRun(upTo: i)
                w += writeEscape(b, to: out + w)
                runStart = i + 1
            }
            i += 1
        }
        guard state == UTF8Automaton.accept else { return nil }
        copyRun(upTo: n)
        out[w] = UInt8(ascii: "\"")
        return w + 1
    }

    /// `"…"` with the escapes, for bytes already known to be valid UTF-8: only the bytes to
    /// escape stop the eight-at-a-time copy.
    private static func writeEscapingValid(_ bytes: UnsafeBufferPointer<UInt8>, to out: UnsafeMutablePointer<UInt8>) -> Int {
        let source = bytes.baseAddress!
        let base = UnsafeRawPointer(source)
        let n = bytes.count
        var w = 1
        out[0] = UInt8(ascii: "\"")
        var runStart = 0
        var i = 0
        while i < n {
            if n - i >= 8 {
                let mask = escapeMask(UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
                if mask == 0 {
                    i += 8
                    continue
                }
                i += mask.trailingZeroBitCount >> 3  // exactly the first byte to escape
            } else {
                let b = source[i]
                if b >= 0x20 && b != UInt8(ascii: "\"") && b != UInt8(ascii: "\\") {
                    i += 1
                    continue
                }
            }
            (out + w).update(from: source + runStart, count: i - runStart)
            w += i - runStart
            w += writeEscape(source[i], to: out + w)
            i += 1
            runStart = i
        }
        (out + w).update(from: source + runStart, count: n - runStart)
        w += n - runStart
        out[w] = UInt8(ascii: "\"")
        return w + 1
    }

    /// Shorter text is checked faster by the word-at-a-time pass than by a call and a
    /// padded block.
    static let vectorThreshold = 32

    /// The escape of one byte JSON must escape (the short forms, else `\u00XX`); its length.
    @inline(__always)
    private static func writeEscape(_ b: UInt8, to out: UnsafeMutablePointer<UInt8>) -> Int {
        out[0] = 0x5C
        switch b {
        case UInt8(ascii: "\""): out[1] = 0x22
        case UInt8(ascii: "\\"): out[1] = 0x5C
        case 0x0A: out[1] = UInt8(ascii: "n")
        case 0x0D: out[1] = UInt8(ascii: "r")
        case 0x09: out[1] = UInt8(ascii: "t")
        case 0x08: out[1] = UInt8(ascii: "b")
        case 0x0C: out[1] = UInt8(ascii: "f")
        default:
            out[1] = UInt8(ascii: "u"); out[2] = UInt8(ascii: "0"); out[3] = UInt8(ascii: "0")
            out[4] = HexDigits.table[Int(b >> 4)]; out[5] = HexDigits.table[Int(b & 0xF)]
            return 6
        }
        return 2
    }

    /// The high bit of each byte of `word` (the first byte lowest) that JSON must escape:
    /// '"', '\\' or a control character. Bytes >= 0x80 are never flagged; as in
    /// `attentionMask`, the lowest set bit is exact.
    @inline(__always)
    static func escapeMask(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func hasZeroByte(_ v: UInt64) -> UInt64 { (v &- ones) & ~v & highs }
        let control = (word &- 0x2020_2020_2020_2020) & ~word & highs
        return control | hasZeroByte(word ^ 0x2222_2222_2222_2222) | hasZeroByte(word ^ 0x5C5C_5C5C_5C5C_5C5C)
    }

    /// The high bit of each byte of `word` (little-endian: the first byte lowest) that is
    /// >= 0x80, < 0x20, '"' or '\\', by the classic SWAR zero-byte tests. Bytes above a
    /// flagged one may be flagged falsely (a borrow), never the lowest: so the lowest set
    /// bit is exactly the first byte that needs attention.
    @inline(__always)
    static func attentionMask(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func hasZeroByte(_ v: UInt64) -> UInt64 { (v &- ones) & ~v & highs }
        let nonASCII = word & highs
        let control = (word &- 0x2020_2020_2020_2020) & ~word & highs
        let quote = hasZeroByte(word ^ 0x2222_2222_2222_2222)
        let backslash = hasZeroByte(word ^ 0x5C5C_5C5C_5C5C_5C5C)
        return nonASCII | control | quote | backslash
    }

    /// Length of the well-formed UTF-8 sequence starting at `i` (lead byte >= 0x80), or 0.
    @inline(__always)
    static func validSequenceLength(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> Int {
        let rows = UTF8Automaton.rows
        var state = UTF8Automaton.accept
        var k = i
        repeat {
            state = rows[Int(bytes[k])] >> state & 63
            k += 1
        } while state > UTF8Automaton.reject && k < bytes.count
        return state == UTF8Automaton.accept ? k - i : 0
    }

    static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = bytes.count
        guard let base = UnsafeRawPointer(bytes.baseAddress) else { return true }
        let rows = UTF8Automaton.rows
        var state = UTF8Automaton.accept
        while n - i >= 8 {
            state = UTF8Automaton.run(state, word: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
            i += 8
        }
        while i < n {
            state = rows[Int(bytes[i])] >> state & 63
            i += 1
        }
        return state == UTF8Automaton.accept
    }
}

/// UTF-8 validation (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF) as a
/// shift-based automaton: each byte's row holds, for every state, the next state's bit
/// offset, so a step is one load (which does not wait on the state) and one shift, with no
/// branch on the data. Mixed 2-, 3- and 4-byte text (Cyrillic, CJK, emoji) made a
/// per-sequence `switch` mispredict at nearly every character.
enum UTF8Automaton {
    /// States, as bit offsets into a row: accept, reject, then "expects …" states.
    static let accept: UInt64 = 0
    static let reject: UInt64 = 6
    private static let one = 12        // one continuation byte 80..BF left
    private static let two = 18        // two left
    private static let afterE0 = 24    // A0..BF, then one
    private static let afterED = 30    // 80..9F, then one
    private static let afterF0 = 36    // 90..BF, then two
    private static let afterF1 = 42    // 80..BF, then two
    private static let afterF4 = 48    // 80..8F, then two

    /// The state after eight bytes (`word`, the first byte lowest): a word of ASCII with no
    /// sequence open leaves it as it is; any other goes through the automaton byte by byte,
    /// with no branch on its bytes.
    @inline(__always)
    static func run(_ state: UInt64, word: UInt64) -> UInt64 {
        guard word & 0x8080_8080_8080_8080 != 0 || state != accept else { return state }
        var state = state
        var w = word
        for _ in 0..<8 {
            state = rows[Int(w & 0xFF)] >> state & 63
            w >>= 8
        }
        return state
    }

    // Written once, when first used, and only read after that.
    nonisolated(unsafe) static let rows: UnsafePointer<UInt64> = {
        let table = UnsafeMutablePointer<UInt64>.allocate(capacity: 256)
        for byte in 0..<256 {
            var row: UInt64 = 0
            func set(_ state: Int, _ next: Int) { row |= UInt64(next) << UInt64(state) }
            let continuation = (0x80...0xBF).contains(byte)
            // From accept: ASCII stays, a lead byte expects its continuations.
            switch byte {
            case 0x00...0x7F: set(0, Int(accept))
            case 0xC2...0xDF: set(0, one)
            case 0xE0: set(0, afterE0)
            case 0xE1...0xEC, 0xEE...0xEF: set(0, two)
            case 0xED: set(0, afterED)
            case 0xF0: set(0, afterF0)
            case 0xF1...0xF3: set(0, afterF1)
            case 0xF4: set(0, afterF4)
            default: set(0, Int(reject))
            }
            set(Int(reject), Int(reject))
            set(one, continuation ? Int(accept) : Int(reject))
            set(two, continuation ? one : Int(reject))
            set(afterE0, (0xA0...0xBF).contains(byte) ? one : Int(reject))
            set(afterED, (0x80...0x9F).contains(byte) ? one : Int(reject))
            set(afterF0, (0x90...0xBF).contains(byte) ? two : Int(reject))
            set(afterF1, continuation ? two : Int(reject))
            set(afterF4, (0x80...0x8F).contains(byte) ? two : Int(reject))
            table[byte] = row
        }
        return UnsafePointer(table)
    }()
}
