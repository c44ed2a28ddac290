import Glibc
import SystemSupport

/// The socket calls both ZeroMQ ends share: addresses, listen, connect, non-blocking reads
/// and writes. Plain Glibc sockets; nothing here resolves names (see `ZeroMQEndpoint`).
enum ZeroMQSocket {
    /// A socket address for `endpoint`, ready for bind or connect; or the errno libzmq gives.
    struct Address {
        var storage = sockaddr_storage()
        var length: socklen_t = 0
        var family: Int32 = AF_UNSPEC

        /// 127.0.0.0/8 or ::1 (or ::ffff:127.x.y.z).
        var isLoopback: Bool {
            withUnsafeBytes(of: storage) { raw in
                switch family {
                case AF_INET: return raw.load(as: sockaddr_in.self).sin_addr.s_addr.bigEndian >> 24 == 127
                case AF_INET6:
                    let bytes = withUnsafeBytes(of: raw.load(as: sockaddr_in6.self).sin6_addr) { Array($0) }
                    if bytes[0..<12] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] { return bytes[12] == 127 }
                    return bytes == [UInt8](repeating: 0, count: 15) + [1]
                default: return false
                }
            }
        }

        func withSocketAddress<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
            withUnsafePointer(to: storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
            }
        }
    }

    static func address(_ endpoint: ZeroMQEndpoint) -> Result<Address, Errno> {
        var result = Address()
        switch endpoint {
        case .ipc(let path):
            // "@name": Linux's abstract namespace, a leading NUL and no terminating one.
            let address = path.hasPrefix("@") ? UnixSocketAddress(abstractName: path.utf8.dropFirst())
                : UnixSocketAddress(path: path)
            guard let address else { return .failure(.nameTooLong) }
            withUnsafeMutableBytes(of: &result.storage) { raw in
                withUnsafeBytes(of: address.storage) { raw.copyMemory(from: $0) }
            }
            result.length = address.length
            result.family = AF_UNIX
        case .tcp(let host, let port):
            let bytes: [UInt8]
            switch host {
            case .ipv4(let value): bytes = value
            case .ipv6(let value): bytes = value
            case .any: bytes = [0, 0, 0, 0]
            case .name("localhost"): bytes = [127, 0, 0, 1]
            case .name(let interface):
                switch interfaceIPv4Address(interface) {
                case .success(let value): bytes = value
                case .failure(let error): return .failure(error)
                }
            }
            if bytes.count == 16 {
                var address = sockaddr_in6()
                address.sin6_family = sa_family_t(AF_INET6)
                address.sin6_port = port.bigEndian
                withUnsafeMutableBytes(of: &address.sin6_addr) { $0.copyBytes(from: bytes) }
                withUnsafeMutableBytes(of: &result.storage) { raw in
                    withUnsafeBytes(of: address) { raw.copyMemory(from: $0) }
                }
                result.length = socklen_t(MemoryLayout<sockaddr_in6>.size)
                result.family = AF_INET6
            } else {
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = port.bigEndian
                withUnsafeMutableBytes(of: &address.sin_addr) { $0.copyBytes(from: bytes) }
                withUnsafeMutableBytes(of: &result.storage) { raw in
                    withUnsafeBytes(of: address) { raw.copyMemory(from: $0) }
                }
                result.length = socklen_t(MemoryLayout<sockaddr_in>.size)
                result.family = AF_INET
            }
        }
        return .success(result)
    }

    /// The IPv4 address of a network interface (SIOCGIFADDR, no name service), as libzmq
    /// binds `tcp://eth0:PORT`; ENODEV when there is no such interface or it has no IPv4
    /// address, libzmq's errno for a name it cannot use.
    static func interfaceIPv4Address(_ name: String) -> Result<[UInt8], Errno> {
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return .failure(Errno(errno)) }
        defer { Glibc.close(descriptor) }
        var request = ifreq()
        let bytes = Array(name.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: request.ifr_ifrn.ifrn_name) else { return .failure(Errno(ENODEV)) }
        withUnsafeMutableBytes(of: &request.ifr_ifrn.ifrn_name) { $0.copyBytes(from: bytes) }
        guard ioctl(descriptor, UInt(SIOCGIFADDR), &request) == 0 else { return .failure(Errno(ENODEV)) }
        let address = withUnsafeBytes(of: request.ifr_ifru.ifru_addr) { raw in
            raw.load(as: sockaddr_in.self)
        }
        return .success(withUnsafeBytes(of: address.sin_addr) { Array($0) })
    }

    /// A new non-blocking, close-on-exec stream socket.
    static func streamSocket(family: Int32) -> Result<Int32, Errno> {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let descriptor = socket(family, type, 0)
        guard descriptor >= 0 else { return .failure(Errno(errno)) }
        if family == AF_INET || family == AF_INET6 {
            // As libzmq: small control messages go out at once, not after a delayed ACK.
            var one: Int32 = 1
            _ = setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        return .success(descriptor)
    }

    /// A listening socket on `endpoint` (libzmq's backlog of 100, SO_REUSEADDR for TCP so
    /// that a restarted teamd can bind while old connections linger in TIME_WAIT).
    static func listen(_ endpoint: ZeroMQEndpoint) -> Result<Int32, Errno> {
        let address: Address
        switch Self.address(endpoint) {
        case .success(let value): address = value
        case .failure(let error): return .failure(error)
        }
        let descriptor: Int32
        switch streamSocket(family: address.family) {
        case .success(let value): descriptor = value
        case .failure(let error): return .failure(error)
        }
        var one: Int32 = 1
        if address.family != AF_UNIX {
            _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        if address.family == AF_INET6, case .tcp(.ipv6(let bytes), _) = endpoint, bytes.allSatisfy({ $0 == 0 }) {
            // [::] takes IPv4 too, whatever the system default.
            var zero: Int32 = 0
            _ = setsockopt(descriptor, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &zero, socklen_t(MemoryLayout<Int32>.size))
        }
        let bound = address.withSocketAddress { bind(descriptor, $0, $1) }
        guard bound == 0, Glibc.listen(descriptor, 100) == 0 else {
            let code = errno
            Glibc.close(descriptor)
            return .failure(Errno(code))
        }
        return .success(descriptor)
    }

    /// Connects a new socket to `address`, waiting until `deadline` at most; the connected
    /// (non-blocking) socket, or the errno (ETIMEDOUT when time ran out).
    static func connect(_ address: Address, deadline: ContinuousClock.Instant) -> Result<Int32, Errno> {
        let descriptor: Int32
        switch streamSocket(family: address.family) {
        case .success(let value): descriptor = value
        case .failure(let error): return .failure(error)
        }
        let result = address.withSocketAddress { Glibc.connect(descriptor, $0, $1) }
        if result == 0 { return .success(descriptor) }
        var code = errno
        // EAGAIN on a UNIX socket is a full backlog, not a connect in progress: a failure,
        // which the caller retries like any other.
        if code == EINPROGRESS || code == EINTR {
            if wait(descriptor, for: Int16(POLLOUT), until: deadline) {
                var error: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                _ = getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &length)
                if error == 0 { return .success(descriptor) }
                code = error
            } else {
                code = ETIMEDOUT
            }
        }
        Glibc.close(descriptor)
        return .failure(Errno(code))
    }

    /// Waits for `events` on `descriptor` until `deadline`; `false` when time ran out.
    static func wait(_ descriptor: Int32, for events: Int16, until deadline: ContinuousClock.Instant) -> Bool {
        (try? Poll.wait(descriptor, for: events, until: deadline)) ?? false
    }

    /// Reads what is there, at most `limit` bytes: the bytes (empty at end of stream), or the
    /// errno (EAGAIN when nothing is there).
    static func read(_ descriptor: Int32, limit: Int) -> Result<[UInt8], Errno> {
        var buffer = [UInt8](repeating: 0, count: limit)
        let received = buffer.withUnsafeMutableBytes { raw in
            Result { () throws(Errno) in try retryingInterrupts { recv(descriptor, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT)) } }
        }
        return received.map { count in
            buffer.removeSubrange(count...)
            return buffer
        }
    }

    /// Writes what the socket takes now, without blocking or SIGPIPE: the count, or the errno.
    static func write(_ descriptor: Int32, _ bytes: ArraySlice<UInt8>) -> Result<Int, Errno> {
        guard !bytes.isEmpty else { return .success(0) }
        let sent = bytes.withUnsafeBytes { raw in
            Result { () throws(Errno) in
                try retryingInterrupts { send(descriptor, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL)) }
            }
        }
        if case .failure(.wouldBlock) = sent { return .success(0) }
        return sent
    }

}
