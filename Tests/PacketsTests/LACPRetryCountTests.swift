import Testing
@testable import Packets
import TestSupport

/// SONiC's version 0xf1 LACPDU. No capture of SONiC's teamd is at hand, so the fixture is built from the
/// documented layout: sonic-net/SONiC doc/lag/"Increasing LACP PDU timeout during warm-reboot.md" (the
/// table "The packet structure for LACP version 0xf1", offsets counted from the version byte) and
/// sonic-buildimage src/libteam/patch/0015-add-support-for-custom-retry.patch (struct lacpdu's v2 union:
/// actor_retry_tlv_type 0x80, length 0x04, count, one reserved byte; the same for the partner with 0x81;
/// the terminator; 42 reserved bytes). It is the captured C teamd frame `CapturedLACPDU.teamdInSync` with
/// the HLD's three changes applied: version 0x01 -> 0xf1, the two TLVs after the collector TLV (actor count
/// 5, partner count 3), the padding down from 50 to 42 bytes.
enum SONiCRetryCountLACPDU {
    static let actor5Partner3 = CapturedLACPDU.hex("""
        0180c2000002ee15721aebc8880901f10114ffffee15721aebc80000000a00033f0000000214ffff76fbab16df820000
        00ff00023f00000003100000000000000000000000000000800405008104030000000000000000000000000000000000
        00000000000000000000000000000000000000000000000000000000
        """)
}

@Suite("LACPDU version 0xf1: SONiC's retry-count TLVs")
struct LACPRetryCountTests {
    @Test("the HLD's layout decodes: version 0xf1, actor count 5, partner count 3, v1 fields where they were")
    func decodeFixture() throws {
        let (header, pdu) = try LACPDU.decode(frame: SONiCRetryCountLACPDU.actor5Partner3)
        #expect(pdu.version == 0xf1)
        #expect(pdu.retryCounts == LACPRetryCounts(actor: 5, partner: 3))
        let v1 = try LACPDU.decode(frame: CapturedLACPDU.teamdInSync).pdu
        #expect(pdu.actor == v1.actor && pdu.partner == v1.partner && pdu.collectorMaxDelay == v1.collectorMaxDelay)
        #expect(pdu.frame(source: header.source) == SONiCRetryCountLACPDU.actor5Partner3)
    }

    @Test("encoding with retry counts gives the HLD's bytes; without, the version 1 bytes")
    func encode() throws {
        let v1 = try LACPDU.decode(frame: CapturedLACPDU.teamdInSync)
        var pdu = v1.pdu
        #expect(pdu.retryCounts == nil)
        pdu = LACPDU(actor: pdu.actor, partner: pdu.partner, retryCounts: LACPRetryCounts(actor: 5, partner: 3))
        #expect(pdu.version == LACPDU.retryCountVersion)
        let frame = pdu.frame(source: v1.header.source)
        #expect(frame == SONiCRetryCountLACPDU.actor5Partner3)
        #expect(frame.count == EthernetHeader.length + LACPDU.length, "the same 110 bytes as version 1")
        // HLD offsets from the version byte: 57 actor type, 58 length, 59 count; 61, 62, 63 the partner's;
        // 65 and 66 the terminator.
        let v = EthernetHeader.length + 1
        #expect(Array(frame[(v + 57)...(v + 59)]) == [0x80, 4, 5])
        #expect(Array(frame[(v + 61)...(v + 63)]) == [0x81, 4, 3])
        #expect(Array(frame[(v + 65)...(v + 66)]) == [0, 0])
        #expect(LACPDU(actor: pdu.actor, partner: pdu.partner, version: 0xf1).retryCounts
                == LACPRetryCounts(actor: 3, partner: 3), "a 0xf1 LACPDU always carries both TLVs")
    }

    @Test("a 0xf1 LACPDU with a wrong retry-count or terminator length is malformed (SONiC's lacpdu_check)")
    func malformed() {
        let good = SONiCRetryCountLACPDU.actor5Partner3
        for (offset, name, expected) in [(59, "actor retry count", 4), (63, "partner retry count", 4), (67, "terminator", 0)] {
            var bad = good
            bad[EthernetHeader.length + offset] = 7
            #expect(throws: PacketError.badTLVLength(tlv: name, length: 7, expected: UInt8(expected))) {
                try LACPDU.decode(frame: bad)
            }
        }
        // Read as version 1, the same bytes would have no terminator where version 1 has it.
        var asV1 = good
        asV1[EthernetHeader.length + 1] = 1
        #expect(throws: PacketError.badTLVLength(tlv: "terminator", length: 4, expected: 0)) { try LACPDU.decode(frame: asV1) }
    }

    @Test("fuzz: mutated 0xf1 frames never trap; what decodes re-encodes to the same value")
    func fuzz() {
        var rng = SeededGenerator(seed: 0xf1f1)
        var decoded = 0
        for _ in 0..<3000 {
            var bytes = SONiCRetryCountLACPDU.actor5Partner3
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            guard let (header, pdu) = try? LACPDU.decode(frame: bytes) else { continue }
            decoded += 1
            #expect((try? LACPDU.decode(frame: pdu.frame(source: header.source)))?.pdu == pdu)
        }
        #expect(decoded > 100)
    }
}
