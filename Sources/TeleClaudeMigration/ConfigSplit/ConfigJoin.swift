import Yams

/// Another person's configuration joined into the layers already installed (`install-files`
/// and `load` with `--join-config`): nothing installed is overwritten. In the system layer,
/// a top-level key the installed file lacks is added as the archive wrote it (comments
/// too); `people:` becomes the union (by name, each new entry added as written); a key
/// whose value differs is a conflict, named by its key path (never its value), and the
/// installed value stays. In the secrets, a variable the installed file lacks is added; one
/// with another value is a conflict, named, and kept. The installed file's own text,
/// comments included, is kept line for line; additions go after it (people: at the end of
/// its list).
public enum ConfigJoin {
    public struct Result: Equatable, Sendable {
        public var text: String
        /// Key paths or variable names this archive added.
        public var added: [String] = []
        /// Key paths or variable names whose installed value differs and was kept.
        public var conflicts: [String] = []
    }

    /// The system layer `archived` joined into `installed` (paths name them in errors).
    public static func system(installed: String, archived: String, paths: (installed: String, archived: String)) throws(ConfigError) -> Result {
        var result = Result(text: installed)
        guard let archivedNode = try ConfigSplitter.parse(archived, path: paths.archived), let archivedRoot = archivedNode.mapping else {
            return result
        }
        let installedRoot = try ConfigSplitter.parse(installed, path: paths.installed)?.mapping ?? Node.Mapping([])
        let lines = installed.lineList()
        let installedBlocks = YAMLBlocks(text: installed, root: installedRoot)
        let archivedBlocks = YAMLBlocks(text: archived, root: archivedRoot)
        var appended: [String] = []
        // Insertions into the installed text, by the line they go after (people: entries).
        var insertions: [Int: [String]] = [:]
        for block in archivedBlocks.blocks {
            guard let present = installedBlocks.blocks.first(where: { $0.key == block.key }) else {
                appended += archivedBlocks.lines[block.lines]
                result.added.append(block.key)
                continue
            }
            let mine = ConfigValue(present.value, environment: nil)
            let theirs = ConfigValue(block.value, environment: nil)
            guard mine != theirs else { continue }
            if block.key == "people", let installedList = present.value.sequence, let archivedList = block.value.sequence {
                let (entries, names, conflicts) = peopleToAdd(installedList, archivedList, archivedLines: archivedBlocks.lines,
                                                              blockEnd: block.lines.upperBound)
                let last = lastContentLine(in: present.lines, of: lines)
                let indent = installedList.first.flatMap { itemIndent($0, in: lines) }
                insertions[last, default: []] += entries.flatMap { reindent($0, to: indent) }
                result.added += names.map { "people: \($0)" }
                result.conflicts += conflicts
                continue
            }
            result.conflicts += ConfigValue.differences(mine, theirs, path: block.key)
        }
        guard !appended.isEmpty || !insertions.isEmpty else { return result }
        var text: [String] = []
        for (index, line) in lines.enumerated() {
            text.append(line)
            text += insertions[index] ?? []
        }
        if !appended.isEmpty {
            if let last = text.last, !last.isEmpty { text.append("") }
            text.append("# Added by tc-import --join-config from another installation's archive:")
            text += appended
        }
        result.text = text.joined(separator: "\n") + "\n"
        return result
    }

    /// The secrets `archived` joined into `installed`: variables the installed file lacks
    /// are added (double-quoted, as `SecretsFile` writes them).
    public static func secrets(installed: String, archived: String, paths: (installed: String, archived: String)) throws(ConfigError) -> Result {
        let mine = try SecretsFile.parse(installed, path: paths.installed)
        let theirs = try SecretsFile.parse(archived, path: paths.archived)
        var result = Result(text: installed)
        let missing = theirs.keys.sorted().filter { mine[$0] == nil }
        result.conflicts = theirs.keys.sorted().filter { mine[$0] != nil && mine[$0] != theirs[$0] }
        guard !missing.isEmpty else { return result }
        result.added = missing
        let rendered: String
        do {
            rendered = try SecretsFile.render(missing.map { ($0, theirs[$0]!) })
        } catch {
            throw .invalidYAML(path: paths.archived, reason: "\(error)")
        }
        let body = rendered.hasPrefix(SecretsFile.header) ? String(rendered.dropFirst(SecretsFile.header.count)) : rendered
        // An installed file that is an empty flow mapping (`{}`) gets a block mapping instead.
        let kept = installed.lineList().filter { $0.trimmingCharacters(in: .whitespaces) != "{}" }.joined(separator: "\n")
        result.text = kept.trimmingTrailingBlanks() + "\n" + body
        return result
    }

