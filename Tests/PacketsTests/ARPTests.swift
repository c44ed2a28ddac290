import Packets
import Testing

@Suite struct ARPTests {
    @Test func probeWithUnspecifiedSourceIsTheCTeamdsBytes() throws {
        let (packet, header) = try ARPPacket.decode(frame: CapturedFrames.arpProbe)
        #expect(header.destination == .broadcast)
        #expect(header.vlanID == nil)
        #expect(packet.operation == .request)
        #expect(packet.senderAddress == .any)
        #expect(packet.targetAddress == IPv4Address(192, 0, 2, 2))
        #expect(packet.targetMACAddress == .broadcast)
        let ours = ARPPacket.probe(from: header.source, sender: .any, target: IPv4Address(192, 0, 2, 2))
        #expect(ours.frame(source: header.source) == CapturedFrames.arpProbe)
    }

    @Test func requestWithSourceAndItsReply() throws {
        let request = try ARPPacket.decode(frame: CapturedFrames.arpRequestWithSource).packet
        #expect(request.senderAddress == IPv4Address(192, 0, 2, 1))
        let (reply, header) = try ARPPacket.decode(frame: CapturedFrames.arpReplyToSource)
        #expect(reply.operation == .reply)
        #expect(reply.senderAddress == IPv4Address(192, 0, 2, 2))
        #expect(reply.targetAddress == IPv4Address(192, 0, 2, 1))
        #expect(reply.senderMACAddress == header.source)
        #expect(reply.frame(source: header.source, destination: header.destination) == CapturedFrames.arpReplyToSource)
    }

    @Test func taggedProbeCarriesTheVLANAndEncodesToTheSameBytes() throws {
        let (packet, header) = try ARPPacket.decode(frame: CapturedFrames.arpTaggedProbe)
        #expect(header.vlanID == 100)
        #expect(header.length == 18)
        #expect(packet.targetAddress == IPv4Address(198, 51, 100, 2))
        #expect(packet.frame(source: header.source, vlanID: 100) == CapturedFrames.arpTaggedProbe)
        let reply = try ARPPacket.decode(frame: CapturedFrames.arpTaggedReply)
        #expect(reply.header.vlanID == 100 && reply.packet.operation == .reply)
    }

    @Test(arguments: [0, 1, 13, 14, 20, 41])
    func truncatedFramesAreTypedErrors(length: Int) {
        let bytes = Array(CapturedFrames.arpProbe.prefix(length))
        #expect(throws: PacketError.self) { try ARPPacket.decode(frame: bytes) }
    }

    @Test func otherHardwareOrProtocolIsRefusedNamingTheField() {
        var bytes = CapturedFrames.arpProbe
        bytes[14 + 2] = 0x86 // ar_pro 0x86dd
        bytes[14 + 3] = 0xdd
        #expect(throws: PacketError.unexpectedValue(field: "ar_pro", value: 0x86dd)) {
            try ARPPacket.decode(frame: bytes)
        }
        let ipv6 = CapturedFrames.neighborSolicitation
        #expect(throws: PacketError.unexpectedEtherType(0x86dd)) {
            try ARPPacket.decode(frame: ipv6)
        }
    }

    @Test func paddingAfterThePacketIsIgnored() throws {
        let padded = CapturedFrames.arpProbeReply + [UInt8](repeating: 0, count: 18)
        #expect(try ARPPacket.decode(frame: padded).packet == ARPPacket.decode(frame: CapturedFrames.arpProbeReply).packet)
    }
}

@Suite struct AddressTests {
    @Test(arguments: [
        ([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2] as [UInt8], "2001:db8::2"),
        ([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x88, 0x82, 0x0f, 0xff, 0xfe, 0x49, 0xdf, 0x2d], "fe80::8882:fff:fe49:df2d"),
        ([UInt8](repeating: 0, count: 16), "::"),
        ([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], "::1"),
        ([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "1::"),
        ([0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1], "1:0:0:1::1"),
        ([0, 1, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1], "1:0:1:1:1:1:1:1"),
        ([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1], "::ffff:192.0.2.1"),
    ])
    func ipv6TextIsWhatInetNtopWrites(bytes: [UInt8], text: String) throws {
        #expect(try #require(IPv6Address(bytes: bytes)).description == text)
    }

    @Test func solicitedNodeGroupAndItsMAC() throws {
        let target = try #require(IPv6Address(bytes: [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78]))
        #expect(target.solicitedNodeMulticast.description == "ff02::1:ff34:5678")
        #expect(target.solicitedNodeMulticast.multicastMACAddress.description == "33:33:ff:34:56:78")
    }

    @Test func linkLocalFromMACFlipsTheUniversalBit() throws {
        let mac = try #require(EthernetAddress(bytes: [0x8a, 0x82, 0x0f, 0x49, 0xdf, 0x2d]))
        #expect(IPv6Address.linkLocal(macAddress: mac).description == "fe80::8882:fff:fe49:df2d")
        #expect(IPv6Address(bytes: [1, 2]) == nil && IPv4Address(bytes: [1, 2, 3]) == nil)
    }
}
