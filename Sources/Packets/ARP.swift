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
    /// ETH_P_ARP, the ethertype of ARP frames.
    public static let etherType: UInt16 = 0x0806
    /// ETH_P_IP, ARP's protocol type for IPv4.
    static let protocolTypeIPv4: UInt16 = 0x0800
    /// Bytes of an Ethernet/IPv4 ARP packet.
    public static let length = 28

    public var operation: Operation
    /// `ar_sha`, six bytes.
    public var senderMACAddress: [UInt8]
    /// `ar_sip`
    public var senderAddress: IPv4Address
    /// `ar_tha`, six bytes.
    public var targetMACAddress: [UInt8]
    /// `ar_tip`
    public var targetAddress: IPv4Address

    public init(operation: Operation, senderMACAddress: [UInt8], senderAddress: IPv4Address,
                targetMACAddress: [UInt8], targetAddress: IPv4Address) {
        self.operation = operation
        self.senderMACAddress = senderMACAddress
        self.senderAddress = senderAddress
        self.targetMACAddress = targetMACAddress
        self.targetAddress = targetAddress
    }

    /// Decodes the ARP packet at the start of `bytes` (what follows, Ethernet padding, is ignored).
    public init(decoding bytes: [UInt8]) throws(ProbePacketError) {
        let r = ProbeReader(bytes, what: "ARP packet")
        try r.need(8)
        let hardware = try r.u16(0), proto = try r.u16(2)
        let hardwareLength = try r.u8(4), protocolLength = try r.u8(5)
        guard hardware == Self.hardwareTypeEthernet else { throw .unexpected(field: "ar_hrd", value: UInt32(hardware)) }
        guard proto == Self.protocolTypeIPv4 else { throw .unexpected(field: "ar_pro", value: UInt32(proto)) }
        guard hardwareLength == 6 else { throw .unexpected(field: "ar_hln", value: UInt32(hardwareLength)) }
        guard protocolLength == 4 else { throw .unexpected(field: "ar_pln", value: UInt32(protocolLength)) }
        try r.need(Self.length)
        operation = Operation(rawValue: try r.u16(6))
        senderMACAddress = try r.slice(8, 6)
        senderAddress = IPv4Address(bytes: try r.slice(14, 4)) ?? .any
        targetMACAddress = try r.slice(18, 6)
        targetAddress = IPv4Address(bytes: try r.slice(24, 4)) ?? .any
    }

    /// The 28 bytes; MAC addresses of another length than six are cut or zero-padded to six.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.length)
        out.appendBigEndian(Self.hardwareTypeEthernet)
        out.appendBigEndian(Self.protocolTypeIPv4)
        out += [6, 4]
        out.appendBigEndian(operation.rawValue)
        out += Self.six(senderMACAddress) + senderAddress.bytes + Self.six(targetMACAddress) + targetAddress.bytes
        return out
    }

    static func six(_ mac: [UInt8]) -> [UInt8] {
        Array((mac + [UInt8](repeating: 0, count: 6)).prefix(6))
    }

    /// The broadcast request arp_ping sends: "who has `target`? tell `sender`", from `senderMAC`, with the
    /// target hardware address all ones as the C teamd fills it.
    public static func probe(from senderMAC: [UInt8], sender: IPv4Address, target: IPv4Address) -> ARPPacket {
        ARPPacket(operation: .request, senderMACAddress: senderMAC, senderAddress: sender,
                  targetMACAddress: EthernetFraming.broadcast, targetAddress: target)
    }

    /// The Ethernet frame carrying this packet to `destination` (broadcast by default), tagged with
    /// `vlanID` when there is one.
    public func frame(source: [UInt8], destination: [UInt8] = EthernetFraming.broadcast,
                      vlanID: UInt16? = nil) -> [UInt8] {
        EthernetFraming.frame(destination: destination, source: source, vlanID: vlanID,
                              etherType: Self.etherType, payload: encoded())
    }

    /// Decodes an Ethernet frame that carries ARP, tagged or not.
    public static func decode(frame: [UInt8]) throws(ProbePacketError) -> (packet: ARPPacket, header: EthernetFraming.Header) {
        let header = try EthernetFraming.Header(decoding: frame)
        guard header.etherType == etherType else { throw .unexpected(field: "ethertype", value: UInt32(header.etherType)) }
        return (try ARPPacket(decoding: Array(frame[header.length...])), header)
    }
}

/// The Ethernet II header of the probes, with at most one 802.1Q tag (what arp_ping's `vlanid` adds).
public enum EthernetFraming {
    /// ff:ff:ff:ff:ff:ff
    public static let broadcast: [UInt8] = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
    /// ETH_P_8021Q
    public static let vlanEtherType: UInt16 = 0x8100

    public struct Header: Equatable, Sendable {
        public var destination: [UInt8]
        public var source: [UInt8]
        /// The VLAN id (low 12 bits of the TCI) of an 802.1Q tag, nil when untagged.
        public var vlanID: UInt16?
        /// The ethertype after the tag, if any.
        public var etherType: UInt16
        /// Bytes up to the payload: 14, or 18 with a tag.
        public var length: Int { vlanID == nil ? 14 : 18 }

        public init(destination: [UInt8], source: [UInt8], vlanID: UInt16? = nil, etherType: UInt16) {
            self.destination = destination
            self.source = source
            self.vlanID = vlanID
            self.etherType = etherType
        }

        public init(decoding frame: [UInt8]) throws(ProbePacketError) {
            let r = ProbeReader(frame, what: "Ethernet header")
            destination = try r.slice(0, 6)
            source = try r.slice(6, 6)
            let type = try r.u16(12)
            if type == EthernetFraming.vlanEtherType {
                vlanID = try r.u16(14) & 0x0fff
                etherType = try r.u16(16)
            } else {
                vlanID = nil
                etherType = type
            }
        }

        public func encoded() -> [UInt8] {
            var out = ARPPacket.six(destination) + ARPPacket.six(source)
            if let vlanID {
                out.appendBigEndian(EthernetFraming.vlanEtherType)
                out.appendBigEndian(vlanID & 0x0fff)
            }
            out.appendBigEndian(etherType)
            return out
        }
    }

    public static func frame(destination: [UInt8], source: [UInt8], vlanID: UInt16?, etherType: UInt16,
                             payload: [UInt8]) -> [UInt8] {
        Header(destination: destination, source: source, vlanID: vlanID, etherType: etherType).encoded() + payload
    }
}
