import Foundation

/// One table's load, from its first row to its counters: the converters its plan chose,
/// the COPY (into the target, or into the staging table, as the plan's strategy says),
/// rejected rows, accepted changes, the spool of original lines a staged table's rejections
/// need, deferred indexes, and the read-back. Lives from `beginTable` to `endTable`.
struct TableLoad {
    let context: LoadContext
    /// The table with its target names, and its position in the manifest.
    let table: TableSchema
    let position: Int
    let plan: LoadPlan.TablePlan
    let target: TargetCatalog.Table
    let converters: [ValueConverter]
    /// Per mapped column, its position in the archive's rows.
    let sourceIndexes: [Int]
    /// Per mapped column: named with `--allow-change`.
    let allowedChanges: [Bool]
    /// Whether the COPY is in binary format.
    let binary: Bool
    /// The rows go into a staging table first (set once the plan's strategy is settled:
    /// `keysAfter` stages when its keys cannot be set aside).
    private(set) var staged: Bool
    /// `keysAfter`: the foreign keys dropped before the COPY, added back by `complete`.
    var setAsideKeys: SetAsideForeignKeys?
    /// The rows are sent (no earlier table had problems); else only converted and checked.
    let sending: Bool
    var copy: CopyIn?
    var buffer: [UInt8] = []
    /// Canonical lines of the table, when it loads through staging in reject mode.
    var spool: RowSpool?
    var contentCheck: ContentCheck?
    var deferredIndexes = DeferredIndexes()
    /// The COPY ended cleanly: what follows it (`complete`) has rows to move and check.
    var copyEnded = false
    /// Rows that cannot be loaded (rollback mode): the load fails listing them.
    var problems: [String] = []
    /// Every row of the table, read back and equal to the archive's (nil: not read back).
    private(set) var rowsReadBack: Int64?
    var rejected: Int64 = 0
    var skipped: Int64 = 0
    var conflicts: Int64 = 0
    var updated: Int64 = 0
    /// Append: the key of every row added (each key's columns as text), for the rollback steps.
    var addedKeys: [[String]] = []
    /// Append: this table's map of renumbered keys exists.
    var mapCreated = false
    var inserted: Int64 = 0
    /// Archive lines rejected before a direct COPY (so COPY's line N maps back to the archive's).
    var linesNotSent: [Int64] = []
    /// Changed values, by (mapped column, change).
    var changeCounts: [ChangeKey: Int64] = [:]
    struct ChangeKey: Hashable { var column: Int; var change: ValueChange }

    var connection: PostgresConnection { context.connection }
    var options: LoadOptions { context.options }
    var json: JSONHasher { context.json }
    var naming: RowNaming { context.naming }
    var rejects: RejectsFile? { context.rejects }
    var progress: LoadProgress { context.progress }

