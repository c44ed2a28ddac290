/// NLMSGERR_ATTR_*: extended-ack attributes after an NLMSG_ERROR or NLMSG_DONE.
public enum ExtendedAckAttribute {
    /// NLMSGERR_ATTR_MSG: string
    public static let message: UInt16 = 1
    /// NLMSGERR_ATTR_OFFS: u32 offset of the offending attribute in the request
    public static let offset: UInt16 = 2
    /// NLMSGERR_ATTR_COOKIE
    public static let cookie: UInt16 = 3
    /// NLMSGERR_ATTR_POLICY
    public static let policy: UInt16 = 4
    /// NLMSGERR_ATTR_MISS_TYPE
    public static let missingType: UInt16 = 5
    /// NLMSGERR_ATTR_MISS_NEST
    public static let missingNest: UInt16 = 6
}

/// The payload of NLMSG_ERROR (struct nlmsgerr and its extended ack): an error, or an
/// acknowledgement when `errno` is 0.
public struct NetlinkAcknowledgement: Hashable, Sendable {
    /// The positive errno (the wire carries it negated); 0 for an ACK.
    public var errno: Int32
    /// The header of the request this answers.
    public var request: NetlinkHeader
    /// NLM_F_CAPPED: only the request's header is echoed (always so for an ACK).
    public var isCapped: Bool
    /// The request's payload as echoed back (empty when capped).
    public var requestPayload: [UInt8]
    /// NLMSGERR_ATTR_MSG
    public var message: String?
    /// NLMSGERR_ATTR_OFFS
    public var offset: UInt32?
    /// NLMSGERR_ATTR_MISS_TYPE
    public var missingType: UInt32?
    /// Other extended-ack attributes, kept for round trips.
    public var otherAttributes: [NetlinkAttribute]

    public init(errno: Int32, request: NetlinkHeader, isCapped: Bool = true, requestPayload: [UInt8] = [],
                message: String? = nil, offset: UInt32? = nil, missingType: UInt32? = nil,
                otherAttributes: [NetlinkAttribute] = []) {
        self.errno = errno
        self.request = request
        self.isCapped = isCapped
        self.requestPayload = requestPayload
        self.message = message
        self.offset = offset
        self.missingType = missingType
        self.otherAttributes = otherAttributes
    }

    public var isAcknowledgement: Bool { errno == 0 }

    /// Decodes an NLMSG_ERROR message; `flags` tell whether the request was capped and
    /// whether extended-ack attributes follow.
    public static func decode(_ message: NetlinkMessage) throws -> NetlinkAcknowledgement {
        guard message.header.type == NetlinkMessageType.error else {
            throw NetlinkError(.unexpectedMessage, operation: "decode nlmsgerr")
        }
        let bytes = message.payload
        guard bytes.count >= 4 + NetlinkHeader.size else {
            throw NetlinkError(.truncated, operation: "decode nlmsgerr", byteOffset: NetlinkHeader.size)
        }
        let error = bytes.loadNative(Int32.self, at: 0)
        let request = try NetlinkHeader.decode(bytes, at: 4)
        var cursor = 4 + NetlinkHeader.size
        var echoed: [UInt8] = []
        if !message.header.flags.contains(.capped) {
            // Uncapped errors echo the whole request; its own header says how long.
            let requestLength = Int(request.length)
            guard requestLength >= NetlinkHeader.size, 4 + requestLength <= bytes.count else {
                throw NetlinkError(.invalidLength, operation: "decode nlmsgerr request", byteOffset: NetlinkHeader.size + 4)
            }
            echoed = Array(bytes[cursor..<(4 + requestLength)])
            cursor = 4 + netlinkAlign(requestLength)
        }
        var ack = NetlinkAcknowledgement(errno: error == Int32.min ? Int32.max : -error,
                                         request: request, isCapped: message.header.flags.contains(.capped),
                                         requestPayload: echoed)
        if message.header.flags.contains(.ackTLVs) && cursor < bytes.count {
            try ack.decodeExtendedAttributes(Array(bytes[cursor...]), baseOffset: NetlinkHeader.size + cursor)
        }
        return ack
    }

