/// Why bytes from the wire are not the packet they should be. Decoders throw this and never trap: a frame
/// from the wire is untrusted input.
public enum PacketError: Error, Equatable, Sendable {
    /// Fewer bytes than `what` needs.
    case truncated(what: String, needed: Int, got: Int)
    /// The EtherType is not the one the decoder reads (for LACP: 0x8809, ETH_P_SLOW).
    case unexpectedEtherType(UInt16)
    /// A slow protocol other than LACP (subtype 1), e.g. marker (2) or OAM (3).
    case unexpectedSubtype(UInt8)
    /// A TLV length field that is not what IEEE 802.1AX fixes it to.
    case badTLVLength(tlv: String, length: UInt8, expected: UInt8)
    /// A field holds a value the decoder does not handle (ARP for another protocol, another IP version).
    case unexpectedValue(field: String, value: UInt32)
    /// An ICMPv6 checksum over the pseudo-header that does not add up.
    case badChecksum(found: UInt16, expected: UInt16)
}

extension PacketError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .truncated(let what, let needed, let got): return "\(what): \(got) bytes, needs \(needed)"
        case .unexpectedEtherType(let type): return "unexpected EtherType 0x\(String(type, radix: 16))"
        case .unexpectedSubtype(let subtype): return "slow protocol subtype \(subtype) is not LACP"
        case .badTLVLength(let tlv, let length, let expected): return "\(tlv) TLV length \(length), expected \(expected)"
        case .unexpectedValue(let field, let value): return "\(field): unexpected value \(value)"
        case .badChecksum(let found, let expected):
            return "checksum 0x\(String(found, radix: 16)), expected 0x\(String(expected, radix: 16))"
        }
    }
}

// Big-endian (network order) loads and stores; callers check bounds first.
extension Array where Element == UInt8 {
    @inlinable mutating func appendBigEndian(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }
}

extension Collection where Element == UInt8, Index == Int {
    @inlinable func bigEndianUInt16(at offset: Int) -> UInt16 {
        UInt16(self[offset]) << 8 | UInt16(self[offset + 1])
    }
}
