import Foundation
import Testing
@testable import TeleClaudeMigration

/// Every input the fuzzers kept (Tests/fuzz-corpus, grown by scripts/fuzz) is replayed on
/// each test run: none may crash, and the seeds that are valid must still be accepted.
@Suite("The fuzz corpus replays without a crash")
struct FuzzCorpusTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fuzz-corpus").path

    @Test(arguments: FuzzEntryPoints.Target.allCases)
    func replay(_ target: FuzzEntryPoints.Target) throws {
        let folder = Self.root + "/" + target.rawValue
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(files.count >= 4, "the \(target) corpus is missing")
        var accepted = 0
        for file in files {
            let bytes = try #require(contents(folder + "/" + file))
            if FuzzEntryPoints.run(target, bytes) { accepted += 1 }
        }
        #expect(accepted > 0 && accepted < files.count, "\(target): \(accepted) of \(files.count) accepted; the corpus should hold both")
    }

    @Test func theSeedsMeanWhatTheySay() throws {
        #expect(FuzzEntryPoints.run(.values, Array("[\"a\",1,{\"b\":\"AQID\"},null,1.5]".utf8)))
        #expect(!FuzzEntryPoints.run(.values, Array("[1,2,]".utf8)))
        #expect(!FuzzEntryPoints.run(.manifest, Array("{}".utf8)))
        #expect(FuzzEntryPoints.run(.env, Array("A=1\n".utf8)))
        #expect(!FuzzEntryPoints.run(.env, Array("9A=1\n".utf8)))
        // The archive seeds: each kind the targets must open, and the changes they must refuse.
        func seed(_ target: FuzzEntryPoints.Target, _ name: String) throws -> [UInt8] {
            try #require(contents(Self.root + "/\(target.rawValue)/seed-\(name)"))
        }
        for name in ["zstd", "gzip", "none", "encrypted", "signed", "signed-encrypted"] {
            #expect(FuzzEntryPoints.run(.verify, try seed(.verify, name)), "verify refuses the \(name) seed")
        }
        #expect(!FuzzEntryPoints.run(.verify, try seed(.verify, "encrypted-to-another")))
        #expect(!FuzzEntryPoints.run(.verify, try seed(.verify, "truncated")))
        #expect(FuzzEntryPoints.run(.signature, try seed(.signature, "signed")))
        #expect(!FuzzEntryPoints.run(.signature, try seed(.signature, "unsigned")), "the signature target requires one")
        #expect(!FuzzEntryPoints.run(.signature, try seed(.signature, "signed-changed")))
        #expect(FuzzEntryPoints.run(.age, try seed(.age, "encrypted")))
        #expect(!FuzzEntryPoints.run(.age, try seed(.age, "changed-chunk")))
    }
}
