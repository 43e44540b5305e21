import Foundation
import Yams

/// Where the parts of a single-user installation are, found in the order of
/// REFERENCE.md: an explicit option first, then the environment, then `config.yml`, then
/// the conventional place.
public struct Installation: Sendable, Equatable {
    public var projectRoot: String
    public var database: String
    public var config: String?
    public var env: String?
    public var docs: String?
    /// Databases beside the main one, in archive order: `events` (TeleClaude's event
    /// platform, `~/.teleclaude/events.db`), then each `--extra-db NAME=PATH`.
    public var extraDatabases: [ExtraDatabase] = []
    /// One line per part: what was found where, or what is missing.
    public var notes: [String]
    public var warnings: [String]

    public struct ExtraDatabase: Sendable, Equatable {
        public var name: String
        public var path: String

        public init(name: String, path: String) {
            self.name = name
            self.path = path
        }
    }

    public struct Overrides: Sendable {
        public var projectRoot: String?
        public var database: String?
        public var config: String?
        public var env: String?
        public var docs: String?
        /// `--events-db PATH` (default `~/.teleclaude/events.db` when present).
        public var eventsDatabase: String?
        /// `--extra-db NAME=PATH`, repeatable.
        public var extraDatabases: [ExtraDatabase] = []

        public init(projectRoot: String? = nil, database: String? = nil, config: String? = nil,
                    env: String? = nil, docs: String? = nil, eventsDatabase: String? = nil, extraDatabases: [ExtraDatabase] = []) {
            self.eventsDatabase = eventsDatabase
            self.extraDatabases = extraDatabases
            self.projectRoot = projectRoot
            self.database = database
            self.config = config
            self.env = env
            self.docs = docs
        }
    }

