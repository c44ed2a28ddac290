// rtnetlink link messages (TeamWire): `LinkMessage.decode` on an RTM_NEWLINK payload, the `Link`
// view teamd and TeamKit read from it, and decode → encode → decode.
import NetlinkCodec
import TeamWire

let fuzzTargetName = "link-message"

func fuzzOne(_ bytes: [UInt8]) -> Bool {
    guard let message = try? LinkMessage.decode(bytes) else { return false }
    roundTripCheck((try? LinkMessage.decode(message.encode())) == message, "LinkMessage")
    let link = message.link
    _ = link.address?.description
    roundTripCheck(link.message.link == link, "Link")
    return true
}
