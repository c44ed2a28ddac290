/// ZMTP 3.x, the ZeroMQ wire protocol (rfc.zeromq.org specs 23/ZMTP 3.0 and 37/ZMTP 3.1), as
/// pure values: the greeting, frames and the commands of the NULL mechanism. No I/O here; the
/// sockets are in `ZeroMQSocket` and `ZMTPConnection`.
///
/// Only what teamd's REQ/REP control channel needs: the NULL mechanism (no security, as
/// libzmq's default), READY, ERROR, PING/PONG; other commands (SUBSCRIBE, ...) decode as
/// `.other` and are ignored by a REQ or REP socket.

/// Why bytes from a ZMTP peer were refused. A peer that sends any of these is disconnected.
public enum ZMTPError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The first 10 bytes are not a ZMTP signature (0xFF, 8 bytes, 0x7F): not a ZeroMQ peer.
    case badSignature
    /// A ZMTP version before 3.0 (libzmq before 4.0 speaks 1.0 or 2.0).
    case unsupportedVersion(major: UInt8, minor: UInt8)
    /// A security mechanism other than NULL (CURVE, PLAIN, GSSAPI).
    case unsupportedMechanism(String)
    /// The as-server byte of the greeting is neither 0 nor 1.
    case badAsServer(UInt8)
    /// Reserved flag bits set, or MORE on a command frame.
    case badFlags(UInt8)
    /// A frame (or a multi-part message) larger than the receiver accepts.
    case frameTooLarge(size: UInt64, limit: Int)
    /// A message of more parts than the receiver accepts.
    case tooManyParts(limit: Int)
    /// A command frame whose body does not parse; the text says what is wrong.
    case malformedCommand(String)
    /// A message frame before the handshake's READY, or another command in its place.
    case handshakeExpected(String)
    /// The peer's READY names no Socket-Type property.
    case missingSocketType
    /// The peer's socket type cannot talk to ours (a PUB to a REP, a REP to a REP).
    case incompatibleSocketType(String)
    /// The peer sent an ERROR command; its reason.
    case peerError(String)

    public var description: String {
        switch self {
        case .badSignature: return "not a ZMTP peer (bad greeting signature)"
        case .unsupportedVersion(let major, let minor): return "unsupported ZMTP version \(major).\(minor)"
        case .unsupportedMechanism(let name): return "unsupported security mechanism \"\(name)\""
        case .badAsServer(let value): return "bad as-server value \(value) in the greeting"
        case .badFlags(let flags): return "bad frame flags 0x\(String(flags, radix: 16))"
        case .frameTooLarge(let size, let limit): return "frame of \(size) bytes exceeds the limit of \(limit) bytes"
        case .tooManyParts(let limit): return "message of more than \(limit) parts"
        case .malformedCommand(let what): return "malformed command: \(what)"
        case .handshakeExpected(let got): return "expected READY, got \(got)"
        case .missingSocketType: return "READY without Socket-Type"
        case .incompatibleSocketType(let type): return "incompatible socket type \"\(type)\""
        case .peerError(let reason): return "peer sent ERROR \"\(reason)\""
        }
    }
}

/// The 64-byte greeting each peer sends first (37/ZMTP "greeting").
public struct ZMTPGreeting: Hashable, Sendable {
    public static let size = 64
    /// How many bytes identify a ZMTP 3 peer: the signature (10) and the major version (1).
    static let signatureSize = 10

    public var major: UInt8
    public var minor: UInt8
    /// The security mechanism, "NULL" here (20 bytes on the wire, NUL-padded).
    public var mechanism: String
    /// Meaningful only for PLAIN and CURVE; 0 for NULL.
    public var asServer: Bool

    /// Our greeting: ZMTP 3.1, NULL, as libzmq 4.3 sends it.
    public init(major: UInt8 = 3, minor: UInt8 = 1, mechanism: String = "NULL", asServer: Bool = false) {
        self.major = major
        self.minor = minor
        self.mechanism = mechanism
        self.asServer = asServer
    }

    public func encoded() -> [UInt8] {
        // The padding is "any" in the spec; libzmq writes 0x01 in its last byte (a ZMTP 1.0
        // peer reads it as an empty identity's length), and so do we, so that a libzmq peer
        // sees the greeting it would send itself.
        var bytes: [UInt8] = [0xFF, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x7F, major, minor]
        var name = Array(mechanism.utf8.prefix(20))
        name += [UInt8](repeating: 0, count: 20 - name.count)
        bytes += name
        bytes.append(asServer ? 1 : 0)
        bytes += [UInt8](repeating: 0, count: Self.size - bytes.count)
        return bytes
    }

    /// Checks as much of a greeting as has arrived, so that a peer that is not speaking ZMTP 3
    /// is dropped on its first bytes instead of after 64.
    public static func validatePrefix(_ bytes: some Collection<UInt8>) throws(ZMTPError) {
        var index = 0
        for byte in bytes.prefix(signatureSize + 1) {
            switch index {
            case 0 where byte != 0xFF, 9 where byte != 0x7F: throw .badSignature
            case 10 where byte < 3: throw .unsupportedVersion(major: byte, minor: 0)
            default: break
            }
            index += 1
        }
    }

