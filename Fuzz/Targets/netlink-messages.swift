// Netlink messages (NetlinkCodec): a datagram split into messages, each tried as an ACK/error,
// a DONE and a generic netlink message; every decoded value is re-encoded and decoded again.
import NetlinkCodec

let fuzzTargetName = "netlink-messages"

func fuzzOne(_ bytes: [UInt8]) -> Bool {
    guard let messages = try? NetlinkMessage.decodeAll(bytes) else { return false }
    let again = try? NetlinkMessage.decodeAll(NetlinkMessage.encode(messages))
    roundTripCheck(again == messages, "NetlinkMessage.decodeAll")
    for message in messages {
        if let ack = try? NetlinkAcknowledgement.decode(message) {
            let reencoded = ack.encode(sequence: message.header.sequence, portID: message.header.portID)
            roundTripCheck((try? NetlinkAcknowledgement.decode(reencoded)) == ack, "NetlinkAcknowledgement")
        }
        if let done = try? NetlinkDone.decode(message) {
            let reencoded = done.encode(sequence: message.header.sequence, portID: message.header.portID)
            roundTripCheck((try? NetlinkDone.decode(reencoded)) == done, "NetlinkDone")
        }
        if let genl = try? GenericNetlinkMessage.decode(message) {
            roundTripCheck((try? GenericNetlinkMessage.decode(genl.encode())) == genl, "GenericNetlinkMessage")
        }
    }
    return true
}
