/// One entry of a D-Bus server address (D-Bus specification, "Server Addresses"): a
/// transport and its `key=value` options. Only UNIX sockets are supported for connecting
/// (path and abstract names); other transports parse, so that a list with a usable entry
/// after them still works.
public enum DBusAddress: Hashable, Sendable {
    /// `unix:path=FILE`
    case unixPath(String)
    /// `unix:abstract=NAME` (Linux abstract socket namespace).
    case unixAbstract(String)
    /// Any other transport (`tcp:`, `unixexec:`, `unix:` listening-only keys, ...), by
    /// its whole text; connecting to it fails with EINVAL, as for a bad address.
    case unsupported(String)

    /// libdbus and sd-bus's default for the system bus, used when
    /// `DBUS_SYSTEM_BUS_ADDRESS` is not set.
    public static let defaultSystemBus = "unix:path=/run/dbus/system_bus_socket"

    /// The environment variable that names the system bus.
    public static let systemBusVariable = "DBUS_SYSTEM_BUS_ADDRESS"

    /// The entries of an address list (`;`-separated) in order. Values are unescaped
    /// (`%XX`). Throws for text that is not an address: an entry without `:`, an option
    /// without `=`, a repeated key, a bad escape, a `unix:` entry with both or neither of
    /// `path`/`abstract` and no other way to connect.
    public static func parse(_ text: String) throws(DBusAddressError) -> [DBusAddress] {
        var entries: [DBusAddress] = []
        for entry in text.split(separator: ";", omittingEmptySubsequences: true) {
            guard let colon = entry.firstIndex(of: ":"), colon != entry.startIndex else {
                throw .missingTransport(String(entry))
            }
            let transport = entry[..<colon]
            var options: [String: String] = [:]
            for option in entry[entry.index(after: colon)...].split(separator: ",", omittingEmptySubsequences: true) {
                guard let equals = option.firstIndex(of: "="), equals != option.startIndex else {
                    throw .malformedOption(String(option))
                }
                let key = String(option[..<equals])
                guard options[key] == nil else { throw .malformedOption(String(option)) }
                options[key] = try unescape(option[option.index(after: equals)...])
            }
            guard transport == "unix" else {
                entries.append(.unsupported(String(entry)))
                continue
            }
            switch (options["path"], options["abstract"]) {
            case (let path?, nil):
                guard !path.isEmpty else { throw .malformedOption("path=") }
                entries.append(.unixPath(path))
            case (nil, let name?):
                entries.append(.unixAbstract(name))
            case (.some, .some):
                throw .malformedOption(String(entry))
            case (nil, nil):
                // tmpdir=, dir=, runtime= are for servers, or for buses we never use.
                entries.append(.unsupported(String(entry)))
            }
        }
        guard !entries.isEmpty else { throw .empty }
        return entries
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    private static func unescape(_ value: Substring) throws(DBusAddressError) -> String {
        let bytes = Array(value.utf8)
        var result: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%") {
                guard index + 2 < bytes.count, let high = hexValue(bytes[index + 1]),
                    let low = hexValue(bytes[index + 2])
                else { throw .badEscape(String(value)) }
                result.append(high << 4 | low)
                index += 3
            } else {
                result.append(bytes[index])
                index += 1
            }
        }
        guard let text = String(validating: result, as: UTF8.self) else { throw .badEscape(String(value)) }
        return text
    }
}

/// Why a D-Bus address could not be parsed.
public enum DBusAddressError: Error, Hashable, Sendable, CustomStringConvertible {
    case empty
    case missingTransport(String)
    case malformedOption(String)
    case badEscape(String)

    public var description: String {
        switch self {
        case .empty: return "empty D-Bus address"
        case .missingTransport(let entry): return "D-Bus address entry \"\(entry)\" has no transport"
        case .malformedOption(let option): return "D-Bus address option \"\(option)\" is malformed"
        case .badEscape(let value): return "D-Bus address value \"\(value)\" has a bad escape"
        }
    }
}

/// The client side of the D-Bus authentication protocol (D-Bus specification,
/// "Authentication Protocol"), as lines of text; the socket work is the connection's.
/// We offer only EXTERNAL: the bus reads our credentials from the socket.
public enum DBusAuthentication {
    /// The NUL byte every client sends first, then `AUTH EXTERNAL <uid>`, the uid's
    /// decimal digits hex-encoded (uid 0: `30`).
    public static func authExternal(uid: UInt32) -> [UInt8] {
        let hex = Array("0123456789abcdef".utf8)
        var line: [UInt8] = [0]
        line += Array("AUTH EXTERNAL ".utf8)
        for digit in String(uid).utf8 {
            line.append(hex[Int(digit >> 4)])
            line.append(hex[Int(digit & 0xF)])
        }
        line += [UInt8(ascii: "\r"), UInt8(ascii: "\n")]
        return line
    }

    /// Ends authentication: the bytes after it are messages.
    public static let begin: [UInt8] = Array("BEGIN\r\n".utf8)

    /// The longest line we accept from the server.
    public static let maximumLineLength = 16 * 1024

    /// A line from the server.
    public enum ServerLine: Hashable, Sendable {
        /// `OK <server guid>`
        case ok(guid: String)
        /// `REJECTED <mechanisms>`
        case rejected(mechanisms: [String])
        /// `ERROR [text]`
        case error(String)
        /// `AGREE_UNIX_FD` (we never ask for it)
        case agreeUnixFD
        /// `DATA <hex>`
        case data(String)
        /// Anything else.
        case unknown(String)

        /// Parses one line without its `\r\n`.
        public init(_ line: String) {
            let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            let rest = words.dropFirst().joined(separator: " ")
            switch words.first {
            case "OK": self = .ok(guid: rest)
            case "REJECTED": self = .rejected(mechanisms: Array(words.dropFirst()))
            case "ERROR": self = .error(rest)
            case "AGREE_UNIX_FD": self = .agreeUnixFD
            case "DATA": self = .data(rest)
            default: self = .unknown(line)
            }
        }
    }
}
