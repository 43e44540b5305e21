import ArgumentParser
import Foundation
import TCSamples

@main
struct TCSample: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tc-sample",
        abstract: "Write a sample single-user TeleClaude installation (for tests, demos and benchmarks).",
        discussion: """
        Examples:
          tc-sample bundled /tmp/sample            # the small realistic installation in samples/single-user
          tc-sample synthetic --scale 1 /tmp/big   # about 1 GB of SQLite, 2.3 million rows
        """,
        subcommands: [Bundled.self, Synthetic.self])

    struct Bundled: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The small realistic installation with every value shape.")
        @Argument(help: "Folder to write (project/ and home/ inside).") var folder: String
        func run() throws { try BundledSample.write(to: folder) }
    }

    struct Synthetic: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A generated installation of any size.")
        @Option(help: "Size: 1.0 is about 1 GB of SQLite and 2.3 million rows; 0.001 is a few thousand rows.") var scale: Double = 0.01
        @Option(help: "Random seed; the same seed gives the same rows.") var seed: UInt64 = 42
        @Option(help: ArgumentHelp("What the rows look like: sample (many small rows) or json-heavy (nested JSON of 1-8 KB in hook_outbox.payload and memory_observations.facts; its target is samples/target-schema.sql, then samples/target-schema-json-heavy.sql).", valueName: "sample|json-heavy"))
        var shape: SyntheticInstallation.Shape = .sample
        @Argument(help: "Folder to write (project/ and home/ inside).") var folder: String
        func run() throws {
            let started = Date()
            try SyntheticInstallation(scale: scale, seed: seed, shape: shape).write(to: folder) { FileHandle.standardError.write(Data(("  " + $0 + "\n").utf8)) }
            FileHandle.standardError.write(Data(String(format: "wrote %@ in %.1f s\n", folder, Date().timeIntervalSince(started)).utf8))
        }
    }
}

extension SyntheticInstallation.Shape: ExpressibleByArgument {}