    /// Opens the table's COPY, unless `sending` is false (earlier problems: the rows are
    /// still converted, to list every problem, but nothing is sent).
    init(table: TableSchema, position: Int, plan: LoadPlan.TablePlan, target: TargetCatalog.Table, sending: Bool,
         context: LoadContext) throws {
        self.context = context
        self.table = table
        self.position = position
        self.plan = plan
        self.target = target
        self.sending = sending
        let options = context.options
        sourceIndexes = plan.columns.map(\.sourceIndex)
        allowedChanges = plan.columns.map { options.allowChange.contains("\(table.displayName).\($0.column)") }
        let converters = plan.columns.map { mapping in
            ValueConverter(type: target.column(mapping.column)!.targetType, naiveZone: options.naiveTimeZone)
        }
        self.converters = converters
        staged = plan.strategy != .direct
        // Binary COPY spares the server parsing every timestamp, number and escape; a
        // table with a column of another type (numeric, enums, arrays, ...) goes as text.
        binary = converters.allSatisfy(\.hasBinaryForm)
        buffer.reserveCapacity(1 << 20)
        if options.verify == .content && !plan.strategy.merges {
            let names = plan.columns.map(\.column)
            let key = table.primaryKey.compactMap { names.firstIndex(of: $0) }
            contentCheck = try ContentCheck(converters: converters, names: names,
                                            keyColumns: key.count == table.primaryKey.count && !key.isEmpty ? key : Array(names.indices))
            contentCheck?.naming = context.naming
        }
        guard sending else { return }
        if plan.strategy == .keysAfter {
            setAsideKeys = try SetAsideForeignKeys.drop(plan.stagingKeys, on: target, connection)
            staged = setAsideKeys == nil
        }
        // Merge keeps the rows a table holds (the daemon may be using it): its indexes stay.
        if !options.keepIndexes && !plan.strategy.merges && table.rows >= options.indexDeferralRows {
            deferredIndexes = try DeferredIndexes.drop(on: target, connection)
        }
        let columns = plan.columns.map { SQLIdentifier.quote($0.column) }.joined(separator: ", ")
        let format = binary ? " (FORMAT binary)" : ""
        if staged {
            try createStaging(columns: columns)
            copy = try connection.copyIn("COPY \(staging) (\(columns), \(Self.lineColumn)) FROM STDIN\(format)")
            if context.rejects != nil { spool = try RowSpool() }
        } else {
            copy = try connection.copyIn("COPY \(target.qualifiedName) (\(columns)) FROM STDIN\(format)")
        }
        if binary { BinaryCopy.appendHeader(to: &buffer) }
    }

    // MARK: - Rows

    mutating func row(_ row: RowValues, line: Int64) throws {
        let mark = buffer.count
        // Locals, so the loop borrows them instead of copying a struct (and retaining its
        // strings) for every value.
        let converters = self.converters
        let sources = sourceIndexes
        let binary = self.binary
        let check = contentCheck
        let json = self.json
        let allowed = allowedChanges
        let staged = self.staged
        let table = self.table
        let plan = self.plan
        var accepted: [ChangeKey] = []
        let failure: (column: Int, reason: String)? = row.withValues { values in
            if binary { BinaryCopy.appendFieldCount(sources.count + (staged ? 1 : 0), to: &buffer) }
            // Through an unsafe buffer, so each converter is used in place, not copied.
            return converters.withUnsafeBufferPointer { converters in
                for index in 0..<sources.count {
                    let converted: ValueConverter.Converted
                    do throws(ValueConverter.Failure) {
                        converted = try converters[index].convert(values[sources[index]], json: json)
                    } catch {
                        // A change, in a column where the user accepts it: the changed value.
                        guard let change = error.change else { return (index, error.reason) }
                        guard allowed[index], let changed = try? converters[index].convert(values[sources[index]], json: json, accept: true) else {
                            return (index, error.reason + "; --allow-change \(table.displayName).\(plan.columns[index].column) accepts it")
                        }
                        converted = changed
                        accepted.append(ChangeKey(column: index, change: change))
                    }
                    if binary {
                        converters[index].appendBinary(converted, to: &buffer)
                    } else {
                        if index > 0 { buffer.append(0x09) }
                        converters[index].appendText(converted, to: &buffer)
                    }
                    check?.setArchiveValue(converted, column: index)
                }
                return nil
            }
        }
        if let failure {
            buffer.removeSubrange(mark...)
            let values = row.values
            let mapping = plan.columns[failure.column]
            let reason = "column \(mapping.column) → \(mapping.targetType): \(failure.reason)"
            if let rejects {
                let original = Self.canonicalLine(values)
                try rejects.write(table: table, line: line, reason: reason, row: original)
                rejected += 1
                try spool?.append(original)  // keeps spool line numbers aligned
                if !staged { linesNotSent.append(line) }
            } else {
                problems.append("\(table.displayName) \(naming.row(line: line, key: Self.keyPairs(values, table: table))), \(reason); value: \(naming.value(values[mapping.sourceIndex]))")
            }
            return
        }
        for key in accepted { changeCounts[key, default: 0] += 1 }
        if staged {
            if binary {
                BinaryCopy.appendField(Int64(line), to: &buffer)
            } else {
                buffer.append(0x09)
                DecimalText.append(line, to: &buffer)
            }
        }
        if !binary { buffer.append(0x0A) }
        try contentCheck?.commitArchiveRow()
        if spool != nil { try spool?.append(Self.canonicalLine(row.values)) }
        if buffer.count >= 1 << 20 { try flush() }
    }

