/// The one NETLINK_SOCK_DIAG query teamd makes (linux/sock_diag.h, linux/inet_diag.h): which
/// user owns the TCP socket at the other end of a loopback connection, so that ZeroMQ over
/// `tcp://127.0.0.1` can require root as the UNIX socket does. Pure bytes here; the socket is in
/// `PeerCredentials`.
///
/// The request is `SOCK_DIAG_BY_FAMILY` with `NLM_F_REQUEST` only (an exact lookup, not a dump):
/// a `struct nlmsghdr` and a `struct inet_diag_req_v2` naming the socket by its own local and
/// remote address and port. The answer is one `struct inet_diag_msg`, whose `idiag_uid` is the
/// owner, or an `NLMSG_ERROR` (ENOENT: no such socket on this host).
public enum SocketDiagnostics {
    /// `SOCK_DIAG_BY_FAMILY`
    static let sockDiagByFamily: UInt16 = 20
    /// `NLMSG_ERROR`
    static let errorType: UInt16 = 2
    /// `NLM_F_REQUEST`
    static let requestFlag: UInt16 = 1
    /// `IPPROTO_TCP`
    static let tcp: UInt8 = 6
    /// `sizeof(struct nlmsghdr)`, `sizeof(struct inet_diag_req_v2)`, `sizeof(struct inet_diag_msg)`.
    static let headerLength = 16, requestLength = 56, messageLength = 72
    /// Where `idiag_uid` lies in `struct inet_diag_msg`: after family, state, timer, retrans
    /// (4 bytes), the 48-byte `inet_diag_sockid`, expires, rqueue and wqueue (12 bytes).
    static let uidOffset = 64

    /// A TCP endpoint: an address of 4 (AF_INET) or 16 (AF_INET6) bytes, network order, and a port.
    public struct Endpoint: Hashable, Sendable {
        public var address: [UInt8]
        public var port: UInt16
        public init(address: [UInt8], port: UInt16) {
            self.address = address
            self.port = port
        }
    }

    /// The request for the TCP socket whose own address is `local` and whose peer is `remote`
    /// (for the client of a connection teamd accepted: local = the client's address, remote =
    /// teamd's). Both must be of the same family.
    public static func ownerRequest(local: Endpoint, remote: Endpoint, sequence: UInt32) -> [UInt8] {
        let family: UInt8 = local.address.count == 16 ? 10 : 2  // AF_INET6 : AF_INET
        var bytes: [UInt8] = []
        bytes.reserveCapacity(headerLength + requestLength)
        appendHost(&bytes, UInt32(headerLength + requestLength))
        appendHost(&bytes, sockDiagByFamily)
        appendHost(&bytes, requestFlag)
        appendHost(&bytes, sequence)
        appendHost(&bytes, UInt32(0))  // nlmsg_pid: the kernel
        bytes += [family, tcp, 0, 0]  // sdiag_family, sdiag_protocol, idiag_ext, pad
        appendHost(&bytes, UInt32.max)  // idiag_states: any state
        // inet_diag_sockid: sport, dport (network order), src[4], dst[4] (u32 words), if, cookie.
        bytes += [UInt8(local.port >> 8), UInt8(local.port & 0xFF), UInt8(remote.port >> 8), UInt8(remote.port & 0xFF)]
        bytes += padded(local.address) + padded(remote.address)
        appendHost(&bytes, UInt32(0))  // idiag_if
        appendHost(&bytes, UInt32.max)  // idiag_cookie: INET_DIAG_NOCOOKIE
        appendHost(&bytes, UInt32.max)
        return bytes
    }

    /// What the kernel answered to the request with `sequence`.
    public enum Answer: Hashable, Sendable {
        /// The socket exists; its owner's uid.
        case owner(uid: UInt32)
        /// NLMSG_ERROR with this errno (ENOENT: no such socket).
        case error(errno: Int32)
    }

    /// Why a reply could not be read.
    public enum ReplyError: Error, Hashable, Sendable {
        case truncated
        case unexpected(type: UInt16, sequence: UInt32)
    }

    /// Reads the first netlink message of `reply`.
    public static func answer(_ reply: [UInt8], sequence: UInt32) throws(ReplyError) -> Answer {
        guard reply.count >= headerLength, let length = Int(exactly: host32(reply, 0)), length >= headerLength,
            length <= reply.count
        else { throw .truncated }
        let type = host16(reply, 4)
        let replySequence = host32(reply, 8)
        guard replySequence == sequence else { throw .unexpected(type: type, sequence: replySequence) }
        switch type {
        case errorType:
            guard length >= headerLength + 4 else { throw .truncated }
            return .error(errno: -Int32(bitPattern: host32(reply, headerLength)))
        case sockDiagByFamily:
            guard length >= headerLength + messageLength else { throw .truncated }
            return .owner(uid: host32(reply, headerLength + uidOffset))
        default:
            throw .unexpected(type: type, sequence: replySequence)
        }
    }

    private static func padded(_ address: [UInt8]) -> [UInt8] {
        address + [UInt8](repeating: 0, count: 16 - min(address.count, 16))
    }

    // Netlink's header and the diag structures' own words are in host order; only the ports
    // and addresses are in network order.
    private static func appendHost(_ bytes: inout [UInt8], _ value: UInt32) {
        withUnsafeBytes(of: value) { bytes += $0 }
    }

    private static func appendHost(_ bytes: inout [UInt8], _ value: UInt16) {
        withUnsafeBytes(of: value) { bytes += $0 }
    }

    private static func host32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        var value: UInt32 = 0
        withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: bytes[offset..<(offset + 4)]) }
        return value
    }

    private static func host16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
        var value: UInt16 = 0
        withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: bytes[offset..<(offset + 2)]) }
        return value
    }
}
