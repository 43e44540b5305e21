/// A `.env` file as users write it: `KEY=value` lines, `#` comments, blank lines,
/// `export KEY=...`, single quotes (literal), double quotes (with `\n`, `\t`, `\"`, `\\`
/// escapes, may span lines), `=` inside values, an inline ` # comment` after an unquoted
/// value, and CRLF line ends.
///
/// Hand-written: no Swift package on the mirror reads dotenv files, and the rules are
/// small. Values are kept exactly (no `${VAR}` expansion): they travel to the secrets
/// layer unchanged and the daemon treats them the same way as before.
public struct EnvFile: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var value: String
        public var line: Int
    }

    /// In file order; a name set twice keeps its last value, at its first position.
    public var entries: [Entry]
    /// Names set more than once, with every line that sets them (the last one wins).
    public var duplicates: [(name: String, lines: [Int])] = []

    public var values: [String: String] {
        Dictionary(entries.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
    }

    public init(entries: [Entry]) {
        self.entries = entries
    }

    public static func == (a: EnvFile, b: EnvFile) -> Bool { a.entries == b.entries }

    public static func parse(_ text: String, path: String) throws(ConfigError) -> EnvFile {
        let lines = text.lineList().map { line -> Substring in
            line.hasSuffix("\r") ? Substring(line.dropLast()) : Substring(line)
        }
        var entries: [Entry] = []
        var duplicates: [(name: String, lines: [Int])] = []
        var index = 0
        while index < lines.count {
            let number = index + 1
            var line = lines[index].drop(while: { $0 == " " || $0 == "\t" })
            index += 1
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") || line.hasPrefix("export\t") {
                line = line.dropFirst(7).drop(while: { $0 == " " || $0 == "\t" })
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw .envLine(path: path, line: number, reason: "expected KEY=value")
            }
            let name = String(line[..<equals]).trimmingTrailingBlanks()
            guard isValidName(name) else {
                throw .envLine(path: path, line: number, reason: "the name before '=' must be letters, digits and '_', not starting with a digit")
            }
            var rest = line[line.index(after: equals)...].drop(while: { $0 == " " || $0 == "\t" })
            let value: String
            switch rest.first {
            case "'":
                rest = rest.dropFirst()
                guard let close = rest.firstIndex(of: "'") else {
                    throw .envLine(path: path, line: number, reason: "a single-quoted value has no closing quote on its line")
                }
                value = String(rest[..<close])
                try requireOnlyComment(after: rest[rest.index(after: close)...], path: path, line: number)
            case "\"":
                var text = ""
                var remainder = rest.dropFirst()
                var closed = false
                while !closed {
                    var iterator = remainder.makeIterator()
                    var consumed = 0
                    while let character = iterator.next() {
                        consumed += 1
                        if character == "\"" {
                            closed = true
                            break
                        }
                        if character == "\\", let escaped = iterator.next() {
                            consumed += 1
                            switch escaped {
                            case "n": text.append("\n")
                            case "t": text.append("\t")
                            case "r": text.append("\r")
                            case "\"", "\\", "$": text.append(escaped)
                            default: text.append("\\"); text.append(escaped)
                            }
                            continue
                        }
                        text.append(character)
                    }
                    if closed {
                        try requireOnlyComment(after: remainder.dropFirst(consumed), path: path, line: index)
                    } else {
                        guard index < lines.count else {
                            throw .envLine(path: path, line: number, reason: "a double-quoted value has no closing quote")
                        }
                        text.append("\n")
                        remainder = lines[index]
                        index += 1
                    }
                }
                value = text
            default:
                var end = rest.endIndex
                var cursor = rest.startIndex
                while cursor < rest.endIndex {
                    if rest[cursor] == "#", cursor == rest.startIndex || rest[rest.index(before: cursor)] == " " || rest[rest.index(before: cursor)] == "\t" {
                        end = cursor
                        break
                    }
                    cursor = rest.index(after: cursor)
                }
                value = String(rest[..<end]).trimmingTrailingBlanks()
            }
            if let existing = entries.firstIndex(where: { $0.name == name }) {
                entries[existing].value = value
                if let known = duplicates.firstIndex(where: { $0.name == name }) {
                    duplicates[known].lines.append(number)
                } else {
                    duplicates.append((name, [entries[existing].line, number]))
                }
            } else {
                entries.append(Entry(name: name, value: value, line: number))
            }
        }
        var file = EnvFile(entries: entries)
        file.duplicates = duplicates
        return file
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(0x30...0x39).contains(first) else { return false }
        return name.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F || $0 == 0x2E }
    }

    private static func requireOnlyComment(after rest: Substring, path: String, line: Int) throws(ConfigError) {
        let tail = rest.drop(while: { $0 == " " || $0 == "\t" })
        guard tail.isEmpty || tail.hasPrefix("#") else {
            throw .envLine(path: path, line: line, reason: "unexpected text after the closing quote")
        }
    }
}
