// Small helpers on standard library types, used across the core.

extension String {
    /// Lines split at LF bytes, each without its LF (a CR before it stays); no empty last
    /// line for a final LF. Splitting Characters would not work: "\r\n" is one Character.
    func lineList() -> [String] {
        var lines = utf8.split(separator: 0x0A, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    func trimmingTrailingBlanks() -> String {
        var end = endIndex
        while end > startIndex, self[index(before: end)] == " " || self[index(before: end)] == "\t" { end = index(before: end) }
        return String(self[..<end])
    }
}
extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
    var isASCIIAlphanumeric: Bool { isASCII && (isLetter || isNumber) }
}
