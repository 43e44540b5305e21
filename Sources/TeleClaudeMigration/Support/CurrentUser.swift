import Foundation

/// The user running the process, as the password database names them.
struct CurrentUser {
    let name: String
    let uid: Int
    let home: String?

    static func lookup() -> CurrentUser {
        let uid = getuid()
        if let entry = getpwuid(uid) {
            return CurrentUser(name: entry.pointee.pw_name.map { String(cString: $0) } ?? String(uid), uid: Int(uid),
                               home: entry.pointee.pw_dir.map { String(cString: $0) })
        }
        return CurrentUser(name: ProcessInfo.processInfo.environment["USER"] ?? String(uid), uid: Int(uid), home: nil)
    }
}
