import Glibc

/// `TEAM_EVENT_BUFSIZE`, libteam's environment variable (since its commit 046fb6b): the receive buffer,
/// in bytes, of the sockets on which teamd hears the kernel's events (the team family's change events
/// and rtnetlink's link group). Unset, `NetlinkSocket.defaultReceiveBufferSize` applies. libteam reads it
/// with strtol and takes garbage or a negative number for 0, which libnl turns into its default of
/// 32768 bytes; ours refuses anything but a decimal number of bytes, and keeps 0 meaning 32768.
public enum EventBufferSize {
    public static let variable = "TEAM_EVENT_BUFSIZE"
    /// What 0 stands for: libnl's default buffer.
    public static let libnlDefault: Int32 = 32768
    /// The largest size taken: the kernel doubles the number into an int.
    public static let maximum: Int32 = 1 << 30

    /// A value of the variable that is not a size.
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public let text: String
        public var description: String {
            "\(EventBufferSize.variable): \"\(text)\" is not a receive buffer size; use a number of bytes from 0 to \(EventBufferSize.maximum)"
        }
    }

    /// The size `text` asks for: decimal digits only, at most `maximum`; 0 is libnl's default.
    public static func parse(_ text: String) throws(Invalid) -> Int32 {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let value = Int32(text), value <= maximum else { throw Invalid(text: text) }
        return value == 0 ? libnlDefault : value
    }

    /// The size the environment asks for; nil when the variable is unset or empty.
    public static func fromEnvironment() throws(Invalid) -> Int32? {
        guard let value = getenv(variable) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : try parse(text)
    }
}
