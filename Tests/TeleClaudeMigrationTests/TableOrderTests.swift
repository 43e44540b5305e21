import Foundation
import Testing
@testable import TeleClaudeMigration

/// A target's foreign keys need not follow the archive's table order: hook_outbox comes
/// before sessions in the archive, and a stricter target makes hook_outbox reference
/// sessions. Its rows wait in their staging table until sessions is in, then are checked
/// (an orphan named, or rejected) and moved in.
@Suite("A parent the archive holds after its child", .timeLimit(.minutes(5)))
struct TableOrderTests {
    static let reference = "ALTER TABLE hook_outbox ADD FOREIGN KEY (session_id) REFERENCES sessions (session_id)"

    func options(_ archive: String, _ schema: TestServer.Schema, onError: LoadOptions.OnError = .rollback) -> LoadOptions {
        var options = LoadOptions(archive: .file(archive), databaseURL: schema.url, schema: schema.name, ownerPerson: "Maurice Faber")
        options.onError = onError
        if onError == .reject { options.rejectsPath = archive + ".rejects.ndjson" }
        return options
    }

    @Test("the child's rows wait for the parent, then go in, each read back; plan says it waits")
    func childWaitsForParent() throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder)
        let schema = try TestServer.Schema(Self.reference)
        let plan = try Planner(options: options(archive, schema), console: MessageLog().console).plan()
        #expect(plan.tables.first { $0.table == "hook_outbox" }?.waitsFor == ["sessions"])
        #expect(plan.render().contains("waits for sessions, which the archive holds later"))
        let report = try Loader(options: options(archive, schema), console: MessageLog().console).run()
        let outbox = try #require(report.tables.first { $0.name == "hook_outbox" })
        #expect(report.committed && outbox.loaded == outbox.rows && outbox.verified == outbox.rows, "\(outbox)")
        #expect(try schema.counts()["hook_outbox"] == Int(outbox.rows))
    }

    @Test("an orphan among the waiting rows is named (nothing committed), or rejected whole under --on-error reject")
    func orphanAmongWaitingRows() throws {
        let folder = try TemporaryFolder()
        let archive = try PostgresLoadTests.sampleArchive(folder, edit: "UPDATE hook_outbox SET session_id = 'no-such-session' WHERE rowid = 1")
        let schema = try TestServer.Schema(Self.reference)
        #expect {
            _ = try Loader(options: options(archive, schema), console: MessageLog().console).run()
        } throws: { error in
            "\(error)".contains("hook_outbox row 1") && "\(error)".contains("orphan") && "\(error)".contains("nothing was changed")
        }
        #expect(try schema.counts().values.allSatisfy { $0 == 0 })
        let report = try Loader(options: options(archive, schema, onError: .reject), console: MessageLog().console).run()
        let outbox = try #require(report.tables.first { $0.name == "hook_outbox" })
        #expect(report.committed && outbox.rejected == 1 && outbox.loaded == outbox.rows - 1, "\(outbox)")
        #expect(try String(contentsOfFile: archive + ".rejects.ndjson", encoding: .utf8).contains("\"table\":\"hook_outbox\""))
    }
}
