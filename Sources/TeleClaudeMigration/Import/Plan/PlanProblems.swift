/// The reasons a load would stop before BEGIN, by kind, and the verdict `plan` and `load`
/// print from them: counted by kind, with the flags that fix the common case.
extension LoadPlan {
    /// One reason the load would stop before BEGIN, by kind (so the verdict can count them
    /// and name the flag that fixes the common case).
    public struct Problem: Sendable, Codable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable, Codable {
            case missingTable = "missing_table"
            case unmatchedColumn = "unmatched_column"
            case generatedTarget = "generated_target"
            case notNullWithoutSource = "not_null_without_source"
            case ownershipColumns = "ownership_columns"
            case option
            case schemaMissing = "schema_missing"
            case owner
            case destination
            case mergeWithoutKey = "merge_without_key"
            case occupied
            case replaceReference = "replace_reference"
            case ddl
            case privilege
        }

        public var kind: Kind
        public var table: String?
        public var message: String

        public init(_ kind: Kind, table: String? = nil, _ message: String) {
            self.kind = kind
            self.table = table
            self.message = message
        }

        public var description: String { table.map { "\($0): \(message)" } ?? message }
    }

    /// The verdict: problems counted by kind, and the flags that fix the common case.
    public var verdictLines: [String] {
        let all = allProblems
        guard !all.isEmpty else { return ["verdict: the archive can be loaded"] }
        var counts: [(Problem.Kind, Int)] = []
        for problem in all {
            if let index = counts.firstIndex(where: { $0.0 == problem.kind }) { counts[index].1 += 1 } else { counts.append((problem.kind, 1)) }
        }
        let named = counts.map { kind, count in "\(count) \(Self.noun(kind, count))" }.joined(separator: ", ")
        var lines = ["verdict: \(all.count) problem(s) (\(named)); load would stop before BEGIN"]
        var flags: [String] = []
        if counts.contains(where: { $0.0 == .missingTable }) { flags.append("--create-missing-tables") }
        if counts.contains(where: { $0.0 == .ownershipColumns }) || (counts.contains { $0.0 == .missingTable } && all.contains { $0.table == OwnershipColumns.table }) {
            flags.append("--add-ownership-columns")
        }
        if counts.contains(where: { $0.0 == .owner }) { flags.append("--owner-person NAME") }
        if counts.contains(where: { $0.0 == .occupied }) { flags.append("--if-exists append|merge|replace (which one: the message above)") }
        if !flags.isEmpty {
            let empty = tables.allSatisfy { !$0.targetFound && !$0.created }
            lines.append((empty ? "the schema \(schema) holds none of the archive's tables; " : "") + "the flags that fix the common case: \(flags.joined(separator: " ")) (each acts inside the load's transaction)"
                         + (empty ? ", or create the schema first (the system installer does)" : ""))
        }
        return lines
    }

    static func noun(_ kind: Problem.Kind, _ count: Int) -> String {
        let s = count == 1 ? "" : "s"
        switch kind {
        case .missingTable: return "missing table\(s)"
        case .unmatchedColumn: return "archive column\(s) without a target column"
        case .generatedTarget: return "generated target column\(s)"
        case .notNullWithoutSource: return "NOT NULL column\(s) without a value"
        case .ownershipColumns: return "missing ownership columns"
        case .option: return "option\(s) naming nothing"
        case .schemaMissing: return "missing schema"
        case .owner: return "owner problem\(s)"
        case .destination: return "destination\(s) that cannot be written"
        case .mergeWithoutKey: return "table\(s) without a key for merge"
        case .occupied: return "table\(s) already holding rows"
        case .replaceReference: return "reference\(s) replace would cascade into"
        case .ddl: return "CREATE TABLE\(s) PostgreSQL refuses"
        case .privilege: return "missing privilege\(s) (or a read-only connection)"
        }
    }

    /// The plan's problems for a message: owner problems first (one line that is easy to
    /// miss among many), each message said once with every table it names (sixteen occupied
    /// tables are one line, not sixteen), and the verdict's fix.
    public var failureLines: [String] {
        Self.grouped(allProblems, schema: schema) + verdictLines.dropFirst()
    }

    /// Problems as lines: owner problems first, then the rest in order; problems of one kind
    /// with the same message on several tables (missing tables: of one kind) in one line
    /// that names them all.
    static func grouped(_ problems: [Problem], schema: String) -> [String] {
        var lines: [String] = []
        var said = Set<Int>()
        let ordered = problems.filter { $0.kind == .owner } + problems.filter { $0.kind != .owner }
        for (index, problem) in ordered.enumerated() where !said.contains(index) {
            let same = ordered.indices.filter { other in
                !said.contains(other) && ordered[other].kind == problem.kind && ordered[other].table != nil
                    && (problem.kind == .missingTable || ordered[other].message == problem.message)
            }
            guard problem.table != nil, same.count > 1 else {
                said.insert(index)
                lines.append(problem.description)
                continue
            }
            said.formUnion(same)
            let tables = same.compactMap { ordered[$0].table }
            lines.append(problem.kind == .missingTable
                ? "no table in schema \(schema) for \(tables.count) archive tables: \(tables.joined(separator: ", "))"
                : "\(tables.count) tables (\(tables.joined(separator: ", "))): \(problem.message)")
        }
        return lines
    }
}
