import Packets
import Testing

/// The filters run on the captured frames as the kernel shows them to a SOCK_RAW packet socket: the VLAN
/// tag taken off the bytes and into the metadata.
@Suite struct SocketFilterTests {
    /// What a packet socket reads: the frame without its 802.1Q tag, and the metadata.
    func received(_ frame: [UInt8]) -> ([UInt8], SocketFilter.Metadata) {
        let metadata = SocketFilter.Metadata(frame: frame)
        guard metadata.vlanTag != nil else { return (frame, metadata) }
        return (Array(frame[0 ..< 12] + frame[16...]), metadata)
    }

    func accepts(_ filter: SocketFilter, _ frame: [UInt8]) -> Bool {
        let (bytes, metadata) = received(frame)
        return filter.run(on: bytes, metadata: metadata) != 0
    }

    @Test func untaggedARPFilter() {
        let filter = SocketFilter.arpReplies(vlanID: nil)
        #expect(accepts(filter, CapturedFrames.arpProbeReply))
        #expect(accepts(filter, CapturedFrames.arpProbe)) // requests count when not validating
        #expect(!accepts(filter, CapturedFrames.arpTaggedReply))
        #expect(!accepts(filter, CapturedFrames.neighborAdvertisement))
        var rarp = CapturedFrames.arpProbeReply
        rarp[21] = 4 // op 4, a RARP reply
        #expect(!accepts(filter, rarp))
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

    @Test func advertisementFilter() {
        let filter = SocketFilter.neighborAdvertisements()
        #expect(accepts(filter, CapturedFrames.neighborAdvertisement))
        #expect(!accepts(filter, CapturedFrames.neighborSolicitation))
        #expect(!accepts(filter, CapturedFrames.arpProbeReply))
        #expect(!accepts(filter, Array(CapturedFrames.neighborAdvertisement.prefix(40))))
    }

    @Test func dgramOffsetsReadTheNetworkHeader() {
        let (bytes, metadata) = received(CapturedFrames.arpProbeReply)
        #expect(SocketFilter.arpReplies(vlanID: nil, linkHeaderLength: 0).run(on: Array(bytes[14...]), metadata: metadata) != 0)
    }

    /// The C teamd's arp_vlan_rpl_flt, instruction by instruction (teamd_lw_arp_ping.c), on SOCK_DGRAM.
    @Test func taggedFilterHasTheCTeamdsShape() {
        let codes = SocketFilter.arpReplies(vlanID: 7, linkHeaderLength: 0).instructions.map(\.code)
        #expect(codes == [0x30, 0x15, 0x30, 0x15, 0x30, 0x54, 0x15, 0x28, 0x15, 0x15, 0x06, 0x06])
        let vid = SocketFilter.arpReplies(vlanID: 7, linkHeaderLength: 0).instructions[6]
        #expect(vid.k == 7 && vid.jumpIfFalse == 4)
        #expect(SocketFilter.Instruction(code: 0x15, jumpIfTrue: 1, jumpIfFalse: 2, k: 0x0806).bytes
                == [0x15, 0x00, 0x01, 0x02, 0x06, 0x08, 0x00, 0x00])
    }

    @Test func badProgramsDropInsteadOfTrapping() {
        let outOfRange = SocketFilter([SocketFilter.Instruction(code: 0x20, k: 1000), SocketFilter.Instruction(code: 0x06, k: 1)])
        #expect(outOfRange.run(on: [1, 2, 3], metadata: .init(etherType: 0)) == 0)
        let unknown = SocketFilter([SocketFilter.Instruction(code: 0xffff, k: 0)])
        #expect(unknown.run(on: [], metadata: .init(etherType: 0)) == 0)
        let jumpAway = SocketFilter([SocketFilter.Instruction(code: 0x05, k: 0xffff_ffff)])
        #expect(jumpAway.run(on: [], metadata: .init(etherType: 0)) == 0)
    }
}
