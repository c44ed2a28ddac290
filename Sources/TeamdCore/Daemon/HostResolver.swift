import Glibc

/// Resolves the host names of the ping watchers' `source_host` and `target_host` with getaddrinfo, as the
/// C teamd does when a port joins (an address literal never gets here: the config decoder parsed it).
public enum HostResolver {
    public enum Family: CustomStringConvertible, Sendable {
        case ipv4, ipv6
        public var description: String { self == .ipv4 ? "IPv4" : "IPv6" }
    }

    /// The first address of `family` that `name` resolves to, in network order; nil when it resolves to
    /// none.
    public static func resolve(_ name: String, family: Family) -> [UInt8]? {
        var hints = addrinfo()
        hints.ai_family = family == .ipv4 ? AF_INET : AF_INET6
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &result) == 0, let first = result else { return nil }
        defer { freeaddrinfo(first) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            if let address = info.pointee.ai_addr {
                if family == .ipv4, info.pointee.ai_family == AF_INET {
                    return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                        withUnsafeBytes(of: $0.pointee.sin_addr) { Array($0) }
                    }
                }
                if family == .ipv6, info.pointee.ai_family == AF_INET6 {
                    return address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                        withUnsafeBytes(of: $0.pointee.sin6_addr) { Array($0) }
                    }
                }
            }
            entry = info.pointee.ai_next
        }
        return nil
    }

    static func resolve(_ name: String, _ family: Family) -> [UInt8]? { resolve(name, family: family) }
}
