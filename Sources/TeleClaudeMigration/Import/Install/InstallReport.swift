import Foundation

/// What installing the files did, for the import report and `--json`.
public struct InstallReport: Codable, Sendable, Equatable {
    public enum Action: String, Codable, Sendable {
        case written, unchanged, replaced, conflict, skipped
        /// The per-user layer, which we may not write where it goes: written beside the
        /// archive (`pending`), with the command its user runs to put it in place.
        case pending
    }

    public struct FileOutcome: Codable, Sendable, Equatable {
        public var path: String
        public var role: String
        public var action: Action
        /// The old file's new name when it was replaced.
        public var backup: String?
        /// Why nothing was written, and what to run instead.
        public var note: String?
        /// `pending`: where the file waits for its user.
        public var pending: String?

        /// `written   PATH (role)`, what became of an old file, and the note on a line below:
        /// the install report's line, and plan's before the install.
        public var line: String {
            var line = "\(action.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(path) (\(role))"
            if let backup { line += ", old file kept as \(backup)" }
            if let pending { line += ", written to \(pending) instead" }
            if let note { line += "\n            \(note)" }
            return line
        }
    }

    public var config: [FileOutcome] = []
    public var docsCopied: [String] = []
    public var docsIdentical: [String] = []
    public var docsConflicts: [String] = []
    public var docsReplaced: [String] = []
    public var index: String?
    /// Whether the rebuild wrote index.yaml (it was absent or differed).
    public var indexChanged = false
    public var indexedSnippets = 0
    /// Markdown files in the docs folder without an `id` in their front matter.
    public var snippetsNotIndexed: [SnippetIndex.NotIndexed] = []
    public var duplicateSnippetIDs: [SnippetIndex.DuplicateID] = []
    /// Empty: the installed layers resolve to the archive's configuration.
    public var differences: [String] = []
    public var userLayerProblems: [String] = []
    public var validated = false

    enum CodingKeys: String, CodingKey {
        case config
        case docsCopied = "docs_copied"
        case docsIdentical = "docs_identical"
        case docsConflicts = "docs_conflicts"
        case docsReplaced = "docs_replaced"
        case index
        case indexChanged = "index_changed"
        case indexedSnippets = "indexed_snippets"
        case snippetsNotIndexed = "snippets_not_indexed"
        case duplicateSnippetIDs = "duplicate_snippet_ids"
        case differences
        case userLayerProblems = "user_layer_problems"
        case validated
    }

    public init() {}

    /// What the install put in place, in words that name only what happened (the check
    /// after a load): a file left for its user or left alone is named as such, never counted
    /// as installed.
    public var summary: String {
        let installed = config.filter { $0.action == .written || $0.action == .replaced || $0.action == .unchanged }
        var parts = ["\(installed.count) of \(config.count) config files in place"
                     + (installed.isEmpty ? "" : " (" + installed.map(\.role).joined(separator: ", ") + ")")]
        for file in config where file.action == .pending { parts.append("\(file.role) waiting at \(file.pending ?? "") for its user (see its note)") }
        for file in config where file.action == .skipped { parts.append("\(file.role) not installed (see its note)") }
        parts.append("\(docsCopied.count) docs copied, \(docsIdentical.count) identical, \(docsReplaced.count) replaced, \(docsConflicts.count) in conflict")
        return parts.joined(separator: "; ")
    }

    public var lines: [String] {
        var lines: [String] = []
        for file in config { lines.append("  " + file.line) }
        lines.append("  docs: \(docsCopied.count) copied, \(docsIdentical.count) identical (skipped), \(docsReplaced.count) replaced, \(docsConflicts.count) in conflict (kept)")
        for conflict in docsConflicts { lines.append("    conflict: \(conflict) differs from the archive's copy; kept (--overwrite-docs replaces it)") }
        if let index {
            lines.append("  index: \(index) rebuilt with \(indexedSnippets) snippets")
            let survey = SnippetIndex.Survey(notIndexed: snippetsNotIndexed, duplicateIDs: duplicateSnippetIDs)
            lines += survey.warnings(folder: (index as NSString).deletingLastPathComponent).map { "    " + $0 }
        }
        if validated {
            lines.append(differences.isEmpty && userLayerProblems.isEmpty
                         ? "  validated: the installed layers resolve to the same configuration as the archive's config.yml with .env"
                         : "  VALIDATION FAILED: " + (differences + userLayerProblems).joined(separator: "; "))
        }
        return lines
    }
}
