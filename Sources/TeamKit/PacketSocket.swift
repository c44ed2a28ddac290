import Glibc
import Packets
import SystemSupport

/// struct sockaddr_ll (linux/if_packet.h), which Glibc's module does not export.
struct LinkLayerSocketAddress {
    var family = UInt16(AF_PACKET)
    /// Network order.
    var protocolNumber: UInt16 = 0
    var interfaceIndex: Int32 = 0
    var hardwareType: UInt16 = 0
    var packetType: UInt8 = 0
    var addressLength: UInt8 = 0
    var address: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0)
}

/// struct packet_mreq (linux/if_packet.h).
struct PacketMembershipRequest {
    var interfaceIndex: Int32 = 0
    var type: UInt16 = 0
    var addressLength: UInt16 = 0
    var address: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0)
}

/// A link-layer port for a runner's frames (LACPDUs): send a frame, take the frames that came. The seam the
/// daemon uses; `PacketSocket` is the real one, tests give it frames of their own.
public protocol FramePort: AnyObject {
    /// Sends one whole frame (Ethernet header included).
    func send(_ frame: [UInt8]) throws(PacketSocketError)
    /// The next frame that arrived, or nil when none is waiting (never blocks).
    func receive() throws(PacketSocketError) -> [UInt8]?
    /// A descriptor that poll() reports readable when `receive` has something.
    var pollDescriptor: Int32 { get }
}

/// A failed packet-socket system call, with what was being done.
public struct PacketSocketError: Error, Equatable, CustomStringConvertible, Sendable {
    public var operation: String
    public var errno: Int32

    public init(_ operation: String, errno: Int32) {
        self.operation = operation
        self.errno = errno
    }

    public var description: String { "\(operation): \(String(cString: strerror(errno)))" }
}

/// An AF_PACKET / SOCK_RAW socket bound to one interface and one EtherType, as teamd opens per LACP port:
/// frames are read and written whole, from the Ethernet header on. Optionally a classic BPF filter runs in
/// the kernel (SO_ATTACH_FILTER) and a multicast address is joined on the interface
/// (PACKET_ADD_MEMBERSHIP with PACKET_MR_MULTICAST; the kernel drops the membership with the socket).
public final class PacketSocket: FramePort {
    public let pollDescriptor: Int32
    public let interfaceIndex: UInt32
    public let etherType: UInt16

    // linux/if_packet.h and asm-generic/socket.h, not all exported by Glibc's module.
    /// SOL_PACKET
    static let packetLevel: Int32 = 263
    /// PACKET_ADD_MEMBERSHIP
    static let addMembership: Int32 = 1
    /// PACKET_MR_MULTICAST
    static let multicastMembership: UInt16 = 0
    /// SO_ATTACH_FILTER
    static let attachFilter: Int32 = 26

    public init(interfaceIndex: UInt32, etherType: UInt16, filter: BPFProgram? = nil,
                multicast: EthernetAddress? = nil) throws(PacketSocketError) {
        self.interfaceIndex = interfaceIndex
        self.etherType = etherType
        // Protocol 0 until bound: no frame of another interface is queued before the filter and bind apply.
        let fd = socket(AF_PACKET, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw PacketSocketError("socket(AF_PACKET)", errno: Glibc.errno) }
        pollDescriptor = fd
        do throws(PacketSocketError) {
            if let filter { try Self.attach(filter, to: fd) }
            var address = LinkLayerSocketAddress(protocolNumber: etherType.bigEndian,
                                                 interfaceIndex: Int32(bitPattern: interfaceIndex))
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<LinkLayerSocketAddress>.size))
                }
            }
            guard bound == 0 else { throw PacketSocketError("bind(AF_PACKET, ifindex \(interfaceIndex))", errno: Glibc.errno) }
            if let multicast {
                var request = PacketMembershipRequest(interfaceIndex: Int32(bitPattern: interfaceIndex),
                                                      type: Self.multicastMembership,
                                                      addressLength: UInt16(multicast.bytes.count))
                withUnsafeMutableBytes(of: &request.address) { raw in
                    for (i, byte) in multicast.bytes.enumerated() { raw[i] = byte }
                }
                guard setsockopt(fd, Self.packetLevel, Self.addMembership, &request,
                                 socklen_t(MemoryLayout<PacketMembershipRequest>.size)) == 0 else {
                    throw PacketSocketError("PACKET_ADD_MEMBERSHIP \(multicast)", errno: Glibc.errno)
                }
            }
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(pollDescriptor) }

    /// struct sock_fprog { unsigned short len; struct sock_filter *filter; } with the instructions.
    static func attach(_ program: BPFProgram, to fd: Int32) throws(PacketSocketError) {
        var code: [UInt8] = []
        for instruction in program.instructions { code += instruction.encoded }
        let result = code.withUnsafeMutableBytes { raw -> Int32 in
            var fprog: (UInt16, UnsafeMutableRawPointer?) = (UInt16(program.instructions.count), raw.baseAddress)
            // A (UInt16, pointer) tuple has sock_fprog's layout: the pointer aligned after the length.
            return withUnsafeMutableBytes(of: &fprog) { f in
                setsockopt(fd, SOL_SOCKET, Self.attachFilter, f.baseAddress, socklen_t(f.count))
            }
        }
        guard result == 0 else { throw PacketSocketError("SO_ATTACH_FILTER", errno: Glibc.errno) }
    }

    public func send(_ frame: [UInt8]) throws(PacketSocketError) {
        // A socket bound to ETH_P_ALL (the ping watchers') sends each frame as the EtherType it carries
        // (ARP, IPv6, or 802.1Q for a tagged one), as the C teamd names it in sll_protocol.
        var protocolNumber = etherType
        if etherType == EtherType.all, frame.count >= 14 { protocolNumber = UInt16(frame[12]) << 8 | UInt16(frame[13]) }
        var address = LinkLayerSocketAddress(protocolNumber: protocolNumber.bigEndian,
                                             interfaceIndex: Int32(bitPattern: interfaceIndex), addressLength: 6)
        do {
            _ = try retryingInterrupts {
                frame.withUnsafeBytes { raw in
                    withUnsafePointer(to: &address) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            sendto(pollDescriptor, raw.baseAddress, raw.count, 0, $0, socklen_t(MemoryLayout<LinkLayerSocketAddress>.size))
                        }
                    }
                }
            }
        } catch {
            throw PacketSocketError("send on ifindex \(interfaceIndex)", errno: error.rawValue)
        }
    }

    public func receive() throws(PacketSocketError) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 2048)
        do {
            let count = try retryingInterrupts {
                buffer.withUnsafeMutableBytes { recv(pollDescriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            }
            return Array(buffer[0..<count])
        } catch .wouldBlock {
            return nil
        } catch {
            throw PacketSocketError("receive on ifindex \(interfaceIndex)", errno: error.rawValue)
        }
    }
}
