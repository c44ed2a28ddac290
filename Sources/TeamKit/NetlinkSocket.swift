import Glibc
import NetlinkCodec
import SystemSupport

/// struct sockaddr_nl, declared here because Glibc's module does not export linux/netlink.h.
struct NetlinkSocketAddress {
    var family = UInt16(AF_NETLINK)
    var pad: UInt16 = 0
    var portID: UInt32 = 0
    var groups: UInt32 = 0
}

/// Socket option levels and names from linux/netlink.h and asm-generic/socket.h.
enum NetlinkSocketOption {
    /// SOL_NETLINK
    static let level: Int32 = 270
    /// NETLINK_ADD_MEMBERSHIP
    static let addMembership: Int32 = 1
    /// NETLINK_CAP_ACK: errors echo only the request's header.
    static let capAck: Int32 = 10
    /// NETLINK_EXT_ACK: errors carry the kernel's message and the attribute offset.
    static let extendedAck: Int32 = 11
    /// SO_RCVBUFFORCE: exceeds rmem_max; needs CAP_NET_ADMIN.
    static let receiveBufferForce: Int32 = 33
}

/// An AF_NETLINK socket. Every call retries EINTR; ENOBUFS on receive becomes
/// `NetlinkError(.overrun)`.
public final class NetlinkSocket: NetlinkTransport {
    /// The receive buffer we ask for. libteam asks 196608 bytes and still loses events at
    /// scale (hundreds of ports), so we ask for 4 MiB; the kernel doubles the number and
    /// caps it at rmem_max unless SO_RCVBUFFORCE is allowed (root).
    public static let defaultReceiveBufferSize: Int32 = 4 << 20

    public let pollDescriptor: Int32
    public private(set) var portID: UInt32 = 0
    public let netlinkProtocol: NetlinkProtocol

    public init(protocol netlinkProtocol: NetlinkProtocol,
                receiveBufferSize: Int32 = NetlinkSocket.defaultReceiveBufferSize) throws {
        self.netlinkProtocol = netlinkProtocol
        let fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), netlinkProtocol.rawValue)
        guard fd >= 0 else { throw NetlinkError(.system(errno: errno), operation: "socket(AF_NETLINK)") }
        pollDescriptor = fd
        do {
            try setBufferSize(receiveBufferSize)
            // Best effort: old kernels lack these, and everything works without them.
            _ = setOption(level: NetlinkSocketOption.level, name: NetlinkSocketOption.extendedAck, value: 1)
            _ = setOption(level: NetlinkSocketOption.level, name: NetlinkSocketOption.capAck, value: 1)
            var address = NetlinkSocketAddress()
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<NetlinkSocketAddress>.size))
                }
            }
            guard bound == 0 else { throw NetlinkError(.system(errno: errno), operation: "bind(AF_NETLINK)") }
            var length = socklen_t(MemoryLayout<NetlinkSocketAddress>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            guard named == 0 else { throw NetlinkError(.system(errno: errno), operation: "getsockname(AF_NETLINK)") }
            portID = address.portID
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(pollDescriptor) }

    private func setOption(level: Int32, name: Int32, value: Int32) -> Bool {
        var value = value
        return setsockopt(pollDescriptor, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0
    }

    private func setBufferSize(_ size: Int32) throws {
        // SO_RCVBUFFORCE when we may (root), else SO_RCVBUF capped by rmem_max.
        if setOption(level: SOL_SOCKET, name: NetlinkSocketOption.receiveBufferForce, value: size) { return }
        if !setOption(level: SOL_SOCKET, name: SO_RCVBUF, value: size) {
            throw NetlinkError(.system(errno: errno), operation: "setsockopt(SO_RCVBUF)")
        }
    }

    public func send(_ message: NetlinkMessage) throws {
        let bytes = message.encode()
        var kernel = NetlinkSocketAddress()
        do {
            _ = try retryingInterrupts {
                bytes.withUnsafeBytes { raw in
                    withUnsafePointer(to: &kernel) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            sendto(pollDescriptor, raw.baseAddress, raw.count, 0, $0,
                                   socklen_t(MemoryLayout<NetlinkSocketAddress>.size))
                        }
                    }
                }
            }
        } catch {
            throw NetlinkError(.system(errno: error.rawValue), operation: "sendto(AF_NETLINK)")
        }
    }

    /// Where datagrams are read: one read per datagram. 64 KiB holds anything the kernel sends
    /// on these sockets (dump parts are at most 32 KiB, events a page or so), as libmnl assumes.
    private var receiveBuffer = [UInt8](repeating: 0, count: 64 << 10)

    public func receive(timeout: Duration?) throws -> [NetlinkMessage] {
        // A zero timeout needs no poll(): the non-blocking read says "nothing" with EAGAIN.
        if timeout != .zero {
            guard try waitReadable(timeout: timeout) else { return [] }
        }
        // MSG_TRUNC: recv returns the datagram's real length, so a cut datagram is noticed.
        let count: Int
        do {
            count = try retryingInterrupts {
                receiveBuffer.withUnsafeMutableBytes {
                    recv(pollDescriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT | MSG_TRUNC))
                }
            }
        } catch {
            switch error {
            case .wouldBlock: return []
            case Errno(ENOBUFS): throw NetlinkError(.overrun, operation: "recv(AF_NETLINK)")
            default: throw NetlinkError(.system(errno: error.rawValue), operation: "recv(AF_NETLINK)")
            }
        }
        if count > receiveBuffer.count {
            throw NetlinkError(.system(errno: EMSGSIZE), operation: "recv(AF_NETLINK): \(count)-byte datagram")
        }
        return try NetlinkMessage.decodeAll(Array(receiveBuffer[0..<count]))
    }

    /// poll() for input; true when readable. Retries EINTR with the remaining time.
    private func waitReadable(timeout: Duration?) throws -> Bool {
        let clock = ContinuousClock()
        do {
            return try Poll.wait(pollDescriptor, for: Int16(POLLIN), until: timeout.map { clock.now.advanced(by: $0) })
        } catch {
            throw NetlinkError(.system(errno: error.rawValue), operation: "poll(AF_NETLINK)")
        }
    }

    public func joinGroup(_ group: UInt32) throws {
        guard setOption(level: NetlinkSocketOption.level, name: NetlinkSocketOption.addMembership,
                        value: Int32(bitPattern: group)) else {
            throw NetlinkError(.system(errno: errno), operation: "NETLINK_ADD_MEMBERSHIP \(group)")
        }
    }
}
