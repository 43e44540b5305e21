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
            Thread.detachNewThread { [self] in pump(from: client, to: server) }
            Thread.detachNewThread { [self] in pump(from: server, to: client) }
        }
    }

    private func pump(from source: Int32, to sink: Int32) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            while isFrozen {
                if state.withLock({ closed }) { return }
                usleep(50_000)
            }
            let count = buffer.withUnsafeMutableBytes { recv(source, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { _ = shutdown(sink, Int32(SHUT_WR)); return }
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
        }
    }
}
