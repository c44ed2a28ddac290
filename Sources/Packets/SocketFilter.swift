/// A classic BPF program as SO_ATTACH_FILTER takes it (`struct sock_filter` entries), with the filters of
/// the ping link watchers and an interpreter so tests can run a filter on captured frames.
public struct SocketFilter: Equatable, Sendable {
    /// `struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }`
    public struct Instruction: Equatable, Sendable {
        public var code: UInt16
        public var jumpIfTrue: UInt8
        public var jumpIfFalse: UInt8
        public var k: UInt32

        public init(code: UInt16, jumpIfTrue: UInt8 = 0, jumpIfFalse: UInt8 = 0, k: UInt32) {
            self.code = code
            self.jumpIfTrue = jumpIfTrue
            self.jumpIfFalse = jumpIfFalse
            self.k = k
        }

        /// BPF_LD|BPF_B|BPF_ABS, BPF_LD|BPF_H|BPF_ABS
        static func loadByte(_ k: UInt32) -> Instruction { Instruction(code: 0x30, k: k) }
        static func loadHalf(_ k: UInt32) -> Instruction { Instruction(code: 0x28, k: k) }
        /// BPF_JMP|BPF_JEQ|BPF_K
        static func jumpIfEqual(_ k: UInt32, _ t: UInt8, _ f: UInt8) -> Instruction {
            Instruction(code: 0x15, jumpIfTrue: t, jumpIfFalse: f, k: k)
        }
        /// BPF_ALU|BPF_AND|BPF_K
        static func and(_ k: UInt32) -> Instruction { Instruction(code: 0x54, k: k) }
        /// BPF_RET|BPF_K
        static func accept(_ k: UInt32) -> Instruction { Instruction(code: 0x06, k: k) }

        /// The 8 bytes of `struct sock_filter` in host (little-endian) order.
        public var bytes: [UInt8] {
            [UInt8(truncatingIfNeeded: code), UInt8(truncatingIfNeeded: code >> 8), jumpIfTrue, jumpIfFalse,
             UInt8(truncatingIfNeeded: k), UInt8(truncatingIfNeeded: k >> 8),
             UInt8(truncatingIfNeeded: k >> 16), UInt8(truncatingIfNeeded: k >> 24)]
        }
    }

    public var instructions: [Instruction]

    public init(_ instructions: [Instruction]) { self.instructions = instructions }

    /// SKF_AD_OFF: loads at this offset and above read packet metadata, not packet bytes.
    static let ancillaryBase: UInt32 = 0xffff_f000
    /// SKF_AD_PROTOCOL: the ethertype (skb->protocol, after the kernel took any VLAN tag off).
    public static let ancillaryProtocol = ancillaryBase + 0
    /// SKF_AD_VLAN_TAG: the TCI of the VLAN tag the kernel took off.
    public static let ancillaryVLANTag = ancillaryBase + 44
    /// SKF_AD_VLAN_TAG_PRESENT
    public static let ancillaryVLANTagPresent = ancillaryBase + 48

    /// What arp_ping's packet socket lets through: ARP requests and replies (the C teamd counts both when
    /// it does not validate) on `vlanID`'s VLAN, or untagged (a tag of 0 counts as untagged) when nil.
    /// `linkHeaderLength` is where the ARP header starts: 14 on a SOCK_RAW socket, 0 on SOCK_DGRAM.
    public static func arpReplies(vlanID: UInt16?, linkHeaderLength: UInt32 = 14) -> SocketFilter {
        let op = linkHeaderLength + 6
        typealias I = Instruction
        if let vlanID {
            return SocketFilter([
                .loadByte(ancillaryProtocol), .jumpIfEqual(UInt32(ARPPacket.etherType), 0, 9),
                .loadByte(ancillaryVLANTagPresent), .jumpIfEqual(0, 7, 0),
                .loadByte(ancillaryVLANTag), .and(0x0fff), .jumpIfEqual(UInt32(vlanID & 0x0fff), 0, 4),
                .loadHalf(op), .jumpIfEqual(UInt32(ARPPacket.Operation.reply.rawValue), 1, 0),
                .jumpIfEqual(UInt32(ARPPacket.Operation.request.rawValue), 0, 1),
                .accept(0xffff_ffff), .accept(0),
            ])
        }
        return SocketFilter([
            .loadByte(ancillaryProtocol), .jumpIfEqual(UInt32(ARPPacket.etherType), 0, 6),
            .loadByte(ancillaryVLANTagPresent), .jumpIfEqual(0, 2, 0),
            .loadByte(ancillaryVLANTag), .jumpIfEqual(0, 0, 4),
            .loadHalf(op), .jumpIfEqual(UInt32(ARPPacket.Operation.reply.rawValue), 1, 0),
            .jumpIfEqual(UInt32(ARPPacket.Operation.request.rawValue), 0, 1),
            .accept(0xffff_ffff), .accept(0),
        ])
    }

