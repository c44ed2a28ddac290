import Glibc
import SystemSupport

/// Whether a control connection's peer may call teamd's methods.
enum PeerAdmission: Hashable, Sendable {
    /// The peer is root.
    case root
    /// A peer on another host, on a ZeroMQ address bound with `allowRemote`: nobody can tell
    /// who it is (ZMTP's NULL mechanism authenticates nobody).
    case remote
    /// Not root (its uid when the kernel said it): every request is answered `PermissionDenied`.
    case refused(uid: UInt32?)

    /// The error a refused peer's requests get.
    var refusal: ControlRequestError? {
        if case .refused(let uid) = self { return .permissionDenied(uid: uid) }
        return nil
    }

    /// A UNIX socket peer: root or refused (SO_PEERCRED).
    static func unixPeer(_ descriptor: Int32) -> PeerAdmission {
        let uid = PeerCredentials.unixPeerUID(descriptor)
        return uid == 0 ? .root : .refused(uid: uid)
    }

    /// A TCP peer: the owner of its socket if it is on this host (NETLINK_SOCK_DIAG), else
    /// `remote` where allowed.
    static func tcpPeer(_ descriptor: Int32, allowRemote: Bool) -> PeerAdmission {
        guard let ends = PeerCredentials.tcpEnds(descriptor) else { return .refused(uid: nil) }
        if let uid = PeerCredentials.tcpPeerOwnerUID(ends) { return uid == 0 ? .root : .refused(uid: uid) }
        return allowRemote && !ends.peerIsLoopback ? .remote : .refused(uid: nil)
    }
}

/// Who is at the other end of a control connection: the kernel's word for it, never the peer's.
enum PeerCredentials {
    /// The uid of the process at the other end of a connected UNIX socket (SO_PEERCRED: the
    /// credentials it had when it connected); `nil` when the kernel does not say.
    static func unixPeerUID(_ descriptor: Int32) -> UInt32? {
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; } (Glibc's module shows it only
        // under _GNU_SOURCE).
        var credentials: (pid: Int32, uid: UInt32, gid: UInt32) = (0, 0, 0)
        var length = socklen_t(MemoryLayout.size(ofValue: credentials))
        guard getsockopt(descriptor, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0,
            Int(length) == MemoryLayout.size(ofValue: credentials)
        else { return nil }
        return credentials.uid
    }

    /// `NETLINK_SOCK_DIAG` (linux/netlink.h).
    static let netlinkSockDiag: Int32 = 4

    /// A connected TCP socket's two ends, and whether its peer is on a loopback address.
    struct TCPEnds {
        var local: SocketDiagnostics.Endpoint
        var peer: SocketDiagnostics.Endpoint

        var peerIsLoopback: Bool {
            peer.address.count == 4 ? peer.address[0] == 127 : peer.address == [UInt8](repeating: 0, count: 15) + [1]
        }
    }

    /// The local and peer address of a connected TCP socket, IPv4-mapped IPv6 addresses as IPv4.
    static func tcpEnds(_ descriptor: Int32) -> TCPEnds? {
        guard let local = endpoint(descriptor, peer: false), let peer = endpoint(descriptor, peer: true),
            local.address.count == peer.address.count
        else { return nil }
        return TCPEnds(local: local, peer: peer)
    }

    private static func endpoint(_ descriptor: Int32, peer: Bool) -> SocketDiagnostics.Endpoint? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                peer ? getpeername(descriptor, $0, &length) : getsockname(descriptor, $0, &length)
            }
        }
        guard result == 0 else { return nil }
        switch Int32(storage.ss_family) {
        case AF_INET:
            let address = withUnsafeBytes(of: storage) { $0.load(as: sockaddr_in.self) }
            return .init(address: withUnsafeBytes(of: address.sin_addr) { Array($0) },
                         port: UInt16(bigEndian: address.sin_port))
        case AF_INET6:
            let address = withUnsafeBytes(of: storage) { $0.load(as: sockaddr_in6.self) }
            var bytes = withUnsafeBytes(of: address.sin6_addr) { Array($0) }
            if bytes[0..<12] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] { bytes = Array(bytes[12...]) }
            return .init(address: bytes, port: UInt16(bigEndian: address.sin6_port))
        default:
            return nil
        }
    }

    /// The uid owning the socket at the other end of a TCP connection on this host, asked of
    /// the kernel with NETLINK_SOCK_DIAG; `nil` when there is no such local socket (a remote
    /// peer, or one that has gone) or the kernel does not answer.
    static func tcpPeerOwnerUID(_ ends: TCPEnds) -> UInt32? {
        let descriptor = socket(AF_NETLINK, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
                                Self.netlinkSockDiag)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        // The client's socket has the client's address as its own and ours as its peer's.
        let request = SocketDiagnostics.ownerRequest(local: ends.peer, remote: ends.local, sequence: 1)
        // struct sockaddr_nl { sa_family_t nl_family; unsigned short nl_pad; __u32 nl_pid; __u32 nl_groups; }
        // with pid 0: the kernel.
        var kernel = sockaddr_storage()
        kernel.ss_family = sa_family_t(AF_NETLINK)
        let sent = request.withUnsafeBytes { raw in
            withUnsafePointer(to: &kernel) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                    (try? retryingInterrupts { sendto(descriptor, raw.baseAddress, raw.count, 0, address, 12) }) ?? -1
                }
            }
        }
        guard sent == request.count else { return nil }
        // The kernel answers an exact lookup within sendto; wait a little all the same.
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, 100) == 1 else { return nil }
        var reply = [UInt8](repeating: 0, count: 8192)
        let count = reply.withUnsafeMutableBytes { raw in
            (try? retryingInterrupts { recv(descriptor, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT)) }) ?? -1
        }
        guard count > 0 else { return nil }
        guard case .owner(let uid)? = try? SocketDiagnostics.answer(Array(reply[..<count]), sequence: 1) else {
            return nil
        }
        return uid
    }
}
