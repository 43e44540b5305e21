import Foundation
import TCSamples
import Testing
@testable import TeleClaudeMigration

/// What a killed export leaves behind is removed by the next export to the same path, and
/// never the partial file of an export that is still writing.
@Suite("Partial archives of killed exports")
struct ExportOutputTests {
    @Test("a partial file no export holds is removed (and said); one a living export holds locked is left alone")
    func stalePartials() throws {
        let folder = try TemporaryFolder()
        try BundledSample.write(to: folder.file("s"))
        let stale = folder.file(".a.tcar.partial-AbC123")
        let living = folder.file(".a.tcar.partial-XyZ789")
        for path in [stale, living] {
            #expect(FileManager.default.createFile(atPath: path, contents: Data("unencrypted archive bytes".utf8), attributes: [.posixPermissions: 0o600]))
        }
        // A writer that is still alive holds its partial file locked.
        let held = open(living, O_RDONLY)
        defer { close(held) }
        #expect(flock(held, LOCK_EX | LOCK_NB) == 0)
        let result = try runTool("tc-export", ["--project-root", folder.file("s/project"), "--docs", folder.file("s/home/.teleclaude/docs"),
                                               "--events-db", folder.file("s/home/.teleclaude/events.db"), "-o", folder.file("a.tcar")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: stale), "the killed export's partial file is still there")
        #expect(result.stderr.contains("removed \(stale), the partial file of an earlier export"), "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: living), "a living export's partial file was removed")
        #expect(FileManager.default.fileExists(atPath: folder.file("a.tcar")))
    }

    @Test("tc-export -o - --json: a failure is the JSON failure object on standard error (standard output is the archive's), alone")
    func jsonFailureToStandardError() throws {
        let folder = try TemporaryFolder()
        let result = try runTool("tc-export", ["--db", folder.file("missing.db"), "--project-root", folder.path, "-o", "-", "--json"])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stderr.utf8)) as? [String: Any], "\(result.stderr)")
        #expect(object["ok"] as? Bool == false && object["verdict"] as? String == "failed" && object["exit_status"] as? Int == 1)
    }
}
