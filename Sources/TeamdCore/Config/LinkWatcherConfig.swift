import Packets

// MARK: - Link watchers

/// One entry of a `link_watch` object or array.
public enum LinkWatcherConfig: Sendable, Equatable {
    case ethtool(EthtoolWatcherConfig)
    case arpPing(ARPPingWatcherConfig)
    case nsnaPing(NSNAPingWatcherConfig)
    case tipc(TIPCWatcherConfig)

    /// Every value `link_watch.name` accepts.
    public static let names = ["ethtool", "arp_ping", "nsna_ping", "tipc"]

    /// The `name` as written, and as shown in the state's `link_watches` list.
    public var name: String {
        switch self {
        case .ethtool: return "ethtool"
        case .arpPing: return "arp_ping"
        case .nsnaPing: return "nsna_ping"
        case .tipc: return "tipc"
        }
    }
}

/// ethtool: follows the kernel's link flag for the port.
public struct EthtoolWatcherConfig: Sendable, Equatable {
    /// `delay_up` (ms, default 0): how long the link must stay up before it counts.
    public let delayUp: Duration
    /// `delay_down` (ms, default 0): how long the link must stay down before it counts.
    public let delayDown: Duration

    public init(delayUp: Duration = .zero, delayDown: Duration = .zero) {
        self.delayUp = delayUp
        self.delayDown = delayDown
    }
}

/// The timing the ARP and NS/NA watchers share (teamd_lw_psr.c).
public struct PingTiming: Sendable, Equatable {
    /// `interval` (ms, default 1000) between probes.
    public let interval: Duration
    /// `init_wait` (ms, default 0) before the first probe.
    public let initialWait: Duration
    /// `missed_max` (default 3): the link goes down when more replies than this are missed.
    public let missedMax: Int

    public init(interval: Duration = .milliseconds(1000), initialWait: Duration = .zero, missedMax: Int = 3) {
        self.interval = interval
        self.initialWait = initialWait
        self.missedMax = missedMax
    }
}

/// arp_ping: ARP requests to `target_host`.
public struct ARPPingWatcherConfig: Sendable, Equatable {
    public let timing: PingTiming
    /// `source_host` (default 0.0.0.0, RFC 5227 probes).
    public let sourceHost: HostSpecifier<IPv4Address>
    /// `target_host` (required).
    public let targetHost: HostSpecifier<IPv4Address>
    /// `validate_active` (default false): check replies on the active port.
    public let validateActive: Bool
    /// `validate_inactive` (default false): check replies on inactive ports.
    public let validateInactive: Bool
    /// `send_always` (default false): probe from inactive ports too.
    public let sendAlways: Bool
    /// `vlanid` (0...4095): tag the requests; nil sends them untagged.
    public let vlanID: UInt16?

    public init(timing: PingTiming = PingTiming(), sourceHost: HostSpecifier<IPv4Address> = .address(.any),
                targetHost: HostSpecifier<IPv4Address>, validateActive: Bool = false, validateInactive: Bool = false,
                sendAlways: Bool = false, vlanID: UInt16? = nil) {
        self.timing = timing
        self.sourceHost = sourceHost
        self.targetHost = targetHost
        self.validateActive = validateActive
        self.validateInactive = validateInactive
        self.sendAlways = sendAlways
        self.vlanID = vlanID
    }
}

/// nsna_ping: IPv6 neighbour solicitations to `target_host`.
public struct NSNAPingWatcherConfig: Sendable, Equatable {
    public let timing: PingTiming
    /// `target_host` (required, IPv6).
    public let targetHost: HostSpecifier<IPv6Address>

    public init(timing: PingTiming = PingTiming(), targetHost: HostSpecifier<IPv6Address>) {
        self.timing = timing
        self.targetHost = targetHost
    }
}

/// tipc: TIPC link state on one bearer.
public struct TIPCWatcherConfig: Sendable, Equatable {
    /// `tipc_bearer` (required; fewer than 32 bytes, TIPC_MAX_BEARER_NAME).
    public let bearer: String

    public init(bearer: String) {
        self.bearer = bearer
    }
}

/// A host as the ping watchers take it: an address literal of the watcher's family (Packets' `IPv4Address`
/// or `IPv6Address`), or a name the daemon resolves with getaddrinfo when the port joins (as the C teamd
/// does). The config decoder does no I/O.
public enum HostSpecifier<Address: Sendable & Hashable & CustomStringConvertible>: Sendable, Hashable,
                                                                                  CustomStringConvertible {
    case address(Address)
    /// A name to resolve (or, for IPv6, a scoped literal such as fe80::1%eth0).
    case hostname(String)

    public var description: String {
        switch self {
        case .address(let address): return address.description
        case .hostname(let name): return name
        }
    }
}
