import Foundation

/// `mkstemp(3)` with a Swift path: creates `<prefix>XXXXXX` owner-only and returns the
/// open descriptor and the name it chose, or nil with `errno` set.
enum TemporaryFile {
    static func create(prefix: String) -> (fileDescriptor: Int32, path: String)? {
        var template = Array((prefix + "XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { return nil }
        return (fd, String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
}