    /// What nsna_ping's packet socket lets through: IPv6 packets whose next header is ICMPv6 and whose
    /// ICMPv6 type is Neighbour Advertisement.
    public static func neighborAdvertisements(linkHeaderLength: UInt32 = 14) -> SocketFilter {
        SocketFilter([
            .loadByte(ancillaryProtocol), .jumpIfEqual(UInt32(IPv6Header.etherType), 0, 5),
            .loadByte(linkHeaderLength + 6), .jumpIfEqual(UInt32(IPv6Header.nextHeaderICMPv6), 0, 3),
            .loadByte(linkHeaderLength + UInt32(IPv6Header.length)),
            .jumpIfEqual(UInt32(ICMPv6.neighborAdvertisement), 0, 1),
            .accept(0xffff_ffff), .accept(0),
        ])
    }

    /// The packet metadata a filter may read besides the bytes.
    public struct Metadata: Equatable, Sendable {
        /// skb->protocol
        public var etherType: UInt16
        /// The TCI of a VLAN tag the kernel took off the frame.
        public var vlanTag: UInt16?

        public init(etherType: UInt16, vlanTag: UInt16? = nil) {
            self.etherType = etherType
            self.vlanTag = vlanTag
        }

        /// What the kernel shows for a frame as captured: the ethertype after the tag, the tag taken off.
        public init(frame: [UInt8]) {
            if let header = try? EthernetFraming.Header(decoding: frame) {
                etherType = header.etherType
                let r = ProbeReader(frame, what: "tag")
                vlanTag = header.vlanID == nil ? nil : try? r.u16(14)
            } else {
                etherType = 0
                vlanTag = nil
            }
        }
    }

    /// Runs the program on `packet` as the kernel would: the number of bytes to keep (0 drops it). Loads
    /// beyond the packet, jumps beyond the program and instructions this interpreter does not know drop
    /// the packet, as the kernel's checker would refuse them.
    public func run(on packet: [UInt8], metadata: Metadata) -> UInt32 {
        var a: UInt32 = 0
        var x: UInt32 = 0
        var pc = 0
        var steps = 0
        func load(_ k: UInt32, size: Int) -> UInt32? {
            if k >= Self.ancillaryBase {
                switch k {
                case Self.ancillaryProtocol: return UInt32(metadata.etherType)
                case Self.ancillaryVLANTag: return UInt32(metadata.vlanTag ?? 0)
                case Self.ancillaryVLANTagPresent: return metadata.vlanTag == nil ? 0 : 1
                default: return nil
                }
            }
            let start = Int(k)
            guard start <= packet.count - size else { return nil }
            var v: UInt32 = 0
            for i in 0 ..< size { v = v << 8 | UInt32(packet[start + i]) }
            return v
        }
        while pc >= 0 && pc < instructions.count && steps <= instructions.count {
            steps += 1
            let ins = instructions[pc]
            pc += 1
            switch ins.code {
            case 0x20, 0x28, 0x30: // ld w/h/b abs
                guard let v = load(ins.k, size: ins.code == 0x20 ? 4 : ins.code == 0x28 ? 2 : 1) else { return 0 }
                a = v
            case 0x00: a = ins.k // ld imm
            case 0x01: x = ins.k // ldx imm
            case 0x04: a &+= ins.k
            case 0x14: a &-= ins.k
            case 0x44: a |= ins.k
            case 0x54: a &= ins.k
            case 0x64: a = ins.k < 32 ? a << ins.k : 0
            case 0x74: a = ins.k < 32 ? a >> ins.k : 0
            case 0x07: x = a // tax
            case 0x87: a = x // txa
            case 0x05: pc += Int(ins.k) // ja
            case 0x15, 0x25, 0x35, 0x45: // jeq, jgt, jge, jset with k
                let taken: Bool
                switch ins.code {
                case 0x15: taken = a == ins.k
                case 0x25: taken = a > ins.k
                case 0x35: taken = a >= ins.k
                default: taken = a & ins.k != 0
                }
                pc += Int(taken ? ins.jumpIfTrue : ins.jumpIfFalse)
            case 0x06: return ins.k // ret k
            case 0x16: return a // ret a
            default: return 0
            }
        }
        return 0
    }
}
