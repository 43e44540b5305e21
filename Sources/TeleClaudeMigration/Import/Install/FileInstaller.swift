import Foundation

// Over 400 lines: one concept, where each file goes and how it gets there (plan, preflight,
// install, validation, rollback steps), which `plan` and `load` must see alike.

/// Installs an archive's configuration layers and doc snippets into the system layout,
/// after the whole archive has been verified. Checks every destination first: a config
/// file that differs (without `--overwrite-config`) or a path through a symbolic link
/// stops the install before anything is written.
public struct FileInstaller {
    public let files: ArchiveFiles
    public let options: InstallOptions

    public init(files: ArchiveFiles, options: InstallOptions) {
        self.files = files
        self.options = options
    }

    struct Planned {
        var path: String
        var role: FileRole
        var bytes: [UInt8]
        var mode: mode_t
        var action: InstallReport.Action
        var backup: String?
        var note: String?
        /// `.pending`: where it is written instead, for its user to put in place.
        var pending: String?
        /// Who the file is given to; nil: whoever writes it.
        var owner: InstallOwners.Account?
        /// `--join-config` joined this file into the installed one.
        var joined = false
        /// `--join-config`: what differs and was kept (key paths; `environment variable NAME`).
        var joinConflicts: [String] = []

        var writes: Bool { action == .written || action == .replaced }
        /// As the report names it.
        var outcome: InstallReport.FileOutcome {
            .init(path: path, role: role.rawValue, action: action, backup: backup, note: note, pending: pending)
        }

        /// Where this install writes it: its path, or where it waits for its user.
        var writtenAt: String? { writes ? path : action == .pending ? pending : nil }
    }

    /// Everything `install` could fail on, checked before writing (and by a load before
    /// BEGIN): conflicts and unsafe paths, that the files can be given to their owners,
    /// and that every file can be created or replaced where it goes.
    public func preflight() throws {
        _ = try checkedPlans()
    }

    /// What `install` would do, file by file, once every check of `preflight` passed: for
    /// `plan`, which must say where each file goes and which one waits for its user.
    public func preview() throws -> [String] {
        let (config, docs) = try checkedPlans()
        var lines = config.map(\.outcome.line)
        if !docs.isEmpty {
            let count = { (action: InstallReport.Action) in docs.filter { $0.action == action }.count }
            lines.append("docs: \(docs.count) snippets to \(options.docsDirectory): \(count(.written)) new, \(count(.unchanged)) identical, "
                         + "\(count(.replaced)) replaced, \(count(.conflict)) in conflict (kept); index.yaml rebuilt")
        }
        return lines
    }

    /// The plans, once every check of `preflight` passed.
    func checkedPlans() throws -> (config: [Planned], docs: [Planned]) {
        let (config, docs) = try plans()
        if config.contains(where: { $0.writes && $0.owner != nil }) {
            try options.owners.requireCanOwn()
        }
        var problems = (config + docs).compactMap(\.writtenAt).compactMap { Destination.problem(writing: $0) }
        if !docs.isEmpty, let problem = Destination.problem(writing: options.docsDirectory + "/" + SnippetIndex.fileName) {
            problems.append(problem)
        }
        guard problems.isEmpty else { throw InstallError.destinations(problems: Array(Set(problems)).sorted()) }
        return (config, docs)
    }

    /// Every destination, planned once: a config conflict or an unsafe path throws here,
    /// before anything is written.
    func plans() throws -> (config: [Planned], docs: [Planned]) {
        let config = try planConfig()
        let conflicts = config.filter { $0.action == .conflict }.map(\.path)
        guard conflicts.isEmpty else { throw InstallError.configConflict(paths: conflicts) }
        return (config, try planDocs())
    }

    public func install() throws -> InstallReport {
        var report = InstallReport()
        try install(into: &report)
        return report
    }

