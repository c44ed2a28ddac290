import Testing
import NetlinkCodec
@testable import TeamWire
import Packets

/// Decode == value and encode == bytes on messages recorded from the real kernel and the C
/// teamnl (see CapturedVectors.swift for how they were made). The values asserted are
/// what lab/scenarios/teamnl-capture.sh set up: an activebackup team0 (MAC
/// 02:00:00:00:00:10) with ports tp0 and tp1, then a loadbalance team1.
@Suite struct CapturedVectorTests {
    func team(_ bytes: [UInt8]) throws -> (NetlinkMessage, TeamMessage) {
        let message = try NetlinkMessage.decode(bytes)
        #expect(message.header.type == CapturedVectors.teamFamilyID)
        return (message, try TeamMessage.decode(message))
    }

    /// Re-encodes a decoded team message with the captured header: must give the bytes back.
    func reencoded(_ message: NetlinkMessage, _ team: TeamMessage) throws -> [UInt8] {
        try team.message(family: message.header.type, flags: message.header.flags, sequence: message.header.sequence,
                     portID: message.header.portID).encode()
    }

    @Test func controllerReplyForTeam() throws {
        let message = try NetlinkMessage.decode(CapturedVectors.controllerTeamFamily)
        #expect(message.encode() == CapturedVectors.controllerTeamFamily)
        let family = try GenericNetlinkController.parseFamily(try GenericNetlinkMessage.decode(message))
        #expect(family.name == "team")
        #expect(family.version == 1)
        #expect(family.id == CapturedVectors.teamFamilyID)
        #expect(family.maxAttribute == 3)
        #expect(family.multicastGroup(named: "change_event") != nil)
    }

    @Test func activebackupOptionsDump() throws {
        let (message, decoded) = try team(CapturedVectors.optionsDumpActivebackup)
        #expect(message.header.flags.contains(.multi))
        #expect(decoded.command == .getOptions)
        let options = try #require(decoded.options)
        #expect(options.first { $0.name == "mode" }?.value == .string("activebackup"))
        #expect(options.first { $0.name == "notify_peers_count" }?.value == .u32(0))
        guard case .u32 = options.first(where: { $0.name == "activeport" })?.value else {
            Issue.record("activeport is not a u32")
            return
        }
        let ports = Set(options.compactMap(\.portIndex))
        #expect(ports.count == 2)
        for port in ports {
            #expect(options.contains { $0.name == "enabled" && $0.portIndex == port })
            #expect(options.contains { $0.name == "priority" && $0.portIndex == port && $0.value.type == .s32 })
        }
        #expect(try reencoded(message, decoded) == CapturedVectors.optionsDumpActivebackup)
    }

    @Test func loadbalanceOptionsDumpPart() throws {
        let (message, decoded) = try team(CapturedVectors.optionsDumpLoadbalancePart)
        let options = try #require(decoded.options)
        let mapping = options.filter { $0.name == "lb_tx_hash_to_port_mapping" }
        #expect(!mapping.isEmpty)
        #expect(mapping.allSatisfy { $0.arrayIndex != nil && $0.value.type == .u32 })
        let stats = options.filter { $0.name == "lb_hash_stats" }
        #expect(stats.allSatisfy { if case .binary(let bytes) = $0.value { bytes.count == 8 } else { false } })
        #expect(try reencoded(message, decoded) == CapturedVectors.optionsDumpLoadbalancePart)
    }

    @Test func portListReply() throws {
        let (message, decoded) = try team(CapturedVectors.portListReply)
        let ports = try #require(decoded.ports)
        #expect(ports.count == 2)
        // veth ends: up at 10000 Mbit/s full duplex
        #expect(ports.allSatisfy { $0.isLinkUp && $0.speed == 10000 && $0.duplex == Duplex.full })
        #expect(try reencoded(message, decoded) == CapturedVectors.portListReply)
    }

    @Test func portChangeEvent() throws {
        let (message, decoded) = try team(CapturedVectors.portEvent)
        #expect(message.header.sequence == 0)
        #expect(message.header.portID == 0)
        #expect(decoded.ports?.count == 1)
        #expect(decoded.ports?.first?.isChanged == true)
        #expect(try reencoded(message, decoded) == CapturedVectors.portEvent)
    }

    @Test func optionChangeEvent() throws {
        let (message, decoded) = try team(CapturedVectors.optionsEventActiveport)
        #expect(message.header.sequence == 0)
        let option = try #require(decoded.options?.first)
        #expect(option.name == "activeport")
        #expect(option.isChanged)
        #expect(try reencoded(message, decoded) == CapturedVectors.optionsEventActiveport)
    }

