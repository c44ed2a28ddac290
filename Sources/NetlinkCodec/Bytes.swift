// Native-endian loads and stores on byte arrays. Netlink is in host byte order;
// every load is bounds-checked by the caller before it is made, so none can trap.

extension Array where Element == UInt8 {
    @inlinable
    mutating func appendNative<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value) { append(contentsOf: $0) }
    }

    @inlinable
    mutating func storeNative<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        Swift.withUnsafeBytes(of: value) { raw in
            for (i, byte) in raw.enumerated() { self[offset + i] = byte }
        }
    }

    /// Pads with zero bytes up to the next multiple of four (NLMSG_ALIGN, NLA_ALIGN).
    @inlinable
    mutating func padToAlignment() {
        while count % 4 != 0 { append(0) }
    }
}

extension Collection where Element == UInt8, Index == Int {
    /// Loads a native-endian integer; the caller has checked `offset + size <= endIndex`.
    @inlinable
    func loadNative<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        var value = T.zero
        Swift.withUnsafeMutableBytes(of: &value) { raw in
            for i in 0..<MemoryLayout<T>.size { raw[i] = self[offset + i] }
        }
        return value
    }
}

/// NLMSG_ALIGN / NLA_ALIGN: netlink aligns every header and payload to four bytes.
@inlinable
public func netlinkAlign(_ length: Int) -> Int { (length + 3) & ~3 }

/// Decodes a C string: bytes up to the first NUL (or the end), as UTF-8 with repair.
@inlinable
func decodeCString<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
    return String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self)
}
