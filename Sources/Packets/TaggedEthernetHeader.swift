extension EtherType {
    /// ETH_P_ARP
    public static let arp: UInt16 = 0x0806
    /// ETH_P_IPV6
    public static let ipv6: UInt16 = 0x86dd
    /// ETH_P_ALL: a packet socket bound to it sees every frame of its interface, before the team driver
    /// takes them (the ping watchers' sockets, as the C teamd's).
    public static let all: UInt16 = 0x0003
}

extension EthernetAddress {
    /// ff:ff:ff:ff:ff:ff
    public static let broadcast = EthernetAddress(unchecked: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
}

/// An Ethernet II header with at most one 802.1Q tag: what arp_ping's `vlanid` puts on its requests, and
/// what a frame may still carry when the kernel did not take the tag off.
public struct TaggedEthernetHeader: Equatable, Sendable {
    public var destination: EthernetAddress
    public var source: EthernetAddress
    /// The VLAN id (the low 12 bits of the TCI), nil when untagged.
    public var vlanID: UInt16?
    /// The EtherType after the tag, if any.
    public var etherType: UInt16
    /// Bytes up to the payload: 14, or 18 with a tag.
    public var length: Int { vlanID == nil ? EthernetHeader.length : EthernetHeader.length + 4 }

    public init(destination: EthernetAddress, source: EthernetAddress, vlanID: UInt16? = nil, etherType: UInt16) {
        self.destination = destination
        self.source = source
        self.vlanID = vlanID
        self.etherType = etherType
    }

    public init(decoding frame: [UInt8]) throws(PacketError) {
        let plain = try EthernetHeader(decoding: frame)
        destination = plain.destination
        source = plain.source
        if plain.etherType == EtherType.vlan {
            let r = ByteReader(frame, what: "802.1Q tag")
            vlanID = try r.u16(14) & 0x0fff
            etherType = try r.u16(16)
        } else {
            vlanID = nil
            etherType = plain.etherType
        }
    }

    public func encode(into bytes: inout [UInt8]) {
        bytes += destination.bytes
        bytes += source.bytes
        if let vlanID {
            bytes.appendBigEndian(EtherType.vlan)
            bytes.appendBigEndian(vlanID & 0x0fff)
        }
        bytes.appendBigEndian(etherType)
    }

    /// This header followed by `payload`.
    public func frame(_ payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length + payload.count)
        encode(into: &bytes)
        return bytes + payload
    }
}
