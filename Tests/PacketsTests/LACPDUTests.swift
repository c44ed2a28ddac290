import Testing
@testable import Packets
import TestSupport

@Suite("LACPDU codec against captured frames")
struct LACPDUTests {
    static let teamdMAC = EthernetAddress(bytes: [0xee, 0x15, 0x72, 0x1a, 0xeb, 0xc8])!
    static let partnerMAC = EthernetAddress(bytes: [0x76, 0xfb, 0xab, 0x16, 0xdf, 0x82])!

    @Test("a C teamd LACPDU in sync decodes field by field and encodes back to the same bytes")
    func teamdInSync() throws {
        let frame = CapturedLACPDU.teamdInSync
        #expect(frame.count == EthernetHeader.length + LACPDU.length)
        let (header, pdu) = try LACPDU.decode(frame: frame)
        #expect(header == EthernetHeader(destination: .slowProtocolsMulticast, source: Self.teamdMAC,
                                         etherType: EtherType.slowProtocols))
        #expect(pdu.version == 1)
        #expect(pdu.actor == LACPInfo(systemPriority: 65535, system: Self.teamdMAC, key: 0, portPriority: 10, port: 3,
                                      state: [.activity, .timeout, .aggregation, .synchronization, .collecting, .distributing]))
        #expect(pdu.partner == LACPInfo(systemPriority: 65535, system: Self.partnerMAC, key: 0, portPriority: 255, port: 2,
                                        state: LACPState(rawValue: 0x3f)))
        #expect(pdu.collectorMaxDelay == 0)
        #expect(pdu.frame(source: header.source) == frame)
    }

    @Test("every captured frame round-trips byte for byte", arguments: [
        CapturedLACPDU.teamdFirst, CapturedLACPDU.teamdInSync, CapturedLACPDU.bondingDefaulted,
        CapturedLACPDU.teamdExpired, CapturedLACPDU.bondingInSync,
    ])
    func roundTrip(frame: [UInt8]) throws {
        let (header, pdu) = try LACPDU.decode(frame: frame)
        #expect(pdu.frame(source: header.source) == frame)
    }

    @Test("bonding's defaulted partner and key, and teamd's EXPIRED state bits")
    func bondingValues() throws {
        let bonding = try LACPDU.decode(frame: CapturedLACPDU.bondingDefaulted).pdu
        #expect(bonding.actor.key == 15)
        #expect(bonding.actor.state == [.activity, .timeout, .aggregation, .defaulted])
        #expect(bonding.partner == LACPInfo(systemPriority: 65535, system: .zero, key: 1, portPriority: 255, port: 1, state: []))
        let teamd = try LACPDU.decode(frame: CapturedLACPDU.teamdExpired).pdu
        #expect(teamd.actor.state == [.activity, .timeout, .aggregation, .synchronization, .expired])
        #expect(teamd.partner.system == Self.partnerMAC)
        let first = try LACPDU.decode(frame: CapturedLACPDU.teamdFirst).pdu
        #expect(first.partner == LACPInfo(state: .timeout))
    }

    @Test("malformed frames give typed errors")
    func errors() {
        let good = CapturedLACPDU.teamdInSync
        #expect(throws: PacketError.truncated(what: "Ethernet header", needed: 14, got: 10)) {
            try LACPDU.decode(frame: good.prefix(10))
        }
        #expect(throws: PacketError.truncated(what: "LACPDU", needed: 110, got: 50)) {
            try LACPDU.decode(frame: good.prefix(64))
        }
        var arp = good; arp[12] = 0x08; arp[13] = 0x06
        #expect(throws: PacketError.unexpectedEtherType(0x0806)) { try LACPDU.decode(frame: arp) }
        var marker = good; marker[14] = 2
        #expect(throws: PacketError.unexpectedSubtype(2)) { try LACPDU.decode(frame: marker) }
        var actorLength = good; actorLength[17] = 19
        #expect(throws: PacketError.badTLVLength(tlv: "actor", length: 19, expected: 20)) { try LACPDU.decode(frame: actorLength) }
        var terminator = good; terminator[14 + 59] = 2
        #expect(throws: PacketError.badTLVLength(tlv: "terminator", length: 2, expected: 0)) { try LACPDU.decode(frame: terminator) }
    }

    @Test("version, TLV types and reserved bytes are not checked (802.3ad 43.4.12); padding is ignored")
    func tolerant() throws {
        var frame = CapturedLACPDU.teamdInSync
        frame[15] = 2          // version
        frame[16] = 9          // actor TLV type
        frame[14 + 109] = 0xaa // last reserved byte
        frame[14 + 61] = 0x55  // a reserved byte after the terminator (once taken for its length)
        frame[14 + 58] = 7     // terminator TLV type
        frame += [0, 0, 0, 0]  // padding
        let pdu = try LACPDU.decode(frame: frame).pdu
        #expect(pdu.version == 2)
        #expect(pdu.actor.port == 3)
    }

    @Test("fuzz: random and mutated bytes never trap; what decodes re-encodes to what decodes the same")
    func fuzz() {
        var rng = SeededGenerator(seed: 0x1ac9)
        let seeds = [CapturedLACPDU.teamdFirst, CapturedLACPDU.bondingDefaulted, CapturedLACPDU.teamdExpired]
        var decoded = 0
        for round in 0..<5000 {
            var bytes: [UInt8]
            if round % 3 == 0 {
                bytes = (0..<Int(rng.next() % 160)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            } else {
                bytes = seeds[round % seeds.count]
                for _ in 0..<(1 + Int(rng.next() % 6)) where !bytes.isEmpty {
                    bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
                }
                if rng.next() % 4 == 0 { bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count + 1)))) }
            }
            guard let (header, pdu) = try? LACPDU.decode(frame: bytes) else { continue }
            decoded += 1
            let again = try? LACPDU.decode(frame: pdu.frame(source: header.source))
            #expect(again?.pdu == pdu)
            #expect(again?.header == EthernetHeader(destination: .slowProtocolsMulticast, source: header.source,
                                                    etherType: EtherType.slowProtocols))
        }
        #expect(decoded > 100, "the mutations should leave many frames decodable")
    }

    @Test("addresses print as teamd prints them")
    func addressText() {
        #expect(Self.partnerMAC.description == "76:fb:ab:16:df:82")
        #expect(EthernetAddress.slowProtocolsMulticast.description == "01:80:c2:00:00:02")
        #expect(EthernetAddress(bytes: [1, 2, 3]) == nil)
    }
}