    @Test func libteamSetRequest() throws {
        let (message, decoded) = try team(CapturedVectors.setOptionRequestLibteam)
        #expect(message.header.flags == [.request, .ack])
        #expect(decoded.command == .setOptions)
        #expect(decoded.version == 0)           // libteam puts version 0
        #expect(decoded.flagsNests)             // libnl sets NLA_F_NESTED
        let option = try #require(decoded.options?.first)
        #expect(option.name == "enabled")
        #expect(option.portIndex != nil)
        #expect(option.value == .bool(false))
        #expect(try reencoded(message, decoded) == CapturedVectors.setOptionRequestLibteam)
    }

    @Test func ourSetRequestsAreWhatTheBuilderMakes() throws {
        let (message, decoded) = try team(CapturedVectors.setOptionRequestOurs)
        let option = try #require(decoded.options?.first)
        #expect(option.name == "priority")
        #expect(option.value == .s32(-5))
        let built = try TeamMessage.setOption(teamIndex: try #require(decoded.teamIndex), id: option.id, value: .s32(-5))
            .message(family: message.header.type, flags: [.request, .ack], sequence: message.header.sequence)
        #expect(built.encode() == CapturedVectors.setOptionRequestOurs)

        let (arrayMessage, arrayDecoded) = try team(CapturedVectors.setOptionRequestArray)
        let entry = try #require(arrayDecoded.options?.first)
        #expect(entry.id.name == "lb_tx_hash_to_port_mapping")
        #expect(entry.id.arrayIndex == 7)
        #expect(try reencoded(arrayMessage, arrayDecoded) == CapturedVectors.setOptionRequestArray)
    }

    @Test func acknowledgementAndErrors() throws {
        let ack = try NetlinkAcknowledgement.decode(try NetlinkMessage.decode(CapturedVectors.acknowledgement))
        #expect(ack.isAcknowledgement)
        #expect(ack.isCapped)
        let ackMessage = try NetlinkMessage.decode(CapturedVectors.acknowledgement)
        #expect(ack.encode(sequence: ackMessage.header.sequence, portID: ackMessage.header.portID).encode()
                == CapturedVectors.acknowledgement)

        let busyMessage = try NetlinkMessage.decode(CapturedVectors.errorBusy)
        let busy = try NetlinkAcknowledgement.decode(busyMessage)
        #expect(busy.errno == 16)
        #expect(busy.request.type == CapturedVectors.teamFamilyID)
        #expect(busy.encode(sequence: busyMessage.header.sequence, portID: busyMessage.header.portID).encode()
                == CapturedVectors.errorBusy)

        let extMessage = try NetlinkMessage.decode(CapturedVectors.errorWithExtendedAck)
        let ext = try NetlinkAcknowledgement.decode(extMessage)
        #expect(ext.errno == 16)
        #expect(ext.message == "Device is up. Set it down before adding it as a team port")
        #expect(ext.request.type == RouteMessageType.setLink || ext.request.type == RouteMessageType.newLink)
        #expect(ext.encode(sequence: extMessage.header.sequence, portID: extMessage.header.portID).encode()
                == CapturedVectors.errorWithExtendedAck)
    }

    @Test func teamLinkEvent() throws {
        let message = try NetlinkMessage.decode(CapturedVectors.newLinkEventTeam)
        let link = try LinkMessage.decode(message)
        #expect(link.name == "team0")
        #expect(link.kind == "team")
        #expect(link.link.address == EthernetAddress(bytes: [0x02, 0, 0, 0, 0, 0x10]))
        #expect(link.link.type == arphrdEther)
        #expect(try link.message(type: message.header.type, flags: message.header.flags, sequence: message.header.sequence,
                             portID: message.header.portID).encode() == CapturedVectors.newLinkEventTeam)
    }

    @Test func iprouteCreateRequest() throws {
        let message = try NetlinkMessage.decode(CapturedVectors.newLinkRequestTeam)
        #expect(message.header.flags.isSuperset(of: [.request, .create, .excl]))
        let link = try LinkMessage.decode(message)
        #expect(link.name == "team0")
        #expect(link.kind == "team")
        #expect(link.link.address == EthernetAddress(bytes: [0x02, 0, 0, 0, 0, 0x10]))
        #expect(try link.message(type: message.header.type, flags: message.header.flags, sequence: message.header.sequence,
                             portID: message.header.portID).encode() == CapturedVectors.newLinkRequestTeam)
    }
}
