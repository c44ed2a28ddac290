import Testing
import NetlinkCodec
@testable import TeamWire
import TestSupport

// Vectors built by hand from include/uapi/linux/if_team.h and the attribute order of the
// kernel's team_nl_fill_one_option_get / team_nl_fill_one_port_get (not captured).

@Suite struct TeamMessageTests {
    /// TEAM_CMD_OPTIONS_GET reply for team 5: mode "roundrobin" (changed).
    let modeReply: [UInt8] = [
        2, 1, 0, 0,                                   // genlmsghdr cmd OPTIONS_GET, version 1
        8, 0, 1, 0, 5, 0, 0, 0,                       // TEAM_ATTR_TEAM_IFINDEX 5
        48, 0, 2, 0,                                  // TEAM_ATTR_LIST_OPTION (no NLA_F_NESTED)
        44, 0, 1, 0,                                  //   TEAM_ATTR_ITEM_OPTION
        9, 0, 1, 0, 0x6d, 0x6f, 0x64, 0x65, 0, 0, 0, 0, // NAME "mode"
        5, 0, 3, 0, 5, 0, 0, 0,                       //     TYPE NLA_STRING
        15, 0, 4, 0, 0x72, 0x6f, 0x75, 0x6e, 0x64, 0x72, 0x6f, 0x62, 0x69, 0x6e, 0, 0, // DATA "roundrobin"
        4, 0, 2, 0,                                   //     CHANGED
    ]

    @Test func optionsReplyDecodes() throws {
        let message = try TeamMessage.decode(try GenericNetlinkMessage.decode(modeReply))
        #expect(message.command == .getOptions)
        #expect(message.teamIndex == 5)
        #expect(message.options == [TeamOption(name: "mode", value: .string("roundrobin"), isChanged: true)])
        #expect(message.ports == nil)
        #expect(try message.encode().encode() == modeReply)
    }

    static let everyKind: [TeamOption] = [
        TeamOption(name: "mode", value: .string("loadbalance")),
        TeamOption(name: "notify_peers_count", value: .u32(3), isChanged: true),
        TeamOption(name: "priority", portIndex: 7, value: .s32(-12)),
        TeamOption(name: "enabled", portIndex: 7, value: .bool(true)),
        TeamOption(name: "user_linkup", portIndex: 8, value: .bool(false), isChanged: true),
        TeamOption(name: "lb_tx_hash_to_port_mapping", arrayIndex: 255, value: .u32(7)),
        TeamOption(name: "lb_port_stats", portIndex: 7, value: .binary([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])),
        TeamOption(name: "bpf_hash_func", value: .binary([])),
        TeamOption(name: "queue_id", portIndex: 8, value: .u32(0), isChanged: true, isRemoved: true),
        TeamOption(name: "future", value: .unknown(type: 9, data: [1, 2])),
    ]

    @Test func everyValueKindRoundTrips() throws {
        let options = Self.everyKind
        let message = TeamMessage(command: .getOptions, teamIndex: 4, options: options)
        let bytes = try message.encode().encode()
        let decoded = try TeamMessage.decode(try GenericNetlinkMessage.decode(bytes))
        #expect(decoded == message)
        #expect(try decoded.encode().encode() == bytes)
    }

