// LACPDUs (Packets): a whole frame as the lacp runner's packet socket receives it, and
// decode → encode → decode.
import Packets

let fuzzTargetName = "lacpdu"

func fuzzOne(_ bytes: [UInt8]) -> Bool {
    guard let (header, pdu) = try? LACPDU.decode(frame: bytes) else { return false }
    let again = try? LACPDU.decode(frame: pdu.frame(source: header.source))
    roundTripCheck(again?.pdu == pdu && again?.header.source == header.source, "LACPDU")
    return true
}
