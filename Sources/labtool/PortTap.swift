import Glibc
import TeamKit

/// A packet socket on one interface (in a namespace) that notices the first UDP datagram to a port
/// arriving there: "traffic on the new port" after a failover, the same measure for a team and a bond.
/// It listens to every EtherType: a bridge port's frames reach only such taps (the bridge takes them
/// before the per-protocol ones).
final class PortTap {
    private let socket: PacketSocket
    private let port: UInt16
    private(set) var firstSeen: Double?

    init(interface: String, namespace: String?, udpPort: UInt16) throws {
        socket = try System.inNamespace(namespace) { () throws -> PacketSocket in
            let index = if_nametoindex(interface)
            guard index != 0 else { throw LabError("no \(interface) in \(namespace ?? "this namespace")") }
            return try PacketSocket(interfaceIndex: index, etherType: 0x0003)  // ETH_P_ALL
        }
        port = udpPort
    }

    var descriptor: Int32 { socket.pollDescriptor }

    /// Drops what arrived so far (traffic before the cut does not count).
    func reset() {
        readAll()
        firstSeen = nil
    }

    /// Reads every frame; notes the first IPv4 UDP datagram to the port (the stream goes to the partner's
    /// own address, so the bridge never sends it out of this port: every one seen came in).
    func readAll() {
        while let frame = try? socket.receive() {
            guard frame.count >= 14 + 20 + 4, frame[12] == 0x08, frame[13] == 0x00, frame[14 + 9] == UInt8(IPPROTO_UDP) else { continue }
            let udp = 14 + Int(frame[14] & 0x0f) * 4
            guard frame.count >= udp + 4 else { continue }
            if UInt16(frame[udp + 2]) << 8 | UInt16(frame[udp + 3]) == port, firstSeen == nil { firstSeen = System.now() }
        }
    }
}
