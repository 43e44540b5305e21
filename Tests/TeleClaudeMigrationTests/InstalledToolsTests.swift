import Foundation
import Testing

/// Where scripts/test installed the tools (TC_INSTALLED_PREFIX); nil when not given.
private var installedPrefix: String? {
    ProcessInfo.processInfo.environment["TC_INSTALLED_PREFIX"].flatMap { $0.isEmpty ? nil : $0 }
}

/// What `scripts/install` put under its prefix (scripts/test runs it into a throwaway one and
/// names it in TC_INSTALLED_PREFIX): the tools run, their man pages render without a
/// warning and document every subcommand, and the shell completions load.
@Suite("scripts/install: binaries, man pages and completions",
       .enabled(if: installedPrefix != nil || InteropTool.required, "TC_INSTALLED_PREFIX is not set (scripts/test installs into a throwaway prefix)"))
struct InstalledToolsTests {
    static var prefix: String? { installedPrefix }

    /// Where it was installed. The suite is skipped without a prefix, except under
    /// scripts/test (TC_REQUIRE_POSTGRES set), where a missing prefix fails it.
    func installed() throws -> String {
        guard let prefix = Self.prefix else {
            throw InstallCheck("TC_INSTALLED_PREFIX is not set: scripts/test runs scripts/install before the tests")
        }
        return prefix
    }

    struct InstallCheck: Error, CustomStringConvertible { let description: String; init(_ d: String) { description = d } }

    @Test("the installed tools run; man renders each page without a warning, with every subcommand and its options; bash, zsh and fish completions are there and bash loads its own")
    func installedTree() throws {
        let prefix = try installed()
        for tool in ["tc-export", "tc-import"] {
            let version = try runTool(prefix + "/bin/" + tool, ["--version"], direct: true)
            #expect(version.status == 0 && version.stdout.contains("archive format"), "\(tool): \(version.stdout)\(version.stderr)")

            let page = try runTool("man", ["-l", prefix + "/share/man/man1/\(tool).1"], environment: ["MANWIDTH": "100", "MANPAGER": "cat"], direct: true)
            #expect(page.status == 0 && page.stderr.isEmpty, "\(tool): \(page.stderr)")
            let expected = tool == "tc-import"
                ? ["verify", "inspect", "plan", "load", "install-files", "extract", "--database-url", "--on-error", "Exit status"]
                : ["--project-root", "--db", "--docs", "--json", "Exit status"]
            for word in expected { #expect(page.stdout.contains(word), "\(tool).1 lacks \(word)") }

            for path in ["share/bash-completion/completions/\(tool)", "share/zsh/site-functions/_\(tool)", "share/fish/vendor_completions.d/\(tool).fish"] {
                let size = (try? FileManager.default.attributesOfItem(atPath: prefix + "/" + path)[.size] as? Int) ?? 0
                #expect(size > 500, "\(path)")
            }
            let bash = try runTool("bash", ["-c", "source \"$1\" && complete -p \(tool)", "bash", prefix + "/share/bash-completion/completions/\(tool)"], direct: true)
            #expect(bash.status == 0 && bash.stdout.contains("-F _\(tool) \(tool)"), "\(bash.stdout)\(bash.stderr)")
        }
    }
}
