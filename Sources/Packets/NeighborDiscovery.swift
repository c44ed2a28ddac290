/// The fixed IPv6 header (RFC 8200 3); extension headers are not followed (Neighbour Discovery has none).
public struct IPv6Header: Equatable, Sendable {
    /// IPPROTO_ICMPV6
    public static let nextHeaderICMPv6: UInt8 = 58
    public static let length = 40

    public var trafficClass: UInt8
    public var flowLabel: UInt32
    /// Bytes after this header.
    public var payloadLength: UInt16
    public var nextHeader: UInt8
    public var hopLimit: UInt8
    public var source: IPv6Address
    public var destination: IPv6Address

    public init(trafficClass: UInt8 = 0, flowLabel: UInt32 = 0, payloadLength: UInt16,
                nextHeader: UInt8 = IPv6Header.nextHeaderICMPv6, hopLimit: UInt8 = 255,
                source: IPv6Address, destination: IPv6Address) {
        self.trafficClass = trafficClass
        self.flowLabel = flowLabel & 0xfffff
        self.payloadLength = payloadLength
        self.nextHeader = nextHeader
        self.hopLimit = hopLimit
        self.source = source
        self.destination = destination
    }

    public init(decoding bytes: [UInt8]) throws(PacketError) {
        let r = ByteReader(bytes, what: "IPv6 header")
        try r.need(Self.length)
        let first = try r.u32(0)
        guard first >> 28 == 6 else { throw .unexpectedValue(field: "IPv6 version", value: first >> 28) }
        trafficClass = UInt8(truncatingIfNeeded: first >> 20)
        flowLabel = first & 0xfffff
        payloadLength = try r.u16(4)
        nextHeader = try r.u8(6)
        hopLimit = try r.u8(7)
        source = IPv6Address(bytes: try r.slice(8, 16)) ?? .unspecified
        destination = IPv6Address(bytes: try r.slice(24, 16)) ?? .unspecified
    }

    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.length)
        out.appendBigEndian(6 << 28 | UInt32(trafficClass) << 20 | flowLabel & 0xfffff)
        out.appendBigEndian(payloadLength)
        out += [nextHeader, hopLimit]
        return out + source.bytes + destination.bytes
    }
}

/// ICMPv6 (RFC 4443) as Neighbour Discovery uses it.
public enum ICMPv6 {
    /// ND_NEIGHBOR_SOLICIT
    public static let neighborSolicitation: UInt8 = 135
    /// ND_NEIGHBOR_ADVERT
    public static let neighborAdvertisement: UInt8 = 136

    /// The Internet checksum of `message` (its checksum field zero) over the IPv6 pseudo-header: source,
    /// destination, upper-layer length, next header 58 (RFC 8200 8.1).
    public static func checksum(source: IPv6Address, destination: IPv6Address, message: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        func add(_ bytes: [UInt8]) {
            var i = 0
            while i + 1 < bytes.count {
                sum &+= UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1])
                i += 2
            }
            if i < bytes.count { sum &+= UInt32(bytes[i]) << 8 }
        }
        add(source.bytes)
        add(destination.bytes)
        let length = UInt32(message.count)
        sum &+= length >> 16
        sum &+= length & 0xffff
        sum &+= UInt32(IPv6Header.nextHeaderICMPv6)
        add(message)
        while sum >> 16 != 0 { sum = (sum & 0xffff) &+ (sum >> 16) }
        return ~UInt16(truncatingIfNeeded: sum)
    }
}

/// A Neighbour Discovery option (RFC 4861 4.6): type, length in units of 8 bytes, body.
public struct NeighborDiscoveryOption: Equatable, Sendable {
    /// ND_OPT_SOURCE_LINKADDR
    public static let sourceLinkLayerAddress: UInt8 = 1
    /// ND_OPT_TARGET_LINKADDR
    public static let targetLinkLayerAddress: UInt8 = 2

