import Foundation
import Testing

/// The README's migration walk-through, every line as written, run by the people it names:
/// `scripts/walkthrough` creates the user and the service user in a private mount namespace
/// (the machine's /etc, /usr/local, /home and /var/tmp untouched), runs each line as its
/// step says with the default locations and a PostgreSQL reached as postgresql:///teleclaude,
/// checks owners and modes, runs the printed rollback and compares the user's installation
/// with how it was. It needs root (users, mounts): skipped without it, except under
/// scripts/test (as CI runs it), where it runs and fails saying what is missing.
@Suite("README walk-through as two Unix users")
struct WalkthroughTests {
    static var canRun: Bool { geteuid() == 0 && InteropTool.onPath("unshare") && InteropTool.onPath("runuser") }

    @Test("every line exits as the README says, as the user, the administrator and the service user; the rollback leaves the installation as it was",
          .enabled(if: canRun || InteropTool.required, "needs root, unshare and runuser (users and a private mount namespace)"))
    func walkthrough() throws {
        #expect(geteuid() == 0, "scripts/walkthrough creates users and mounts: run the tests as root (CI does)")
        let (status, text) = try runRepositoryScript("walkthrough", [builtProducts])
        #expect(status == 0, "\(text.suffix(4000))")
        #expect(text.contains("as teleclaude (exit 2)"), "the reject load ran as the service user")
        #expect(text.contains("the rollback left the installation as it was"))
    }
}
