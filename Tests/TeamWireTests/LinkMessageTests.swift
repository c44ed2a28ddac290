import Testing
import NetlinkCodec
@testable import TeamWire
import TestSupport
import Packets

// Built by hand from include/uapi/linux/rtnetlink.h and if_link.h (not captured).

@Suite struct LinkMessageTests {
    @Test func createTeamRequestBytes() throws {
        let request = LinkMessage.create(name: "team0", kind: "team", address: EthernetAddress(bytes: [0x02, 0, 0, 0, 0, 1])!)
        #expect(try request.encode() == [
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,        // ifinfomsg
            10, 0, 3, 0, 0x74, 0x65, 0x61, 0x6d, 0x30, 0, 0, 0,    // IFLA_IFNAME "team0"
            10, 0, 1, 0, 2, 0, 0, 0, 0, 1, 0, 0,                   // IFLA_ADDRESS
            16, 0, 18, 0, 9, 0, 1, 0, 0x74, 0x65, 0x61, 0x6d, 0, 0, 0, 0, // IFLA_LINKINFO { KIND "team" }
        ])
    }

    @Test func changeRequestSetsOnlyWhatIsGiven() throws {
        let up = LinkMessage.change(index: 9, up: true)
        #expect(up.info == InterfaceInfo(index: 9, flags: .up, change: .up))
        #expect(up.attributes.isEmpty)
        let down = LinkMessage.change(index: 9, up: false)
        #expect(down.info.flags == [])
        #expect(down.info.change == .up)
        let release = LinkMessage.change(index: 9, master: 0)
        #expect(release.master == 0)
        #expect(try release.encode().count == 16 + 8)
        let carrier = LinkMessage.change(index: 3, carrier: true)
        #expect(carrier.carrier == true)
    }

    @Test func linkRoundTripsWithTypedFields() throws {
        let link = Link(index: 12, name: "eth1", flags: [.up, .broadcast, .multicast, .lowerUp, .running, .slave],
                        address: EthernetAddress(bytes: [0x52, 0x54, 0, 0x12, 0x34, 0x56])!, mtu: 1500, master: 11, carrier: true,
                        operationalState: .up, kind: "veth", slaveKind: "team")
        let bytes = try link.message.message(type: RouteMessageType.newLink, flags: []).encode()
        let decoded = try LinkMessage.decode(try NetlinkMessage.decode(bytes))
        #expect(decoded.link == link)
        #expect(try decoded.encode() == link.message.encode())
    }

    @Test func unknownAttributesAreKeptInOrder() throws {
        var message = Link(index: 1, name: "lo").message
        message.attributes.insert(NetlinkAttribute(type: 7, payload: Array(repeating: 0xaa, count: 36)), at: 0)
        let decoded = try LinkMessage.decode(message.encode())
        #expect(decoded == message)
        #expect(decoded.name == "lo")
    }

    @Test func shortInterfaceInfoIsTruncated() {
        #expect(throws: NetlinkError.self) { try LinkMessage.decode([0, 0, 1, 0]) }
    }

    @Test func onlyASixOctetAddressIsAMAC() {
        var writer = AttributeWriter()
        writer.append(type: LinkAttribute.address, bytes: [UInt8](repeating: 0x80, count: 20))  // InfiniBand's length
        let message = LinkMessage(info: InterfaceInfo(index: 4), attributes: try! NetlinkAttribute.decodeAll(writer.bytes))
        #expect(message.address?.count == 20)
        #expect(message.link.address == nil)
    }

    @Test("fuzz: mutated link messages never trap; what decodes re-encodes to itself and its typed view is stable")
    func decodeFuzz() throws {
        let links = [
            Link(index: 12, name: "eth1", flags: [.up, .broadcast, .multicast, .lowerUp, .running, .slave],
                 address: EthernetAddress(bytes: [0x52, 0x54, 0, 0x12, 0x34, 0x56])!, mtu: 1500, master: 11, carrier: true,
                 operationalState: .up, kind: "veth", slaveKind: "team"),
            Link(index: 11, name: "team0", flags: [.up, .master], address: EthernetAddress(bytes: [2, 0, 0, 0, 0, 1])!, mtu: 9000,
                 carrier: false, operationalState: .down, kind: "team"),
            Link(index: 1, name: "lo", flags: [.up, .loopback], type: 772),
        ]
        let seeds = try links.map { try $0.message.encode() }
            + [LinkMessage.create(name: "team0", kind: "team", address: EthernetAddress(bytes: [2, 0, 0, 0, 0, 1])!).encode(),
               try LinkMessage.change(index: 9, master: 3, address: EthernetAddress(bytes: [2, 1, 2, 3, 4, 5])!, up: true, carrier: true).encode()]
        var random = SeededGenerator(seed: 0x11a7)
        var decoded = 0
        for round in 0..<4000 {
            let bytes = random.mutate(seeds[round % seeds.count], headerBias: 40)
            guard let message = try? LinkMessage.decode(bytes) else { continue }
            decoded += 1
            let again = try LinkMessage.decode(message.encode())
            #expect(again == message)
            #expect(try again.encode() == message.encode())
            // The typed view survives its own encoding.
            let link = message.link
            #expect(try LinkMessage.decode(link.message.encode()).link == link)
        }
        #expect(decoded >= 800, "decoded: \(decoded)")
    }
}