    /// Decodes the first 64 bytes of `bytes` (more may follow).
    public init(decoding bytes: some Collection<UInt8>) throws(ZMTPError) {
        let greeting = Array(bytes.prefix(Self.size))
        guard greeting.count == Self.size else {
            throw .malformedCommand("greeting of \(greeting.count) bytes, expected \(Self.size)")
        }
        try Self.validatePrefix(greeting)
        major = greeting[10]
        minor = greeting[11]
        let nameBytes = greeting[12..<32].prefix { $0 != 0 }
        mechanism = String(decoding: nameBytes, as: UTF8.self)
        switch greeting[32] {
        case 0: asServer = false
        case 1: asServer = true
        case let value: throw .badAsServer(value)
        }
    }
}

/// One ZMTP frame: a message part or a command (37/ZMTP "frame", "command").
public struct ZMTPFrame: Hashable, Sendable {
    /// Flag bits of the first byte.
    static let moreFlag: UInt8 = 0x01
    static let longFlag: UInt8 = 0x02
    static let commandFlag: UInt8 = 0x04

    public var body: [UInt8]
    /// More parts of the same message follow (never on a command).
    public var more: Bool
    public var isCommand: Bool

    public init(body: [UInt8], more: Bool = false, isCommand: Bool = false) {
        self.body = body
        self.more = more
        self.isCommand = isCommand
    }

    /// The frame on the wire: the short form (1-byte size) up to 255 bytes, else the long form
    /// (8-byte size, network order), as the spec requires.
    public func encoded() -> [UInt8] {
        var flags: UInt8 = 0
        if more { flags |= Self.moreFlag }
        if isCommand { flags |= Self.commandFlag }
        var bytes: [UInt8]
        if body.count <= 255 {
            bytes = [flags, UInt8(body.count)]
        } else {
            bytes = [flags | Self.longFlag]
            let size = UInt64(body.count)
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: size >> UInt64(shift))) }
        }
        return bytes + body
    }

    /// The frame at the start of `bytes` and how many bytes it took; `nil` while incomplete.
    /// A size above `maximumSize` is refused as soon as the header is in, before the body is
    /// waited for, so a lying length costs nothing.
    public static func decode(_ bytes: some RandomAccessCollection<UInt8>, maximumSize: Int)
        throws(ZMTPError) -> (frame: ZMTPFrame, consumed: Int)?
    {
        guard let flags = bytes.first else { return nil }
        guard flags & ~(moreFlag | longFlag | commandFlag) == 0,
            flags & (moreFlag | commandFlag) != (moreFlag | commandFlag)
        else { throw .badFlags(flags) }
        let headerSize = flags & longFlag != 0 ? 9 : 2
        guard bytes.count >= headerSize else { return nil }
        var size: UInt64 = 0
        for byte in bytes.dropFirst().prefix(headerSize - 1) { size = size << 8 | UInt64(byte) }
        guard size <= UInt64(maximumSize) else { throw .frameTooLarge(size: size, limit: maximumSize) }
        let total = headerSize + Int(size)
        guard bytes.count >= total else { return nil }
        let body = Array(bytes.dropFirst(headerSize).prefix(Int(size)))
        return (ZMTPFrame(body: body, more: flags & moreFlag != 0, isCommand: flags & commandFlag != 0), total)
    }
}

/// One property of a READY command (`name`, 1-255 bytes; `value`, 4-byte length).
public struct ZMTPProperty: Hashable, Sendable {
    public var name: String
    public var value: [UInt8]

    public init(name: String, value: [UInt8]) {
        self.name = name
        self.value = value
    }
}

/// The socket types of ZMTP's request-reply pattern (23/ZMTP "Socket-Type").
public enum ZMTPSocketType: String, Hashable, Sendable {
    case req = "REQ"
    case rep = "REP"
    case dealer = "DEALER"
    case router = "ROUTER"

    /// Whether a peer of `peerType` may talk to a socket of this type (23/ZMTP: "REQ accepts
    /// REP or ROUTER", "REP accepts REQ or DEALER").
    public func accepts(_ peerType: String) -> Bool {
        switch self {
        case .req: return peerType == "REP" || peerType == "ROUTER"
        case .rep: return peerType == "REQ" || peerType == "DEALER"
        case .dealer: return ["REP", "DEALER", "ROUTER"].contains(peerType)
        case .router: return ["REQ", "DEALER", "ROUTER"].contains(peerType)
        }
    }
}

/// A ZMTP command, the body of a frame with the COMMAND flag.
public enum ZMTPCommand: Hashable, Sendable {
    /// READY: the end of the NULL handshake, with the sender's metadata (Socket-Type,
    /// Identity for REQ, DEALER and ROUTER, ...).
    case ready([ZMTPProperty])
    /// ERROR: the sender refuses the handshake and will close; a reason of up to 255 bytes.
    case error(reason: String)
    /// PING (ZMTP 3.1 heartbeat): a time-to-live in tenths of a second and up to 16 bytes of
    /// context, which the PONG echoes.
    case ping(ttl: UInt16, context: [UInt8])
    /// PONG: the answer to a PING, with its context.
    case pong(context: [UInt8])
    /// Any other command (SUBSCRIBE, CANCEL, JOIN, ...): kept, so that it round-trips.
    case other(name: String, data: [UInt8])

