/// An IPv4 address, four octets in network order.
public struct IPv4Address: Hashable, Sendable, CustomStringConvertible {
    public let octets: (UInt8, UInt8, UInt8, UInt8)

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) { octets = (a, b, c, d) }

    /// Nil unless `bytes` has exactly four octets.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 else { return nil }
        self.init(bytes[0], bytes[1], bytes[2], bytes[3])
    }

    /// 0.0.0.0: the sender address of an RFC 5227 probe, arp_ping's default `source_host`.
    public static let any = IPv4Address(0, 0, 0, 0)

    public var bytes: [UInt8] { [octets.0, octets.1, octets.2, octets.3] }

    public static func == (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.bytes == rhs.bytes }
    public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }

    /// Dotted decimal, as inet_ntop writes it.
    public var description: String { bytes.map { String($0) }.joined(separator: ".") }
}

/// An IPv6 address, sixteen octets in network order.
public struct IPv6Address: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// Nil unless `bytes` has exactly sixteen octets.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    private init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    /// `::`, the unspecified address.
    public static let unspecified = IPv6Address(unchecked: [UInt8](repeating: 0, count: 16))

    /// ff02::1:ffXX:XXXX, the solicited-node multicast group of this address (RFC 4291 2.7.1): where a
    /// Neighbour Solicitation for it is sent.
    public var solicitedNodeMulticast: IPv6Address {
        IPv6Address(unchecked: [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, bytes[13], bytes[14], bytes[15]])
    }

    /// The Ethernet group address of this multicast address: 33:33 and its last four octets (RFC 2464 7).
    public var multicastMACAddress: EthernetAddress {
        EthernetAddress(unchecked: [0x33, 0x33, bytes[12], bytes[13], bytes[14], bytes[15]])
    }

    /// fe80::/64 with the modified EUI-64 interface identifier of a MAC (RFC 4291 appendix A): the
    /// link-local address the kernel gives an interface with that MAC.
    public static func linkLocal(macAddress: EthernetAddress) -> IPv6Address {
        let mac = macAddress.bytes
        return IPv6Address(unchecked: [0xfe, 0x80, 0, 0, 0, 0, 0, 0,
                                       mac[0] ^ 0x02, mac[1], mac[2], 0xff, 0xfe, mac[3], mac[4], mac[5]])
    }

    /// The text inet_ntop (glibc) writes: lower-case groups, the longest run of two or more zero groups
    /// (the first of equal runs) as `::`, and the IPv4-mapped and IPv4-compatible forms in dotted decimal.
    public var description: String {
        var groups = [Int](repeating: 0, count: 8)
        for i in 0 ..< 8 { groups[i] = Int(bytes[2 * i]) << 8 | Int(bytes[2 * i + 1]) }
        var best = (start: -1, length: 0)
        var run = (start: -1, length: 0)
        for i in 0 ..< 8 {
            if groups[i] == 0 {
                if run.start < 0 { run = (i, 1) } else { run.length += 1 }
                if run.length > best.length { best = run }
            } else {
                run = (-1, 0)
            }
        }
        if best.length < 2 { best = (-1, 0) }
        var text = ""
        var i = 0
        while i < 8 {
            if i == best.start {
                text += "::"
                i += best.length
                continue
            }
            if i > 0 && !text.hasSuffix(":") { text += ":" }
            // glibc: ::a.b.c.d and ::ffff:a.b.c.d keep the IPv4 part dotted.
            if i == 6 && best.start == 0 && (best.length == 6 || (best.length == 5 && groups[5] == 0xffff)) {
                text += "\(bytes[12]).\(bytes[13]).\(bytes[14]).\(bytes[15])"
                break
            }
            text += String(groups[i], radix: 16)
            i += 1
        }
        return text
    }
}
