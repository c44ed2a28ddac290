/// An ARP packet for IPv4 over Ethernet (RFC 826): the only kind the arp_ping watcher sends or counts.
/// `ar_hrd` 1, `ar_pro` 0x0800, `ar_hln` 6, `ar_pln` 4 are implied; the decoder refuses anything else.
public struct ARPPacket: Equatable, Sendable {
    /// `ar_op`
    public struct Operation: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        /// ARPOP_REQUEST
        public static let request = Operation(rawValue: 1)
        /// ARPOP_REPLY
        public static let reply = Operation(rawValue: 2)
        public var description: String {
            switch self {
            case .request: "request"
            case .reply: "reply"
            default: "op \(rawValue)"
            }
        }
    }

    /// ARPHRD_ETHER
    public static let hardwareTypeEthernet: UInt16 = 1
    /// ETH_P_IP, ARP's protocol type for IPv4.
    static let protocolTypeIPv4: UInt16 = 0x0800
    /// Bytes of an Ethernet/IPv4 ARP packet.
    public static let length = 28

    public var operation: Operation
    /// `ar_sha`
    public var senderMACAddress: EthernetAddress
    /// `ar_sip`
    public var senderAddress: IPv4Address
    /// `ar_tha`
    public var targetMACAddress: EthernetAddress
    /// `ar_tip`
    public var targetAddress: IPv4Address

    public init(operation: Operation, senderMACAddress: EthernetAddress, senderAddress: IPv4Address,
                targetMACAddress: EthernetAddress, targetAddress: IPv4Address) {
        self.operation = operation
        self.senderMACAddress = senderMACAddress
        self.senderAddress = senderAddress
        self.targetMACAddress = targetMACAddress
        self.targetAddress = targetAddress
    }

    /// Decodes the ARP packet at the start of `bytes` (what follows, Ethernet padding, is ignored).
    public init(decoding bytes: [UInt8]) throws(PacketError) {
        let r = ByteReader(bytes, what: "ARP packet")
        try r.need(8)
        let hardware = try r.u16(0), proto = try r.u16(2)
        let hardwareLength = try r.u8(4), protocolLength = try r.u8(5)
        guard hardware == Self.hardwareTypeEthernet else { throw .unexpectedValue(field: "ar_hrd", value: UInt32(hardware)) }
        guard proto == Self.protocolTypeIPv4 else { throw .unexpectedValue(field: "ar_pro", value: UInt32(proto)) }
        guard hardwareLength == 6 else { throw .unexpectedValue(field: "ar_hln", value: UInt32(hardwareLength)) }
        guard protocolLength == 4 else { throw .unexpectedValue(field: "ar_pln", value: UInt32(protocolLength)) }
        try r.need(Self.length)
        operation = Operation(rawValue: try r.u16(6))
        senderMACAddress = try r.mac(8)
        senderAddress = IPv4Address(bytes: try r.slice(14, 4)) ?? .any
        targetMACAddress = try r.mac(18)
        targetAddress = IPv4Address(bytes: try r.slice(24, 4)) ?? .any
    }

    /// The 28 bytes.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.length)
        out.appendBigEndian(Self.hardwareTypeEthernet)
        out.appendBigEndian(Self.protocolTypeIPv4)
        out += [6, 4]
        out.appendBigEndian(operation.rawValue)
        out += senderMACAddress.bytes + senderAddress.bytes + targetMACAddress.bytes + targetAddress.bytes
        return out
    }

    /// The broadcast request arp_ping sends: "who has `target`? tell `sender`", from `senderMAC`, with the
    /// target hardware address all ones as the C teamd fills it.
    public static func probe(from senderMAC: EthernetAddress, sender: IPv4Address, target: IPv4Address) -> ARPPacket {
        ARPPacket(operation: .request, senderMACAddress: senderMAC, senderAddress: sender,
                  targetMACAddress: .broadcast, targetAddress: target)
    }

    /// The Ethernet frame carrying this packet to `destination` (broadcast by default), tagged with
    /// `vlanID` when there is one.
    public func frame(source: EthernetAddress, destination: EthernetAddress = .broadcast,
                      vlanID: UInt16? = nil) -> [UInt8] {
        TaggedEthernetHeader(destination: destination, source: source, vlanID: vlanID, etherType: EtherType.arp)
            .frame(encoded())
    }

    /// Decodes an Ethernet frame that carries ARP, tagged or not.
    public static func decode(frame: [UInt8]) throws(PacketError) -> (packet: ARPPacket, header: TaggedEthernetHeader) {
        let header = try TaggedEthernetHeader(decoding: frame)
        guard header.etherType == EtherType.arp else { throw .unexpectedEtherType(header.etherType) }
        return (try ARPPacket(decoding: Array(frame[header.length...])), header)
    }
}