    mutating func decodeExtendedAttributes(_ bytes: [UInt8], baseOffset: Int) throws {
        var reader = AttributeReader(bytes, baseOffset: baseOffset)
        while reader.next() {
            switch reader.type {
            case ExtendedAckAttribute.message: message = reader.string()
            case ExtendedAckAttribute.offset: offset = reader.uint32()
            case ExtendedAckAttribute.missingType: missingType = reader.uint32()
            default: otherAttributes.append(reader.attribute)
            }
        }
        try reader.finish()
    }

    /// Encodes as the kernel would; the returned message's flags say whether the request
    /// was capped and whether extended-ack attributes follow.
    public func encode(sequence: UInt32? = nil, portID: UInt32 = 0) -> NetlinkMessage {
        var payload: [UInt8] = []
        payload.appendNative(-errno)
        var flags: NetlinkFlags = []
        if isCapped {
            flags.insert(.capped)
            request.encode(into: &payload)
        } else {
            var header = request
            header.length = UInt32(NetlinkHeader.size + requestPayload.count)
            header.encode(into: &payload)
            payload.append(contentsOf: requestPayload)
            payload.padToAlignment()
        }
        var writer = AttributeWriter()
        if let message { writer.append(type: ExtendedAckAttribute.message, string: message) }
        if let offset { writer.append(type: ExtendedAckAttribute.offset, uint32: offset) }
        if let missingType { writer.append(type: ExtendedAckAttribute.missingType, uint32: missingType) }
        for attribute in otherAttributes { writer.append(attribute) }
        if !writer.bytes.isEmpty {
            flags.insert(.ackTLVs)
            payload.append(contentsOf: writer.bytes)
        }
        return NetlinkMessage(header: NetlinkHeader(type: NetlinkMessageType.error, flags: flags,
                                                    sequence: sequence ?? request.sequence, portID: portID),
                              payload: payload)
    }
}

/// The payload of NLMSG_DONE: an int error (non-zero when a dump failed midway) and,
/// with NLM_F_ACK_TLVS, extended-ack attributes.
public struct NetlinkDone: Hashable, Sendable {
    /// Positive errno, 0 for success.
    public var errno: Int32
    public var message: String?
    public var offset: UInt32?

    public init(errno: Int32 = 0, message: String? = nil, offset: UInt32? = nil) {
        self.errno = errno
        self.message = message
        self.offset = offset
    }

    public static func decode(_ message: NetlinkMessage) throws -> NetlinkDone {
        guard message.header.type == NetlinkMessageType.done else {
            throw NetlinkError(.unexpectedMessage, operation: "decode NLMSG_DONE")
        }
        // Some families send NLMSG_DONE with no payload at all; that is a success.
        guard message.payload.count >= 4 else {
            guard message.payload.isEmpty else {
                throw NetlinkError(.truncated, operation: "decode NLMSG_DONE", byteOffset: NetlinkHeader.size)
            }
            return NetlinkDone()
        }
        let error = message.payload.loadNative(Int32.self, at: 0)
        var done = NetlinkDone(errno: error == Int32.min ? Int32.max : -error)
        if message.header.flags.contains(.ackTLVs) && message.payload.count > 4 {
            var ack = NetlinkAcknowledgement(errno: 0, request: NetlinkHeader(type: 0))
            try ack.decodeExtendedAttributes(Array(message.payload[4...]), baseOffset: NetlinkHeader.size + 4)
            done.message = ack.message
            done.offset = ack.offset
        }
        return done
    }

    /// Encodes as the kernel would: the extended-ack attributes, when there are any, follow the error
    /// and NLM_F_ACK_TLVS is set (without them a decoded DONE's message and offset were lost).
    public func encode(sequence: UInt32, portID: UInt32 = 0, flags: NetlinkFlags = .multi) -> NetlinkMessage {
        var payload: [UInt8] = []
        payload.appendNative(-errno)
        var writer = AttributeWriter()
        if let message { writer.append(type: ExtendedAckAttribute.message, string: message) }
        if let offset { writer.append(type: ExtendedAckAttribute.offset, uint32: offset) }
        var flags = flags
        if !writer.bytes.isEmpty {
            flags.insert(.ackTLVs)
            payload.append(contentsOf: writer.bytes)
        }
        return NetlinkMessage(type: NetlinkMessageType.done, flags: flags, sequence: sequence, portID: portID,
                              payload: payload)
    }
}