    public var type: UInt8
    /// The bytes after type and length (length × 8 − 2 of them).
    public var body: [UInt8]

    public init(type: UInt8, body: [UInt8]) {
        self.type = type
        self.body = body
    }

    /// A link-layer address option with a MAC (one unit of 8 bytes).
    public static func linkLayerAddress(_ type: UInt8, _ mac: EthernetAddress) -> NeighborDiscoveryOption {
        NeighborDiscoveryOption(type: type, body: mac.bytes)
    }

    /// The MAC of a link-layer address option (its first six body bytes).
    public var macAddress: EthernetAddress? { EthernetAddress(bytes: body.prefix(6)) }

    static func decodeAll(_ bytes: [UInt8], from start: Int) throws(PacketError) -> [NeighborDiscoveryOption] {
        let r = ByteReader(bytes, what: "ND option")
        var options: [NeighborDiscoveryOption] = []
        var offset = start
        while offset < bytes.count {
            let type = try r.u8(offset)
            let units = Int(try r.u8(offset + 1))
            // RFC 4861 4.6: a length of 0 is invalid and the packet must be dropped.
            guard units > 0 else { throw .unexpectedValue(field: "ND option length", value: 0) }
            options.append(NeighborDiscoveryOption(type: type, body: try r.slice(offset + 2, units * 8 - 2)))
            offset += units * 8
        }
        return options
    }

    func encoded() -> [UInt8] {
        let units = (body.count + 2 + 7) / 8
        return [type, UInt8(truncatingIfNeeded: units)] + body + [UInt8](repeating: 0, count: units * 8 - 2 - body.count)
    }
}

/// A Neighbour Solicitation (RFC 4861 4.3) or Advertisement (4.4): the ICMPv6 message that follows the
/// IPv6 header. They share a layout: type, code 0, checksum, 4 bytes (reserved, or the NA flags), the
/// target address, options.
public struct NeighborDiscoveryMessage: Equatable, Sendable {
    /// ICMPv6 type: 135 solicitation, 136 advertisement.
    public var type: UInt8
    /// NA flags in the top bits: router 0x80, solicited 0x40, override 0x20 (zero in an NS).
    public var flags: UInt8
    public var target: IPv6Address
    public var options: [NeighborDiscoveryOption]

    public init(type: UInt8, flags: UInt8 = 0, target: IPv6Address, options: [NeighborDiscoveryOption] = []) {
        self.type = type
        self.flags = flags
        self.target = target
        self.options = options
    }

    /// The solicitation nsna_ping sends: "who has `target`?", with our MAC as source link-layer option.
    public static func solicitation(for target: IPv6Address, sourceMAC: EthernetAddress) -> NeighborDiscoveryMessage {
        NeighborDiscoveryMessage(type: ICMPv6.neighborSolicitation, target: target,
                                 options: [.linkLayerAddress(NeighborDiscoveryOption.sourceLinkLayerAddress, sourceMAC)])
    }

    public var isSolicited: Bool { flags & 0x40 != 0 }

    /// The MAC of the first option of `type` (source or target link-layer address).
    public func linkLayerAddress(_ type: UInt8) -> EthernetAddress? {
        options.first { $0.type == type }?.macAddress
    }

    /// The ICMPv6 bytes with the checksum for `source` → `destination` filled in.
    public func encoded(source: IPv6Address, destination: IPv6Address) -> [UInt8] {
        var out: [UInt8] = [type, 0, 0, 0, flags, 0, 0, 0] + target.bytes
        for option in options { out += option.encoded() }
        let sum = ICMPv6.checksum(source: source, destination: destination, message: out)
        out[2] = UInt8(truncatingIfNeeded: sum >> 8)
        out[3] = UInt8(truncatingIfNeeded: sum)
        return out
    }

