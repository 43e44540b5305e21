import Foundation
import Testing
@testable import TeleClaudeMigration

/// `--if-exists merge` never passes over a row in silence: a key already there with the same
/// values is "already there"; with other values it is a conflict that `--on-conflict` fails
/// on (default), keeps or takes, and a kept conflict never leaves another archive table's
/// rows under a parent that is not theirs.
@Suite("Merge conflicts are never silent", .timeLimit(.minutes(5)))
struct MergeConflictTests {
    func load(_ archive: String, _ schema: TestServer.Schema, ifExists: LoadOptions.IfExists = .fail,
              onConflict: LoadOptions.OnConflict = .fail) throws -> Loader.Report {
        var options = LoadOptions(archive: .file(archive), databaseURL: schema.url, schema: schema.name, ifExists: ifExists,
                                  ownerPerson: "Maurice Faber")
        options.onConflict = onConflict
        return try Loader(options: options, console: MessageLog().console).run()
    }

    /// The first person's sample, loaded; and a second archive whose hook_outbox rows carry
    /// the same ids with other payloads (another installation's rows, numbered from 1 too).
    func loaded(_ folder: TemporaryFolder, _ schema: TestServer.Schema) throws -> (first: String, second: String) {
        let first = try PostgresLoadTests.sampleArchive(folder)
        _ = try load(first, schema)
        let other = try TemporaryFolder()
        let second = try PostgresLoadTests.sampleArchive(other, edit: "UPDATE hook_outbox SET payload = '{\"person\": \"bob\"}'")
        let copy = folder.file("second.tcar")
        try FileManager.default.copyItem(atPath: second, toPath: copy)
        return (first, copy)
    }

    @Test("the same archive merged again adds nothing and exits 0: every row already there")
    func sameArchiveAgain() throws {
        let folder = try TemporaryFolder()
        let schema = try TestServer.Schema()
        let (first, _) = try loaded(folder, schema)
        let before = try schema.counts()
        let report = try load(first, schema, ifExists: .merge)
        #expect(report.exitStatus == 0)
        #expect(report.tables.allSatisfy { $0.loaded == 0 && $0.conflicts == 0 && $0.skipped == $0.rows }, "\(report.tables)")
        #expect(try schema.counts() == before)
    }

    @Test("another installation's rows under the same keys: the default lists each (table, row, key, differing column; no value) and commits nothing")
    func conflictsFail() throws {
        let folder = try TemporaryFolder()
        let schema = try TestServer.Schema()
        let (_, second) = try loaded(folder, schema)
        let payloads = try schema.rows("SELECT id, payload::text FROM \(schema.name).hook_outbox ORDER BY id")
        #expect {
            _ = try load(second, schema, ifExists: .merge)
        } throws: { error in
            let text = "\(error)"
            return text.contains("hook_outbox row 1 (id=1) is in the target with other values in payload")
                && text.contains("--on-conflict keep-target") && !text.contains("bob") && text.contains("nothing was changed")
        }
        #expect(try schema.rows("SELECT id, payload::text FROM \(schema.name).hook_outbox ORDER BY id") == payloads)
    }

    @Test("--on-conflict keep-target keeps the first person's rows and counts the conflicts; take-archive gives the target the archive's values")
    func keepAndTake() throws {
        let folder = try TemporaryFolder()
        let schema = try TestServer.Schema()
        let (_, second) = try loaded(folder, schema)
        let kept = try load(second, schema, ifExists: .merge, onConflict: .keepTarget)
        let outbox = try #require(kept.tables.first { $0.name == "hook_outbox" })
        #expect(kept.exitStatus == 0 && outbox.conflicts == outbox.rows && outbox.updated == 0, "\(outbox)")
        #expect(try schema.value("SELECT count(*) FROM \(schema.name).hook_outbox WHERE payload ? 'person'") == "0")
        let taken = try load(second, schema, ifExists: .merge, onConflict: .takeArchive)
        let updated = try #require(taken.tables.first { $0.name == "hook_outbox" })
        #expect(updated.conflicts == updated.rows && updated.updated == updated.rows, "\(updated)")
        #expect(try schema.value("SELECT count(*) FROM \(schema.name).hook_outbox WHERE payload->>'person' = 'bob'") == String(updated.rows))
    }

    @Test("keep-target is refused where other archive tables reference the table: their rows would hang under a row that is not theirs")
    func keepTargetReferenced() throws {
        let folder = try TemporaryFolder()
        let schema = try TestServer.Schema()
        _ = try load(try PostgresLoadTests.sampleArchive(folder), schema)
        let other = try TemporaryFolder()
        let second = try PostgresLoadTests.sampleArchive(other, edit: "UPDATE conversation_links SET status = 'closed'")
        #expect {
            _ = try load(second, schema, ifExists: .merge, onConflict: .keepTarget)
        } throws: { error in
            "\(error)".contains("keeping the target's rows would link the archive's rows of conversation_link_members to rows that are not theirs")
        }
    }
}
