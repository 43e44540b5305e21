import Foundation
import TeleClaudeMigration

// Built two ways:
//   swift build --product tc-fuzz                  a replayer: runs files or folders of inputs
//   scripts/fuzz TARGET SECONDS                    libFuzzer (-sanitize=fuzzer -DFUZZING)
// The target is chosen by TC_FUZZ_TARGET (values, manifest, env).

#if FUZZING
nonisolated(unsafe) private var selected: FuzzEntryPoints.Target?

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    if selected == nil {
        let name = ProcessInfo.processInfo.environment["TC_FUZZ_TARGET"] ?? ""
        guard let target = FuzzEntryPoints.Target(rawValue: name) else {
            fatalError("set TC_FUZZ_TARGET to one of: \(FuzzEntryPoints.Target.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        selected = target
    }
    FuzzEntryPoints.run(selected!, Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

// SwiftPM links an executable's entry point as `<module>_main`; hand it to libFuzzer's
// driver, which parses the libFuzzer flags and calls the function above.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("tc_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments, { data, size in fuzzOneInput(data, size) })
}
#else
@main
struct Replay {
    static func main() throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let name = arguments.first, let target = FuzzEntryPoints.Target(rawValue: name) else {
            FileHandle.standardError.write(Data("usage: tc-fuzz TARGET FILE-OR-FOLDER... (TARGET: values, manifest, env, tar, container, age, signature, checksums, summary, verify)\n".utf8))
            exit(64)
        }
        var inputs = 0
        var accepted = 0
        for path in arguments.dropFirst() {
            var isFolder: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
            let files = isFolder.boolValue
                ? try FileManager.default.contentsOfDirectory(atPath: path).sorted().map { path + "/" + $0 } : [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                inputs += 1
                if FuzzEntryPoints.run(target, Array(data)) { accepted += 1 }
            }
        }
        print("\(name): \(inputs) inputs replayed, \(accepted) accepted, \(inputs - accepted) refused, no crash")
    }
}
#endif