    /// Installs, recording each file in `report` as it is written: when a write fails
    /// part of the way, `report` still names every file written before it (for the
    /// rollback steps).
    public func install(into report: inout InstallReport) throws {
        precondition(files.verified, "files are installed only from a fully verified archive")
        let (config, docs) = try checkedPlans()

        for file in config {
            if file.writes {
                try write(file.bytes, to: file.path, mode: file.mode, backup: file.backup, owner: file.owner,
                          ownFolders: file.role == .configUser)
            } else if let pending = file.pending {
                // Readable by its user, who is not us: the per-user layer holds no secret
                // (the allow-list and the no-secret rule, checked at export and below).
                try write(file.bytes, to: pending, mode: 0o644, backup: nil, owner: nil)
            }
            report.config.append(file.outcome)
        }

        for file in docs {
            if file.writes { try write(file.bytes, to: file.path, mode: 0o644, backup: nil, owner: nil) }
            switch file.action {
            case .written: report.docsCopied.append(file.path)
            case .unchanged: report.docsIdentical.append(file.path)
            case .conflict: report.docsConflicts.append(file.path)
            case .replaced: report.docsReplaced.append(file.path)
            case .skipped, .pending: break
            }
        }
        if files.members.contains(where: { $0.entry.role == FileRole.doc.rawValue || $0.entry.role == FileRole.docIndex.rawValue }) {
            try rebuildIndex(&report)
        }
        if files.hasConfiguration { try validate(config, &report) }
    }

    /// How to take the installed files back out.
    public static func rollbackSteps(_ report: InstallReport) -> [String] {
        var steps: [String] = []
        for file in report.config {
            switch file.action {
            case .written: steps.append("Remove \(file.path) (written by this import): rm \(shellQuoted(file.path))")
            case .pending:
                steps.append("Remove \(file.pending ?? "") (the per-user layer this import left for its user): rm \(shellQuoted(file.pending ?? ""))"
                             + "; and \(file.path) if its user put it there: rm \(shellQuoted(file.path))")
            case .replaced: steps.append("Put the previous \(file.path) back: mv \(shellQuoted(file.backup ?? "")) \(shellQuoted(file.path))")
            default: break
            }
        }
        if !report.docsCopied.isEmpty {
            steps.append("Remove the doc snippets this import copied (the single-user daemon does not read them, so they may also stay):\n"
                         + report.docsCopied.map { "    rm \(shellQuoted($0))" }.joined(separator: "\n"))
        }
        if !report.docsReplaced.isEmpty {
            steps.append("These doc snippets were replaced (--overwrite-docs) without a backup; restore them from a backup of the docs folder if needed: "
                         + report.docsReplaced.joined(separator: ", "))
        }
        if let index = report.index, report.indexChanged {
            steps.append("The snippet index \(index) was rebuilt; after removing snippets, rebuild it again (tc-import install-files does) or remove it")
        }
        return steps
    }

    // MARK: - Configuration

    func planConfig() throws -> [Planned] {
        guard let system = files.bytes(of: .configSystem), let secrets = files.bytes(of: .configSecrets) else { return [] }
        let directory = options.configDirectory
        // The daemon runs as the service user: it owns both; other users may not read secrets.
        var planned = [
            try plan(system, role: .configSystem, path: directory + "/config.yml", mode: 0o640, overwrite: options.overwriteConfig),
            try plan(secrets, role: .configSecrets, path: directory + "/secrets.yml", mode: 0o600, overwrite: options.overwriteConfig),
        ]
        if options.joinConfig && !options.overwriteConfig {
            for index in planned.indices where planned[index].action == .conflict { try join(&planned[index]) }
        }
        for index in planned.indices { planned[index].owner = options.owners.service }
        if let user = files.bytes(of: .configUser) {
            var file = try planUserConfig(user)
            if options.owners.canChangeOwner, let manifest = files.manifest {
                file.owner = InstallOwners.migratingUser(name: manifest.source.user, exportedUID: manifest.source.uid)
            }
            planned.append(file)
        }
        return planned
    }