    mutating func flush() throws {
        guard let copy, problems.isEmpty else {
            buffer.removeAll(keepingCapacity: true)
            return
        }
        let full = buffer
        buffer = copy.spareBuffer()  // the sender owns the full one now; no copy, no fresh pages
        try copy.send(full)
    }

    /// Ends the COPY, moves staged rows in, builds deferred indexes and reads the table
    /// back; the counters for the report (`loaded` is counted again at the end).
    mutating func finish(rows: Int64) throws -> Loader.Report.Table {
        try endCopy()
        return try complete(rows: rows)
    }

    /// Ends the COPY (the rows are in the table, or in its staging table). A table whose
    /// parents the archive holds later stops here until they are loaded (`complete`).
    mutating func endCopy() throws {
        if binary { BinaryCopy.appendTrailer(to: &buffer) }
        try flush()
        guard let copy else { return }
        if problems.isEmpty {
            do {
                try copy.finish()
            } catch let error as PostgresError {
                throw refused(error, rows: refusedRow(error))
            }
            copyEnded = true
        } else {
            try copy.finish(abortMessage: "conversion problems; the load will be rolled back")
            if staged { _ = try? connection.execute("DROP TABLE IF EXISTS \(staging)") }
        }
        self.copy = nil
    }

    /// Moves the staged rows in, builds the deferred indexes and reads the table back.
    mutating func complete(rows: Int64) throws -> Loader.Report.Table {
        if copyEnded {
            do {
                // Named again: a table whose parents came later completes while another is current.
                if staged {
                    progress.enter("checks", table: table.displayName)
                    try moveStagedRows()
                } else if let keys = setAsideKeys {
                    progress.enter("checks", table: table.displayName)
                    try restore(keys)
                }
                if !deferredIndexes.dropped.isEmpty { progress.enter("indexes", table: table.displayName) }
                try deferredIndexes.build(connection)
            } catch let error as PostgresError {
                throw refused(error, rows: [naming.describe(error)])
            }
        }
        var verified: Int64 = 0
        if let check = contentCheck, sending, problems.isEmpty {
            progress.enter("read-back", table: table.displayName)
            try verifyContent(check)
            verified = check.targetRows
            rowsReadBack = verified
        }
        let changed = changeCounts.sorted { ($0.key.column, $0.key.change.rawValue) < ($1.key.column, $1.key.change.rawValue) }
            .map { Loader.Report.Change(column: plan.columns[$0.key.column].column, change: $0.key.change, count: $0.value) }
        return .init(name: table.name, rows: rows, loaded: inserted, rejected: rejected, verified: verified, skipped: skipped,
                     conflicts: conflicts, updated: updated, changed: changed)
    }

    /// Lets go of the connection (the COPY's sender thread first), after a failure.
    func abandon() { copy?.abandon() }

    // MARK: - The read-back

