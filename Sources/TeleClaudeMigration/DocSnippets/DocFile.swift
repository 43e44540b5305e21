/// One file of a doc snippets folder, by its path relative to the folder.
public struct DocFile: Sendable, Equatable {
    public var relativePath: String
    public var bytes: [UInt8]

    /// The generated snippet index at the folder's root: archived, never installed.
    public var isIndex: Bool { relativePath == SnippetIndex.fileName }
}
