import Testing
@testable import Packets

/// Frames for the hash: an Ethernet header, then an IPv4 or IPv6 header and a UDP/TCP header.
enum HashFrames {
    static func ethernet(dst: UInt8 = 1, src: UInt8 = 2, type: UInt16) -> [UInt8] {
        [0x02, 0, 0, 0, 0, dst, 0x02, 0, 0, 0, 0, src, UInt8(type >> 8), UInt8(type & 0xff)]
    }
    static func ipv4(src: UInt8 = 1, dst: UInt8 = 2, proto: UInt8 = 17, fragment: UInt16 = 0, ihl: UInt8 = 5,
                     sport: UInt16 = 1000, dport: UInt16 = 2000, srcMAC: UInt8 = 2) -> [UInt8] {
        var f = ethernet(src: srcMAC, type: 0x0800)
        f += [0x40 | ihl, 0, 0, 40, 0, 0, UInt8(fragment >> 8), UInt8(fragment & 0xff), 64, proto, 0, 0,
              192, 0, 2, src, 198, 51, 100, dst]
        f += [UInt8](repeating: 0xee, count: (Int(ihl) - 5) * 4)   // options
        f += [UInt8(sport >> 8), UInt8(sport & 0xff), UInt8(dport >> 8), UInt8(dport & 0xff), 0, 8, 0, 0]
        return f
    }
    static func ipv6(src: UInt8 = 1, dst: UInt8 = 2, next: UInt8 = 6, sport: UInt16 = 1000, dport: UInt16 = 2000) -> [UInt8] {
        var f = ethernet(type: 0x86dd)
        f += [0x60, 0, 0, 0, 0, 20, next, 64]
        f += [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [src]
        f += [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [dst]
        f += [UInt8(sport >> 8), UInt8(sport & 0xff), UInt8(dport >> 8), UInt8(dport & 0xff)] + [UInt8](repeating: 0, count: 16)
        return f
    }

    static func word(_ f: [UInt8], _ at: Int) -> UInt32 { f[at..<(at + 4)].reduce(0) { $0 << 8 | UInt32($1) } }
    static func half(_ f: [UInt8], _ at: Int) -> UInt32 { UInt32(f[at]) << 8 | UInt32(f[at + 1]) }
}

@Suite("transmit hash (bpf_hash_func)")
struct TransmitHashTests {
    typealias F = HashFrames

    @Test("the default eth, ipv4, ipv6 hash is the XOR of the MAC and IP address words")
    func defaultHash() {
        let program = BPFProgram.transmitHash([.eth, .ipv4, .ipv6])
        let v4 = F.ipv4()
        let macs = F.half(v4, 0) ^ F.word(v4, 2) ^ F.half(v4, 6) ^ F.word(v4, 8)
        #expect(program.run(on: v4) == macs ^ F.word(v4, 26) ^ F.word(v4, 30))
        let v6 = F.ipv6()
        let addresses = (0..<8).reduce(UInt32(0)) { $0 ^ F.word(v6, 22 + 4 * $1) }
        #expect(program.run(on: v6) == F.half(v6, 0) ^ F.word(v6, 2) ^ F.half(v6, 6) ^ F.word(v6, 8) ^ addresses)
        let arp = F.ethernet(type: 0x0806) + [UInt8](repeating: 7, count: 28)
        #expect(program.run(on: arp) == F.half(arp, 0) ^ F.word(arp, 2) ^ F.half(arp, 6) ^ F.word(arp, 8))
    }

    @Test("each field set reacts to its fields only", arguments: [
        // (fields, frame A, frame B, hashes differ)
        ([TransmitHashField.eth], F.ipv4(srcMAC: 2), F.ipv4(srcMAC: 3), true),
        ([.eth], F.ipv4(src: 1), F.ipv4(src: 9), false),
        ([.ipv4], F.ipv4(src: 1), F.ipv4(src: 9), true),
        ([.ipv4], F.ipv4(srcMAC: 2), F.ipv4(srcMAC: 3), false),
        ([.ipv4], F.ipv6(src: 1), F.ipv6(src: 9), false),
        ([.l3], F.ipv6(src: 1), F.ipv6(src: 9), true),
        ([.ip], F.ipv4(dst: 1), F.ipv4(dst: 9), true),
        ([.udp], F.ipv4(sport: 1000), F.ipv4(sport: 1001), true),
        ([.udp], F.ipv4(dport: 2000), F.ipv4(dport: 2001), true),
        ([.tcp], F.ipv4(sport: 1000), F.ipv4(sport: 1001), false),
        ([.l4], F.ipv4(proto: 6, sport: 1000), F.ipv4(proto: 6, sport: 1001), true),
        ([.sctp], F.ipv4(proto: 132, dport: 1), F.ipv4(proto: 132, dport: 2), true),
        ([.l4], F.ipv4(ihl: 6, dport: 1), F.ipv4(ihl: 6, dport: 2), true),
        ([.l4], F.ipv4(fragment: 0x0010, dport: 1), F.ipv4(fragment: 0x0010, dport: 2), false),
        ([.l4], F.ipv6(next: 6, sport: 1), F.ipv6(next: 6, sport: 2), true),
        ([.l4], F.ipv6(next: 17, dport: 1), F.ipv6(next: 17, dport: 2), true),
        ([.tcp], F.ipv6(next: 17, dport: 1), F.ipv6(next: 17, dport: 2), false),
        ([.l4], F.ipv4(src: 1), F.ipv4(src: 9), false),
    ] as [([TransmitHashField], [UInt8], [UInt8], Bool)])
    func fields(fields: [TransmitHashField], a: [UInt8], b: [UInt8], differ: Bool) {
        let program = BPFProgram.transmitHash(fields)
        #expect((program.run(on: a) != program.run(on: b)) == differ)
    }

    @Test("the l4 hash of an IPv4 UDP packet is the XOR of its ports; vlan adds the tag")
    func exactValues() {
        let udp = F.ipv4(ihl: 6, sport: 0x1234, dport: 0x0f0f)
        #expect(BPFProgram.transmitHash([.l4]).run(on: udp) == 0x1234 ^ 0x0f0f)
        #expect(BPFProgram.transmitHash([.vlan]).run(on: udp, vlanTag: 100) == 100)
        #expect(BPFProgram.transmitHash([.vlan]).run(on: udp) == 0)
        #expect(BPFProgram.transmitHash([]).run(on: udp) == 0, "an empty recipe hashes everything to 0")
    }

    @Test("short frames never read past the end: the program returns 0 or the hash so far, never traps")
    func shortFrames() {
        let program = BPFProgram.transmitHash(TransmitHashField.allCases)
        let full = F.ipv4()
        for length in 0..<full.count { _ = program.run(on: Array(full.prefix(length))) }
        #expect(program.instructions.count < 4096, "BPF_MAXINSNS")
    }
}
