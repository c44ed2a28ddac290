import Testing
@testable import NetlinkCodec

@Suite struct GenericNetlinkTests {
    @Test func getFamilyRequestBytes() throws {
        // Constructed from uapi genetlink.h: genlmsghdr{cmd 3, version 1}, CTRL_ATTR_FAMILY_NAME "team"
        let request = try GenericNetlinkController.getFamilyRequest(name: "team")
            .message(family: GenericNetlinkController.familyID, flags: [.request, .ack], sequence: 1)
        #expect(request.encode() == [
            32, 0, 0, 0, 0x10, 0, 5, 0, 1, 0, 0, 0, 0, 0, 0, 0,
            3, 1, 0, 0,
            9, 0, 2, 0, 0x74, 0x65, 0x61, 0x6d, 0, 0, 0, 0,
        ])
    }

    @Test func familyReplyRoundTrips() throws {
        let family = GenericNetlinkFamily(id: 0x1b, name: "team", version: 1, headerSize: 0, maxAttribute: 3,
                                          multicastGroups: [.init(name: "change_event", id: 9)])
        let reply = try GenericNetlinkController.familyReply(family)
        let parsed = try GenericNetlinkController.parseFamily(try GenericNetlinkMessage.decode(reply.encode()))
        #expect(parsed == family)
        #expect(parsed.multicastGroup(named: "change_event") == 9)
        #expect(parsed.multicastGroup(named: "other") == nil)
    }

    @Test func familyWithoutIDIsRejected() throws {
        let reply = try GenericNetlinkMessage(command: 1, version: 2) { $0.append(type: 2, string: "team") }
        #expect(throws: NetlinkError(.missingAttribute(type: 1), operation: "parse CTRL_CMD_NEWFAMILY")) {
            try GenericNetlinkController.parseFamily(reply)
        }
    }

    @Test func shortGenericHeaderIsTruncated() {
        #expect(throws: NetlinkError.self) { try GenericNetlinkMessage.decode([3, 1]) }
    }
}
