/// The tables and columns of the target PostgreSQL schema, as the loader needs them.
public struct TargetCatalog: Sendable {
    public struct Column: Sendable, Equatable {
        public var name: String
        /// `format_type()`, e.g. `timestamp with time zone`, `character varying(20)`.
        public var type: String
        /// The base type name (`timestamptz`, `varchar`, `int8`, `jsonb`, ...), used for conversion.
        public var baseType: String
        public var notNull: Bool
        public var hasDefault: Bool
        /// `a` ALWAYS, `d` BY DEFAULT, empty when not an identity column.
        public var identity: String
        public var generated: Bool
        /// The sequence behind a serial or identity column.
        public var sequence: String?
        /// `pg_attribute.atttypmod` (a domain's own when the column's type is a domain); -1: none.
        public var typmod: Int32 = -1

        /// The type as the converter needs it.
        public var targetType: TargetType { TargetType(baseType: baseType, typmod: typmod) }
    }

    /// A foreign key of a target table: `columns` reference `referencedColumns` of `referencedTable`.
    public struct ForeignKey: Sendable, Equatable {
        public var name: String
        public var columns: [String]
        public var referencedSchema: String
        public var referencedTable: String
        public var referencedColumns: [String]
        /// The key can be dropped and added again from its own definition, giving what was
        /// there (validated, declared on this table, not inherited, without a comment), and
        /// the role may reference the parent (`SetAsideForeignKeys`).
        public var canSetAside = false
    }

    /// A CHECK constraint, its expression as `pg_get_constraintdef` prints it inside CHECK (...).
    public struct Check: Sendable, Equatable {
        public var name: String
        public var expression: String
    }

    /// A primary key, UNIQUE constraint or unique index on plain columns (no expression, no WHERE).
    public struct Unique: Sendable, Equatable {
        public var name: String
        public var columns: [String]
    }

    public struct Table: Sendable {
        public var schema: String
        public var name: String
        public var columns: [Column]
        public var foreignKeys: [ForeignKey] = []
        public var checks: [Check] = []
        public var uniques: [Unique] = []
        /// The loading role owns the table (or is a member of the owning role).
        public var ownedByRole = false
        /// A plain table whose file has no pages, without triggers or rules: the rows a COPY
        /// puts in are exactly its lines, lying in the file in the COPY's order.
        public var rowsLieInCopyOrder = false
        /// A trigger of the table fired by INSERT runs at COMMIT (DEFERRABLE INITIALLY
        /// DEFERRED: a constraint trigger, or a foreign key's check on the table's own rows):
        /// rows put in leave events pending, and PostgreSQL refuses to ALTER a table with
        /// pending events. (A load only inserts before its keys come back.)
        public var hasDeferredTriggers = true

        /// Whether a row can break a rule of the table other than its foreign keys.
        public var hasRowConstraints: Bool { !checks.isEmpty || !uniques.isEmpty || columns.contains { $0.notNull } }

        public var qualifiedName: String { SQLIdentifier.quote(schema) + "." + SQLIdentifier.quote(name) }

        public func column(_ name: String) -> Column? { columns.first { $0.name == name } }
    }

    public var schema: String
    public var tables: [String: Table]

