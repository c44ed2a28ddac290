import Packets
import Testing

/// The ping watchers' filters run on the captured frames as the kernel shows them to a SOCK_RAW packet
/// socket: the VLAN tag taken off the bytes and into the metadata.
@Suite struct PingFilterTests {
    /// What a packet socket reads: the frame without its 802.1Q tag, and the metadata.
    func received(_ frame: [UInt8], packetType: UInt8 = 0) -> ([UInt8], BPFMetadata) {
        let metadata = BPFMetadata(receivedFrame: frame, packetType: packetType)
        guard metadata.vlanTag != nil else { return (frame, metadata) }
        return (Array(frame[0 ..< 12] + frame[16...]), metadata)
    }

    func accepts(_ filter: BPFProgram, _ frame: [UInt8], packetType: UInt8 = 0) -> Bool {
        let (bytes, metadata) = received(frame, packetType: packetType)
        return filter.run(on: bytes, metadata: metadata) != 0
    }

    @Test func untaggedARPFilter() {
        let filter = BPFProgram.arpReplies(vlanID: nil)
        #expect(accepts(filter, CapturedFrames.arpProbeReply))
        #expect(accepts(filter, CapturedFrames.arpProbe)) // requests count when not validating
        #expect(!accepts(filter, CapturedFrames.arpTaggedReply))
        #expect(!accepts(filter, CapturedFrames.neighborAdvertisement))
        var rarp = CapturedFrames.arpProbeReply
        rarp[21] = 4 // op 4, a RARP reply
        #expect(!accepts(filter, rarp))
        // A tag with VID 0 (priority only) counts as untagged.
        var priorityOnly = CapturedFrames.arpTaggedReply
        priorityOnly[14] = 0xa0
        priorityOnly[15] = 0
        #expect(accepts(filter, priorityOnly))
    }

    @Test func taggedARPFilterTakesOnlyItsVLAN() {
        #expect(accepts(.arpReplies(vlanID: 100), CapturedFrames.arpTaggedReply))
        #expect(!accepts(.arpReplies(vlanID: 101), CapturedFrames.arpTaggedReply))
        #expect(!accepts(.arpReplies(vlanID: 100), CapturedFrames.arpProbeReply))
        // The priority bits of the TCI do not matter (libteam 337125c masks the VID).
        var priority = CapturedFrames.arpTaggedReply
        priority[14] |= 0xa0
        #expect(accepts(.arpReplies(vlanID: 100), priority))
    }

    @Test func framesTheHostSendsAreNotAnswers() {
        #expect(!accepts(.arpReplies(vlanID: nil), CapturedFrames.arpProbe, packetType: BPFMetadata.outgoing))
        #expect(!accepts(.arpReplies(vlanID: 100), CapturedFrames.arpTaggedReply, packetType: BPFMetadata.outgoing))
        #expect(!accepts(.neighborAdvertisements(), CapturedFrames.neighborAdvertisement, packetType: BPFMetadata.outgoing))
    }

    @Test func advertisementFilter() {
        let filter = BPFProgram.neighborAdvertisements()
        #expect(accepts(filter, CapturedFrames.neighborAdvertisement))
        #expect(!accepts(filter, CapturedFrames.neighborSolicitation))
        #expect(!accepts(filter, CapturedFrames.arpProbeReply))
        #expect(!accepts(filter, Array(CapturedFrames.neighborAdvertisement.prefix(40))))
    }

    @Test func dgramOffsetsReadTheNetworkHeader() {
        let (bytes, metadata) = received(CapturedFrames.arpProbeReply)
        #expect(BPFProgram.arpReplies(vlanID: nil, linkHeaderLength: 0).run(on: Array(bytes[14...]), metadata: metadata) != 0)
        #expect(BPFProgram.arpReplies(vlanID: nil, linkHeaderLength: 0).run(on: Array(bytes[14...].prefix(7)), metadata: metadata) == 0)
    }

    /// The C teamd's arp_vlan_rpl_flt (teamd_lw_arp_ping.c) after our two-instruction outgoing check.
    @Test func taggedFilterHasTheCTeamdsShape() {
        let program = BPFProgram.arpReplies(vlanID: 7, linkHeaderLength: 0).instructions
        #expect(program.dropFirst(2).map(\.code) == [0x30, 0x15, 0x30, 0x15, 0x30, 0x54, 0x15, 0x28, 0x15, 0x15, 0x06, 0x06])
        #expect(program[8].k == 7 && program[8].jumpIfFalse == 4)
        #expect(program[3].k == 0x0806)
    }

    @Test func metadataLoadsBeyondTheKnownOnesDrop() {
        let program = BPFProgram([.loadByte(at: BPFMetadata.base + 200), .accept(1)])
        #expect(program.run(on: [1, 2, 3], metadata: BPFMetadata(etherType: 0x0806)) == 0)
    }
}