    /// Key paths of `archived` whose value `installed` does not hold: a key it lacks, or
    /// another value; `people:` entries by name (the installed list may hold more people).
    /// What a joined configuration is checked against, after install.
    public static func uncovered(_ archived: ConfigValue, in installed: ConfigValue, path: String = "") -> [String] {
        switch (archived, installed) {
        case (.mapping(let theirs), .mapping(let mine)):
            return theirs.keys.sorted().flatMap { key -> [String] in
                let child = path.isEmpty ? key : path + "." + key
                guard let present = mine[key] else { return [child] }
                return uncovered(theirs[key]!, in: present, path: child)
            }
        case (.sequence(let theirs), .sequence(let mine)) where path == "people":
            func name(_ value: ConfigValue) -> ConfigValue? { if case .mapping(let m) = value { return m["name"] }; return nil }
            return theirs.enumerated().flatMap { index, person -> [String] in
                guard let key = name(person), let present = mine.first(where: { name($0) == key }) else {
                    return mine.contains(person) ? [] : ["people[\(index)]"]
                }
                return uncovered(person, in: present, path: "people[\(index)]")
            }
        default:
            return archived == installed ? [] : [path.isEmpty ? "(top level)" : path]
        }
    }

    // MARK: - people:

    /// The archived people whose name the installed list does not have, each as its lines;
    /// their names; and `people[NAME].key` for a person in both lists whose entry differs.
    static func peopleToAdd(_ installed: Node.Sequence, _ archived: Node.Sequence, archivedLines: [String],
                            blockEnd: Int) -> (entries: [[String]], names: [String], conflicts: [String]) {
        func name(_ node: Node) -> String? { node.mapping?["name"]?.scalar?.string }
        let installedByName = Dictionary(installed.compactMap { node in name(node).map { ($0, node) } }, uniquingKeysWith: { first, _ in first })
        let starts = archived.map { itemStart($0, in: archivedLines) }
        var entries: [[String]] = []
        var names: [String] = []
        var conflicts: [String] = []
        for (index, item) in archived.enumerated() {
            let label = name(item) ?? "entry \(index + 1)"
            if let present = name(item).flatMap({ installedByName[$0] }) {
                conflicts += ConfigValue.differences(ConfigValue(present, environment: nil), ConfigValue(item, environment: nil),
                                                     path: "people[\(label)]")
                continue
            }
            if name(item) == nil, installed.contains(where: { ConfigValue($0, environment: nil) == ConfigValue(item, environment: nil) }) { continue }
            let end = index + 1 < starts.count ? starts[index + 1] : blockEnd
            var lines = Array(archivedLines[starts[index]..<max(starts[index], end)])
            while let last = lines.last, last.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeLast() }
            entries.append(lines)
            names.append(label)
        }
        return (entries, names, conflicts)
    }

    /// The line (from 0) of a sequence item's `- `: its node's line, or the line above it
    /// when the `-` stands alone.
    static func itemStart(_ item: Node, in lines: [String]) -> Int {
        let line = max(0, (item.mark?.line ?? 1) - 1)
        if lines[line].trimmingCharacters(in: .whitespaces).hasPrefix("-") || line == 0 { return line }
        return line - 1
    }

    /// The column of an installed item's `-`.
    static func itemIndent(_ item: Node, in lines: [String]) -> Int? {
        let line = lines[itemStart(item, in: lines)]
        return line.firstIndex(of: "-").map { line.distance(from: line.startIndex, to: $0) }
    }

    /// An entry's lines moved so its `-` stands at `column` (the installed list's).
    static func reindent(_ lines: [String], to column: Int?) -> [String] {
        guard let column, let first = lines.first, let dash = first.firstIndex(of: "-") else { return lines }
        let shift = column - first.distance(from: first.startIndex, to: dash)
        guard shift != 0 else { return lines }
        return lines.map { line in
            shift > 0 ? String(repeating: " ", count: shift) + line : String(line.dropFirst(min(-shift, line.prefix { $0 == " " }.count)))
        }
    }

    /// The last line of `range` holding anything but blanks and comments.
    static func lastContentLine(in range: Range<Int>, of lines: [String]) -> Int {
        for index in range.reversed() where index < lines.count {
            let trimmed = lines[index].trimmingCharacters(in: .whitespaces)
            if !trimmed.isEmpty && !trimmed.hasPrefix("#") { return index }
        }
        return max(range.lowerBound, 0)
    }
}
