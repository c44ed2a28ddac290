// D-Bus stream framing: messages read off a byte stream delivered in chunks of random sizes, the way
// DBusConnection reads the bus socket (the message's length from its first 16 bytes, then the
// message). Input: one byte n, n chunk sizes, then the stream.
@testable import DBusWire

let fuzzTargetName = "dbus-stream"

func fuzzOne(_ bytes: [UInt8]) -> Bool {
    var input = FuzzInput(bytes)
    let sizes = (0 ..< Int(input.byte() % 16)).map { _ in input.byte() }
    let stream = input.rest()
    var buffer: [UInt8] = []
    var start = 0
    var decoded = 0
    for chunk in FuzzInput.chunks(of: stream, sizes: sizes) {
        buffer += chunk
        while true {
            let available = buffer[start...]
            guard let length = try? DBusMessage.length(ofMessageStartingWith: available) else { return decoded > 0 }
            guard available.count >= length else { break }
            if (try? DBusMessage.decode(Array(available.prefix(length)))) != nil { decoded += 1 }
            start += length
        }
    }
    return decoded > 0
}