    func plan(_ bytes: [UInt8], role: FileRole, path: String, mode: mode_t, overwrite: Bool) throws -> Planned {
        try requireSafe(path)
        var file = Planned(path: path, role: role, bytes: bytes, mode: mode, action: .written)
        guard let existing = FileManager.default.contents(atPath: path) else { return file }
        if Array(existing) == bytes {
            file.action = .unchanged
        } else if overwrite {
            file.action = .replaced
            file.backup = path + "." + Self.stamp(options.now) + ".bak"
        } else {
            file.action = .conflict
        }
        return file
    }

    /// `--join-config`: the installed file (another person's) with this archive's layer joined
    /// into it (`ConfigJoin`): replaced by the joined text, the old one kept as a backup;
    /// unchanged when the archive adds nothing. What differs is named, and stays.
    func join(_ file: inout Planned) throws {
        let installed = String(decoding: FileManager.default.contents(atPath: file.path) ?? Data(), as: UTF8.self)
        let archived = String(decoding: file.bytes, as: UTF8.self)
        let paths = (installed: file.path, archived: "the archive's \(file.role.memberName ?? file.role.rawValue)")
        let joined = file.role == .configSecrets
            ? try ConfigJoin.secrets(installed: installed, archived: archived, paths: paths)
            : try ConfigJoin.system(installed: installed, archived: archived, paths: paths)
        let what = file.role == .configSecrets ? "variable" : "key"
        file.note = "joined (--join-config): " + (joined.added.isEmpty ? "nothing added" : "added \(what)(s) " + joined.added.joined(separator: ", "))
            + (joined.conflicts.isEmpty ? "" : "; kept the installed value of \(joined.conflicts.joined(separator: ", ")) (the archive's differs)")
        file.joined = true
        file.joinConflicts = joined.conflicts.map { file.role == .configSecrets ? "environment variable \($0)" : $0 }
        guard joined.text != installed else {
            file.action = .unchanged
            return
        }
        file.bytes = Array(joined.text.utf8)
        file.action = .replaced
        file.backup = file.path + "." + Self.stamp(options.now) + ".bak"
    }

    /// `--user-config PATH`, else the migrating user's ~/.teleclaude/config.yml when it is
    /// absent and its folder writable by us; otherwise it is left beside the archive, and
    /// the note says what its user runs to put it in place.
    func planUserConfig(_ bytes: [UInt8]) throws -> Planned {
        if let explicit = options.userConfig {
            return try plan(bytes, role: .configUser, path: explicit, mode: 0o644, overwrite: options.overwriteConfig)
        }
        let user = files.manifest?.source.user ?? ""
        let home = Self.homeDirectory(of: user)
        let path = (home ?? "~\(user)") + "/.teleclaude/config.yml"
        var file = Planned(path: path, role: .configUser, bytes: bytes, mode: 0o644, action: .skipped)
        if home != nil, let existing = FileManager.default.contents(atPath: path) {
            file.action = Array(existing) == bytes ? .unchanged : .skipped
            if file.action == .skipped {
                file.note = "exists with other content, left alone; to see the archived preferences run: tc-import extract \(Self.shellQuoted(options.archive.argument)) user-config -o -"
            }
            return file
        }
        if let home {
            let folder = home + "/.teleclaude"
            if access(folder, W_OK) == 0 || (access(folder, F_OK) != 0 && access(home, W_OK) == 0) {
                try requireSafe(path)
                file.action = .written
                return file
            }
        }
        let why = home == nil ? "no user \(user) on this host" : "not writable by \(CurrentUser.lookup().name)"
        let pending = options.pendingUserConfig
        guard Destination.problem(writing: pending) == nil else {
            // Nowhere to leave it: the archive holds it, for whoever may read the archive.
            file.note = "\(why); as \(user.isEmpty ? "its user" : user), with read access to the archive, run: "
                + "tc-import extract \(Self.shellQuoted(options.archive.argument)) user-config -o ~/.teleclaude/config.yml"
            return file
        }
        file.action = .pending
        file.pending = pending
        file.note = "\(why); left for \(user.isEmpty ? "its user" : user) at \(pending) (no secrets, readable by all); as \(user.isEmpty ? "that user" : user) run: "
            + "install -D -m 0644 \(Self.shellQuoted(pending)) ~/.teleclaude/config.yml"
        return file
    }

