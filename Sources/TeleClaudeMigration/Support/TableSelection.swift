/// `-t/--table NAME` (only these) and `-T/--exclude-table NAME` (all but these), of export
/// (database tables) and of plan and load (archive tables), by name, exactly (`events.NAME`
/// for a table of the events database, as messages name it); both repeatable, and `-T`
/// wins over `-t`.
public struct TableSelection: Sendable, Equatable {
    public var only: [String]
    public var excluded: [String]

    public init(only: [String] = [], excluded: [String] = []) {
        self.only = only
        self.excluded = excluded
    }

    public func takes(_ name: String) -> Bool {
        (only.isEmpty || only.contains(name)) && !excluded.contains(name)
    }

    /// A message for each name that is not among `names` (`what`: "the database", "the archive").
    public func unknownNames(among names: [String], in what: String) -> [String] {
        [("-t/--table", only), ("-T/--exclude-table", excluded)].flatMap { flag, list in
            list.filter { !names.contains($0) }.map { name in
                "\(flag) \(name): \(what) has no such table\(Suggestion.didYouMean(name, among: names)); its tables: \(names.joined(separator: ", "))"
            }
        }
    }
}
