/// nla_type flag bits.
public enum AttributeFlag {
    /// NLA_F_NESTED: the payload is itself a list of attributes.
    public static let nested: UInt16 = 0x8000
    /// NLA_F_NET_BYTEORDER: the payload is in network byte order.
    public static let networkByteOrder: UInt16 = 0x4000
    /// NLA_TYPE_MASK
    public static let typeMask: UInt16 = 0x3fff
}

/// One attribute (struct nlattr and its payload, without padding).
public struct NetlinkAttribute: Hashable, Sendable {
    /// nla_type without the flag bits.
    public var type: UInt16
    /// NLA_F_NESTED as found on the wire (the kernel omits it on many old families).
    public var isNested: Bool
    /// NLA_F_NET_BYTEORDER
    public var isNetworkByteOrder: Bool
    public var payload: [UInt8]

    public static let headerSize = 4

    public init(type: UInt16, payload: [UInt8], isNested: Bool = false, isNetworkByteOrder: Bool = false) {
        self.type = type & AttributeFlag.typeMask
        self.payload = payload
        self.isNested = isNested
        self.isNetworkByteOrder = isNetworkByteOrder
    }

    var rawType: UInt16 {
        type | (isNested ? AttributeFlag.nested : 0) | (isNetworkByteOrder ? AttributeFlag.networkByteOrder : 0)
    }

    /// Parses a whole attribute list; the first malformed attribute throws.
    public static func decodeAll(_ bytes: [UInt8]) throws -> [NetlinkAttribute] {
        var reader = AttributeReader(bytes)
        var attributes: [NetlinkAttribute] = []
        while reader.next() { attributes.append(reader.attribute) }
        try reader.finish()
        return attributes
    }

    /// Encodes attributes in order, each padded to four bytes; throws when one does not fit nla_len.
    public static func encode(_ attributes: [NetlinkAttribute]) throws(NetlinkError) -> [UInt8] {
        var writer = AttributeWriter()
        for attribute in attributes { writer.append(attribute) }
        return try writer.finish()
    }
}

/// Walks an attribute list and keeps the first error, after mdlayher's AttributeDecoder:
///
///     var reader = AttributeReader(payload)
///     while reader.next() {
///         switch reader.type {
///         case 1: name = reader.string()
///         case 2: index = reader.uint32()
///         default: break
///         }
///     }
///     try reader.finish()
///
/// `next()` stops at the first malformed header (a length shorter than the header or
/// past the end); a getter whose payload has the wrong size records an error and returns
/// a zero value. `finish()` throws whichever error came first.
public struct AttributeReader {
    private let buffer: [UInt8]
    private var offset = 0
    private var current = NetlinkAttribute(type: 0, payload: [])
    private var currentOffset = 0
    private var started = false
    public private(set) var error: NetlinkError?
    /// Added to byte offsets in errors, so that a nested reader reports offsets into the
    /// outermost buffer.
    private let baseOffset: Int

    public init(_ bytes: [UInt8], baseOffset: Int = 0) {
        self.buffer = bytes
        self.baseOffset = baseOffset
    }

    /// Advances to the next attribute; false at the end or after an error.
    public mutating func next() -> Bool {
        guard error == nil else { return false }
        if started {
            // Padding of the previous attribute may be missing only at the very end.
            offset = min(buffer.count, offset)
        }
        started = true
        guard offset < buffer.count else { return false }
        guard buffer.count - offset >= NetlinkAttribute.headerSize else {
            record(.truncated, at: offset)
            return false
        }
        let length = Int(buffer.loadNative(UInt16.self, at: offset))
        let rawType = buffer.loadNative(UInt16.self, at: offset + 2)
        guard length >= NetlinkAttribute.headerSize else {
            record(.invalidLength, at: offset)
            return false
        }
        guard length <= buffer.count - offset else {
            record(.invalidLength, at: offset)
            return false
        }
        let end = offset + length
        let padded = netlinkAlign(length)
        // Bytes between this attribute and the next must be exactly the padding.
        if end < buffer.count && offset + padded > buffer.count {
            record(.misaligned, at: offset)
            return false
        }
        current = NetlinkAttribute(
            type: rawType & AttributeFlag.typeMask,
            payload: Array(buffer[(offset + NetlinkAttribute.headerSize)..<end]),
            isNested: rawType & AttributeFlag.nested != 0,
            isNetworkByteOrder: rawType & AttributeFlag.networkByteOrder != 0)
        currentOffset = offset
        offset += padded
        return true
    }

    /// Throws the first error seen, if any.
    public func finish() throws {
        if let error { throw error }
    }

    /// The current attribute.
    public var attribute: NetlinkAttribute { current }
    /// The current attribute's type, without flag bits.
    public var type: UInt16 { current.type }
    /// The current attribute's payload.
    public var payload: [UInt8] { current.payload }

    private mutating func record(_ code: NetlinkError.Code, at offset: Int) {
        if error == nil {
            error = NetlinkError(code, operation: "decode attribute", byteOffset: baseOffset + offset)
        }
    }

    private mutating func fixed<T: FixedWidthInteger>(_: T.Type) -> T {
        guard current.payload.count == MemoryLayout<T>.size else {
            record(.invalidAttribute(type: current.type), at: currentOffset)
            return 0
        }
        return current.payload.loadNative(T.self, at: 0)
    }

