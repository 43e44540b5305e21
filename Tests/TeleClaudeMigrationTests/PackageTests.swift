import Foundation
import Testing

/// The release files (`scripts/package`, which scripts/test runs into `.build/dist`) on bare
/// Debian systems: `scripts/package-check` unpacks the tarball as the README says into a
/// `debootstrap --variant=minbase` root (no Swift, libpq or libarchive) and exports, verifies,
/// inspects and plans there; loads from a root with only libpq5 and what it pulls in, into the
/// test cluster over TCP; installs the .deb with dpkg -i in both; and compares the archive the
/// bare system wrote with the source build's. It needs root (debootstrap, chroot, mounts) and
/// the files: skipped without them, except under scripts/test, where it fails saying what is missing.
@Suite("release files on bare Debian systems")
struct PackageTests {
    static var dist: String? { ProcessInfo.processInfo.environment["TC_PACKAGE_DIST"] }
    static var canRun: Bool {
        geteuid() == 0 && dist != nil && InteropTool.onPath("debootstrap") && InteropTool.onPath("unshare")
    }

    @Test("the tarball and the .deb run on minbase Debian: export there, load from a libpq5-only root, the same bytes as the source build",
          .enabled(if: canRun || InteropTool.required, "needs root, debootstrap, unshare and TC_PACKAGE_DIST (scripts/test sets it)"))
    func bareSystems() throws {
        let url = try #require(ProcessInfo.processInfo.environment["TC_TEST_DATABASE_URL"], "needs the test cluster (scripts/test)")
        let dist = try #require(Self.dist, "TC_PACKAGE_DIST is not set: scripts/test runs scripts/package first")
        #expect(geteuid() == 0, "scripts/package-check makes Debian roots and chroots into them: run the tests as root (CI does)")
        let (status, text) = try runRepositoryScript("package-check", [dist, builtProducts, url])
        #expect(status == 0, "\(text.suffix(4000))")
        #expect(text.contains("wrote the same bytes"))
        #expect(text.contains("the libpq system (.deb, dpkg -i): install, export, verify, load: held"))
        #expect(text.contains("one file for both"), "tc-export and tc-import are one binary")
        #expect(!text.contains("libpq.so") && !text.contains("libarchive.so"), "ldd shows only the C and C++ runtimes")
    }
}