    public static func locate(_ overrides: Overrides,
                              environment: [String: String] = ProcessInfo.processInfo.environment,
                              currentDirectory: String = FileManager.default.currentDirectoryPath) throws -> Installation {
        let root = absolute(overrides.projectRoot ?? currentDirectory, relativeTo: currentDirectory)
        var notes: [String] = []
        var warnings: [String] = []

        /// An optional part: the option's path (which must exist) or the conventional one
        /// (whose absence is a warning). One that exists but cannot be read is an error
        /// either way: an archive without it would look complete and not be.
        func optionalPart(_ label: String, option: String, given: String?, conventional: String,
                          directory: Bool, missing: String) throws -> String? {
            let candidate = given.map { absolute($0, relativeTo: currentDirectory) } ?? conventional
            func cannotRead(_ reason: String) -> ExportError {
                .cannotRead(what: label, path: candidate, reason: reason, user: CurrentUser.lookup().name)
            }
            var info = stat()
            guard stat(candidate, &info) == 0 else {
                let reason = errno
                if reason == ENOENT || reason == ENOTDIR {
                    if given != nil { throw ExportError.unreadable(what: "\(label) given with \(option)", path: candidate) }
                    warnings.append("no \(label) at \(candidate); \(missing) (use \(option) PATH)")
                    return nil
                }
                throw cannotRead(String(cString: strerror(reason)))
            }
            let isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
            if directory != isDirectory || (!directory && (info.st_mode & S_IFMT) != S_IFREG) {
                throw cannotRead(directory ? "not a folder" : "not a regular file")
            }
            if access(candidate, directory ? R_OK | X_OK : R_OK) != 0 {
                throw cannotRead(String(cString: strerror(errno)))
            }
            notes.append("\(label): \(candidate)")
            return candidate
        }

        let config = try optionalPart("config.yml", option: "--config", given: overrides.config, conventional: root + "/config.yml",
                                      directory: false, missing: "the archive will hold no configuration")
        let env = try optionalPart(".env", option: "--env", given: overrides.env, conventional: root + "/.env",
                                   directory: false, missing: "no secrets or settings from it will be migrated")

        // teleclaude.db: --db, $TELECLAUDE_DB_PATH, database.path in config.yml, <root>/teleclaude.db
        let database: String
        let origin: String
        if let explicit = overrides.database {
            (database, origin) = (absolute(explicit, relativeTo: currentDirectory), "--db")
        } else if let fromEnv = environment["TELECLAUDE_DB_PATH"], !fromEnv.isEmpty {
            (database, origin) = (absolute(fromEnv, relativeTo: currentDirectory), "$TELECLAUDE_DB_PATH")
        } else if let config, let configured = try databasePath(inConfig: config, environment: environment) {
            (database, origin) = (absolute(configured, relativeTo: root), "database.path in \(config)")
        } else {
            (database, origin) = (root + "/teleclaude.db", "project root")
        }
        guard isReadableFile(database) else {
            // Say what the earlier, unset sources were, so the user sees the whole order.
            var tried: [String] = []
            if overrides.database == nil { tried.append("--db: not given") }
            if origin != "--db" && (environment["TELECLAUDE_DB_PATH"] ?? "").isEmpty { tried.append("$TELECLAUDE_DB_PATH: not set") }
            if origin == "project root" {
                tried.append(config.map { "database.path in \($0): not set" } ?? "database.path: no config.yml")
            }
            tried.append("\(database) (\(origin)): \(FileManager.default.fileExists(atPath: database) ? "not readable" : "does not exist")")
            throw ExportError.databaseNotFound(tried: tried)
        }
        notes.insert("database: \(database) (\(origin))", at: 0)

        // docs: --docs, then ~/.teleclaude/docs
        let home = environment["HOME"] ?? NSHomeDirectory()
        let docs = try optionalPart("doc snippets folder", option: "--docs", given: overrides.docs,
                                    conventional: home + "/.teleclaude/docs", directory: true, missing: "no doc snippets will be migrated")

        // events.db: --events-db, then ~/.teleclaude/events.db; then every --extra-db.
        var extra: [ExtraDatabase] = []
        if let events = try optionalPart("events database", option: "--events-db", given: overrides.eventsDatabase,
                                         conventional: home + "/.teleclaude/events.db", directory: false,
                                         missing: "no notifications or signals will be migrated") {
            extra.append(.init(name: "events", path: events))
        }
        for given in overrides.extraDatabases {
            guard DatabaseEntry.isValidName(given.name), ![DatabaseEntry.main, "events"].contains(given.name.lowercased()),
                  !extra.contains(where: { $0.name.lowercased() == given.name.lowercased() }) else {
                throw ExportError.invalidDatabaseName(given.name)
            }
            if let path = try optionalPart("database \(given.name)", option: "--extra-db \(given.name)=", given: given.path,
                                           conventional: given.path, directory: false, missing: "") {
                extra.append(.init(name: given.name, path: path))
            }
        }
        if let twice = extra.first(where: { $0.path == database }) {
            throw ExportError.invalidDatabaseName("\(twice.name) (\(twice.path) is the main database)")
        }
        var installation = Installation(projectRoot: root, database: database, config: config, env: env, docs: docs,
                                        notes: notes, warnings: warnings)
        installation.extraDatabases = extra
        return installation
    }

    /// `database.path` from config.yml, with `${VAR}` references resolved from the environment.
    static func databasePath(inConfig path: String, environment: [String: String]) throws -> String? {
        let text = try ExportFiles.read(path, what: "config file")
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw ExportError.invalidConfig(path: path, reason: "\(error)")
        }
        guard let value = node?["database"]?["path"]?.string, !value.isEmpty else { return nil }
        return expand(value, environment: environment)
    }

    static func expand(_ value: String, environment: [String: String]) -> String {
        ConfigValue.resolve(value, environment: environment, keepUnknown: false)
    }

    static func absolute(_ path: String, relativeTo base: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        let joined = expanded.hasPrefix("/") ? expanded : base + "/" + expanded
        return (joined as NSString).standardizingPath
    }

    static func isReadableFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
            && access(path, R_OK) == 0
    }
}
