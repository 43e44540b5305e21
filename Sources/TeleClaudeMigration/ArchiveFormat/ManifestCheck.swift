import Foundation

/// Parses `manifest.json` and applies the version and consistency rules of format-spec.md.
enum ManifestCheck {
    /// `knownFeatures`: what this reader implements (a test passes an older reader's set).
    static func parse(_ bytes: [UInt8], knownFeatures: Set<String> = ArchiveReader.knownFeatures) throws -> (Manifest, warnings: [String]) {
        // Read the identity and version first, so a future major version is refused by
        // its number rather than by whatever field it renamed.
        struct Header: Decodable {
            var format: String?
            var format_version: String?
            var required_features: [String]?
        }
        guard let header = try? JSONDecoder().decode(Header.self, from: Data(bytes)) else {
            throw ArchiveError("\(ArchiveLayout.manifest) is not a JSON object")
        }
        guard header.format == Manifest.formatName else {
            throw ArchiveError("this is not a TeleClaude migration archive (\(ArchiveLayout.manifest) names the format '\(header.format ?? "")')", reason: .notAnArchive)
        }
        guard let text = header.format_version, let version = FormatVersion(text) else {
            throw ArchiveError("\(ArchiveLayout.manifest) has no valid format_version")
        }
        guard version.major == ArchiveReader.supportedMajor else {
            throw ArchiveError("the archive uses format version \(version); this tool reads version \(ArchiveReader.supportedMajor).x only. Use a tc-import release that reads \(version.major).x", reason: .unsupported)
        }
        let unknown = (header.required_features ?? []).filter { !knownFeatures.contains($0) }
        guard unknown.isEmpty else {
            throw ArchiveError("the archive (format \(version)) requires features this tool does not implement: \(unknown.joined(separator: ", ")); use a newer tc-import", reason: .unsupported)
        }
        var warnings: [String] = []
        if version.minor > ArchiveReader.supportedMinor {
            warnings.append("the archive uses format \(version), newer than \(ArchiveReader.supportedMajor).\(ArchiveReader.supportedMinor); fields and members this tool does not know are ignored")
        }
        let manifest: Manifest
        do {
            manifest = try JSONDecoder().decode(Manifest.self, from: Data(bytes))
        } catch {
            throw ArchiveError("\(ArchiveLayout.manifest) does not match format \(version): \(describe(error))")
        }
        try validate(manifest)
        return (manifest, warnings)
    }

    static func validate(_ manifest: Manifest) throws {
        let databases = manifest.allDatabases
        var databaseNames = Set<String>()
        for database in databases {
            guard DatabaseEntry.isValidName(database.name), databaseNames.insert(database.name.lowercased()).inserted else {
                throw ArchiveError("the manifest lists an invalid or repeated database name \(TarReader.quoted(database.name))")
            }
        }
        guard databases.first?.name == DatabaseEntry.main else {
            throw ArchiveError("the manifest's first database is not named main")
        }
        if databases.count > 1 && !manifest.requiredFeatures.contains(DatabaseEntry.multipleDatabasesFeature) {
            throw ArchiveError("the manifest lists \(databases.count) databases without requiring \(DatabaseEntry.multipleDatabasesFeature)")
        }
        var names = Set<String>()
        var members = Set<String>()
        var current = 0  // the databases' tables come together, in the databases' order
        for table in manifest.tables {
            let database = table.databaseName
            guard let index = databases.firstIndex(where: { $0.name == database }) else {
                throw ArchiveError("table '\(table.displayName)' names the database \(TarReader.quoted(database)), which the manifest does not list")
            }
            guard index >= current else {
                throw ArchiveError("the tables of database \(database) are not together, in the order of the manifest's databases")
            }
            current = index
            guard names.insert(database.lowercased() + "." + table.name.lowercased()).inserted else {
                throw ArchiveError("the manifest lists the table '\(table.displayName)' twice")
            }
            guard table.member.hasPrefix(ArchiveLayout.tablesFolder), ArchiveLayout.isSafeMemberName(table.member),
                  !table.member.dropFirst(ArchiveLayout.tablesFolder.count).contains("/"),
                  members.insert(table.member).inserted else {
                throw ArchiveError("table '\(table.displayName)' has an invalid or repeated member name '\(table.member)'")
            }
            guard !table.columns.isEmpty, table.rows >= 0 else {
                throw ArchiveError("table '\(table.displayName)' has no columns or a negative row count in the manifest")
            }
            var columns = Set<String>()
            for column in table.columns where !columns.insert(column.name.lowercased()).inserted {
                throw ArchiveError("table '\(table.displayName)' lists the column '\(column.name)' twice")
            }
        }
        var files = Set<String>()
        for file in manifest.files {
            let reserved = [ArchiveLayout.manifest, ArchiveLayout.summary, ArchiveLayout.checksums]
            guard ArchiveLayout.isSafeMemberName(file.path), !file.path.hasPrefix(ArchiveLayout.tablesFolder),
                  !file.path.hasPrefix(ArchiveLayout.extensionsFolder), !reserved.contains(file.path),
                  files.insert(file.path).inserted, file.size >= 0 else {
                throw ArchiveError("the manifest lists an invalid or repeated file member \(TarReader.quoted(file.path))")
            }
        }
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing field '\(path(context.codingPath + [key]))'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "field '\(path(context.codingPath))' has the wrong type"
        case DecodingError.dataCorrupted(let context):
            return context.debugDescription
        default:
            return "\(error)"
        }
    }

    private static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}
