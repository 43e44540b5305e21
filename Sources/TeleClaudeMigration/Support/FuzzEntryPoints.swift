/// The parsers that read untrusted bytes, each behind one call that must return (with a
/// result or an error) for any input: the entry points of the `tc-fuzz` libFuzzer targets
/// and of the corpus replay in the tests. An error is a correct answer; a crash, a hang
/// or a trap is a bug.
public enum FuzzEntryPoints {
    public enum Target: String, CaseIterable, Sendable {
        /// One NDJSON line of table data (format-spec.md section 6).
        case values
        /// `manifest.json`, with every structural check a reader makes.
        case manifest
        /// A `.env` file.
        case env
    }

    /// Feeds `bytes` to a target; returns whether the input was accepted.
    @discardableResult
    public static func run(_ target: Target, _ bytes: [UInt8]) -> Bool {
        switch target {
        case .values:
            guard let values = try? RowDecoder.decode(bytes) else { return false }
            // What is decoded must encode back to a line that decodes to the same values.
            var encoder = RowEncoder(columnCount: values.count, capacity: bytes.count + 16)
            encoder.appendRow(values)
            let again = try? RowDecoder.decode(Array(encoder.buffer.dropLast()))
            precondition(again == values, "a decoded row does not survive re-encoding")
            return true
        case .manifest:
            return (try? ManifestCheck.parse(bytes)) != nil
        case .env:
            return (try? EnvFile.parse(String(decoding: bytes, as: UTF8.self), path: ".env")) != nil
        }
    }
}
