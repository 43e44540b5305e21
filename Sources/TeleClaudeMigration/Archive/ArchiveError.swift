/// Everything that can be wrong with an archive or with writing one. Each message names
/// the member (and line, table, column where it applies) and what was expected.
public struct ArchiveError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
