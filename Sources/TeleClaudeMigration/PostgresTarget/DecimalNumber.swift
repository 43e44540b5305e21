/// A decimal number as PostgreSQL's `numeric` holds it: sign, significant digits and a
/// power of ten, with no leading or trailing zeros (so `2.5`, `2.50` and `25e-1` are one
/// value), or one of numeric's special values.
///
/// The converter uses it to tell a number that arrives unchanged from one that is rounded
/// (a `numeric(p,s)` scale, a double's precision), and the read-back compares `numeric`
/// columns by it instead of by a Double, which would call two different decimals equal.
/// Hand-written: Foundation's `Decimal` holds 38 digits and rounds beyond them silently.
struct DecimalNumber: Equatable, Hashable {
    enum Special: Equatable, Hashable { case nan, infinity, negativeInfinity }

    var negative = false
    /// Significant digits, most significant first, as values 0...9; empty for zero.
    var digits: [UInt8] = []
    /// The value is `digits` read as an integer times 10^exponent.
    var exponent = 0
    var special: Special?

    /// Parses the decimal grammar PostgreSQL's numeric and float input share: optional
    /// spaces, sign, digits with at most one point, an optional exponent, spaces; or NaN,
    /// Infinity and inf (any case). Nil for anything else (hex, underscores, empty).
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> DecimalNumber? {
        var start = 0, end = bytes.count
        while start < end, bytes[start] == 0x20 || (0x09...0x0D).contains(bytes[start]) { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || (0x09...0x0D).contains(bytes[end - 1]) { end -= 1 }
        guard start < end else { return nil }
        var number = DecimalNumber()
        var i = start
        if bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
            number.negative = bytes[i] == UInt8(ascii: "-")
            i += 1
        }
        let word = String(decoding: UnsafeBufferPointer(rebasing: bytes[i..<end]), as: UTF8.self).lowercased()
        switch word {
        case "nan": return number.negative || i > start ? nil : DecimalNumber(special: .nan)
        case "infinity", "inf": return DecimalNumber(special: number.negative ? .negativeInfinity : .infinity)
        default: break
        }
        var all: [UInt8] = []
        var pointSeen = false, fractionDigits = 0, anyDigit = false
        while i < end {
            let b = bytes[i]
            if (0x30...0x39).contains(b) {
                all.append(b - 0x30)
                anyDigit = true
                if pointSeen { fractionDigits += 1 }
            } else if b == UInt8(ascii: "."), !pointSeen {
                pointSeen = true
            } else {
                break
            }
            i += 1
        }
        guard anyDigit else { return nil }
        var exponent = 0
        if i < end, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            var negativeExponent = false
            if i < end, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
                negativeExponent = bytes[i] == UInt8(ascii: "-")
                i += 1
            }
            guard i < end else { return nil }
            while i < end, (0x30...0x39).contains(bytes[i]) {
                guard exponent < 100_000_000 else { return nil }
                exponent = exponent * 10 + Int(bytes[i] - 0x30)
                i += 1
            }
            if negativeExponent { exponent = -exponent }
        }
        guard i == end else { return nil }
        number.digits = all
        number.exponent = exponent - fractionDigits
        number.normalize()
        return number
    }

    static func parse(_ text: String) -> DecimalNumber? {
        var text = text
        return text.withUTF8 { parse($0) }
    }

    init(negative: Bool = false, digits: [UInt8] = [], exponent: Int = 0, special: Special? = nil) {
        self.negative = negative
        self.digits = digits
        self.exponent = exponent
        self.special = special
    }

    init(_ value: Int64) {
        negative = value < 0
        digits = Array(String(value.magnitude).utf8).map { $0 - 0x30 }
        normalize()
    }

    private mutating func normalize() {
        let leading = digits.prefix { $0 == 0 }.count
        digits.removeFirst(leading)
        while let last = digits.last, last == 0 {
            digits.removeLast()
            exponent += 1
        }
        if digits.isEmpty { negative = false; exponent = 0 }
    }

    var isZero: Bool { special == nil && digits.isEmpty }

    /// Digits before the decimal point (0 for |x| < 1).
    var integerDigits: Int { special != nil ? 0 : max(0, digits.count + exponent) }


    /// Rounded to `scale` digits after the point, half away from zero (as numeric rounds).
    func rounded(toScale scale: Int) -> DecimalNumber {
        let drop = -exponent - scale  // digits to drop from the right (none when positive scale covers them)
        guard special == nil, !digits.isEmpty, drop > 0 else { return self }
        var kept = drop >= digits.count ? [] : Array(digits.prefix(digits.count - drop))
        let first = drop > digits.count ? 0 : digits[digits.count - drop]
        var result = DecimalNumber(negative: negative, digits: kept, exponent: -scale)
        if first >= 5 {
            if kept.isEmpty { kept = [0] }
            var index = kept.count - 1
            while true {
                if kept[index] < 9 { kept[index] += 1; break }
                kept[index] = 0
                if index == 0 { kept.insert(1, at: 0); break }
                index -= 1
            }
            result.digits = kept
        }
        result.normalize()
        return result
    }

    /// Plain decimal text (no exponent), as numeric's output prints it less its scale's zeros.
    var text: String {
        switch special {
        case .nan: return "NaN"
        case .infinity: return "Infinity"
        case .negativeInfinity: return "-Infinity"
        case nil: break
        }
        guard !digits.isEmpty else { return "0" }
        var out = negative ? "-" : ""
        let chars = digits.map { Character(Unicode.Scalar($0 + 0x30)) }
        if exponent >= 0 {
            out += String(chars) + String(repeating: "0", count: exponent)
        } else if -exponent >= chars.count {
            out += "0." + String(repeating: "0", count: -exponent - chars.count) + String(chars)
        } else {
            out += String(chars[..<(chars.count + exponent)]) + "." + String(chars[(chars.count + exponent)...])
        }
        return out
    }

    /// A hash equal exactly when the values are (for the read-back).
    var hash64: UInt64 {
        var h: UInt64 = special.map { s in s == .nan ? 0x6E61_6E : s == .infinity ? 0x696E_66 : 0x2D69_6E66 } ?? 0x6465_63
        h = Hash64.mix(h ^ (negative ? 0xA5A5 : 0x5A5A) ^ UInt64(bitPattern: Int64(exponent)) &* 0x9E37_79B9_7F4A_7C15)
        return digits.withUnsafeBytes { Hash64.mix(h ^ Hash64.bytes($0)) }
    }
}