    /// Decodes the ICMPv6 bytes of an NS or NA that travelled `source` → `destination`, checking the code,
    /// the checksum and the options.
    public init(decoding bytes: [UInt8], source: IPv6Address, destination: IPv6Address) throws(PacketError) {
        let r = ByteReader(bytes, what: "Neighbour Discovery message")
        try r.need(24)
        type = try r.u8(0)
        guard type == ICMPv6.neighborSolicitation || type == ICMPv6.neighborAdvertisement else {
            throw .unexpectedValue(field: "ICMPv6 type", value: UInt32(type))
        }
        let code = try r.u8(1)
        guard code == 0 else { throw .unexpectedValue(field: "ICMPv6 code", value: UInt32(code)) }
        var zeroed = bytes
        zeroed[2] = 0
        zeroed[3] = 0
        let found = try r.u16(2)
        let expected = ICMPv6.checksum(source: source, destination: destination, message: zeroed)
        // A sum of 0 is sent as 0xffff (RFC 768's rule, kept by ICMPv6 senders): both mean zero.
        guard found == expected || (found == 0xffff && expected == 0) || (found == 0 && expected == 0xffff) else {
            throw .badChecksum(found: found, expected: expected)
        }
        flags = try r.u8(4)
        target = IPv6Address(bytes: try r.slice(8, 16)) ?? .unspecified
        options = try NeighborDiscoveryOption.decodeAll(bytes, from: 24)
    }
}

/// An NS or NA in its Ethernet frame and IPv6 header.
public struct NeighborDiscoveryFrame: Equatable, Sendable {
    public var ethernet: TaggedEthernetHeader
    public var ip: IPv6Header
    public var message: NeighborDiscoveryMessage

    public init(ethernet: TaggedEthernetHeader, ip: IPv6Header, message: NeighborDiscoveryMessage) {
        self.ethernet = ethernet
        self.ip = ip
        self.message = message
    }

    /// The solicitation nsna_ping sends from a port with MAC `sourceMAC` and address `source`: to the
    /// target's solicited-node group and its multicast MAC, hop limit 255 (RFC 4861 7.1.1 drops anything
    /// less), the source link-layer option carrying `sourceMAC`.
    public static func solicitation(for target: IPv6Address, source: IPv6Address,
                                    sourceMAC: EthernetAddress) -> NeighborDiscoveryFrame {
        let group = target.solicitedNodeMulticast
        let message = NeighborDiscoveryMessage.solicitation(for: target, sourceMAC: sourceMAC)
        let length = UInt16(message.encoded(source: source, destination: group).count)
        return NeighborDiscoveryFrame(
            ethernet: TaggedEthernetHeader(destination: group.multicastMACAddress, source: sourceMAC,
                                           etherType: EtherType.ipv6),
            ip: IPv6Header(payloadLength: length, hopLimit: 255, source: source, destination: group),
            message: message)
    }

    public func encoded() -> [UInt8] {
        ethernet.frame(ip.encoded() + message.encoded(source: ip.source, destination: ip.destination))
    }

    /// Decodes an Ethernet frame carrying an NS or NA (tagged or not); the IPv6 payload length must fit
    /// the frame (anything after it is Ethernet padding).
    public init(decoding frame: [UInt8]) throws(PacketError) {
        ethernet = try TaggedEthernetHeader(decoding: frame)
        guard ethernet.etherType == EtherType.ipv6 else { throw .unexpectedEtherType(ethernet.etherType) }
        let packet = Array(frame[ethernet.length...])
        ip = try IPv6Header(decoding: packet)
        guard ip.nextHeader == IPv6Header.nextHeaderICMPv6 else {
            throw .unexpectedValue(field: "IPv6 next header", value: UInt32(ip.nextHeader))
        }
        let end = IPv6Header.length + Int(ip.payloadLength)
        guard packet.count >= end else {
            throw .truncated(what: "IPv6 payload", needed: end, got: packet.count)
        }
        message = try NeighborDiscoveryMessage(decoding: Array(packet[IPv6Header.length ..< end]),
                                               source: ip.source, destination: ip.destination)
    }
}
