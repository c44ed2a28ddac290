// D-Bus messages: the message decoder (header fields, signature-driven body), and
// decode → encode → decode.
@testable import DBusWire

let fuzzTargetName = "dbus-message"

func fuzzOne(_ bytes: [UInt8]) -> Bool {
    guard let message = try? DBusMessage.decode(bytes) else { return false }
    _ = (message.path, message.interface, message.member, message.signature, message.expectsReply)
    guard let encoded = try? message.encoded() else {
        roundTripCheck(false, "DBusMessage: a decoded message does not encode")
        return true
    }
    roundTripCheck((try? DBusMessage.decode(encoded)) == message, "DBusMessage")
    return true
}
