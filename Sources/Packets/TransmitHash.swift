/// One element of teamd's `runner.tx_hash`: which headers feed the transmit hash.
/// Declared in the order the config error for an unknown `tx_hash` name lists them.
public enum TransmitHashField: String, Sendable, CaseIterable {
    /// Source and destination MAC.
    case eth
    /// The VLAN tag (0 when untagged).
    case vlan
    /// IPv4 source and destination.
    case ipv4
    /// IPv6 source and destination.
    case ipv6
    /// IPv4 and IPv6 addresses (`ip` and `l3` are the same).
    case ip, l3
    /// The ports of TCP, UDP and SCTP.
    case l4
    /// TCP, UDP or SCTP ports, of IPv4 (unfragmented) and IPv6 packets.
    case tcp, udp, sctp
}

extension BPFProgram {
    // Frame offsets (from the Ethernet header, as the team driver runs the program on transmit).
    private static let etherTypeOffset: UInt32 = 12
    private static let ipv4FlagsOffset: UInt32 = 20, ipv4ProtocolOffset: UInt32 = 23
    private static let ipv4SourceOffset: UInt32 = 26, ipv4DestinationOffset: UInt32 = 30
    private static let ipv6NextHeaderOffset: UInt32 = 20, ipv6SourceOffset: UInt32 = 22
    private static let ipv6PortsOffset: UInt32 = 54
    /// SKF_AD_OFF + SKF_AD_VLAN_TAG: the tag the kernel keeps beside the frame.
    static let ancillaryVLANTag: UInt32 = 0xffff_f000 &+ 44
    /// The scratch cell holding the hash.
    private static let hashCell: UInt32 = 0

    /// The transmit hash program for the team driver's `bpf_hash_func` (loadbalance and lacp runners):
    /// every chosen header field is XORed into a 32-bit hash that the program returns; the kernel folds
    /// it to a byte and maps that to a port. A field a packet lacks adds nothing.
    ///
    /// Layout: the hash lives in scratch cell 0 so that X stays free for the IPv4 header length. Each
    /// protocol's block is skipped by a guard on the EtherType (and the IP protocol for L4); offsets
    /// assume an untagged frame (a VLAN device on the team passes its tag beside the frame).
    public static func transmitHash(_ fields: [TransmitHashField]) -> BPFProgram {
        let set = Set(fields)
        let ipv4 = !set.isDisjoint(with: [.ipv4, .ip, .l3])
        let ipv6 = !set.isDisjoint(with: [.ipv6, .ip, .l3])
        var l4: [UInt32] = []   // IP protocol numbers
        if !set.isDisjoint(with: [.tcp, .l4]) { l4.append(6) }
        if !set.isDisjoint(with: [.udp, .l4]) { l4.append(17) }
        if !set.isDisjoint(with: [.sctp, .l4]) { l4.append(132) }

        var code: [BPFInstruction] = [.init(code: BPFInstruction.ld | BPFInstruction.imm, k: 0), store(hashCell)]
        if set.contains(.eth) {
            for (offset, half) in [(UInt32(0), true), (2, false), (6, true), (8, false)] {
                code += mix(half ? .loadHalf(at: offset) : .loadWord(at: offset))
            }
        }
        if set.contains(.vlan) { code += mix(.loadWord(at: ancillaryVLANTag)) }
        if ipv4 || (!l4.isEmpty) {
            var block: [BPFInstruction] = []
            if ipv4 { block += mix(.loadWord(at: ipv4SourceOffset)) + mix(.loadWord(at: ipv4DestinationOffset)) }
            if !l4.isEmpty {
                // Ports only in the first fragment: "flags and fragment offset & 0x1fff == 0".
                var ports: [BPFInstruction] = []
                for field: UInt32 in [14, 16] {
                    ports += [.init(code: BPFInstruction.ldx | BPFInstruction.byte | BPFInstruction.msh, k: 14),
                              .init(code: BPFInstruction.ld | BPFInstruction.half | BPFInstruction.ind, k: field)]
                    ports += mixLoaded()
                }
                block += guarded(by: [.loadHalf(at: ipv4FlagsOffset)], jset: 0x1fff,
                                 then: guarded(by: [.loadByte(at: ipv4ProtocolOffset)], anyOf: l4, then: ports))
            }
            code += guarded(by: [.loadHalf(at: etherTypeOffset)], anyOf: [0x0800], then: block)
        }
        if ipv6 || !l4.isEmpty {
            var block: [BPFInstruction] = []
            if ipv6 {
                for word in 0..<8 { block += mix(.loadWord(at: ipv6SourceOffset + UInt32(word) * 4)) }
            }
            if !l4.isEmpty {
                let ports = mix(.loadHalf(at: ipv6PortsOffset)) + mix(.loadHalf(at: ipv6PortsOffset + 2))
                block += guarded(by: [.loadByte(at: ipv6NextHeaderOffset)], anyOf: l4, then: ports)
            }
            code += guarded(by: [.loadHalf(at: etherTypeOffset)], anyOf: [0x86dd], then: block)
        }
        code += [.init(code: BPFInstruction.ld | 0x60, k: hashCell), .init(code: BPFInstruction.ret | BPFInstruction.returnA)]
        return BPFProgram(code)
    }

    /// `st M[cell]`
    private static func store(_ cell: UInt32) -> BPFInstruction { .init(code: 0x02, k: cell) }

    /// The value loaded by `load` XORed into the hash.
    private static func mix(_ load: BPFInstruction) -> [BPFInstruction] { [load] + mixLoaded() }

    /// A (just loaded) XORed into the hash: X = M[0]; A ^= X; M[0] = A.
    private static func mixLoaded() -> [BPFInstruction] {
        [.init(code: BPFInstruction.ldx | 0x60, k: hashCell),
         .init(code: BPFInstruction.alu | 0xa0 | BPFInstruction.sourceX),
         store(hashCell)]
    }

    /// `load`, then `then` only when A is one of `values`.
    private static func guarded(by load: [BPFInstruction], anyOf values: [UInt32], then body: [BPFInstruction]) -> [BPFInstruction] {
        var code = load
        for (i, value) in values.enumerated() {
            // A match jumps over the remaining comparisons and the skip; the last mismatch skips the body.
            let remaining = values.count - 1 - i
            code.append(.jumpIfEqual(value, true: UInt8(remaining + 1), false: 0))
        }
        code.append(.init(code: BPFInstruction.jmp | BPFInstruction.ja, k: UInt32(body.count)))
        return code + body
    }

    /// `load`, then `then` only when A & mask == 0.
    private static func guarded(by load: [BPFInstruction], jset mask: UInt32, then body: [BPFInstruction]) -> [BPFInstruction] {
        load + [.init(code: BPFInstruction.jmp | BPFInstruction.jset, jumpIfTrue: 0, jumpIfFalse: 1, k: mask),
                .init(code: BPFInstruction.jmp | BPFInstruction.ja, k: UInt32(body.count))] + body
    }
}
