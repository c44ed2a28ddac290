/// nlmsg_flags.
public struct NetlinkFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// NLM_F_REQUEST
    public static let request = NetlinkFlags(rawValue: 0x01)
    /// NLM_F_MULTI: part of a multipart answer ended by NLMSG_DONE.
    public static let multi = NetlinkFlags(rawValue: 0x02)
    /// NLM_F_ACK
    public static let ack = NetlinkFlags(rawValue: 0x04)
    /// NLM_F_ECHO
    public static let echo = NetlinkFlags(rawValue: 0x08)
    /// NLM_F_DUMP_INTR: the dump was interrupted by a change and may be inconsistent.
    public static let dumpInterrupted = NetlinkFlags(rawValue: 0x10)
    /// NLM_F_DUMP_FILTERED
    public static let dumpFiltered = NetlinkFlags(rawValue: 0x20)

    // GET requests
    /// NLM_F_ROOT
    public static let root = NetlinkFlags(rawValue: 0x100)
    /// NLM_F_MATCH
    public static let match = NetlinkFlags(rawValue: 0x200)
    /// NLM_F_ATOMIC
    public static let atomic = NetlinkFlags(rawValue: 0x400)
    /// NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH
    public static let dump: NetlinkFlags = [.root, .match]

    // NEW requests
    /// NLM_F_REPLACE
    public static let replace = NetlinkFlags(rawValue: 0x100)
    /// NLM_F_EXCL
    public static let excl = NetlinkFlags(rawValue: 0x200)
    /// NLM_F_CREATE
    public static let create = NetlinkFlags(rawValue: 0x400)
    /// NLM_F_APPEND
    public static let append = NetlinkFlags(rawValue: 0x800)

    // Acknowledgements
    /// NLM_F_CAPPED: the error message carries only the request's header.
    public static let capped = NetlinkFlags(rawValue: 0x100)
    /// NLM_F_ACK_TLVS: extended-ack attributes follow.
    public static let ackTLVs = NetlinkFlags(rawValue: 0x200)
}

/// Message types below NLMSG_MIN_TYPE (0x10) that belong to netlink itself.
public enum NetlinkMessageType {
    /// NLMSG_NOOP
    public static let noop: UInt16 = 1
    /// NLMSG_ERROR: an error or, with error 0, an acknowledgement.
    public static let error: UInt16 = 2
    /// NLMSG_DONE: ends a multipart answer.
    public static let done: UInt16 = 3
    /// NLMSG_OVERRUN
    public static let overrun: UInt16 = 4
    /// NLMSG_MIN_TYPE: the first type a protocol may use.
    public static let minimum: UInt16 = 0x10
}

/// struct nlmsghdr.
public struct NetlinkHeader: Hashable, Sendable {
    /// nlmsg_len: header plus payload, without trailing padding.
    public var length: UInt32
    /// nlmsg_type
    public var type: UInt16
    /// nlmsg_flags
    public var flags: NetlinkFlags
    /// nlmsg_seq
    public var sequence: UInt32
    /// nlmsg_pid
    public var portID: UInt32

    public static let size = 16

    public init(length: UInt32 = 0, type: UInt16, flags: NetlinkFlags = [], sequence: UInt32 = 0, portID: UInt32 = 0) {
        self.length = length
        self.type = type
        self.flags = flags
        self.sequence = sequence
        self.portID = portID
    }

    /// Decodes the 16-byte header at `offset`; checks only that the bytes are there.
    public static func decode<C: Collection>(_ bytes: C, at offset: Int = 0) throws -> NetlinkHeader
    where C.Element == UInt8, C.Index == Int {
        let start = bytes.startIndex + offset
        guard offset >= 0, bytes.endIndex - start >= size else {
            throw NetlinkError(.truncated, operation: "decode nlmsghdr", byteOffset: offset)
        }
        return NetlinkHeader(
            length: bytes.loadNative(UInt32.self, at: start),
            type: bytes.loadNative(UInt16.self, at: start + 4),
            flags: NetlinkFlags(rawValue: bytes.loadNative(UInt16.self, at: start + 6)),
            sequence: bytes.loadNative(UInt32.self, at: start + 8),
            portID: bytes.loadNative(UInt32.self, at: start + 12))
    }

    public func encode(into bytes: inout [UInt8]) {
        bytes.appendNative(length)
        bytes.appendNative(type)
        bytes.appendNative(flags.rawValue)
        bytes.appendNative(sequence)
        bytes.appendNative(portID)
    }
}

/// One netlink message: a header and its payload (without padding).
public struct NetlinkMessage: Hashable, Sendable {
    public var header: NetlinkHeader
    public var payload: [UInt8]

    public init(header: NetlinkHeader, payload: [UInt8] = []) {
        self.header = header
        self.payload = payload
    }

    public init(type: UInt16, flags: NetlinkFlags = [], sequence: UInt32 = 0, portID: UInt32 = 0,
                payload: [UInt8] = []) {
        self.init(header: NetlinkHeader(type: type, flags: flags, sequence: sequence, portID: portID),
                  payload: payload)
    }

    /// Encodes with `nlmsg_len` computed from the payload, padded to four bytes.
    public func encode() -> [UInt8] {
        var bytes: [UInt8] = []
        encode(into: &bytes)
        return bytes
    }

    public func encode(into bytes: inout [UInt8]) {
        var header = self.header
        header.length = UInt32(NetlinkHeader.size + payload.count)
        header.encode(into: &bytes)
        bytes.append(contentsOf: payload)
        bytes.padToAlignment()
    }

    /// Encodes several messages into one datagram.
    public static func encode(_ messages: [NetlinkMessage]) -> [UInt8] {
        var bytes: [UInt8] = []
        for message in messages { message.encode(into: &bytes) }
        return bytes
    }

    /// Decodes every message in a datagram. Rejects a length shorter than the header, a
    /// length past the end of the data and trailing bytes that are not a whole message.
    /// The last message may omit its padding (the kernel never does, but it is harmless).
    public static func decodeAll(_ bytes: [UInt8]) throws -> [NetlinkMessage] {
        var messages: [NetlinkMessage] = []
        var offset = 0
        while offset < bytes.count {
            let header = try NetlinkHeader.decode(bytes, at: offset)
            let length = Int(header.length)
            guard length >= NetlinkHeader.size else {
                throw NetlinkError(.invalidLength, operation: "decode nlmsghdr", byteOffset: offset)
            }
            guard length <= bytes.count - offset else {
                throw NetlinkError(.invalidLength, operation: "decode nlmsghdr", byteOffset: offset)
            }
            let payload = Array(bytes[(offset + NetlinkHeader.size)..<(offset + length)])
            messages.append(NetlinkMessage(header: header, payload: payload))
            offset += netlinkAlign(length)
        }
        return messages
    }

    /// Decodes exactly one message occupying the whole buffer.
    public static func decode(_ bytes: [UInt8]) throws -> NetlinkMessage {
        let all = try decodeAll(bytes)
        guard all.count == 1 else {
            throw NetlinkError(.invalidLength, operation: "decode one netlink message")
        }
        return all[0]
    }
}
