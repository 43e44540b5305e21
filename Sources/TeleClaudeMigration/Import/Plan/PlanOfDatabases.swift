/// `plan` of an archive of several databases: one plan per database (each with its own
/// schema and catalog), shown and encoded as one.
extension LoadPlan {
    /// The database of this plan and the schema it loads into.
    public struct Target: Sendable, Encodable {
        public var name: String
        public var schema: String
        /// The schema does not exist yet; `--create-missing-tables` creates it.
        public var createsSchema: Bool

        enum CodingKeys: String, CodingKey {
            case name, schema
            case createsSchema = "creates_schema"
        }
    }

    /// The main database's plan with the others' tables, problems, renamed names and
    /// statements after it, each table named as messages name it (`events.notifications`).
    static func merged(_ plans: [LoadPlan]) -> LoadPlan {
        var merged = plans[0]
        merged.databases = plans.map { Target(name: $0.database, schema: $0.schema, createsSchema: $0.createsSchema) }
        for plan in plans.dropFirst() {
            func named(_ name: String) -> String { "\(plan.database).\(name)" }
            merged.tables += plan.tables.map { table in
                var table = table
                table.table = named(table.table)
                table.problems = table.problems.map { problem in
                    var problem = problem
                    problem.table = problem.table.map(named)
                    return problem
                }
                return table
            }
            merged.general += plan.general
            merged.renamed += plan.renamed
            merged.leftOut += plan.leftOut
            merged.createSQL += plan.createSQL
        }
        return merged
    }

    /// The first lines of `plan`: where each database goes.
    var targetLines: [String] {
        guard databases.count > 1 else { return ["target schema: \(schema)" + (createsSchema ? " (created by --create-missing-tables)" : "")] }
        return databases.map { "database \($0.name) → schema \($0.schema)" + ($0.createsSchema ? " (created by --create-missing-tables)" : "") }
    }
}
