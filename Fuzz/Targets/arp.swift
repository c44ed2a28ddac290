// ARP (Packets): a whole frame (802.1Q tagged or not) as the arp_ping watcher receives it, and
// decode → encode → decode.
import Packets

let fuzzTargetName = "arp"

func fuzzOne(_ bytes: [UInt8]) -> Bool {
    guard let (packet, header) = try? ARPPacket.decode(frame: bytes) else { return false }
    let frame = packet.frame(source: header.source, destination: header.destination, vlanID: header.vlanID)
    let again = try? ARPPacket.decode(frame: frame)
    roundTripCheck(again?.packet == packet && again?.header == header, "ARPPacket")
    return true
}
