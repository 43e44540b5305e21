import Foundation

/// A TCP proxy on 127.0.0.1 in front of the test server, written here so the fault tests
/// need no outside tool: each connection is pumped both ways by two threads, until the test
/// freezes the proxy (the pumps stop reading: the peer's kernel still accepts bytes and
/// answers keepalives, and nothing comes back, as with a stopped process or a dead path)
/// or closes it.
final class FaultProxy: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let target: Int
    private let state = NSLock()
    private var frozen = false
    private var closed = false
    private var sockets: [Int32] = []

    /// `target`: the server's TCP port on 127.0.0.1.
    init(target: Int) throws {
        self.target = target
        let listening = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listening, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(listening, 16) == 0 else { throw ProxyError("cannot listen: \(String(cString: strerror(errno)))") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listening, $0, &length) } }
        listener = listening
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in accept() }
    }

    struct ProxyError: Error, CustomStringConvertible { let description: String; init(_ d: String) { description = d } }

    /// From now on nothing passes, either way.
    func freeze() { state.withLock { frozen = true } }

    /// What to do the first time the client sends bytes that hold a pattern (a statement's
    /// text): freeze the proxy before they pass (the server never gets them), run an action
    /// and only then pass them (the client is in that phase, whatever the action did to the
    /// server), or run an action on a thread of its own once they passed (the server is
    /// working on them).
    enum Trigger {
        case freezeBefore
        case before(@Sendable () -> Void)
        case after(@Sendable () -> Void)
    }

    private var trigger: (pattern: [UInt8], what: Trigger)?

    func when(clientSends pattern: String, _ what: Trigger) {
        state.withLock { trigger = (Array(pattern.utf8), what) }
    }

    /// The pending trigger, taken (it fires once), when `bytes` (with the end of the chunk
    /// before them, so a pattern cut in two is found) hold its pattern.
    private func fired(_ bytes: ArraySlice<UInt8>, after previous: [UInt8]) -> Trigger? {
        state.withLock {
            guard let pending = trigger else { return nil }
            let window = previous + bytes
            guard window.count >= pending.pattern.count,
                  (0...(window.count - pending.pattern.count)).contains(where: { window[$0..<($0 + pending.pattern.count)].elementsEqual(pending.pattern) })
            else { return nil }
            trigger = nil
            return pending.what
        }
    }

    /// Closes every connection and the listener.
    func close() {
        state.withLock {
            closed = true
            for socket in sockets { _ = shutdown(socket, Int32(SHUT_RDWR)); _ = Foundation.close(socket) }
            sockets = []
        }
        _ = shutdown(listener, Int32(SHUT_RDWR))
        _ = Foundation.close(listener)
    }

    private var isFrozen: Bool { state.withLock { frozen } }

    private func accept() {
        while true {
            let client = Foundation.accept(listener, nil, nil)
            guard client >= 0 else { return }
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(target).bigEndian
            let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard connected == 0, state.withLock({ closed ? false : { sockets += [client, server]; return true }() }) else {
                _ = Foundation.close(client); _ = Foundation.close(server)
                continue
            }
            Thread.detachNewThread { [self] in pump(from: client, to: server, watched: true) }
            Thread.detachNewThread { [self] in pump(from: server, to: client, watched: false) }
        }
    }

    private func pump(from source: Int32, to sink: Int32, watched: Bool) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var previous: [UInt8] = []
        while true {
            while isFrozen {
                if state.withLock({ closed }) { return }
                usleep(50_000)
            }
            let count = buffer.withUnsafeMutableBytes { recv(source, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { _ = shutdown(sink, Int32(SHUT_WR)); return }
            var after: (@Sendable () -> Void)?
            if watched {
                switch fired(buffer[..<count], after: previous) {
                case .freezeBefore: freeze()
                case .before(let action): action()
                case .after(let action): after = action
                case nil: break
                }
                previous = Array(buffer[max(0, count - 64)..<count])
            }
            // Bytes read just as the proxy froze are held, as a stopped process holds them.
            while isFrozen {
                if state.withLock({ closed }) { return }
                usleep(50_000)
            }
            var sent = 0
            while sent < count {
                let wrote = buffer.withUnsafeBytes { send(sink, $0.baseAddress! + sent, count - sent, Int32(MSG_NOSIGNAL)) }
                guard wrote > 0 else { return }
                sent += wrote
            }
            if let after { Thread.detachNewThread { after() } }
        }
    }
}
