import Foundation

/// Who owns the installed files: the system config and secrets belong to the service user
/// the daemon runs as (so it can read secrets.yml, 0600), the per-user layer to the
/// migrating user. Decided once, before anything is written.
public struct InstallOwners: Sendable, Equatable {
    public struct Account: Sendable, Equatable {
        public var name: String
        public var uid: uid_t
        public var gid: gid_t
    }

    /// The service user: owner of config.yml (0640) and secrets.yml (0600).
    public var service: Account
    /// Whether files may be given to another user (only root may chown).
    public var canChangeOwner: Bool

    public enum Failure: Error, CustomStringConvertible, Equatable {
        case noSuchUser(String)
        case needsRoot(service: String, current: String)

        public var description: String {
            switch self {
            case .noSuchUser(let name):
                return "--service-user \(name): there is no such user on this host (create it first, as the system installer does)"
            case .needsRoot(let service, let current):
                return "the configuration must belong to the service user \(service), and only root can give files to another user; run tc-import as root or as \(service), or pass --service-user \(current)"
            }
        }
    }

    public static let defaultServiceUser = "teleclaude"

    /// `--service-user NAME`, else `teleclaude` when that user exists, else the current user.
    public static func resolve(serviceUser: String?) throws(Failure) -> InstallOwners {
        if let name = serviceUser {
            guard let found = lookup(name) else { throw .noSuchUser(name) }
            return InstallOwners(service: found, canChangeOwner: geteuid() == 0)
        }
        return lookup(defaultServiceUser).map { InstallOwners(service: $0, canChangeOwner: geteuid() == 0) } ?? .currentUser
    }

    /// Checked before anything is written (and before BEGIN): the files can be given to
    /// the service user.
    func requireCanOwn() throws(Failure) {
        guard canChangeOwner || service.uid == geteuid() else {
            throw .needsRoot(service: service.name, current: CurrentUser.lookup().name)
        }
    }

    /// The running user, who can own what it writes without root.
    public static var currentUser: InstallOwners {
        let current = CurrentUser.lookup()
        return InstallOwners(service: Account(name: current.name, uid: getuid(), gid: getgid()), canChangeOwner: geteuid() == 0)
    }

    static func lookup(_ name: String) -> Account? {
        guard !name.isEmpty, let entry = getpwnam(name) else { return nil }
        return Account(name: name, uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid)
    }

    /// The migrating user on this host: the account of that name, else the exporting uid.
    static func migratingUser(name: String, exportedUID: Int) -> Account {
        lookup(name) ?? Account(name: name, uid: uid_t(exportedUID), gid: gid_t(exportedUID))
    }
}
