import Testing
@testable import NetlinkCodec

// Hand-built from include/uapi/linux/netlink.h (struct nlattr, NLA_ALIGNTO 4).

@Suite struct AttributeTests {
    // {len 8, type 1, u32 0x0a0b0c0d}, {len 9, type 2, "team\0"} + 3 pad, {len 4, type 3 flag}
    let list: [UInt8] = [
        8, 0, 1, 0, 0x0d, 0x0c, 0x0b, 0x0a,
        9, 0, 2, 0, 0x74, 0x65, 0x61, 0x6d, 0, 0, 0, 0,
        4, 0, 3, 0,
    ]

    @Test func readerDecodesTypedValues() throws {
        var reader = AttributeReader(list)
        var number: UInt32?
        var name: String?
        var flag = false
        while reader.next() {
            switch reader.type {
            case 1: number = reader.uint32()
            case 2: name = reader.string()
            case 3: flag = reader.flag()
            default: Issue.record("unexpected attribute \(reader.type)")
            }
        }
        try reader.finish()
        #expect(number == 0x0a0b_0c0d)
        #expect(name == "team")
        #expect(flag)
    }

    @Test func writerProducesTheSameBytes() {
        var writer = AttributeWriter()
        writer.append(type: 1, uint32: 0x0a0b_0c0d)
        writer.append(type: 2, string: "team")
        writer.appendFlag(type: 3)
        #expect(writer.bytes == list)
    }

    @Test func nestingBackPatchesLengthAndSetsFlag() throws {
        var writer = AttributeWriter()
        writer.nested(type: 2) { outer in
            outer.nested(type: 1, flagged: false) { inner in
                inner.append(type: 1, string: "mode")
                inner.append(type: 3, uint8: 5)
            }
        }
        let expected: [UInt8] = [
            28, 0, 0x02, 0x80,          // LIST, NLA_F_NESTED, len 4 + 24
            24, 0, 0x01, 0x00,          // ITEM, no flag, len 4 + 20
            9, 0, 1, 0, 0x6d, 0x6f, 0x64, 0x65, 0, 0, 0, 0,
            5, 0, 3, 0, 5, 0, 0, 0,
        ]
        #expect(writer.bytes == expected)
        let decoded = try NetlinkAttribute.decodeAll(writer.bytes)
        #expect(decoded.count == 1)
        #expect(decoded[0].isNested)
        #expect(decoded[0].type == 2)
        var reader = AttributeReader(writer.bytes)
        var seen: [String] = []
        while reader.next() {
            reader.nested { items in
                while items.next() {
                    items.nested { item in
                        while item.next() { if item.type == 1 { seen.append(item.string()) } }
                    }
                }
            }
        }
        try reader.finish()
        #expect(seen == ["mode"])
    }

    @Test func shortHeaderIsAnError() {
        var reader = AttributeReader([8, 0])
        let advanced = reader.next()
        #expect(!advanced)
        #expect(reader.error?.code == .truncated)
    }

    @Test func lengthPastEndIsAnError() {
        var reader = AttributeReader([12, 0, 1, 0, 1, 2, 3, 4])
        let advanced = reader.next()
        #expect(!advanced)
        #expect(reader.error?.code == .invalidLength)
        #expect(throws: NetlinkError.self) { try reader.finish() }
    }

    @Test func lengthBelowHeaderIsAnError() {
        var reader = AttributeReader([2, 0, 1, 0, 1, 2, 3, 4])
        let advanced = reader.next()
        #expect(!advanced)
        #expect(reader.error?.code == .invalidLength)
    }

    @Test func missingPaddingBeforeNextAttributeIsMisaligned() {
        // len 5 but only 6 bytes follow: the next attribute cannot start aligned
        var reader = AttributeReader([5, 0, 1, 0, 9, 0xaa])
        let advanced = reader.next()
        #expect(!advanced)
        #expect(reader.error?.code == .misaligned)
    }

    @Test func wrongSizedGetterKeepsFirstError() {
        var reader = AttributeReader(list)
        while reader.next() {
            switch reader.type {
            case 1: _ = reader.uint16()         // payload is 4 bytes: error recorded
            case 2: _ = reader.uint64()         // a second error is not kept
            default: break
            }
        }
        #expect(reader.error?.code == .invalidAttribute(type: 1))
        #expect(reader.error?.byteOffset == 0)
    }

    @Test func errorInsideNestReportsOuterOffset() {
        // outer nest at 0 holding a lying attribute at inner offset 0 (absolute offset 4)
        let bytes: [UInt8] = [12, 0, 0x01, 0x80, 20, 0, 1, 0, 0, 0, 0, 0]
        var reader = AttributeReader(bytes)
        while reader.next() {
            reader.nested { inner in while inner.next() {} }
        }
        #expect(reader.error?.code == .invalidLength)
        #expect(reader.error?.byteOffset == 4)
    }

    @Test func lastAttributeMayOmitPadding() throws {
        let decoded = try NetlinkAttribute.decodeAll([5, 0, 7, 0, 42])
        #expect(decoded == [NetlinkAttribute(type: 7, payload: [42])])
    }

    @Test func unknownAttributesRoundTrip() throws {
        let attributes = [NetlinkAttribute(type: 0x3fff, payload: [1, 2, 3]),
                          NetlinkAttribute(type: 5, payload: [], isNested: true, isNetworkByteOrder: true)]
        let bytes = try NetlinkAttribute.encode(attributes)
        #expect(try NetlinkAttribute.decodeAll(bytes) == attributes)
    }
}
