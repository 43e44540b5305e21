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