    @Test func falseBoolIsSentWithoutData() throws {
        let request = TeamMessage.setOption(teamIndex: 5, id: TeamOptionID(name: "enabled", portIndex: 6), value: .bool(false))
        #expect(try request.encode().encode() == [
            1, 1, 0, 0,
            8, 0, 1, 0, 5, 0, 0, 0,
            36, 0, 2, 0,
            32, 0, 1, 0,
            12, 0, 1, 0, 0x65, 0x6e, 0x61, 0x62, 0x6c, 0x65, 0x64, 0,  // NAME "enabled"
            8, 0, 6, 0, 6, 0, 0, 0,                                     // PORT_IFINDEX 6
            5, 0, 3, 0, 6, 0, 0, 0,                                     // TYPE NLA_FLAG
        ])
    }

    @Test func setRequestForArrayOptionCarriesIndex() throws {
        let request = TeamMessage.setOption(teamIndex: 5, id: TeamOptionID(name: "lb_tx_hash_to_port_mapping", arrayIndex: 17),
                                            value: .u32(9))
        let decoded = try TeamMessage.decode(try GenericNetlinkMessage.decode(request.encode().encode()))
        #expect(decoded.command == .setOptions)
        #expect(decoded.options?.first?.id == TeamOptionID(name: "lb_tx_hash_to_port_mapping", arrayIndex: 17))
        #expect(decoded.options?.first?.value == .u32(9))
    }

    @Test func portListDecodes() throws {
        let ports = [
            TeamPortStatus(index: 6, isLinkUp: true, speed: 10000, duplex: Duplex.full, isChanged: true),
            TeamPortStatus(index: 7, isLinkUp: false, speed: 0, duplex: Duplex.half, isRemoved: true),
        ]
        let bytes = try TeamMessage(command: .getPorts, teamIndex: 5, ports: ports).encode().encode()
        // genlmsghdr, TEAM_IFINDEX, LIST_PORT header, then the first item:
        // IFINDEX, CHANGED, LINKUP, SPEED, DUPLEX
        #expect(Array(bytes[16..<52]) == [
            36, 0, 1, 0,
            8, 0, 1, 0, 6, 0, 0, 0,
            4, 0, 2, 0,
            4, 0, 3, 0,
            8, 0, 4, 0, 0x10, 0x27, 0, 0,
            5, 0, 5, 0, 1, 0, 0, 0,
        ])
        let decoded = try TeamMessage.decode(try GenericNetlinkMessage.decode(bytes))
        #expect(decoded.ports == ports)
    }

    @Test func optionWithoutNameIsRejected() {
        let bytes: [UInt8] = [2, 1, 0, 0, 16, 0, 2, 0, 12, 0, 1, 0, 5, 0, 3, 0, 3, 0, 0, 0]
        #expect(throws: NetlinkError(.missingAttribute(type: 1), operation: "decode team option")) {
            try TeamMessage.decode(try GenericNetlinkMessage.decode(bytes))
        }
    }

    @Test func u32OptionWithShortDataIsRejected() {
        var bad = TeamMessage(command: .getOptions, teamIndex: 1,
                              options: [TeamOption(name: "x", value: .unknown(type: 3, data: [1, 2]))])
        bad.version = 1
        #expect(throws: NetlinkError.self) { try TeamMessage.decode(bad.encode()) }
    }

    @Test func boolWithPayloadIsRejected() {
        let bad = TeamMessage(command: .getOptions, teamIndex: 1,
                              options: [TeamOption(name: "x", value: .unknown(type: 6, data: [1]))])
        #expect(throws: NetlinkError.self) { try TeamMessage.decode(bad.encode()) }
    }

    @Test func unknownCommandIsRejected() {
        #expect(throws: NetlinkError.self) { try TeamMessage.decode(GenericNetlinkMessage(command: 9, version: 1) { _ in }) }
    }

    @Test("random tails and mutated messages never trap; what decodes re-encodes to itself")
    func decodingNeverTrapsOnRandomBytes() throws {
        var random = SeededGenerator(seed: 42)
        let ports = [TeamPortStatus(index: 6, isLinkUp: true, speed: 10000, duplex: Duplex.full, isChanged: true),
                     TeamPortStatus(index: 7, isRemoved: true)]
        let seeds = [modeReply, try TeamMessage(command: .getOptions, teamIndex: 4, options: Self.everyKind).encode().encode(),
                     try TeamMessage(command: .getPorts, teamIndex: 5, ports: ports).encode().encode()]
        var decoded = 0
        for round in 0..<3000 {
            var bytes: [UInt8]
            if round % 3 == 0 {
                // A valid header and team index, then random attributes.
                bytes = [2, 1, 0, 0] + modeReply[4..<20]
                bytes += (0..<random.below(64)).map { _ in random.byte() }
            } else {
                bytes = random.mutate(seeds[round % seeds.count], headerBias: 40)
            }
            guard let message = try? TeamMessage.decode(try GenericNetlinkMessage.decode(bytes)) else { continue }
            decoded += 1
            #expect(try TeamMessage.decode(message.encode()) == message)
        }
        #expect(decoded >= 200, "decoded: \(decoded)")
    }
}
