/// One D-Bus message (D-Bus specification, "Message Format"): the fixed header, the
/// header fields in the order they came (so that a decoded message encodes to the same
/// bytes), and the body's values. A pure value: `decode` and `encoded()` do no I/O.
public struct DBusMessage: DBusMessageHead, Hashable, Sendable {
    /// The message type.
    public enum Kind: UInt8, Hashable, Sendable {
        /// METHOD_CALL
        case methodCall = 1
        /// METHOD_RETURN
        case methodReturn = 2
        /// ERROR
        case error = 3
        /// SIGNAL
        case signal = 4
    }

    public struct Flags: OptionSet, Hashable, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// NO_REPLY_EXPECTED
        public static let noReplyExpected = Flags(rawValue: 0x1)
        /// NO_AUTO_START
        public static let noAutoStart = Flags(rawValue: 0x2)
        /// ALLOW_INTERACTIVE_AUTHORIZATION
        public static let allowInteractiveAuthorization = Flags(rawValue: 0x4)
    }

    /// A header field: a code and a value of the type the code requires.
    public enum HeaderField: Hashable, Sendable {
        /// PATH (1, `o`)
        case path(String)
        /// INTERFACE (2, `s`)
        case interface(String)
        /// MEMBER (3, `s`)
        case member(String)
        /// ERROR_NAME (4, `s`)
        case errorName(String)
        /// REPLY_SERIAL (5, `u`)
        case replySerial(UInt32)
        /// DESTINATION (6, `s`)
        case destination(String)
        /// SENDER (7, `s`)
        case sender(String)
        /// SIGNATURE (8, `g`)
        case signature(String)
        /// UNIX_FDS (9, `u`)
        case unixFDs(UInt32)
        /// A code this implementation does not know; kept so that it round-trips (the
        /// specification says to ignore it).
        case other(code: UInt8, value: DBusValue)

        public var code: UInt8 {
            switch self {
            case .path: return 1
            case .interface: return 2
            case .member: return 3
            case .errorName: return 4
            case .replySerial: return 5
            case .destination: return 6
            case .sender: return 7
            case .signature: return 8
            case .unixFDs: return 9
            case .other(let code, _): return code
            }
        }

        var value: DBusValue {
            switch self {
            case .path(let path): return .objectPath(path)
            case .interface(let text), .member(let text), .errorName(let text), .destination(let text),
                .sender(let text):
                return .string(text)
            case .replySerial(let number), .unixFDs(let number): return .uint32(number)
            case .signature(let text): return .signature(text)
            case .other(_, let value): return value
            }
        }

        /// The field of `code` holding `value`, checked against the type the code requires
        /// and the naming rules.
        static func decode(code: UInt8, value: DBusValue) throws(DBusWireError) -> HeaderField {
            func name(_ field: String, _ valid: (String) -> Bool) throws(DBusWireError) -> String {
                guard case .string(let text) = value else {
                    throw .headerFieldType(code: code, signature: value.type.signature)
                }
                guard valid(text) else { throw .invalidName(field: field, value: text) }
                return text
            }
            switch code {
            case 1:
                guard case .objectPath(let path) = value else {
                    throw .headerFieldType(code: code, signature: value.type.signature)
                }
                return .path(path)
            case 2: return .interface(try name("interface", DBusNames.isValidInterfaceName))
            case 3: return .member(try name("member", DBusNames.isValidMemberName))
            case 4: return .errorName(try name("error name", DBusNames.isValidErrorName))
            case 5, 9:
                guard case .uint32(let number) = value else {
                    throw .headerFieldType(code: code, signature: value.type.signature)
                }
                return code == 5 ? .replySerial(number) : .unixFDs(number)
            case 6: return .destination(try name("destination", DBusNames.isValidBusName))
            case 7: return .sender(try name("sender", DBusNames.isValidBusName))
            case 8:
                guard case .signature(let text) = value else {
                    throw .headerFieldType(code: code, signature: value.type.signature)
                }
                return .signature(text)
            default:
                return .other(code: code, value: value)
            }
        }
    }

    public var byteOrder: DBusByteOrder
    public var kind: Kind
    public var flags: Flags
    /// The sender's serial for this message; never 0 on the wire.
    public var serial: UInt32
    /// The header fields in wire order. SIGNATURE among them is kept in step with the
    /// body by `encoded()`; the accessors below read and replace single fields.
    public var headerFields: [HeaderField]
    /// The body's values; their types make the message's signature.
    public var body: [DBusValue]

    /// The major protocol version this implementation speaks.
    public static let protocolVersion: UInt8 = 1
    /// The longest message D-Bus allows.
    public static let maximumLength = 1 << 27
    /// The fixed part of the header plus the header field array's length.
    public static let minimumHeaderLength = 16

    public init(kind: Kind, flags: Flags = [], serial: UInt32 = 0, headerFields: [HeaderField] = [],
                body: [DBusValue] = [], byteOrder: DBusByteOrder = .littleEndian)
    {
        self.byteOrder = byteOrder
        self.kind = kind
        self.flags = flags
        self.serial = serial
        self.headerFields = headerFields
        self.body = body
    }

    /// A method call; the serial is set when it is sent.
    public static func methodCall(destination: String?, path: String, interface: String?, member: String,
                                  body: [DBusValue] = [], flags: Flags = []) -> DBusMessage
    {
        var fields: [HeaderField] = [.path(path)]
        if let interface { fields.append(.interface(interface)) }
        fields.append(.member(member))
        if let destination { fields.append(.destination(destination)) }
        return DBusMessage(kind: .methodCall, flags: flags, headerFields: fields, body: body)
    }

    /// The reply to `call` carrying `body`.
    public static func methodReturn(to call: some DBusMessageHead, body: [DBusValue] = []) -> DBusMessage {
        var fields: [HeaderField] = [.replySerial(call.serial)]
        if let sender = call.headerFields.sender { fields.append(.destination(sender)) }
        return DBusMessage(kind: .methodReturn, flags: .noReplyExpected, headerFields: fields, body: body)
    }

    /// The error reply to `call`: its name and, as D-Bus errors carry it, the message as
    /// the body's one string.
    public static func error(to call: some DBusMessageHead, name: String, message: String) -> DBusMessage {
        var fields: [HeaderField] = [.errorName(name), .replySerial(call.serial)]
        if let sender = call.headerFields.sender { fields.append(.destination(sender)) }
        return DBusMessage(kind: .error, flags: .noReplyExpected, headerFields: fields, body: [.string(message)])
    }

    // MARK: Header fields

    private mutating func setField(code: UInt8, _ field: HeaderField?) {
        if let index = headerFields.firstIndex(where: { $0.code == code }) {
            if let field { headerFields[index] = field } else { headerFields.remove(at: index) }
        } else if let field {
            headerFields.append(field)
        }
    }

    /// PATH
    public var path: String? {
        get { headerFields.path }
        set { setField(code: 1, newValue.map(HeaderField.path)) }
    }
    /// INTERFACE
    public var interface: String? {
        get { headerFields.interface }
        set { setField(code: 2, newValue.map(HeaderField.interface)) }
    }
    /// MEMBER
    public var member: String? {
        get { headerFields.member }
        set { setField(code: 3, newValue.map(HeaderField.member)) }
    }
    /// ERROR_NAME
    public var errorName: String? {
        get { headerFields.errorName }
        set { setField(code: 4, newValue.map(HeaderField.errorName)) }
    }
    /// REPLY_SERIAL
    public var replySerial: UInt32? {
        get { headerFields.replySerial }
        set { setField(code: 5, newValue.map(HeaderField.replySerial)) }
    }
    /// DESTINATION
    public var destination: String? {
        get { headerFields.destination }
        set { setField(code: 6, newValue.map(HeaderField.destination)) }
    }
    /// SENDER
    public var sender: String? {
        get { headerFields.sender }
        set { setField(code: 7, newValue.map(HeaderField.sender)) }
    }
    /// UNIX_FDS
    public var unixFDs: UInt32? {
        get { headerFields.unixFDs }
        set { setField(code: 9, newValue.map(HeaderField.unixFDs)) }
    }

    /// The body's signature (the SIGNATURE header field as `encoded()` writes it).
    public var signature: String {
        DBusType.signature(of: body.map(\.type))
    }

    /// For an error: the message text, the body's first value when it is a string.
    public var errorMessage: String? {
        guard kind == .error, case .string(let text)? = body.first else { return nil }
        return text
    }

    // MARK: Decoding

    /// The total length of the message that `prefix` starts, once its first 16 bytes are
    /// there; `nil` while fewer are. Throws for a start that cannot be a message, so that
    /// a stream reader knows it has lost the framing.
    public static func length(ofMessageStartingWith prefix: some Collection<UInt8>) throws(DBusWireError) -> Int? {
        guard prefix.count >= minimumHeaderLength else { return nil }
        let head = Array(prefix.prefix(minimumHeaderLength))
        guard let byteOrder = DBusByteOrder(rawValue: head[0]) else { throw .invalidByteOrder(head[0]) }
        guard head[3] == protocolVersion else { throw .unsupportedVersion(head[3]) }
        var reader = DBusReader(bytes: head, byteOrder: byteOrder, offset: 4)
        let bodyLength = Int(try reader.readUInt32())
        reader.offset = 12
        let fieldsLength = Int(try reader.readUInt32())
        let headerLength = (minimumHeaderLength + fieldsLength + 7) & ~7
        let total = headerLength + bodyLength
        guard fieldsLength <= DBusReader.maximumArrayLength, total <= maximumLength else {
            throw .messageTooLong(total)
        }
        return total
    }

    /// Decodes exactly one message from `bytes`. Checks everything the specification
    /// asks a receiver to check: byte order, version, type, serial, padding, lengths,
    /// the header fields' types and names, the fields each type requires, and that the
    /// body matches its signature to the byte.
    public static func decode(_ bytes: [UInt8]) throws(DBusWireError) -> DBusMessage {
        guard let total = try length(ofMessageStartingWith: bytes) else { throw .truncated(offset: bytes.count) }
        guard bytes.count >= total else { throw .truncated(offset: bytes.count) }
        guard bytes.count == total else { throw .trailingBytes(count: bytes.count - total) }
        guard let header = try DBusMessageHeader.decode(bytes) else { throw .truncated(offset: bytes.count) }
        return try DBusMessage(header: header, body: bytes[header.bodyOffset...])
    }

    /// The message of a decoded `header` with its body's bytes (`header.bodyLength` of them),
    /// decoded against the header's signature.
    public init(header: DBusMessageHeader, body: some Collection<UInt8>) throws(DBusWireError) {
        guard body.count == header.bodyLength else {
            throw .bodyLengthMismatch(expected: header.bodyLength, actual: body.count)
        }
        self.init(kind: header.kind, flags: header.flags, serial: header.serial, headerFields: header.headerFields,
                  byteOrder: header.byteOrder)
        let types = try DBusType.parse(signature: header.signature)
        // The body is aligned from its own start, which is on 8 like the message's, so
        // reading it alone aligns the same.
        var bodyReader = DBusReader(bytes: Array(body), byteOrder: header.byteOrder)
        do throws(DBusWireError) {
            self.body = try bodyReader.readValues(types)
        } catch {
            throw error.shifted(by: header.bodyOffset)
        }
        guard bodyReader.offset == header.bodyLength else {
            throw .bodyLengthMismatch(expected: header.bodyLength, actual: bodyReader.offset)
        }
    }

    /// "Header Fields": what each message type must carry.
    func checkRequiredFields() throws(DBusWireError) {
        try Self.checkRequiredFields(kind: kind, fields: headerFields)
    }

    static func checkRequiredFields(kind: Kind, fields: [HeaderField]) throws(DBusWireError) {
        switch kind {
        case .methodCall:
            guard fields.path != nil else { throw .missingHeaderField("PATH") }
            guard fields.member != nil else { throw .missingHeaderField("MEMBER") }
        case .signal:
            guard fields.path != nil else { throw .missingHeaderField("PATH") }
            guard fields.interface != nil else { throw .missingHeaderField("INTERFACE") }
            guard fields.member != nil else { throw .missingHeaderField("MEMBER") }
        case .error:
            guard fields.errorName != nil else { throw .missingHeaderField("ERROR_NAME") }
            guard fields.replySerial != nil else { throw .missingHeaderField("REPLY_SERIAL") }
        case .methodReturn:
            guard fields.replySerial != nil else { throw .missingHeaderField("REPLY_SERIAL") }
        }
    }

    // MARK: Encoding

    /// The message's bytes. The SIGNATURE field is written from the body (replacing a
    /// stale one in place, added last when missing, left out for an empty body). Throws
    /// for what cannot be valid on the wire: serial 0, missing required fields, values
    /// that do not fit their types, a message over 128 MiB.
    public func encoded() throws(DBusWireError) -> [UInt8] {
        guard serial != 0 else { throw .zeroSerial }
        try checkRequiredFields()
        let bodySignature = signature
        guard bodySignature.utf8.count <= DBusType.maximumSignatureLength else {
            throw .unencodable("body signature longer than 255")
        }
        var fields = headerFields
        if let index = fields.firstIndex(where: { $0.code == 8 }) {
            if bodySignature.isEmpty { fields.remove(at: index) } else { fields[index] = .signature(bodySignature) }
        } else if !bodySignature.isEmpty {
            fields.append(.signature(bodySignature))
        }
        var seen = Set<UInt8>()
        for field in fields {
            guard field.code != 0, seen.insert(field.code).inserted else {
                throw .unencodable("header field \(field.code) twice or invalid")
            }
            // The same checks as a receiver makes, so that what encodes also decodes.
            _ = try HeaderField.decode(code: field.code, value: field.value)
        }

        var writer = DBusWriter(byteOrder: byteOrder)
        writer.bytes = [byteOrder.rawValue, kind.rawValue, flags.rawValue, Self.protocolVersion]
        writer.writeUInt32(0)  // body length, patched below
        writer.writeUInt32(serial)
        let fieldArray = DBusValue.array(
            element: .structure([.byte, .variant]),
            fields.map { .structure([.byte($0.code), .variant($0.value)]) })
        try writer.write(fieldArray, depth: 0)
        writer.align(8)
        let bodyStart = writer.bytes.count
        try writer.write(body)
        let bodyLength = writer.bytes.count - bodyStart
        guard writer.bytes.count <= Self.maximumLength else { throw .messageTooLong(writer.bytes.count) }
        writer.patchUInt32(UInt32(bodyLength), at: 4)
        return writer.bytes
    }
}
