/// Orders tables so that every table comes after the tables its foreign keys reference,
/// which is the order a loader needs. Ties are broken by name; a cycle (or a
/// self-reference) is broken by taking the first remaining table by name.
enum TableOrder {
    static func parentsFirst(_ tables: [TableSchema]) -> [TableSchema] {
        let byName = Dictionary(tables.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var remaining = Set(tables.map(\.name))
        var ordered: [TableSchema] = []
        func parents(of table: TableSchema) -> Set<String> {
            Set(table.foreignKeys.map(\.referencedTable).filter { $0 != table.name && byName[$0] != nil })
        }
        while !remaining.isEmpty {
            let ready = remaining.filter { parents(of: byName[$0]!).isDisjoint(with: remaining) }.sorted()
            let next = ready.first ?? remaining.sorted().first!
            ordered.append(byName[next]!)
            remaining.remove(next)
        }
        return ordered
    }
}
