// Control requests (TeamdControl Wire): the UNIX socket's and ZeroMQ's request parsers, the line
// reader and reply parser they share, and decode → encode → decode for both framings.
@testable import TeamdControl

let fuzzTargetName = "control-request"

func fuzzOne(_ bytes: [UInt8]) -> Bool {
    var reached = false
    if let request = try? ControlRequest(decoding: bytes) {
        roundTripCheck((try? ControlRequest(decoding: request.encoded())) == request, "ControlRequest")
        reached = true
    }
    if let request = try? ControlRequest(decodingZeroMQ: bytes) {
        if let encoded = try? request.encodedForZeroMQ() {
            roundTripCheck((try? ControlRequest(decodingZeroMQ: encoded)) == request, "ControlRequest (ZeroMQ)")
        }
        reached = true
    }
    if let reply = try? ControlReply(decoding: bytes) {
        roundTripCheck((try? ControlReply(decoding: reply.encoded())) == reply, "ControlReply")
        reached = true
    }
    var reader = ControlLineReader(bytes)
    while let line = reader.nextLine() {
        _ = ControlEscaping.unescape(line)
    }
    return reached
}
