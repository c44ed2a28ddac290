import Packets
import Testing
import TestSupport

@Suite struct NeighborDiscoveryTests {
    let target = IPv6Address(bytes: [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2])!

    @Test func capturedSolicitationDecodes() throws {
        let ns = try NeighborDiscoveryFrame(decoding: CapturedFrames.neighborSolicitation)
        #expect(ns.message.type == ICMPv6.neighborSolicitation)
        #expect(ns.message.target == target)
        #expect(ns.ip.hopLimit == 255)
        #expect(ns.ip.destination.description == "ff02::1:ff00:2")
        #expect(ns.ethernet.destination.description == "33:33:ff:00:00:02")
        #expect(ns.message.linkLayerAddress(NeighborDiscoveryOption.sourceLinkLayerAddress) == ns.ethernet.source)
    }

    /// Ours is the C teamd's solicitation but for the flow label the kernel chose for its raw socket.
    @Test func oursEqualsTheCapturedSolicitationUpToTheFlowLabel() throws {
        var captured = try NeighborDiscoveryFrame(decoding: CapturedFrames.neighborSolicitation)
        let ours = NeighborDiscoveryFrame.solicitation(for: target, source: captured.ip.source,
                                                       sourceMAC: captured.ethernet.source)
        #expect(captured.ip.flowLabel != 0)
        captured.ip.flowLabel = 0
        #expect(ours == captured)
        // The checksum does not cover the flow label, so the ICMPv6 bytes are the captured ones.
        #expect(Array(ours.encoded().suffix(32)) == Array(CapturedFrames.neighborSolicitation.suffix(32)))
        #expect(try NeighborDiscoveryFrame(decoding: ours.encoded()) == ours)
    }

    @Test func capturedAdvertisementDecodesWithItsChecksum() throws {
        let na = try NeighborDiscoveryFrame(decoding: CapturedFrames.neighborAdvertisement)
        #expect(na.message.type == ICMPv6.neighborAdvertisement)
        #expect(na.message.target == target)
        #expect(na.message.isSolicited)
        #expect(na.message.linkLayerAddress(NeighborDiscoveryOption.targetLinkLayerAddress) == na.ethernet.source)
        #expect(na.encoded() == CapturedFrames.neighborAdvertisement)
    }

    @Test func aFlippedBitFailsTheChecksum() {
        var bytes = CapturedFrames.neighborAdvertisement
        bytes[14 + 40 + 8 + 15] ^= 0x01 // a bit of the target address
        #expect {
            try NeighborDiscoveryFrame(decoding: bytes)
        } throws: { error in
            if case PacketError.badChecksum = error { return true }
            return false
        }
    }

    @Test func payloadLengthBeyondTheFrameIsTruncated() {
        var bytes = CapturedFrames.neighborAdvertisement
        bytes[14 + 5] = 40 // payload length 40, 32 present
        #expect(throws: PacketError.truncated(what: "IPv6 payload", needed: 80, got: 72)) {
            try NeighborDiscoveryFrame(decoding: bytes)
        }
    }

    @Test func zeroLengthOptionIsRefused() {
        var message: [UInt8] = [136, 0, 0, 0, 0x60, 0, 0, 0] + target.bytes + [2, 0, 0, 0, 0, 0, 0, 0]
        let source = target, destination = IPv6Address.unspecified
        let sum = ICMPv6.checksum(source: source, destination: destination, message: message)
        message[2] = UInt8(sum >> 8)
        message[3] = UInt8(sum & 0xff)
        #expect(throws: PacketError.unexpectedValue(field: "ND option length", value: 0)) {
            try NeighborDiscoveryMessage(decoding: message, source: source, destination: destination)
        }
    }

    @Test func otherICMPv6TypesAndIPVersionsAreRefused() {
        var echo = CapturedFrames.neighborAdvertisement
        echo[14 + 40] = 128
        #expect(throws: PacketError.unexpectedValue(field: "ICMPv6 type", value: 128)) {
            try NeighborDiscoveryFrame(decoding: echo)
        }
        var v4 = CapturedFrames.neighborAdvertisement
        v4[14] = 0x45
        #expect(throws: PacketError.unexpectedValue(field: "IPv6 version", value: 4)) {
            try NeighborDiscoveryFrame(decoding: v4)
        }
    }
}

/// Decode → encode → decode on mutated captures: whatever the bytes, decoding throws a typed error or
/// gives a value that encodes to bytes decoding to the same value. Never a trap.
@Suite struct ProbeFuzzTests {
    static let seeds: [[UInt8]] = [
        CapturedFrames.arpProbe, CapturedFrames.arpProbeReply, CapturedFrames.arpTaggedReply,
        CapturedFrames.neighborSolicitation, CapturedFrames.neighborAdvertisement,
    ]

    @Test func arpRoundTripNeverTraps() throws {
        var rng = SeededGenerator(seed: 1)
        var decoded = 0
        for i in 0 ..< 4000 {
            let bytes = rng.mutate(Self.seeds[i % Self.seeds.count])
            guard let (packet, header) = try? ARPPacket.decode(frame: bytes) else { continue }
            decoded += 1
            let again = try ARPPacket.decode(frame: packet.frame(source: header.source, destination: header.destination,
                                                                 vlanID: header.vlanID))
            #expect(again.packet == packet)
            #expect(again.header == header)
        }
        #expect(decoded > 100)
    }

    @Test func neighborDiscoveryRoundTripNeverTraps() throws {
        var rng = SeededGenerator(seed: 2)
        var decoded = 0
        for i in 0 ..< 4000 {
            let bytes = rng.mutate(Self.seeds[i % Self.seeds.count])
            guard let frame = try? NeighborDiscoveryFrame(decoding: bytes) else { continue }
            decoded += 1
            #expect(try NeighborDiscoveryFrame(decoding: frame.encoded()) == frame)
        }
        #expect(decoded > 20)
    }

    @Test func filtersNeverTrapOnMutatedFrames() {
        var rng = SeededGenerator(seed: 3)
        let filters: [BPFProgram] = [.arpReplies(vlanID: nil), .arpReplies(vlanID: 100), .neighborAdvertisements()]
        var accepted = 0
        for i in 0 ..< 3000 {
            let bytes = rng.mutate(Self.seeds[i % Self.seeds.count])
            for filter in filters where filter.run(on: bytes, metadata: BPFMetadata(receivedFrame: bytes)) != 0 {
                accepted += 1
            }
        }
        // Mutations that miss the fields the filters look at still pass: the whole program runs.
        #expect(accepted >= 700, "accepted: \(accepted)")
    }
}
