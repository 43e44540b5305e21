import Foundation
import TCSamples
import Testing
@testable import TeleClaudeMigration

@Suite("The owner of ownerless sessions comes from people:", .timeLimit(.minutes(5)))
struct OwnerFromConfigTests {
    /// The sample exported by this user, whose people: entry for Maurice names `username`.
    func archive(_ folder: TemporaryFolder, username: String) throws -> String {
        try BundledSample.write(to: folder.file("s"))
        let db = folder.file("s/project/teleclaude.db")
        let connection = try makeDatabase(db, wal: false, ["DELETE FROM conversation_link_members WHERE link_id = 'link-0000'"])
        connection.close()
        let config = folder.file("s/project/config.yml")
        let text = try String(contentsOfFile: config, encoding: .utf8).replacingOccurrences(of: "username: maurice", with: "username: \(username)")
        try text.write(toFile: config, atomically: false, encoding: .utf8)
        try export(database: db, to: folder.file("a.tcar"))
        return folder.file("a.tcar")
    }

    @Test func thePeopleEntryOfTheExportingUserOwnsTheSessions() throws {
        let folder = try TemporaryFolder()
        let schema = try TestServer.Schema()
        let messages = MessageLog()
        let options = LoadOptions(archive: .file(try archive(folder, username: CurrentUser.lookup().name)), databaseURL: schema.url,
                                  schema: schema.name)
        let report = try Loader(options: options, console: messages.console).run()
        #expect(report.owner == "Maurice Faber")
        #expect(report.ownershipUpdated == 4)
        #expect(try schema.value("SELECT count(*) FROM \(schema.name).sessions WHERE owner_person = 'Maurice Faber' AND owner_uid = \(getuid())") == "4")
        #expect(messages.output.contains("the people: entry of config.yml whose username is \(CurrentUser.lookup().name)"))
    }

    @Test func withoutAnEntryTheFlagIsAskedForAndNothingChanges() throws {
        let folder = try TemporaryFolder()
        let schema = try TestServer.Schema()
        let options = LoadOptions(archive: .file(try archive(folder, username: "somebody-else")), databaseURL: schema.url, schema: schema.name)
        #expect {
            _ = try Loader(options: options, console: MessageLog().console).run()
        } throws: { error in
            "\(error)".contains("no people: entry with username \(CurrentUser.lookup().name)") && "\(error)".contains("--owner-person")
        }
        #expect(try schema.counts().values.allSatisfy { $0 == 0 })
    }
}
