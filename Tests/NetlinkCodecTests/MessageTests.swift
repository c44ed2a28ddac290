import Testing
@testable import NetlinkCodec

// Vectors in this file are constructed by hand from include/uapi/linux/netlink.h
// (little-endian host), not captured; captured vectors live in CapturedVectorTests.

@Suite struct MessageTests {
    // nlmsghdr{len 20, type 0x10, flags REQUEST|ACK, seq 7, pid 0} + 4 payload bytes
    let oneMessage: [UInt8] = [
        0x14, 0, 0, 0, 0x10, 0, 0x05, 0, 7, 0, 0, 0, 0, 0, 0, 0,
        0xde, 0xad, 0xbe, 0xef,
    ]

    @Test func headerDecodesAndEncodes() throws {
        let message = try NetlinkMessage.decode(oneMessage)
        #expect(message.header == NetlinkHeader(length: 20, type: 0x10, flags: [.request, .ack], sequence: 7, portID: 0))
        #expect(message.payload == [0xde, 0xad, 0xbe, 0xef])
        #expect(message.encode() == oneMessage)
    }

    @Test func encodingComputesLengthAndPads() {
        let message = NetlinkMessage(type: 0x12, flags: .request, sequence: 1, payload: [1, 2, 3])
        let bytes = message.encode()
        #expect(bytes.count == 20)
        #expect(bytes[0] == 19)      // nlmsg_len excludes the padding
        #expect(Array(bytes[16...]) == [1, 2, 3, 0])
    }

    @Test func datagramWithSeveralMessages() throws {
        let first = NetlinkMessage(type: 0x10, flags: .multi, sequence: 3, payload: [9])
        let done = NetlinkDone().encode(sequence: 3)
        let bytes = NetlinkMessage.encode([first, done])
        let decoded = try NetlinkMessage.decodeAll(bytes)
        #expect(decoded.count == 2)
        #expect(decoded[0].payload == [9])
        #expect(decoded[1].header.type == NetlinkMessageType.done)
        #expect(try NetlinkDone.decode(decoded[1]).errno == 0)
    }

    @Test func shortHeaderIsTruncated() {
        #expect(throws: NetlinkError(.truncated, operation: "decode nlmsghdr", byteOffset: 0)) {
            try NetlinkMessage.decodeAll(Array(oneMessage[0..<10]))
        }
    }

    @Test func lengthPastTheEndIsRejected() {
        var lying = oneMessage
        lying[0] = 40
        #expect(throws: NetlinkError(.invalidLength, operation: "decode nlmsghdr", byteOffset: 0)) {
            try NetlinkMessage.decodeAll(lying)
        }
    }

    @Test func lengthShorterThanHeaderIsRejected() {
        var lying = oneMessage
        lying[0] = 8
        #expect(throws: NetlinkError.self) { try NetlinkMessage.decodeAll(lying) }
    }

    @Test func trailingGarbageAfterMessageIsRejected() {
        #expect(throws: NetlinkError.self) { try NetlinkMessage.decodeAll(oneMessage + [1, 2, 3, 4]) }
    }

    @Test func dumpFlagIsRootAndMatch() {
        #expect(NetlinkFlags.dump.rawValue == 0x300)
        #expect(([.request, .create, .excl] as NetlinkFlags).rawValue == 0x601)
    }
}

@Suite struct AcknowledgementTests {
    // An ACK (error 0, capped) for request {len 36, type 0x1b, flags REQUEST|ACK, seq 5, pid 0}.
    let ack: [UInt8] = [
        0x24, 0, 0, 0, 0x02, 0, 0x00, 0x01, 5, 0, 0, 0, 0x39, 0x30, 0, 0,   // nlmsghdr, CAPPED
        0, 0, 0, 0,                                                          // error 0
        0x24, 0, 0, 0, 0x1b, 0, 0x05, 0, 5, 0, 0, 0, 0, 0, 0, 0,             // request header
    ]

    @Test func acknowledgementDecodes() throws {
        let message = try NetlinkMessage.decode(ack)
        let decoded = try NetlinkAcknowledgement.decode(message)
        #expect(decoded.isAcknowledgement)
        #expect(decoded.isCapped)
        #expect(decoded.request == NetlinkHeader(length: 36, type: 0x1b, flags: [.request, .ack], sequence: 5))
        #expect(decoded.encode(portID: 0x3039).encode() == ack)
    }

    @Test func extendedAckCarriesMessageAndOffset() throws {
        let request = NetlinkHeader(length: 32, type: 0x10, flags: [.request, .ack], sequence: 9)
        let error = NetlinkAcknowledgement(errno: 22, request: request, message: "Unknown attribute", offset: 20)
        let bytes = error.encode().encode()
        let decoded = try NetlinkAcknowledgement.decode(try NetlinkMessage.decode(bytes))
        #expect(decoded.errno == 22)
        #expect(decoded.message == "Unknown attribute")
        #expect(decoded.offset == 20)
        #expect(decoded == error)
        // -EINVAL on the wire
        #expect(Array(bytes[16..<20]) == [0xea, 0xff, 0xff, 0xff])
    }

    @Test func uncappedErrorEchoesTheRequest() throws {
        let requestPayload: [UInt8] = [3, 1, 0, 0, 8, 0, 2, 0, 0x74, 0x65, 0x61, 0x6d]
        let request = NetlinkHeader(length: UInt32(16 + requestPayload.count), type: 0x10, flags: .request, sequence: 2)
        let error = NetlinkAcknowledgement(errno: 2, request: request, isCapped: false, requestPayload: requestPayload,
                                           message: "family not found")
        let decoded = try NetlinkAcknowledgement.decode(try NetlinkMessage.decode(error.encode().encode()))
        #expect(decoded == error)
    }

    @Test func echoedRequestLongerThanMessageIsRejected() throws {
        var bytes = ack
        bytes[7] = 0    // not capped: then the echoed header's length (36) must fit, and it does not
        #expect(throws: NetlinkError.self) { try NetlinkAcknowledgement.decode(try NetlinkMessage.decode(bytes)) }
    }

    @Test func doneCarriesDumpError() throws {
        let done = NetlinkDone(errno: 16)
        let decoded = try NetlinkDone.decode(done.encode(sequence: 1))
        #expect(decoded.errno == 16)
    }

    /// Found by Fuzz/Targets/netlink-messages.swift: a DONE with NLM_F_ACK_TLVS and an extended-ack
    /// message lost the message when encoded again.
    @Test func doneKeepsExtendedAckThroughEncoding() throws {
        let bytes: [UInt8] = [
            0x1c, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x97, 0x00, 0x80, 0xa5,
            0x03, 0x00, 0x00, 0x00, 0x08, 0x00, 0x01, 0x00, 0x07, 0x00, 0x00, 0x00,
        ]
        let done = try NetlinkDone.decode(try NetlinkMessage.decode(bytes))
        #expect(done.errno == -3)
        #expect(done.message == "\u{7}")
        let again = try NetlinkDone.decode(done.encode(sequence: 0))
        #expect(again == done)
        let withOffset = NetlinkDone(errno: 22, message: "bad", offset: 20)
        #expect(try NetlinkDone.decode(withOffset.encode(sequence: 1)) == withOffset)
    }
}
