import Foundation

/// The closing lines of `tc-export`, as text or JSON.
public enum ExportReport {
    public static func text(_ result: ExportResult) -> String {
        var lines: [String] = []
        if let config = result.config {
            let system = config.keys.filter { $0.layer == .system }.map(\.key)
            let user = config.keys.filter { $0.layer == .user }.map(\.key)
            lines.append("config: system layer \(system.isEmpty ? "(none)" : system.joined(separator: ", "))")
            lines.append("        per-user layer \(user.isEmpty ? "(none)" : user.joined(separator: ", "))")
            lines.append("        secrets layer \(config.secretNames.count) variables: \(config.secretNames.joined(separator: ", "))")
            for moved in config.movedSecrets {
                lines.append("        literal secret \(moved.path) moved to secrets as ${\(moved.variable)}")
            }
            lines.append("        proven: the layers resolve to the same configuration as config.yml with .env")
        }
        if !result.excludedTables.isEmpty {
            lines.append("left out by -t/-T (the archive names them as left out): "
                         + result.excludedTables.map { "\($0.name) (\(Units.count($0.rows)) rows)" }.joined(separator: ", "))
        }
        lines.append("docs: \(result.docs) snippet files\(result.files.contains { $0.role == FileRole.docIndex.rawValue } ? " (+ the old index.yaml, kept but not installed)" : "")")
        if result.dryRun {
            lines.append("dry run: \(result.tables.count) tables, \(Units.count(result.rows)) rows, \(result.files.count) files would be written; nothing was written")
            return lines.joined(separator: "\n")
        }
        let rate = result.seconds > 0 ? Units.bytes(Int64(Double(result.dataBytes) / result.seconds)) + "/s" : ""
        var text = "wrote \(result.archive): \(result.tables.count) tables, \(Units.count(result.rows)) rows, "
            + "\(Units.bytes(result.dataBytes)) of data, \(result.files.count) files"
        if result.archiveBytes > 0 {
            let encryption = result.encryptedTo.isEmpty ? "" : result.encryptedTo == ["scrypt"] ? ", age-encrypted with a passphrase"
                : ", age-encrypted to \(result.encryptedTo.count) recipient\(result.encryptedTo.count == 1 ? "" : "s")"
            text += " in \(Units.bytes(result.archiveBytes)) (\(result.compression.rawValue)\(encryption))"
        }
        text += ", \(Units.seconds(result.seconds)) (\(rate))"
        lines.append(text)
        return lines.joined(separator: "\n")
    }

    public static func json(_ result: ExportResult) throws -> String {
        try ImportReport.json(result)
    }
}
