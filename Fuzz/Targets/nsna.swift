// IPv6 Neighbour Solicitations and Advertisements (Packets): a whole frame as the nsna_ping
// watcher receives it (checksum checked), and decode → encode → decode.
import Packets

let fuzzTargetName = "nsna"

func fuzzOne(_ bytes: [UInt8]) -> Bool {
    guard let frame = try? NeighborDiscoveryFrame(decoding: bytes) else { return false }
    _ = frame.message.isSolicited
    _ = frame.message.linkLayerAddress(NeighborDiscoveryOption.targetLinkLayerAddress)
    let again = try? NeighborDiscoveryFrame(decoding: frame.encoded())
    roundTripCheck(again == frame, "NeighborDiscoveryFrame")
    return true
}