    // MARK: - Docs

    func planDocs() throws -> [Planned] {
        var planned: [Planned] = []
        for member in files.members where member.entry.role == FileRole.doc.rawValue {
            guard member.entry.path.hasPrefix(ArchiveLayout.docsFolder) else { continue }
            let relative = String(member.entry.path.dropFirst(ArchiveLayout.docsFolder.count))
            let file = try plan(member.bytes, role: .doc, path: options.docsDirectory + "/" + relative, mode: 0o644,
                                overwrite: options.overwriteDocs)
            planned.append(file)
        }
        return planned
    }

    func rebuildIndex(_ report: inout InstallReport) throws {
        let folder = options.docsDirectory
        let path = folder + "/" + SnippetIndex.fileName
        if access(folder, F_OK) != 0 { try makeFolders(upTo: path) }
        try requireSafe(path)
        // source_project is not in front matter (REFERENCE.md): the indexes are where it lives, the
        // folder's own and the archived one, so the rebuilt index keeps it for each snippet.
        let existing = FileManager.default.contents(atPath: path).map { SnippetIndex.sourceProjects(inIndex: Array($0)) } ?? [:]
        let archived = files.members.first { $0.entry.role == FileRole.docIndex.rawValue }
            .map { SnippetIndex.sourceProjects(inIndex: $0.bytes) } ?? [:]
        let survey = try SnippetIndex.survey(root: folder, sourceProjects: existing.merging(archived) { _, archive in archive })
        let entries = survey.entries
        let text = try SnippetIndex.render(entries, projectRoot: folder, snippetsRoot: folder)
        if FileManager.default.contents(atPath: path).map(Array.init) != Array(text.utf8) {
            try write(Array(text.utf8), to: path, mode: 0o644, backup: nil, owner: nil)
            report.indexChanged = true
        }
        report.index = path
        report.indexedSnippets = entries.count
        report.snippetsNotIndexed = survey.notIndexed
        report.duplicateSnippetIDs = survey.duplicateIDs
    }

    // MARK: - Validation

    /// The files as installed (or, where not installed, as archived) must resolve to the
    /// archive's original config.yml with its .env; the per-user layer must obey its rules.
    func validate(_ config: [Planned], _ report: inout InstallReport) throws {
        func installed(_ role: FileRole) -> String? {
            guard let file = config.first(where: { $0.role == role }) else { return nil }
            if file.action == .skipped || file.action == .pending { return String(decoding: file.bytes, as: UTF8.self) }
            return FileManager.default.contents(atPath: file.path).map { String(decoding: $0, as: UTF8.self) }
        }
        let original = try ConfigSplitter.parse(String(decoding: files.bytes(of: .configOriginal) ?? [], as: UTF8.self), path: "archived config.yml")
        let env = try files.bytes(of: .envOriginal).map { try EnvFile.parse(String(decoding: $0, as: UTF8.self), path: "archived .env").values } ?? [:]
        let userText = installed(.configUser)
        let paths = (options.configDirectory + "/config.yml", options.configDirectory + "/secrets.yml", "per-user config.yml")
        if config.contains(where: \.joined) {
            // Joined into another person's layers: every archived value must be there, but
            // for the conflicts named (the installed value kept); the rest of theirs stays.
            let kept = Set(config.flatMap(\.joinConflicts))
            report.differences = try ConfigSplitter.uncoveredAfterJoin(
                original: original, env: env, systemText: installed(.configSystem) ?? "", secretsText: installed(.configSecrets) ?? "",
                archivedSecretsText: String(decoding: files.bytes(of: .configSecrets) ?? [], as: UTF8.self),
                userText: userText, paths: paths).filter { path in !kept.contains { path == $0 || path.hasPrefix($0 + ".") || path.hasPrefix($0 + "[") } }
        } else {
            report.differences = try ConfigSplitter.differencesAfterSplit(
                original: original, env: env, systemText: installed(.configSystem) ?? "", secretsText: installed(.configSecrets) ?? "",
                userText: userText, paths: paths)
        }
        if let userText, let node = try ConfigSplitter.parse(userText, path: "per-user config.yml") {
            report.userLayerProblems = ConfigLayer.userLayerProblems(ConfigValue(node, environment: nil))
        }
        report.validated = true
        guard report.differences.isEmpty && report.userLayerProblems.isEmpty else {
            throw InstallError.validationFailed(differences: report.differences + report.userLayerProblems)
        }
    }

