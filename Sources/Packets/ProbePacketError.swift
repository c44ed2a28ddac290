/// Why bytes from the wire are not a packet a link watcher can use. Decoders throw it instead of trapping,
/// naming the field that was short or wrong, so a bad frame is a log line and never a crash.
public enum ProbePacketError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `what` needs `needed` bytes but only `available` are there.
    case truncated(what: String, needed: Int, available: Int)
    /// A field holds a value this decoder does not handle (another protocol, a bad version).
    case unexpected(field: String, value: UInt32)
    /// The ICMPv6 checksum over the pseudo-header does not add up.
    case badChecksum(found: UInt16, expected: UInt16)

    public var description: String {
        switch self {
        case .truncated(let what, let needed, let available):
            return "\(what): needs \(needed) bytes, has \(available)"
        case .unexpected(let field, let value):
            return "\(field): unexpected value \(value)"
        case .badChecksum(let found, let expected):
            return "checksum: 0x\(String(found, radix: 16)), expected 0x\(String(expected, radix: 16))"
        }
    }
}

/// Big-endian reads that check their bounds first: the one place where the probe codecs touch indices.
struct ProbeReader {
    let bytes: [UInt8]
    let what: String

    init(_ bytes: [UInt8], what: String) {
        self.bytes = bytes
        self.what = what
    }

    func need(_ count: Int, at offset: Int = 0) throws(ProbePacketError) {
        guard offset >= 0, count >= 0, bytes.count - offset >= count else {
            throw .truncated(what: what, needed: offset + count, available: bytes.count)
        }
    }

    func u8(_ offset: Int) throws(ProbePacketError) -> UInt8 {
        try need(1, at: offset)
        return bytes[offset]
    }

    func u16(_ offset: Int) throws(ProbePacketError) -> UInt16 {
        try need(2, at: offset)
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    func u32(_ offset: Int) throws(ProbePacketError) -> UInt32 {
        try need(4, at: offset)
        return UInt32(try u16(offset)) << 16 | UInt32(try u16(offset + 2))
    }

    func slice(_ offset: Int, _ count: Int) throws(ProbePacketError) -> [UInt8] {
        try need(count, at: offset)
        return Array(bytes[offset ..< offset + count])
    }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    mutating func appendBigEndian(_ value: UInt32) {
        appendBigEndian(UInt16(truncatingIfNeeded: value >> 16))
        appendBigEndian(UInt16(truncatingIfNeeded: value))
    }
}
