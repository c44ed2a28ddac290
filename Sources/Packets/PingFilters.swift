/// The packet metadata a classic BPF program reads through the SKF_AD_* loads at SKF_AD_OFF and above,
/// for running filters in tests as the kernel would.
public struct BPFMetadata: Equatable, Sendable {
    /// SKF_AD_OFF (-0x1000): loads at this offset and above read metadata, not packet bytes.
    public static let base: UInt32 = 0xffff_f000
    /// SKF_AD_PROTOCOL: skb->protocol, the EtherType after the kernel took any VLAN tag off.
    public static let protocolOffset = base + 0
    /// SKF_AD_PKTTYPE: PACKET_HOST, PACKET_BROADCAST, ..., PACKET_OUTGOING.
    public static let packetTypeOffset = base + 4
    /// SKF_AD_VLAN_TAG: the TCI of the tag the kernel took off.
    public static let vlanTagOffset = base + 44
    /// SKF_AD_VLAN_TAG_PRESENT
    public static let vlanTagPresentOffset = base + 48
    /// PACKET_OUTGOING: a frame the host sends, seen by a packet socket on the way out.
    public static let outgoing: UInt8 = 4

    public var etherType: UInt16
    public var packetType: UInt8
    /// The TCI of a VLAN tag the kernel took off the frame.
    public var vlanTag: UInt16?

    public init(etherType: UInt16 = 0, packetType: UInt8 = 0, vlanTag: UInt16? = nil) {
        self.etherType = etherType
        self.packetType = packetType
        self.vlanTag = vlanTag
    }

    /// What the kernel shows for a received frame as captured (tag in the bytes): the EtherType after the
    /// tag and the tag's TCI.
    public init(receivedFrame frame: [UInt8], packetType: UInt8 = 0) {
        let header = try? TaggedEthernetHeader(decoding: frame)
        etherType = header?.etherType ?? 0
        self.packetType = packetType
        vlanTag = header?.vlanID == nil ? nil : try? ByteReader(frame, what: "tag").u16(14)
    }

    func value(at offset: UInt32) -> UInt32? {
        switch offset {
        case Self.protocolOffset: UInt32(etherType)
        case Self.packetTypeOffset: UInt32(packetType)
        case Self.vlanTagOffset: UInt32(vlanTag ?? 0)
        case Self.vlanTagPresentOffset: vlanTag == nil ? 0 : 1
        default: nil
        }
    }
}

extension BPFInstruction {
    /// `and #value`
    static func and(_ value: UInt32) -> BPFInstruction { .init(code: alu | 0x50 | sourceK, k: value) }
}

/// The filters of the ping link watchers' packet sockets (bound to ETH_P_ALL on one port, as the C
/// teamd's), so the daemon wakes only for the frames a watcher may count.
extension BPFProgram {
    /// arp_ping: ARP requests and replies (the C teamd counts both when it does not validate) on
    /// `vlanID`'s VLAN, or untagged (a tag of VID 0 counts as untagged) when nil. Unlike the C teamd's
    /// filter, frames the host itself sends out of the port are dropped: the team's own ARP traffic (or
    /// another watcher's probe) is not an answer from the wire.
    /// `linkHeaderLength` is where the ARP header starts: 14 on a SOCK_RAW socket, 0 on SOCK_DGRAM.
    public static func arpReplies(vlanID: UInt16?, linkHeaderLength: UInt32 = 14) -> BPFProgram {
        let op = linkHeaderLength + 6
        let reply = UInt32(ARPPacket.Operation.reply.rawValue), request = UInt32(ARPPacket.Operation.request.rawValue)
        let vlan: [BPFInstruction]
        if let vlanID {
            // A tag must be there, with this VID (the priority bits masked, libteam 337125c).
            vlan = [.loadByte(at: BPFMetadata.vlanTagPresentOffset), .jumpIfEqual(0, true: 7, false: 0),
                    .loadByte(at: BPFMetadata.vlanTagOffset), .and(0x0fff),
                    .jumpIfEqual(UInt32(vlanID & 0x0fff), true: 0, false: 4)]
        } else {
            // No tag, or one with VID 0.
            vlan = [.loadByte(at: BPFMetadata.vlanTagPresentOffset), .jumpIfEqual(0, true: 3, false: 0),
                    .loadByte(at: BPFMetadata.vlanTagOffset), .and(0x0fff),
                    .jumpIfEqual(0, true: 0, false: 4)]
        }
        return BPFProgram([
            .loadByte(at: BPFMetadata.packetTypeOffset),
            .jumpIfEqual(UInt32(BPFMetadata.outgoing), true: 11, false: 0),
            .loadByte(at: BPFMetadata.protocolOffset), .jumpIfEqual(UInt32(EtherType.arp), true: 0, false: 9),
        ] + vlan + [
            .loadHalf(at: op), .jumpIfEqual(reply, true: 1, false: 0), .jumpIfEqual(request, true: 0, false: 1),
            .accept(0xffff_ffff), .accept(0),
        ])
    }

    /// nsna_ping: IPv6 packets whose next header is ICMPv6 and whose ICMPv6 type is Neighbour
    /// Advertisement, not sent by this host.
    public static func neighborAdvertisements(linkHeaderLength: UInt32 = 14) -> BPFProgram {
        BPFProgram([
            .loadByte(at: BPFMetadata.packetTypeOffset),
            .jumpIfEqual(UInt32(BPFMetadata.outgoing), true: 6, false: 0),
            .loadByte(at: BPFMetadata.protocolOffset), .jumpIfEqual(UInt32(EtherType.ipv6), true: 0, false: 4),
            .loadByte(at: linkHeaderLength + 6), .jumpIfEqual(UInt32(IPv6Header.nextHeaderICMPv6), true: 0, false: 2),
            .loadByte(at: linkHeaderLength + UInt32(IPv6Header.length)),
            .jumpIfEqual(UInt32(ICMPv6.neighborAdvertisement), true: 1, false: 0),
            .accept(0), .accept(0xffff_ffff),
        ])
    }
}
