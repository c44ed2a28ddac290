import Dispatch
import Glibc
import Synchronization

/// Resolves the host names of the ping watchers' `source_host` and `target_host` with getaddrinfo, as the
/// C teamd does when a port joins (an address literal never gets here: the config decoder parsed it).
public enum HostResolver {
    public enum Family: CustomStringConvertible, Hashable, Sendable {
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
}

/// The watchers' host names, resolved where a slow DNS server cannot stall the event loop (the C teamd
/// calls getaddrinfo inside its loop when a port joins, and a dead server holds LACP up for seconds):
/// every name the config holds is resolved before the loop starts (`prime`), and again every
/// `refreshInterval` on a background queue, so a port joining later takes a fresh address. A name the
/// loop asks for that is not known yet (a PortConfigUpdate brought it) is resolved on the background
/// queue and reported `.pending` meanwhile; the loop never waits for getaddrinfo.
final class ResolvedHosts: Sendable {
    typealias Resolve = @Sendable (String, HostResolver.Family) -> [UInt8]?

    struct Key: Hashable, Sendable {
        var name: String
        var family: HostResolver.Family
    }

    enum Entry: Equatable, Sendable {
        case address([UInt8])
        case unresolvable
        case pending
    }

    static let refreshInterval: DispatchTimeInterval = .seconds(60)

    private let resolve: Resolve
    private let entries = Mutex<[Key: Entry]>([:])
    private let stopped = Mutex(false)
    private let queue = DispatchQueue(label: "teamd.resolver")

    init(resolve: @escaping Resolve = HostResolver.resolve(_:family:)) { self.resolve = resolve }

    /// Resolves every name in `config` now, before the loop runs, and starts the periodic refresh.
    func prime(_ config: TeamdConfig) {
        let keys = Self.names(in: config)
        for key in keys { store(key, resolve(key.name, key.family)) }
        if !keys.isEmpty { scheduleRefresh() }
    }

    /// The address for `name`, never blocking: `.pending` while a background resolution runs.
    func lookup(_ name: String, _ family: HostResolver.Family) -> Entry {
        let key = Key(name: name, family: family)
        let known = entries.withLock { table -> Entry? in
            if let entry = table[key] { return entry }
            table[key] = .pending
            return nil
        }
        if let known { return known }
        queue.async { [self] in store(key, resolve(name, family)) }
        return .pending
    }

    /// Ends the periodic refresh (the daemon stops).
    func stop() { stopped.withLock { $0 = true } }

    private func store(_ key: Key, _ address: [UInt8]?) {
        entries.withLock { $0[key] = address.map(Entry.address) ?? .unresolvable }
    }

    private func scheduleRefresh() {
        queue.asyncAfter(deadline: .now() + Self.refreshInterval) { [weak self] in
            guard let self, !stopped.withLock({ $0 }) else { return }
            for key in entries.withLock({ Array($0.keys) }) {
                // A refresh that fails keeps the last address: the name was good once, DNS may be down.
                if let address = resolve(key.name, key.family) { store(key, address) }
            }
            scheduleRefresh()
        }
    }

    /// The host names the config's watchers name (every port's and the global ones).
    static func names(in config: TeamdConfig) -> Set<Key> {
        var keys: Set<Key> = []
        for watcher in config.ports.flatMap({ config.linkWatchers(forPort: $0.name) }) + config.linkWatchers {
            switch watcher {
            case .arpPing(let arp):
                for case .hostname(let name) in [arp.sourceHost, arp.targetHost] { keys.insert(Key(name: name, family: .ipv4)) }
            case .nsnaPing(let nsna):
                if case .hostname(let name) = nsna.targetHost { keys.insert(Key(name: name, family: .ipv6)) }
            case .ethtool, .tipc:
                continue
            }
        }
        return keys
    }
}