    // MARK: - Paths

    /// Every existing component below the target folder must be a real folder, and the
    /// file itself (when present) a regular file: a symbolic link planted in a target
    /// folder could otherwise send a write anywhere.
    func requireSafe(_ path: String) throws {
        var info = stat()
        if lstat(path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFREG else {
                throw InstallError.unsafePath(path: path, reason: (info.st_mode & S_IFMT) == S_IFLNK ? "it is a symbolic link" : "it is not a regular file")
            }
        }
        for root in [options.configDirectory, options.docsDirectory] where path.hasPrefix(root + "/") {
            var current = root
            for component in path.dropFirst(root.count + 1).split(separator: "/").dropLast() {
                current += "/" + component
                if lstat(current, &info) == 0 && (info.st_mode & S_IFMT) != S_IFDIR {
                    throw InstallError.unsafePath(path: path, reason: "\(current) is not a folder (a symbolic link or a file)")
                }
            }
        }
    }

    /// Creates the missing folders above `path` (0755), each given to `owner` when set
    /// (the migrating user's ~/.teleclaude must be theirs, not root's).
    func makeFolders(upTo path: String, owner: InstallOwners.Account? = nil) throws {
        let folder = (path as NSString).deletingLastPathComponent
        var missing: [String] = []
        var current = folder
        while !current.isEmpty, current != "/", access(current, F_OK) != 0 {
            missing.append(current)
            current = (current as NSString).deletingLastPathComponent
        }
        for created in missing.reversed() {
            guard mkdir(created, 0o755) == 0 || errno == EEXIST else {
                throw InstallError.write(path: created, reason: String(cString: strerror(errno)))
            }
            chmod(created, 0o755)  // whatever the umask
            if let owner, chown(created, owner.uid, owner.gid) != 0 {
                throw InstallError.write(path: created, reason: "cannot give it to \(owner.name): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// `owner` gets the file; the folders it creates on the way stay the writer's unless
    /// `ownFolders` (a user's own ~/.teleclaude).
    func write(_ bytes: [UInt8], to path: String, mode: mode_t, backup: String?, owner: InstallOwners.Account?,
               ownFolders: Bool = false) throws {
        try makeFolders(upTo: path, owner: ownFolders ? owner : nil)
        try requireSafe(path)
        do {
            try AtomicFile.write(bytes, to: path, mode: mode, backup: backup, owner: owner.map { ($0.uid, $0.gid) })
        } catch {
            throw InstallError.write(path: path, reason: error.reason)
        }
    }

    static func stamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }

    static func homeDirectory(of user: String) -> String? {
        guard !user.isEmpty, let entry = getpwnam(user), let dir = entry.pointee.pw_dir else { return nil }
        return String(cString: dir)
    }

    static func shellQuoted(_ text: String) -> String {
        text.allSatisfy { $0.isASCIIAlphanumeric || "/._-".contains($0) } ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
