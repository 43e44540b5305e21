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

    /// A Markdown file left out of the index, and why (its path and the reason only, never its text).
    public struct NotIndexed: Equatable, Sendable, Codable {
        public var path: String
        public var reason: String
    }

    /// An id that more than one snippet declares: each is indexed, and the daemon sees the id twice.
    public struct DuplicateID: Equatable, Sendable, Codable {
        public var id: String
        public var paths: [String]
    }

    public struct Survey: Equatable, Sendable {
        public var entries: [Entry] = []
        public var notIndexed: [NotIndexed] = []
        public var duplicateIDs: [DuplicateID] = []

        /// One line per problem, for the export's warnings and the install report.
        public func warnings(folder: String) -> [String] {
            notIndexed.map { "doc snippets: \(folder)/\($0.path) is not indexed: \($0.reason)" }
                + duplicateIDs.map { "doc snippets: the id \($0.id) is declared by \($0.paths.joined(separator: " and ")); all are indexed, give each its own id" }
        }
    }

    /// The front matter fields of a snippet, or why it has none that can be indexed.
    public static func frontMatter(_ text: String) -> Result<[String: String], NotIndexedReason> {
        let lines = text.lineList().map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
        guard lines.first == "---" else { return .failure(.init("it does not start with a --- line (no front matter)")) }
        guard let end = lines.dropFirst().firstIndex(where: { $0 == "---" || $0 == "..." }) else {
            return .failure(.init("its front matter is not closed (no second --- line)"))
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: lines[1..<end].joined(separator: "\n"))
        } catch let error as YamlError {
            return .failure(.init("its front matter is not valid YAML (\(Self.place(of: error)))"))
        } catch {
            return .failure(.init("its front matter is not valid YAML"))
        }
        guard let mapping = node?.mapping else { return .failure(.init("its front matter is not a mapping of fields")) }
        var fields: [String: String] = [:]
        for (key, value) in mapping {
            if let name = key.scalar?.string, let text = value.scalar?.string { fields[name] = text }
        }
        guard let id = fields["id"], !id.isEmpty else { return .failure(.init("its front matter has no id")) }
        return .success(fields)
    }

    public struct NotIndexedReason: Error, Equatable {
        public var text: String
        init(_ text: String) { self.text = text }
    }

    /// What the YAML parser found and where, as a line of the file (the front matter's line
    /// plus the opening ---). Not the error's description: that quotes the text around it.
    static func place(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return "\(problem) at line \(mark.line + 1) of the file"
        case .duplicatedKeysInMapping(let duplicates, _):
            return "duplicate fields: \(duplicates.joined(separator: ", "))"
        default:
            return "unreadable"
        }
    }

    /// Entries for every `.md` file of `files`, with the problems found. `sourceProjects`
    /// are the `source_project` fields of existing indexes by snippet path: a snippet whose
    /// front matter has none keeps the one an index gave it.
    public static func survey(_ files: [DocFile], sourceProjects: [String: String] = [:]) -> Survey {
        var survey = Survey()
        for file in files where file.relativePath.hasSuffix(".md") {
            switch frontMatter(String(decoding: file.bytes, as: UTF8.self)) {
            case .failure(let reason):
                survey.notIndexed.append(.init(path: file.relativePath, reason: reason.text))
            case .success(let fields):
                survey.entries.append(Entry(id: fields["id"]!, description: fields["description"], type: fields["type"],
                                            scope: fields["scope"], path: file.relativePath,
                                            visibility: fields["visibility"] ?? "internal",
                                            sourceProject: fields["source_project"] ?? sourceProjects[file.relativePath]))
            }
        }
        survey.entries.sort { ($0.id, $0.path) < ($1.id, $1.path) }
        survey.duplicateIDs = Dictionary(grouping: survey.entries, by: \.id).filter { $0.value.count > 1 }
            .map { DuplicateID(id: $0.key, paths: $0.value.map(\.path)) }.sorted { $0.id < $1.id }
        return survey
    }

    /// The survey of the folder `root` as it is on disk.
    public static func survey(root: String, sourceProjects: [String: String] = [:]) throws(DocsCollector.Failure) -> Survey {
        survey(try DocsCollector.collect(root: root).files, sourceProjects: sourceProjects)
    }

    /// The `source_project` of each entry of an index file's text, by path; empty when the
    /// text is not an index.
    public static func sourceProjects(inIndex bytes: [UInt8]) -> [String: String] {
        guard let composed = try? Yams.compose(yaml: String(decoding: bytes, as: UTF8.self)),
              let list = composed.mapping?["snippets"]?.sequence else { return [:] }
        var projects: [String: String] = [:]
        for entry in list {
            if let path = entry.mapping?["path"]?.scalar?.string, let project = entry.mapping?["source_project"]?.scalar?.string {
                projects[path] = project
            }
        }
        return projects
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
