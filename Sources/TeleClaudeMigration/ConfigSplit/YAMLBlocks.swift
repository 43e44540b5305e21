import Yams

/// The text of a YAML file cut at its top-level keys, so the split files keep the user's
/// comments, blank lines and key order. A block runs from its key (plus the unindented
/// comment lines right above it) to the next block; the header is what comes before the
/// first block.
///
/// Hand-written on top of Yams' node marks: libyaml does not keep comments, so no YAML
/// library on the mirror can re-emit them.
struct YAMLBlocks {
    struct Block {
        var key: String
        var value: Node
        /// Line indexes (from 0) of the block in `lines`.
        var lines: Range<Int>
    }

    let lines: [String]
    let header: Range<Int>
    let blocks: [Block]

    init(text: String, root: Node.Mapping) {
        let lines = text.lineList()
        self.lines = lines
        let keyLines = root.map { ($0.key.mark?.line ?? 1) - 1 }
        var starts: [Int] = []
        for (index, keyLine) in keyLines.enumerated() {
            var start = keyLine
            let floor = index == 0 ? 0 : keyLines[index - 1] + 1
            while start - 1 >= floor, lines[start - 1].hasPrefix("#") { start -= 1 }
            starts.append(start)
        }
        header = 0..<(starts.first ?? lines.count)
        var blocks: [Block] = []
        for (index, pair) in root.enumerated() {
            let end = index + 1 < starts.count ? starts[index + 1] : lines.count
            blocks.append(Block(key: ConfigValue.keyText(pair.key), value: pair.value, lines: starts[index]..<end))
        }
        self.blocks = blocks
    }

    func text(of range: Range<Int>, patched: [Int: String] = [:]) -> String {
        range.map { (patched[$0] ?? lines[$0]) + "\n" }.joined()
    }

    /// The line with the scalar at `mark` replaced by `replacement`, when the scalar sits
    /// on that one line as a plain or quoted scalar; nil when the text cannot be patched
    /// safely (the caller then re-emits the block).
    func patchScalar(in line: String, mark: Mark, style: Node.Scalar.Style, replacement: String) -> String? {
        let scalars = Array(line.unicodeScalars)
        let start = mark.column - 1
        guard start >= 0, start < scalars.count else { return nil }
        var end: Int?
        switch style {
        case .plain:
            var cursor = start
            while cursor < scalars.count {
                if scalars[cursor] == "#", cursor > start, scalars[cursor - 1] == " " || scalars[cursor - 1] == "\t" { break }
                cursor += 1
            }
            while cursor > start, [" ", "\t", "\r"].contains(scalars[cursor - 1]) { cursor -= 1 }
            end = cursor
        case .singleQuoted:
            var cursor = start + 1
            while cursor < scalars.count {
                if scalars[cursor] == "'" {
                    if cursor + 1 < scalars.count, scalars[cursor + 1] == "'" { cursor += 2; continue }
                    end = cursor + 1
                    break
                }
                cursor += 1
            }
        case .doubleQuoted:
            var cursor = start + 1
            while cursor < scalars.count {
                if scalars[cursor] == "\\" { cursor += 2; continue }
                if scalars[cursor] == "\"" { end = cursor + 1; break }
                cursor += 1
            }
        default:
            return nil
        }
        guard let end else { return nil }
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars[..<start])
        result.append(contentsOf: replacement.unicodeScalars)
        result.append(contentsOf: scalars[end...])
        return String(result)
    }
}
