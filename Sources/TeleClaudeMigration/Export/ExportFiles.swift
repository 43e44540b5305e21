import Foundation

/// The file members of an export: the original config.yml and .env, the three layers
/// split from them with the split record, and the doc snippets. Read before the manifest
/// is written (the manifest lists each member's size and digest); all are small files.
public struct ExportFiles: Sendable {
    public struct Member: Sendable {
        public var entry: Manifest.FileEntry
        public var bytes: [UInt8]
    }

    public var members: [Member]
    public var split: ConfigSplit.Record?
    public var docs: Int
    public var warnings: [String]

    public static func gather(_ installation: Installation, owner: String) throws -> ExportFiles {
        var members: [Member] = []
        var warnings: [String] = []
        func add(_ role: FileRole, name: String? = nil, _ bytes: [UInt8]) {
            let path = name ?? role.memberName!
            members.append(Member(entry: .init(path: path, role: role.rawValue, size: bytes.count, sha256: SHA256Hex.of(bytes)),
                                  bytes: bytes))
        }

        let configText = try installation.config.map { try read($0, what: "config file") }
        let envText = try installation.env.map { try read($0, what: ".env file") }
        var record: ConfigSplit.Record?
        if configText != nil || envText != nil {
            let split = try ConfigSplitter.split(configText: configText, configPath: installation.config ?? "config.yml",
                                                 envText: envText, envPath: installation.env ?? ".env", owner: owner)
            if let configText { add(.configOriginal, Array(configText.utf8)) }
            if let envText { add(.envOriginal, Array(envText.utf8)) }
            add(.configSystem, Array(split.systemText.utf8))
            add(.configSecrets, Array(split.secretsText.utf8))
            if let user = split.userText { add(.configUser, Array(user.utf8)) }
            add(.configSplit, try CanonicalJSON.encode(split.record))
            warnings += split.record.warnings
            record = split.record
        }

        var docs = 0
        if let folder = installation.docs {
            let collected = try DocsCollector.collect(root: folder)
            warnings += collected.warnings
            warnings += SnippetIndex.survey(collected.files).warnings(folder: folder)
            for file in collected.files {
                add(file.isIndex ? .docIndex : .doc, name: ArchiveLayout.docsFolder + file.relativePath, file.bytes)
                if !file.isIndex { docs += 1 }
            }
        }
        return ExportFiles(members: members, split: record, docs: docs, warnings: warnings)
    }

    /// The file as text; config files must be UTF-8.
    static func read(_ path: String, what: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ExportError.cannotRead(what: what, path: path, reason: String(cString: strerror(errno)), user: CurrentUser.lookup().name)
        }
        let bytes = Array(data)
        guard bytes.withUnsafeBufferPointer(JSONText.isValidUTF8) else {
            let offset = bytes.withUnsafeBufferPointer(firstInvalidUTF8Offset)
            throw ExportError.cannotRead(what: what, path: path, reason: "not valid UTF-8 (the first invalid byte is at offset \(offset)); save it as UTF-8",
                                         user: CurrentUser.lookup().name)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Where the first byte that does not start a well-formed sequence is (for the message).
    static func firstInvalidUTF8Offset(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var i = 0
        while i < bytes.count {
            if bytes[i] < 0x80 { i += 1; continue }
            let length = JSONText.validSequenceLength(bytes, at: i)
            if length == 0 { return i }
            i += length
        }
        return bytes.count
    }
}
