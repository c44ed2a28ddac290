import Testing
@testable import NetlinkCodec

/// nla_len is 16 bits: what does not fit is an error the caller gets, never a trap.
@Suite struct AttributeWriterLimitTests {
    @Test func theLargestPayloadFitsOneMoreByteIsAnError() throws {
        var writer = AttributeWriter()
        writer.append(type: 1, bytes: [UInt8](repeating: 7, count: 65535 - 4))
        let bytes = try writer.finish()
        // nla_len 65535 (header and payload), then the padding to four bytes.
        #expect(bytes.count == 65536)
        #expect(bytes[0] == 0xff && bytes[1] == 0xff)

        var over = AttributeWriter()
        over.append(type: 2, uint32: 9)
        over.append(type: 3, bytes: [UInt8](repeating: 7, count: 65535 - 3))
        over.append(type: 4, uint32: 10)
        #expect(over.error?.code == .attributeTooLong(type: 3, length: 65536))
        #expect(throws: NetlinkError.self) { try over.finish() }
        // The attributes around it are written; the oversized one is left out.
        #expect(try NetlinkAttribute.decodeAll(over.bytes).map(\.type) == [2, 4])
    }

    @Test func aSeventyKilobyteStringThrowsEMSGSIZE() {
        var writer = AttributeWriter()
        writer.append(type: 3, string: String(repeating: "z", count: 70_000))
        #expect(throws: NetlinkError(.attributeTooLong(type: 3, length: 70_005),
                                     operation: "encode attribute 3: 70005 bytes do not fit nla_len's 16 bits")) {
            try writer.finish()
        }
        #expect(writer.error?.errno == 90)
    }

    @Test func aNestThatOutgrowsNlaLenIsAnErrorToo() {
        var writer = AttributeWriter()
        writer.append(type: 1, uint8: 1)
        writer.nested(type: 5) { nest in
            for _ in 0..<3 { nest.append(type: 6, bytes: [UInt8](repeating: 0, count: 30_000)) }
        }
        #expect(writer.error?.code == .attributeTooLong(type: 5, length: 4 + 3 * 30_004))
        #expect(writer.bytes.count == 8, "only the attribute before the nest remains")
    }

    @Test func theErrorInsideANestReachesTheOuterWriter() {
        #expect(throws: NetlinkError.self) {
            try GenericNetlinkMessage(command: 1, version: 1) { writer in
                writer.nested(type: 1) { $0.append(type: 2, bytes: [UInt8](repeating: 0, count: 70_000)) }
            }
        }
        #expect(throws: NetlinkError.self) {
            try NetlinkAttribute.encode([NetlinkAttribute(type: 1, payload: [UInt8](repeating: 0, count: 65_532))])
        }
    }
}
