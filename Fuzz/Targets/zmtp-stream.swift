// ZMTP 3 framing: a ZMTPConnection (the REP side teamd runs) fed a peer's byte stream in chunks of
// random sizes: greeting, handshake, message frames, commands. Input: one byte n, n chunk sizes,
// then the stream.
@testable import ZMTP

let fuzzTargetName = "zmtp-stream"

func fuzzOne(_ bytes: [UInt8]) -> Bool {
    var input = FuzzInput(bytes)
    let sizes = (0 ..< Int(input.byte() % 16)).map { _ in input.byte() }
    let stream = input.rest()
    var connection = ZMTPConnection(socketType: .rep, maximumMessageSize: 64 * 1024)
    var messages = 0
    for chunk in FuzzInput.chunks(of: stream, sizes: sizes) {
        connection.receive(chunk)
        do {
            while let message = try connection.nextMessage() {
                messages += 1
                connection.send(message: message)
            }
        } catch {
            return messages > 0
        }
        connection.didSend(connection.pendingOutput.count)
    }
    return messages > 0
}
