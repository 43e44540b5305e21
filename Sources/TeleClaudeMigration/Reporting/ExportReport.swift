import Foundation

/// The closing lines of `tc-export`, as text or JSON.
public enum ExportReport {
    public static func text(_ result: ExportResult) -> String {
        let rate = result.seconds > 0 ? Format.bytes(Int64(Double(result.dataBytes) / result.seconds)) + "/s" : ""
        var text = "wrote \(result.archive): \(result.tables.count) tables, \(Format.count(result.rows)) rows, "
            + "\(Format.bytes(result.dataBytes)) of data"
        if result.archiveBytes > 0 { text += " in \(Format.bytes(result.archiveBytes)) (\(result.compression.rawValue))" }
        text += ", \(Format.seconds(result.seconds)) (\(rate))"
        return text
    }

    public static func json(_ result: ExportResult) throws -> String {
        String(decoding: try CanonicalJSON.encode(result), as: UTF8.self)
    }
}
