/// An IEEE 802 MAC address (six octets).
public struct EthernetAddress: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let bytes: [UInt8]

    /// Six octets, or nil.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 6 else { return nil }
        self.bytes = Array(bytes)
    }

    /// Six octets taken from `bytes` at `offset`; the caller checked the bounds.
    init(unchecked bytes: some Collection<UInt8>) { self.bytes = Array(bytes) }

    /// "aa:bb:cc:dd:ee:ff", as the C teamd reads `hwaddr` (and teamnl an address): six colon-separated
    /// groups of one or two hex digits, either case; nil otherwise.
    public init?(_ text: some StringProtocol) {
        let groups = text.split(separator: ":", omittingEmptySubsequences: false)
        guard groups.count == 6 else { return nil }
        var bytes: [UInt8] = []
        for group in groups {
            guard (1...2).contains(group.count), let byte = UInt8(group, radix: 16) else { return nil }
            bytes.append(byte)
        }
        self.bytes = bytes
    }

    public static let zero = EthernetAddress(unchecked: [0, 0, 0, 0, 0, 0])
    /// 01:80:c2:00:00:02, the Slow_Protocols_Multicast address (IEEE 802.3 annex 57A) LACPDUs go to.
    public static let slowProtocolsMulticast = EthernetAddress(unchecked: [0x01, 0x80, 0xc2, 0x00, 0x00, 0x02])

    /// The group bit (multicast or broadcast): no interface may carry such an address.
    public var isMulticast: Bool { bytes[0] & 0x01 != 0 }
    public var isZero: Bool { bytes.allSatisfy { $0 == 0 } }

    /// "aa:bb:cc:dd:ee:ff", as the C teamd, libteam and iproute2 print it.
    public var description: String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":")
    }

    /// Octet by octet, as memcmp orders them (the standard compares System IDs as numbers, same thing).
    public static func < (a: EthernetAddress, b: EthernetAddress) -> Bool {
        a.bytes.lexicographicallyPrecedes(b.bytes)
    }
}

/// ETH_P_*: the EtherTypes this package knows.
public enum EtherType {
    /// ETH_P_SLOW: slow protocols (LACP, marker, OAM).
    public static let slowProtocols: UInt16 = 0x8809
    /// ETH_P_8021Q
    public static let vlan: UInt16 = 0x8100
}

/// The 14-byte Ethernet II header (struct ethhdr).
public struct EthernetHeader: Equatable, Sendable {
    public static let length = 14
    public var destination: EthernetAddress
    public var source: EthernetAddress
    /// h_proto, host order here, network order on the wire.
    public var etherType: UInt16

    public init(destination: EthernetAddress, source: EthernetAddress, etherType: UInt16) {
        self.destination = destination
        self.source = source
        self.etherType = etherType
    }

    public init(decoding bytes: some Collection<UInt8>) throws(PacketError) {
        let b = Array(bytes)
        guard b.count >= Self.length else {
            throw .truncated(what: "Ethernet header", needed: Self.length, got: b.count)
        }
        destination = EthernetAddress(unchecked: b[0..<6])
        source = EthernetAddress(unchecked: b[6..<12])
        etherType = b.bigEndianUInt16(at: 12)
    }

    public func encode(into bytes: inout [UInt8]) {
        bytes += destination.bytes
        bytes += source.bytes
        bytes.appendBigEndian(etherType)
    }
}
