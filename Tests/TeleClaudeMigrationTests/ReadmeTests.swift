import ArgumentParser
import Foundation
import TCCommands
import Testing

/// The README's step-by-step migration names real options: every tc-export / tc-import line
/// of its `walkthrough` block parses (no command is run).
@Suite("README commands")
struct ReadmeTests {
    /// The words of a shell line, with "double" and 'single' quotes, and $HOME for ~.
    static func words(_ line: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var inWord = false
        for c in line {
            if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
            } else if c == "\"" || c == "'" {
                quote = c
                inWord = true
            } else if c == " " {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(c == "~" && !inWord ? "/" : c)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }

    @Test("every tc-export and tc-import line of the walk-through parses")
    func walkthroughParses() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let block = try #require(readme.components(separatedBy: "```sh walkthrough\n").dropFirst().first?.components(separatedBy: "```").first)
        let lines = block.split(separator: "\n").map(String.init).filter { $0.hasPrefix("tc-export") || $0.hasPrefix("tc-import") }
        #expect(lines.count >= 9)
        for line in lines {
            let words = Self.words(line)
            let root: any ParsableCommand.Type = words[0] == "tc-export" ? TCExport.self : TCImport.self
            #expect(throws: Never.self, "\(line)") { _ = try root.parseAsRoot(Array(words.dropFirst())) }
        }
    }
}