    /// Reads the table back inside the transaction and compares it with what the archive held.
    func verifyContent(_ check: ContentCheck) throws {
        let columns = ContentCheck.readBackColumns(plan.columns.map(\.column), converters: converters)
        let readBack = "COPY (SELECT \(columns) FROM \(target.qualifiedName)) TO STDOUT (FORMAT binary)"
        try connection.copyOut(readBack) { check.addTargetMessage($0) }
        guard !check.matches else { return }
        // Name the rows: a second read of the rows in the differing buckets, against the
        // archive's rows there (from the check's spool file).
        var diagnosis = try check.diagnosis()
        try connection.copyOut(readBack) { diagnosis.addTargetMessage($0) }
        let differing = check.differingColumns
        var problems = diagnosis.unmatched.map { "\(table.displayName) row \($0) differs from the archive" + (differing.isEmpty ? "" : " (column(s) \(differing.joined(separator: ", ")))") }
        if diagnosis.unmatchedCount > diagnosis.unmatched.count {
            problems.append("… and \(diagnosis.unmatchedCount - diagnosis.unmatched.count) more rows of \(table.displayName)")
        }
        if diagnosis.missingCount > 0 {
            problems.append("\(table.displayName): \(diagnosis.missingCount) archive row(s) have no equal row in the table")
        }
        problems.append("\(table.displayName): \(check.targetRows) rows read back for \(check.archiveRows) loaded; differing column(s): \(differing.isEmpty ? "(none; the row sets differ)" : differing.joined(separator: ", ")). A trigger, a rule or a column type that changes values on insert (char(n) padding, varchar truncation) can cause this; --verify counts skips this check.")
        throw Loader.Failure("reading \(table.displayName) back inside the transaction found values that differ from the archive",
                             problems: problems)
    }

    /// Takes a row rejected after staging back out of the read-back check.
    mutating func takeBackFromCheck(_ values: [SQLiteValue]) {
        guard let check = contentCheck else { return }
        for (index, mapping) in plan.columns.enumerated() {
            ValueRef.with(values[mapping.sourceIndex]) { ref in
                if let converted = try? converters[index].convert(ref, json: json, accept: allowedChanges[index]) {
                    check.setArchiveValue(converted, column: index)
                }
            }
        }
        check.takeBackArchiveRow()
    }

    // MARK: - Naming rows

    /// The server's refusal of a COPY, with the archive row it names (read again from the
    /// archive file for its key) and what changes the policy.
    /// The failure of a statement that moved this table's rows: the rows refused (`rows`
    /// names them), or the server failing, which names no row and offers no policy flag.
    func refused(_ error: PostgresError, rows: @autoclosure () -> [String]) -> Loader.Failure {
        guard error.isServerFault else { return Loader.Failure("PostgreSQL refused the rows of \(table.displayName)", problems: rows()) }
        return Loader.Failure("the server failed while the rows of \(table.displayName) went in (not a problem of the rows)",
                              hint: "see PostgreSQL's log; load again once the server is sound",
                              problems: [naming.describe(error)])
    }

    func refusedRow(_ error: PostgresError) -> [String] {
        guard let copied = error.copyLine else { return [naming.describe(error)] }
        // The staging table's rows are the archive's, in order; a direct COPY's are, less
        // the rows rejected before it.
        let line = staged ? copied : archiveLine(copied: copied)
        let values = (try? ArchiveReader(options.archive, keys: options.keys).readRow(table: position, line: line)) ?? nil
        let row = values.map { naming.row(line: line, key: Self.keyPairs($0, table: table)) } ?? "row \(line)"
        return ["\(table.displayName) \(row): \(naming.describe(error))",
                "--on-error reject sends each row the target's NOT NULL, CHECK and unique rules refuse to the rejects file, and loads the rest"]
    }

    /// The archive line of a direct COPY's row `copied` (the rows rejected before the COPY
    /// were not sent).
    func archiveLine(copied: Int64) -> Int64 {
        var line = copied
        for skipped in linesNotSent.sorted() where skipped <= line { line += 1 }
        return line
    }

    static func canonicalLine(_ values: [SQLiteValue]) -> [UInt8] {
        var encoder = RowEncoder(columnCount: values.count, capacity: 256)
        encoder.appendRow(values)
        return encoder.buffer
    }

    /// The row's primary key, as (column, value) pairs for `RowNaming`.
    static func keyPairs(_ values: [SQLiteValue], table: TableSchema) -> [(column: String, value: String)] {
        table.primaryKey.compactMap { name in
            table.columns.firstIndex(where: { $0.name == name }).map { (name, values[$0].description) }
        }
    }
}
