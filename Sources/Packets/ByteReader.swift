/// Big-endian reads that check their bounds first, so that the ARP and Neighbour Discovery decoders never
/// index past what came from the wire: a short packet is a `PacketError.truncated` naming `what`.
struct ByteReader {
    let bytes: [UInt8]
    let what: String

    init(_ bytes: [UInt8], what: String) {
        self.bytes = bytes
        self.what = what
    }

    func need(_ count: Int, at offset: Int = 0) throws(PacketError) {
        guard offset >= 0, count >= 0, bytes.count - offset >= count else {
            throw .truncated(what: what, needed: offset + count, got: bytes.count)
        }
    }

    func u8(_ offset: Int) throws(PacketError) -> UInt8 {
        try need(1, at: offset)
        return bytes[offset]
    }

    func u16(_ offset: Int) throws(PacketError) -> UInt16 {
        try need(2, at: offset)
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    func u32(_ offset: Int) throws(PacketError) -> UInt32 {
        try need(4, at: offset)
        return UInt32(try u16(offset)) << 16 | UInt32(try u16(offset + 2))
    }

    func slice(_ offset: Int, _ count: Int) throws(PacketError) -> [UInt8] {
        try need(count, at: offset)
        return Array(bytes[offset ..< offset + count])
    }

    func mac(_ offset: Int) throws(PacketError) -> EthernetAddress {
        try need(6, at: offset)
        return EthernetAddress(unchecked: bytes[offset ..< offset + 6])
    }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian(_ value: UInt32) {
        appendBigEndian(UInt16(truncatingIfNeeded: value >> 16))
        appendBigEndian(UInt16(truncatingIfNeeded: value))
    }
}
