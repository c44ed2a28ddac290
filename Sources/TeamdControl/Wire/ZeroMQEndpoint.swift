import Glibc

/// A ZeroMQ address as teamd -Z and teamdctl -Z take it: `tcp://HOST:PORT` or `ipc://PATH`.
///
/// Host names are not resolved: that needs the C library's name service (getaddrinfo and
/// NSS), which a static executable cannot load. A host is a numeric IPv4 or IPv6 address,
/// `*` (bind only: every IPv4 address, as libzmq), `localhost` (127.0.0.1), or, for bind, a
/// network interface's name (its IPv4 address, as libzmq). docs/differences.md lists what
/// libzmq accepts beyond that.
public enum ZeroMQEndpoint: Hashable, Sendable {
    case tcp(host: Host, port: UInt16)
    /// A UNIX socket path; a leading `@` names an abstract socket (Linux), as in libzmq.
    case ipc(path: String)

    public enum Host: Hashable, Sendable {
        /// 4 bytes, network order.
        case ipv4([UInt8])
        /// 16 bytes, network order.
        case ipv6([UInt8])
        /// `*`: every IPv4 address (bind only).
        case any
        /// A name: `localhost`, or an interface name for bind; resolved by the socket code.
        case name(String)
    }

    /// Parses `address` for `bind` (teamd) or connect (teamdctl). Throws the errno libzmq
    /// gives for the same mistake: EPROTONOSUPPORT for an unknown transport, EINVAL for a
    /// malformed address.
    public init(parsing address: String, forBinding: Bool) throws(ZeroMQEndpointError) {
        guard let range = address.firstRange(of: "://") else { throw .init(address: address, errno: EINVAL) }
        let scheme = address[..<range.lowerBound]
        let rest = String(address[range.upperBound...])
        switch scheme {
        case "ipc":
            // ipc://* (a random path) is for binding with ZMQ_LAST_ENDPOINT, which teamd
            // never reports: refused.
            guard !rest.isEmpty, rest != "*", !rest.utf8.contains(0) else { throw .init(address: address, errno: EINVAL) }
            // sun_path holds 108 bytes with the terminating NUL (abstract: without).
            guard rest.utf8.count < 108 else { throw .init(address: address, errno: ENAMETOOLONG) }
            self = .ipc(path: rest)
        case "tcp":
            guard let colon = rest.lastIndex(of: ":") else { throw .init(address: address, errno: EINVAL) }
            let hostText = rest[..<colon]
            let portText = rest[rest.index(after: colon)...]
            let port: UInt16
            if portText == "*" || portText == "0" {
                // An ephemeral port: only binding can use one.
                guard forBinding else { throw .init(address: address, errno: EINVAL) }
                port = 0
            } else {
                guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
                    let value = UInt16(portText), value > 0
                else { throw .init(address: address, errno: EINVAL) }
                port = value
            }
            guard let host = Self.host(String(hostText), forBinding: forBinding) else {
                throw .init(address: address, errno: EINVAL)
            }
            self = .tcp(host: host, port: port)
        default:
            // inproc:// cannot reach another process; pgm, epgm, norm, tipc, vmci, ws are
            // transports teamd's control never used.
            throw .init(address: address, errno: EPROTONOSUPPORT)
        }
    }

    private static func host(_ text: String, forBinding: Bool) -> Host? {
        if text == "*" { return forBinding ? .any : nil }
        var literal = text
        if literal.hasPrefix("[") {
            guard literal.hasSuffix("]"), literal.count > 2 else { return nil }
            literal = String(literal.dropFirst().dropLast())
            return ipv6(literal).map(Host.ipv6)
        }
        if let bytes = ipv4(literal) { return .ipv4(bytes) }
        if let bytes = ipv6(literal) { return .ipv6(bytes) }
        if literal == "localhost" { return .name(literal) }
        // An interface name, for bind only (IFNAMSIZ is 16 with the NUL).
        guard forBinding, !literal.isEmpty, literal.utf8.count < 16,
            literal.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-@".contains($0)) })
        else { return nil }
        return .name(literal)
    }

    private static func ipv4(_ text: String) -> [UInt8]? {
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    private static func ipv6(_ text: String) -> [UInt8]? {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }
}

/// An address teamd or teamdctl cannot use, with libzmq's errno for it.
public struct ZeroMQEndpointError: Error, Hashable, Sendable {
    public var address: String
    public var errno: Int32
}
