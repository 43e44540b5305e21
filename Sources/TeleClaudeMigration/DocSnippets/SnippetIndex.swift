import Foundation
import Yams

/// The generated `index.yaml` of a snippets folder (REFERENCE.md): `project_root`,
/// `snippets_root` and `snippets`, one entry per Markdown file whose YAML front matter has
/// an `id`, sorted by `id`.
public enum SnippetIndex {
    public static let fileName = "index.yaml"

    public struct Entry: Equatable, Sendable {
        public var id: String
        public var description: String?
        public var type: String?
        public var scope: String?
        public var path: String
        public var visibility: String
        public var sourceProject: String?
    }

    /// The front matter fields of a snippet, or nil when it has none (or it is not a mapping).
    public static func frontMatter(_ text: String) -> [String: String]? {
        let lines = text.lineList().map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
        guard lines.first == "---", let end = lines.dropFirst().firstIndex(where: { $0 == "---" || $0 == "..." }) else { return nil }
        let yaml = lines[1..<end].joined(separator: "\n")
        guard let mapping = (try? Yams.compose(yaml: yaml))??.mapping else { return nil }
        var fields: [String: String] = [:]
        for (key, value) in mapping {
            if let name = key.scalar?.string, let text = value.scalar?.string { fields[name] = text }
        }
        return fields
    }

    /// Entries for every `.md` file under `root`, and the paths of those without an `id`.
    public static func entries(root: String) throws(DocsCollector.Failure) -> (entries: [Entry], withoutID: [String]) {
        let (files, _) = try DocsCollector.collect(root: root)
        var entries: [Entry] = []
        var withoutID: [String] = []
        for file in files where file.relativePath.hasSuffix(".md") {
            guard let fields = frontMatter(String(decoding: file.bytes, as: UTF8.self)), let id = fields["id"], !id.isEmpty else {
                withoutID.append(file.relativePath)
                continue
            }
            entries.append(Entry(id: id, description: fields["description"], type: fields["type"], scope: fields["scope"],
                                 path: file.relativePath, visibility: fields["visibility"] ?? "internal",
                                 sourceProject: fields["source_project"]))
        }
        entries.sort { ($0.id, $0.path) < ($1.id, $1.path) }
        return (entries, withoutID)
    }

    public static func render(_ entries: [Entry], projectRoot: String, snippetsRoot: String) throws -> String {
        func scalar(_ text: String) -> Node { .scalar(.init(text, Tag(.str))) }
        let list = entries.map { entry -> Node in
            var pairs: [(Node, Node)] = [(scalar("id"), scalar(entry.id))]
            for (name, value) in [("description", entry.description), ("type", entry.type), ("scope", entry.scope)] {
                if let value { pairs.append((scalar(name), scalar(value))) }
            }
            pairs.append((scalar("path"), scalar(entry.path)))
            pairs.append((scalar("visibility"), scalar(entry.visibility)))
            if let project = entry.sourceProject { pairs.append((scalar("source_project"), scalar(project))) }
            return .mapping(.init(pairs))
        }
        let root: Node = .mapping(.init([
            (scalar("project_root"), scalar(projectRoot)),
            (scalar("snippets_root"), scalar(snippetsRoot)),
            (scalar("snippets"), .sequence(.init(list))),
        ]))
        return try Yams.serialize(node: root, width: -1, allowUnicode: true)
    }
}
