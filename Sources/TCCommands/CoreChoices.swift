import ArgumentParser
import TeleClaudeMigration

// The core's own policy enums are the options' values: one list of cases, spelled once,
// shown in --help and the man pages from `CaseIterable`.
extension LoadOptions.IfExists: ExpressibleByArgument {}
extension LoadOptions.OnError: ExpressibleByArgument {}
extension LoadOptions.OnConflict: ExpressibleByArgument {}
extension LoadOptions.Verify: ExpressibleByArgument {}
extension LoadOptions.ToastCompression: ExpressibleByArgument {}
extension LoadOptions.Progress: ExpressibleByArgument {}
extension Compression: ExpressibleByArgument {}

extension CaseIterable where Self: ExpressibleByArgument & RawRepresentable, RawValue == String {
    /// `fail|merge|replace|append`: the value placeholder --help shows, from the same cases
    /// (the default placeholder repeats the option's name: `--if-exists <if-exists>`).
    static var choices: String { allCases.map(\.rawValue).joined(separator: "|") }
}
