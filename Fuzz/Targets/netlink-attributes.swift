// Netlink attributes (NetlinkCodec): the attribute list decoder and AttributeReader with every typed
// accessor and nesting, and the nlctrl family parser over the same bytes.
import NetlinkCodec

let fuzzTargetName = "netlink-attributes"

func fuzzOne(_ bytes: [UInt8]) -> Bool {
    var reader = AttributeReader(bytes)
    walk(&reader, depth: 0)
    if let genl = try? GenericNetlinkMessage.decode(bytes), let family = try? GenericNetlinkController.parseFamily(genl) {
        // What decoded fits nla_len, so it encodes again; a throw would break the round trip.
        let reply = try? GenericNetlinkController.familyReply(family)
        roundTripCheck(reply.flatMap { try? GenericNetlinkController.parseFamily($0) } == family, "GenericNetlinkFamily")
    }
    guard let attributes = try? NetlinkAttribute.decodeAll(bytes) else { return false }
    let again = try? NetlinkAttribute.decodeAll(NetlinkAttribute.encode(attributes))
    roundTripCheck(again == attributes, "NetlinkAttribute.decodeAll")
    return true
}

private func walk(_ reader: inout AttributeReader, depth: Int) {
    while reader.next() {
        switch reader.type % 8 {
        case 0: _ = reader.uint8()
        case 1: _ = reader.uint16()
        case 2: _ = reader.uint32()
        case 3: _ = reader.uint64()
        case 4: _ = reader.int32()
        case 5: _ = reader.string()
        case 6: _ = reader.flag()
        default:
            if depth < 8 {
                var nested = reader.nestedReader()
                walk(&nested, depth: depth + 1)
            }
        }
    }
    _ = try? reader.finish()
}
