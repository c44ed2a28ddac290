// The team generic netlink family (TeamWire): options and ports in a TEAM_CMD_* message, and
// decode → encode → decode.
import NetlinkCodec
import TeamWire

let fuzzTargetName = "team-message"

func fuzzOne(_ bytes: [UInt8]) -> Bool {
    guard let genl = try? GenericNetlinkMessage.decode(bytes), let message = try? TeamMessage.decode(genl) else {
        return false
    }
    let again = try? TeamMessage.decode(message.encode())
    roundTripCheck(again == message, "TeamMessage")
    return true
}