    /// READY for a socket of `type`: Socket-Type, and an empty Identity for the types that
    /// have one, as libzmq sends it.
    public static func ready(socketType type: ZMTPSocketType) -> ZMTPCommand {
        var properties = [ZMTPProperty(name: "Socket-Type", value: Array(type.rawValue.utf8))]
        if type != .rep { properties.append(ZMTPProperty(name: "Identity", value: [])) }
        return .ready(properties)
    }

    public var name: String {
        switch self {
        case .ready: return "READY"
        case .error: return "ERROR"
        case .ping: return "PING"
        case .pong: return "PONG"
        case .other(let name, _): return name
        }
    }

    /// The command body: the name with its length, then the command's data.
    public func encoded() -> [UInt8] {
        let nameBytes = Array(name.utf8.prefix(255))
        var bytes = [UInt8(nameBytes.count)] + nameBytes
        switch self {
        case .ready(let properties):
            for property in properties {
                let propertyName = Array(property.name.utf8.prefix(255))
                bytes.append(UInt8(propertyName.count))
                bytes += propertyName
                let size = UInt32(clamping: property.value.count)
                bytes += [UInt8(size >> 24), UInt8(size >> 16 & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size & 0xFF)]
                bytes += property.value.prefix(Int(size))
            }
        case .error(let reason):
            let text = Array(reason.utf8.prefix(255))
            bytes.append(UInt8(text.count))
            bytes += text
        case .ping(let ttl, let context):
            bytes += [UInt8(ttl >> 8), UInt8(ttl & 0xFF)]
            bytes += context.prefix(16)
        case .pong(let context):
            bytes += context.prefix(16)
        case .other(_, let data):
            bytes += data
        }
        return bytes
    }

    /// The command as a frame to send.
    public var frame: ZMTPFrame { ZMTPFrame(body: encoded(), isCommand: true) }

    public init(decoding body: some Collection<UInt8>) throws(ZMTPError) {
        let bytes = Array(body)
        guard let nameSize = bytes.first.map(Int.init), nameSize > 0 else {
            throw .malformedCommand("empty command name")
        }
        guard bytes.count >= 1 + nameSize else {
            throw .malformedCommand("command name of \(nameSize) bytes in a body of \(bytes.count)")
        }
        let name = String(decoding: bytes[1...nameSize], as: UTF8.self)
        let data = bytes[(1 + nameSize)...]
        switch name {
        case "READY": self = .ready(try Self.properties(data))
        case "ERROR":
            guard let size = data.first.map(Int.init), data.count == 1 + size else {
                throw .malformedCommand("ERROR reason length does not match its \(max(data.count - 1, 0)) bytes")
            }
            self = .error(reason: String(decoding: data.dropFirst(), as: UTF8.self))
        case "PING":
            guard data.count >= 2, data.count <= 2 + 16 else {
                throw .malformedCommand("PING of \(data.count) bytes (2 to 18)")
            }
            self = .ping(ttl: UInt16(data[data.startIndex]) << 8 | UInt16(data[data.startIndex + 1]),
                         context: Array(data.dropFirst(2)))
        case "PONG":
            guard data.count <= 16 else { throw .malformedCommand("PONG context of \(data.count) bytes (at most 16)") }
            self = .pong(context: Array(data))
        default:
            self = .other(name: name, data: Array(data))
        }
    }

    /// The metadata of READY: name-size, name, 4-byte value-size, value; repeated to the end.
    private static func properties(_ data: ArraySlice<UInt8>) throws(ZMTPError) -> [ZMTPProperty] {
        var properties: [ZMTPProperty] = []
        var index = data.startIndex
        while index < data.endIndex {
            let nameSize = Int(data[index])
            index += 1
            guard nameSize > 0, data.endIndex - index >= nameSize + 4 else {
                throw .malformedCommand("READY property \(properties.count + 1) is cut short")
            }
            let name = String(decoding: data[index..<(index + nameSize)], as: UTF8.self)
            index += nameSize
            var size = 0
            for byte in data[index..<(index + 4)] { size = size << 8 | Int(byte) }
            index += 4
            guard data.endIndex - index >= size else {
                throw .malformedCommand("READY property \"\(name)\" value of \(size) bytes is cut short")
            }
            properties.append(ZMTPProperty(name: name, value: Array(data[index..<(index + size)])))
            index += size
        }
        return properties
    }
}

extension Array where Element == ZMTPProperty {
    /// A property's value by name; names are case-insensitive (37/ZMTP).
    public func value(named name: String) -> [UInt8]? {
        let wanted = name.lowercased()
        return first { $0.name.lowercased() == wanted }?.value
    }
}