    /// Reads every table of `schema` (default: the connection's `current_schema()`).
    public static func read(_ connection: PostgresConnection, schema: String? = nil) throws -> TargetCatalog {
        let schemaName = try schema ?? connection.execute("SELECT current_schema()").value(0, 0) ?? "public"
        let result = try connection.execute("""
            SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
                   CASE WHEN t.typtype = 'd' THEN bt.typname ELSE t.typname END,
                   a.attnotnull, a.atthasdef, a.attidentity, a.attgenerated <> '',
                   pg_get_serial_sequence(quote_ident(n.nspname) || '.' || quote_ident(c.relname), a.attname),
                   CASE WHEN t.typtype = 'd' AND a.atttypmod < 0 THEN t.typtypmod ELSE a.atttypmod END
            FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            JOIN pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
            WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
            ORDER BY c.relname, a.attnum
            """, [schemaName])
        var tables: [String: Table] = [:]
        for row in result.rows {
            guard let table = row[0], let column = row[1] else { continue }
            tables[table, default: Table(schema: schemaName, name: table, columns: [])].columns.append(Column(
                name: column, type: row[2] ?? "", baseType: row[3] ?? "", notNull: row[4] == "t", hasDefault: row[5] == "t",
                identity: row[6] ?? "", generated: row[7] == "t", sequence: row[8], typmod: row[9].flatMap { Int32($0) } ?? -1))
        }
        let keys = try connection.execute("""
            SELECT con.conname, c.relname, pn.nspname, p.relname,
                   \(Self.columnNames("con.conkey", of: "con.conrelid")),
                   \(Self.columnNames("con.confkey", of: "con.confrelid")),
                   con.convalidated AND con.conislocal AND con.coninhcount = 0 AND con.conparentid = 0
                   AND obj_description(con.oid, 'pg_constraint') IS NULL AND has_table_privilege(p.oid, 'REFERENCES')
            FROM pg_constraint con
            JOIN pg_class c ON c.oid = con.conrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_class p ON p.oid = con.confrelid
            JOIN pg_namespace pn ON pn.oid = p.relnamespace
            WHERE con.contype = 'f' AND n.nspname = $1
            ORDER BY c.relname, con.conname
            """, [schemaName])
        for row in keys.rows {
            guard let name = row[0], let table = row[1], tables[table] != nil else { continue }
            tables[table]!.foreignKeys.append(ForeignKey(
                name: name, columns: Self.names(row[4]), referencedSchema: row[2] ?? schemaName, referencedTable: row[3] ?? "",
                referencedColumns: Self.names(row[5]), canSetAside: row[6] == "t"))
        }
        let owners = try connection.execute("""
            SELECT c.relname, pg_has_role(c.relowner, 'USAGE'),
                   c.relkind = 'r' AND pg_relation_size(c.oid) = 0 AND NOT c.relhasrules
                   AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal),
                   EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgdeferrable AND t.tginitdeferred
                                 AND (t.tgtype & 4) <> 0)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
            """, [schemaName])
        for row in owners.rows {
            guard let table = row[0], tables[table] != nil else { continue }
            tables[table]!.ownedByRole = row[1] == "t"
            tables[table]!.rowsLieInCopyOrder = row[2] == "t"
            tables[table]!.hasDeferredTriggers = row[3] == "t"
        }
        let constraints = try connection.execute("""
            SELECT c.relname, con.conname, con.contype, pg_get_constraintdef(con.oid)
            FROM pg_constraint con
            JOIN pg_class c ON c.oid = con.conrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE con.contype = 'c' AND n.nspname = $1
            ORDER BY c.relname, con.conname
            """, [schemaName])
        for row in constraints.rows {
            guard let table = row[0], let name = row[1], let definition = row[3], tables[table] != nil else { continue }
            // `CHECK ((v > 0))` or `CHECK ((v > 0)) NOT VALID`: the part inside CHECK (...).
            var expression = definition.hasPrefix("CHECK ") ? String(definition.dropFirst(6)) : definition
            if expression.hasSuffix(" NOT VALID") { expression = String(expression.dropLast(10)) }
            tables[table]!.checks.append(Check(name: name, expression: expression))
        }
        let uniques = try connection.execute("""
            SELECT c.relname, COALESCE(con.conname, i.relname),
                   \(Self.columnNames("x.indkey", of: "x.indrelid"))
            FROM pg_index x
            JOIN pg_class c ON c.oid = x.indrelid
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_constraint con ON con.conindid = x.indexrelid AND con.contype IN ('p', 'u')
            WHERE x.indisunique AND x.indpred IS NULL AND x.indexprs IS NULL AND n.nspname = $1
            ORDER BY c.relname, 2
            """, [schemaName])
        for row in uniques.rows {
            guard let table = row[0], let name = row[1], tables[table] != nil else { continue }
            tables[table]!.uniques.append(Unique(name: name, columns: Self.names(row[2])))
        }
        return TargetCatalog(schema: schemaName, tables: tables)
    }

    /// SQL for the names of the columns whose numbers are in the array `numbers` (a
    /// constraint's `conkey`, an index's `indkey`) of `relation`, in the array's order,
    /// joined by the unit separator (a byte no identifier the catalog reports holds).
    private static func columnNames(_ numbers: String, of relation: String) -> String {
        """
        array_to_string(ARRAY(SELECT a.attname FROM unnest(\(numbers)) WITH ORDINALITY k(n, i)
            JOIN pg_attribute a ON a.attrelid = \(relation) AND a.attnum = k.n ORDER BY k.i), chr(31))
        """
    }

    /// The names `columnNames` joined.
    private static func names(_ joined: String?) -> [String] {
        (joined ?? "").split(separator: Character(Unicode.Scalar(31))).map(String.init)
    }
}
