import Foundation
import Testing

/// ARCHITECTURE.md and the README's layout stay true: every folder of `Sources/` is in
/// ARCHITECTURE.md's table and every folder there exists; every source file it names exists;
/// every `Import/` folder is in the README's layout, and `Import/` holds folders only.
@Suite("ARCHITECTURE.md and the README's layout match the tree")
struct ArchitectureTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func text(_ name: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(name), encoding: .utf8)
    }

    /// Every folder below `Sources/`, relative to the root (`Sources/...`), C headers' `include` aside.
    static func sourceFolders() throws -> Set<String> {
        var folders: Set<String> = []
        let sources = root.appendingPathComponent("Sources")
        let walker = try #require(FileManager.default.enumerator(at: sources, includingPropertiesForKeys: [.isDirectoryKey]))
        for case let url as URL in walker where (try url.resourceValues(forKeys: [.isDirectoryKey])).isDirectory == true {
            guard url.lastPathComponent != "include" else { continue }
            folders.insert("Sources/" + url.path.dropFirst(sources.path.count + 1))
        }
        return folders
    }

    @Test("every folder of Sources/ is in ARCHITECTURE.md's table, and every folder there exists")
    func folders() throws {
        let page = try Self.text("ARCHITECTURE.md")
        let table = page.components(separatedBy: "## Folders").dropFirst().first?.components(separatedBy: "\n## ").first ?? ""
        var listed: Set<String> = []
        for row in table.split(separator: "\n") where row.hasPrefix("| `") {
            let cell = row.dropFirst(2).prefix { $0 != "|" }
            for part in cell.components(separatedBy: "`") where part.hasPrefix("Sources/") { listed.insert(part) }
        }
        let actual = try Self.sourceFolders()
        #expect(actual.subtracting(listed).isEmpty, "folders missing from ARCHITECTURE.md: \(actual.subtracting(listed).sorted())")
        #expect(listed.subtracting(actual).isEmpty, "ARCHITECTURE.md lists folders that do not exist: \(listed.subtracting(actual).sorted())")
    }

    @Test("every source file ARCHITECTURE.md names exists")
    func namedFiles() throws {
        let page = try Self.text("ARCHITECTURE.md")
        let named = page.components(separatedBy: "`").filter { $0.hasPrefix("Sources/") && $0.hasSuffix(".swift") }
        #expect(named.count >= 10)
        for path in named {
            #expect(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent(path).path), "\(path)")
        }
    }

    @Test("Import/ holds folders only, each in the README's layout")
    func importFolders() throws {
        let folder = Self.root.appendingPathComponent("Sources/TeleClaudeMigration/Import")
        let entries = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        var isFolder: ObjCBool = false
        let files = entries.filter { !(FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path, isDirectory: &isFolder) && isFolder.boolValue) }
        #expect(files.isEmpty, "files directly in Import/: \(files)")
        let readme = try Self.text("README.md")
        let layout = readme.components(separatedBy: "## Layout").dropFirst().first?.components(separatedBy: "\n## ").first ?? ""
        for entry in entries {
            #expect(layout.contains("    \(entry)/"), "Import/\(entry)/ is not in the README's layout")
        }
    }
}
