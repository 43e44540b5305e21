/// Splits SQL text into bare words, skipping quoted identifiers, string literals and
/// comments. Only used to spot keywords SQLite's catalogue does not report
/// (`AUTOINCREMENT`, `PRIMARY KEY DESC`); SQLite has no API for either.
enum SQLTokens {
    static func words(_ sql: String) -> [String] {
        var words: [String] = []
        var current = ""
        var iterator = Array(sql.unicodeScalars)[...]
        func flush() {
            if !current.isEmpty { words.append(current); current = "" }
        }
        while let c = iterator.popFirst() {
            switch c {
            case "'", "\"", "`", "[":
                flush()
                let close: Unicode.Scalar = c == "[" ? "]" : c
                while let d = iterator.popFirst() {
                    if d == close {
                        if close != "]", iterator.first == close { iterator.removeFirst(); continue }
                        break
                    }
                }
            case "-" where iterator.first == "-":
                flush()
                while let d = iterator.popFirst(), d != "\n" {}
            case "/" where iterator.first == "*":
                flush()
                iterator.removeFirst()
                while let d = iterator.popFirst() {
                    if d == "*", iterator.first == "/" { iterator.removeFirst(); break }
                }
            default:
                if c.properties.isAlphabetic || c == "_" || ("0"..."9").contains(c) {
                    current.unicodeScalars.append(c)
                } else {
                    flush()
                }
            }
        }
        flush()
        return words
    }
}
