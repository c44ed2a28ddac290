/// A D-Bus message's header without its body: the fixed part, the header fields, and where
/// the body lies. Decoding it first lets a receiver decide from the type, path, interface,
/// member and body length alone whether the body is worth reading: a signal it does not
/// want, or an oversized argument, can be skipped as its bytes stream past, never held.
public struct DBusMessageHeader: DBusMessageHead, Hashable, Sendable {
    public var byteOrder: DBusByteOrder
    public var kind: DBusMessage.Kind
    public var flags: DBusMessage.Flags
    public var serial: UInt32
    /// The header fields in wire order.
    public var headerFields: [DBusMessage.HeaderField]
    /// Where the body starts, counted from the message's start (a multiple of 8).
    public var bodyOffset: Int
    /// The body's length in bytes, as the header says.
    public var bodyLength: Int

    /// The whole message's length.
    public var totalLength: Int { bodyOffset + bodyLength }

    /// SIGNATURE: the body's signature as the header says it ("" when absent).
    public var signature: String { headerFields.signature ?? "" }

    /// The header at the start of `prefix`, once all of it is there (`nil` before). Checks
    /// what `DBusMessage.decode` checks of a header: byte order, version, type, serial,
    /// lengths, padding, the header fields' types and names, and the fields the type requires.
    /// A message of a type this implementation does not know throws `unknownMessageType`
    /// (to be skipped, as the specification asks: `DBusMessage.length` gives its length).
    public static func decode(_ prefix: some Collection<UInt8>) throws(DBusWireError) -> DBusMessageHeader? {
        guard let total = try DBusMessage.length(ofMessageStartingWith: prefix),
            let bodyOffset = try length(ofHeaderStartingWith: prefix), prefix.count >= bodyOffset
        else { return nil }
        let head = Array(prefix.prefix(bodyOffset))
        guard let kind = DBusMessage.Kind(rawValue: head[1]) else { throw .unknownMessageType(head[1]) }
        return try decode(head, kind: kind, bodyLength: total - bodyOffset, total: total)
    }

    /// The length of the header (fixed part, fields and padding: where the body starts) of
    /// the message that `prefix` starts, once its first 16 bytes are there; `nil` before.
    /// Throws as `DBusMessage.length(ofMessageStartingWith:)` does.
    public static func length(ofHeaderStartingWith prefix: some Collection<UInt8>) throws(DBusWireError) -> Int? {
        guard try DBusMessage.length(ofMessageStartingWith: prefix) != nil else { return nil }
        let head = Array(prefix.prefix(DBusMessage.minimumHeaderLength))
        var reader = DBusReader(bytes: head, byteOrder: DBusByteOrder(rawValue: head[0])!, offset: 12)
        let fieldsLength = Int(try reader.readUInt32())
        return (DBusMessage.minimumHeaderLength + fieldsLength + 7) & ~7
    }

    private static func decode(_ bytes: [UInt8], kind: DBusMessage.Kind, bodyLength: Int, total: Int)
        throws(DBusWireError) -> DBusMessageHeader
    {
        let byteOrder = DBusByteOrder(rawValue: bytes[0])!
        var reader = DBusReader(bytes: bytes, byteOrder: byteOrder, offset: 8)
        let serial = try reader.readUInt32()
        guard serial != 0 else { throw .zeroSerial }
        let fieldsValue = try reader.read(.array(.structure([.byte, .variant])), depth: 0)
        guard case .array(_, let entries) = fieldsValue else { throw .truncated(offset: 12) }
        var fields: [DBusMessage.HeaderField] = []
        var seen = Set<UInt8>()
        for entry in entries {
            guard case .structure(let parts) = entry, parts.count == 2, case .byte(let code) = parts[0],
                case .variant(let value) = parts[1]
            else { throw .headerFieldType(code: 0, signature: entry.type.signature) }
            // Code 0 is INVALID; the specification forbids it.
            guard code != 0 else { throw .headerFieldType(code: 0, signature: value.type.signature) }
            guard seen.insert(code).inserted else { throw .duplicateHeaderField(code: code) }
            fields.append(try DBusMessage.HeaderField.decode(code: code, value: value))
        }
        try reader.align(8)
        guard reader.offset + bodyLength == total else {
            throw .bodyLengthMismatch(expected: bodyLength, actual: total - reader.offset)
        }
        let header = DBusMessageHeader(byteOrder: byteOrder, kind: kind, flags: DBusMessage.Flags(rawValue: bytes[2]),
                                       serial: serial, headerFields: fields, bodyOffset: reader.offset,
                                       bodyLength: bodyLength)
        try DBusMessage.checkRequiredFields(kind: kind, fields: fields)
        return header
    }
}

/// What a message's header says, the same for a whole message (`DBusMessage`) and a header
/// read alone (`DBusMessageHeader`): enough to route a message and to reply to it.
public protocol DBusMessageHead {
    var kind: DBusMessage.Kind { get }
    var flags: DBusMessage.Flags { get }
    /// The sender's serial.
    var serial: UInt32 { get }
    /// The header fields in wire order.
    var headerFields: [DBusMessage.HeaderField] { get }
}

extension DBusMessageHead {
    /// PATH
    public var path: String? { headerFields.path }
    /// INTERFACE
    public var interface: String? { headerFields.interface }
    /// MEMBER
    public var member: String? { headerFields.member }
    /// REPLY_SERIAL
    public var replySerial: UInt32? { headerFields.replySerial }
    /// SENDER
    public var sender: String? { headerFields.sender }

    /// Whether the sender waits for a reply.
    public var expectsReply: Bool {
        kind == .methodCall && !flags.contains(.noReplyExpected)
    }
}

extension Array where Element == DBusMessage.HeaderField {
    private func first<T>(_ extract: (DBusMessage.HeaderField) -> T?) -> T? {
        for field in self {
            if let value = extract(field) { return value }
        }
        return nil
    }

    var path: String? { first { if case .path(let value) = $0 { value } else { nil } } }
    var interface: String? { first { if case .interface(let value) = $0 { value } else { nil } } }
    var member: String? { first { if case .member(let value) = $0 { value } else { nil } } }
    var errorName: String? { first { if case .errorName(let value) = $0 { value } else { nil } } }
    var replySerial: UInt32? { first { if case .replySerial(let value) = $0 { value } else { nil } } }
    var destination: String? { first { if case .destination(let value) = $0 { value } else { nil } } }
    var sender: String? { first { if case .sender(let value) = $0 { value } else { nil } } }
    var signature: String? { first { if case .signature(let value) = $0 { value } else { nil } } }
    var unixFDs: UInt32? { first { if case .unixFDs(let value) = $0 { value } else { nil } } }
}