    public mutating func uint8() -> UInt8 { fixed(UInt8.self) }
    public mutating func uint16() -> UInt16 { fixed(UInt16.self) }
    public mutating func uint32() -> UInt32 { fixed(UInt32.self) }
    public mutating func uint64() -> UInt64 { fixed(UInt64.self) }
    public mutating func int32() -> Int32 { fixed(Int32.self) }
    /// A NUL-terminated (or unterminated) string; stops at the first NUL.
    public mutating func string() -> String { decodeCString(current.payload) }
    /// Raw payload bytes.
    public mutating func bytes() -> [UInt8] { current.payload }
    /// A flag attribute is present with an empty payload; presence is the value.
    public mutating func flag() -> Bool {
        if !current.payload.isEmpty { record(.invalidAttribute(type: current.type), at: currentOffset) }
        return true
    }

    /// A reader over the current attribute's payload, for nested lists. Errors found
    /// inside are not seen by this reader: use `nested(_:)` to have them propagate.
    public func nestedReader() -> AttributeReader {
        AttributeReader(current.payload, baseOffset: baseOffset + currentOffset + NetlinkAttribute.headerSize)
    }

    /// Decodes the current attribute's payload as a nested list; an error inside (thrown
    /// by `body` or left by the nested reader) becomes this reader's error.
    public mutating func nested(_ body: (inout AttributeReader) throws -> Void) {
        var inner = nestedReader()
        do {
            try body(&inner)
            try inner.finish()
        } catch let error as NetlinkError {
            if self.error == nil { self.error = error }
        } catch {
            record(.invalidAttribute(type: current.type), at: currentOffset)
        }
    }
}

/// Builds an attribute list. Nesting reserves the header and back-patches its length
/// once the body is written, so callers never compute sizes.
///
/// Like `AttributeReader`, it keeps the first error instead of trapping: an attribute whose length does
/// not fit nla_len's 16 bits (a payload over 65531 bytes, or a nest over 65535) is left out, `error`
/// says which, and `finish()` throws it. Callers write freely and check once.
public struct AttributeWriter: Sendable {
    public private(set) var bytes: [UInt8]
    /// The first attribute that could not be written.
    public private(set) var error: NetlinkError?

    public init() { bytes = [] }

    /// The encoded list, or the first error.
    public func finish() throws(NetlinkError) -> [UInt8] {
        if let error { throw error }
        return bytes
    }

    private mutating func record(type: UInt16, length: Int) {
        guard error == nil else { return }
        error = NetlinkError(.attributeTooLong(type: type & AttributeFlag.typeMask, length: length),
                             operation: "encode attribute \(type & AttributeFlag.typeMask): \(length) bytes do not fit "
                             + "nla_len's 16 bits")
    }

    public mutating func append(_ attribute: NetlinkAttribute) {
        appendRaw(type: attribute.rawType, payload: attribute.payload)
    }

    /// An attribute's length is 16 bits: a longer one is recorded as the error and left out.
    private mutating func appendRaw(type: UInt16, payload: [UInt8]) {
        guard payload.count <= Int(UInt16.max) - NetlinkAttribute.headerSize else {
            record(type: type, length: NetlinkAttribute.headerSize + payload.count)
            return
        }
        bytes.appendNative(UInt16(NetlinkAttribute.headerSize + payload.count))
        bytes.appendNative(type)
        bytes.append(contentsOf: payload)
        bytes.padToAlignment()
    }

    public mutating func append(type: UInt16, bytes payload: [UInt8]) { appendRaw(type: type, payload: payload) }
    public mutating func append(type: UInt16, uint8 value: UInt8) { appendRaw(type: type, payload: [value]) }
    public mutating func append(type: UInt16, uint16 value: UInt16) { appendInteger(type, value) }
    public mutating func append(type: UInt16, uint32 value: UInt32) { appendInteger(type, value) }
    public mutating func append(type: UInt16, uint64 value: UInt64) { appendInteger(type, value) }
    public mutating func append(type: UInt16, int32 value: Int32) { appendInteger(type, value) }
    /// A string with its terminating NUL, as nla_put_string writes it.
    public mutating func append(type: UInt16, string value: String) {
        appendRaw(type: type, payload: Array(value.utf8) + [0])
    }
    /// A flag: an attribute with no payload.
    public mutating func appendFlag(type: UInt16) { appendRaw(type: type, payload: []) }

    private mutating func appendInteger<T: FixedWidthInteger>(_ type: UInt16, _ value: T) {
        var payload: [UInt8] = []
        payload.appendNative(value)
        appendRaw(type: type, payload: payload)
    }

    /// Writes a nested attribute; `flagged` sets NLA_F_NESTED (modern kernels want it,
    /// old families such as team accept either).
    public mutating func nested(type: UInt16, flagged: Bool = true, _ body: (inout AttributeWriter) -> Void) {
        let start = bytes.count
        bytes.appendNative(UInt16(0))
        bytes.appendNative(type | (flagged ? AttributeFlag.nested : 0))
        var inner = AttributeWriter()
        body(&inner)
        if let innerError = inner.error, error == nil { error = innerError }
        // The nest's length covers its body including the padding of its last member,
        // as nla_nest_end computes it.
        let length = NetlinkAttribute.headerSize + inner.bytes.count
        guard length <= Int(UInt16.max) else {
            bytes.removeSubrange(start...)
            record(type: type, length: length)
            return
        }
        bytes.append(contentsOf: inner.bytes)
        bytes.storeNative(UInt16(length), at: start)
    }
}
