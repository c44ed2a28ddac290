import TeamJSON
import Packets

/// A teamd configuration (teamd.conf(5)), decoded once, validated, with every
/// default applied. Nothing downstream reads JSON: runners, watchers and the
/// daemon take these values.
///
/// Build one with `TeamdConfig(parsing:)` or `TeamdConfig(json:)`; the C teamd's
/// config-dump view (the user's JSON plus the defaults it writes back) lives in
/// `ConfigDocument`.
public struct TeamdConfig: Sendable, Equatable {
    /// `$.device`: the team device's name; nil lets the daemon pick (`-t` wins over it).
    public let device: String?
    /// `$.hwaddr`: the team's MAC; nil means "the first port's original MAC".
    public let hardwareAddress: EthernetAddress?
    /// `$.debug_level` (default 0); raises the `-g` level when higher.
    public let debugLevel: Int
    /// `$.runner`.
    public let runner: RunnerConfig
    /// `$.notify_peers` (kernel options `notify_peers_count`/`notify_peers_interval`).
    public let notifyPeers: PeerNotificationConfig
    /// `$.mcast_rejoin` (kernel options `mcast_rejoin_count`/`mcast_rejoin_interval`).
    public let multicastRejoin: PeerNotificationConfig
    /// `$.link_watch_policy` (default any).
    public let linkWatchPolicy: LinkWatchPolicy
    /// `$.link_watch` (object or array): watchers every port gets after its own.
    public let linkWatchers: [LinkWatcherConfig]
    /// `$.ports`, in the order written.
    public let ports: [PortConfig]
    /// `$.runner.addr`: the ZeroMQ address the C teamd falls back to when `-Z` gives none.
    public let zeroMQAddress: String?
    /// The user's config exactly as written (key order kept): the base of the config dump.
    public let source: JSONObject
    /// Keys the decoder did not use, and other harmless oddities, for the daemon to log.
    public let warnings: [ConfigWarning]

    public init(device: String?, hardwareAddress: EthernetAddress?, debugLevel: Int, runner: RunnerConfig,
                notifyPeers: PeerNotificationConfig, multicastRejoin: PeerNotificationConfig,
                linkWatchPolicy: LinkWatchPolicy, linkWatchers: [LinkWatcherConfig], ports: [PortConfig],
                zeroMQAddress: String?, source: JSONObject, warnings: [ConfigWarning]) {
        self.device = device
        self.hardwareAddress = hardwareAddress
        self.debugLevel = debugLevel
        self.runner = runner
        self.notifyPeers = notifyPeers
        self.multicastRejoin = multicastRejoin
        self.linkWatchPolicy = linkWatchPolicy
        self.linkWatchers = linkWatchers
        self.ports = ports
        self.zeroMQAddress = zeroMQAddress
        self.source = source
        self.warnings = warnings
    }

    /// The config of port `name`: as written under `$.ports`, or the defaults for a
    /// port that is not there (one added by `port add` or enslaved by someone else).
    public func port(named name: String) -> PortConfig {
        ports.first { $0.name == name } ?? PortConfig(name: name)
    }

    /// Whether `$.ports` names this port.
    public func hasPort(named name: String) -> Bool {
        ports.contains { $0.name == name }
    }

    /// The watchers a port runs: its own, then the global ones; with none at all, one
    /// ethtool watcher with no delays (teamd_link_watch.c).
    public func linkWatchers(forPort name: String) -> [LinkWatcherConfig] {
        let watchers = port(named: name).linkWatchers + linkWatchers
        return watchers.isEmpty ? [.ethtool(EthtoolWatcherConfig())] : watchers
    }
}

// MARK: - Runners

/// `$.runner`: which runner, with its own settings. Keys of other runners are
/// ignored (with a warning), as the C teamd ignores them.
public enum RunnerConfig: Sendable, Equatable {
    case broadcast
    case roundRobin
    case random
    case activeBackup(ActiveBackupConfig)
    case loadBalance(LoadBalanceConfig)
    case lacp(LACPConfig)

    /// Every value `$.runner.name` accepts.
    public static let names = ["broadcast", "roundrobin", "random", "activebackup", "loadbalance", "lacp"]

    /// `$.runner.name` when absent.
    public static let defaultName = "roundrobin"

    /// The name as written in the config and shown in `setup.runner_name`.
    public var name: String {
        switch self {
        case .broadcast: return "broadcast"
        case .roundRobin: return "roundrobin"
        case .random: return "random"
        case .activeBackup: return "activebackup"
        case .loadBalance: return "loadbalance"
        case .lacp: return "lacp"
        }
    }

    /// The kernel's `mode` option (and `setup.kernel_team_mode_name`): lacp runs on
    /// the kernel's loadbalance mode.
    public var kernelMode: String {
        switch self {
        case .lacp: return "loadbalance"
        default: return name
        }
    }
}

/// activebackup: `$.runner.hwaddr_policy`.
public struct ActiveBackupConfig: Sendable, Equatable {
    public let hardwareAddressPolicy: HardwareAddressPolicy

    public init(hardwareAddressPolicy: HardwareAddressPolicy = .sameAll) {
        self.hardwareAddressPolicy = hardwareAddressPolicy
    }
}

/// `$.runner.hwaddr_policy`: which MACs the team and its ports carry in activebackup.
public enum HardwareAddressPolicy: String, Sendable, Equatable, CaseIterable {
    /// Every port gets the team's MAC (default).
    case sameAll = "same_all"
    /// The team takes the active port's MAC.
    case byActive = "by_active"
    /// Only the active port carries the team's MAC; the others keep their own.
    case onlyActive = "only_active"
}

/// loadbalance: the transmit hash and the optional balancer.
public struct LoadBalanceConfig: Sendable, Equatable {
    /// `$.runner.tx_hash`, compiled to the kernel's `bpf_hash_func`.
    public let txHash: [TransmitHashField]
    /// `$.runner.tx_balancer`; nil when no balancer is named (the C default: disabled).
    public let txBalancer: TxBalancerConfig?

    public init(txHash: [TransmitHashField] = TransmitHashField.configDefaults, txBalancer: TxBalancerConfig? = nil) {
        self.txHash = txHash
        self.txBalancer = txBalancer
    }
}

extension TransmitHashField {
    /// The hash used, and written back into the config, when `$.runner.tx_hash` is absent
    /// (teamd_hash_func.c). Each element of `tx_hash` is a `TransmitHashField` by its name.
    public static let configDefaults: [TransmitHashField] = [.eth, .ipv4, .ipv6]
}

/// `$.runner.tx_balancer`.
public struct TxBalancerConfig: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// `basic`: move the busiest hash to the least loaded port (the only one there is).
        case basic
    }

    public let kind: Kind
    /// `balancing_interval`, in tenths of a second (default 50): the kernel's
    /// `lb_stats_refresh_interval`.
    public let balancingInterval: UInt32

    public init(kind: Kind = .basic, balancingInterval: UInt32 = 50) {
        self.kind = kind
        self.balancingInterval = balancingInterval
    }
}

/// lacp: 802.3ad settings plus the loadbalance hash and balancer. The `var` settings can change while
/// the runner runs (`teamdctl T state item set runner.fast_rate ...`), as SONiC's teamd allows for the
/// retry count.
public struct LACPConfig: Sendable, Equatable {
    /// `$.runner.active` (default true): send LACPDUs without waiting for the partner.
    public let active: Bool
    /// `$.runner.fast_rate` (default false): ask the partner for LACPDUs every second.
    public var fastRate: Bool
    /// `$.runner.sys_prio` (0...65535, default 65535).
    public var systemPriority: UInt16
    /// `$.runner.min_ports` (1...1024, default 1): carrier needs this many enabled ports.
    public var minimumPorts: Int
    /// `$.runner.agg_select_policy` (default lacp_prio).
    public let aggregatorSelectPolicy: AggregatorSelectPolicy
    /// `$.runner.tx_hash` and `$.runner.tx_balancer`.
    public let loadBalance: LoadBalanceConfig
    /// `$.runner.fallback` (default false; SONiC patches 0003 and 0020): ports whose partner never spoke
    /// may carry traffic.
    public let fallback: Bool
    /// `$.runner.fallback_method` (default "single"): how many of them.
    public let fallbackMethod: LACPFallbackMethod
    /// `$.runner.enable_retry_count` (default true, as SONiC's patch 0015): understand and answer SONiC's
    /// version 0xf1 LACPDUs.
    public var enableRetryCount: Bool
    /// `$.runner.retry_count` (3...255, default 3): the periods our partner should wait for us.
    public var retryCount: UInt8
    /// `$.runner.coupled_control` (default true; 802.1AX 5.4.15): false runs the mux machine with
    /// independent control, collecting before distributing (Decoupled.swift).
    public var coupledControl: Bool = true

    public init(active: Bool = true, fastRate: Bool = false, systemPriority: UInt16 = 65535,
                minimumPorts: Int = 1, aggregatorSelectPolicy: AggregatorSelectPolicy = .lacpPriority,
                loadBalance: LoadBalanceConfig = LoadBalanceConfig(), fallback: Bool = false,
                fallbackMethod: LACPFallbackMethod = .single, enableRetryCount: Bool = true,
                retryCount: UInt8 = 3) {
        self.active = active
        self.fastRate = fastRate
        self.systemPriority = systemPriority
        self.minimumPorts = minimumPorts
        self.aggregatorSelectPolicy = aggregatorSelectPolicy
        self.loadBalance = loadBalance
        self.fallback = fallback
        self.fallbackMethod = fallbackMethod
        self.enableRetryCount = enableRetryCount
        self.retryCount = retryCount
    }
}

/// `$.runner.fallback_method`: which defaulted ports LACP fallback lets carry traffic.
public enum LACPFallbackMethod: String, Sendable, Equatable, CaseIterable {
    /// One port: lowest system MAC, then best (lowest) port priority, then lowest port number (SONiC 0020).
    case single
    /// Every defaulted port, as a static aggregate.
    case `static`
}

/// `$.runner.agg_select_policy`: how the lacp runner picks among aggregators.
public enum AggregatorSelectPolicy: String, Sendable, Equatable, CaseIterable {
    case lacpPriority = "lacp_prio"
    case lacpPriorityStable = "lacp_prio_stable"
    case bandwidth
    case count
    case portConfig = "port_config"
}

// MARK: - Global settings

/// `$.notify_peers` or `$.mcast_rejoin`: how many announcements after a failover, and
/// how far apart. Nil leaves the kernel option as it is (the C teamd sets only what
/// the config has).
public struct PeerNotificationConfig: Sendable, Equatable {
    /// `count`.
    public let count: UInt32?
    /// `interval`, in milliseconds.
    public let interval: UInt32?

    public init(count: UInt32? = nil, interval: UInt32? = nil) {
        self.count = count
        self.interval = interval
    }
}

/// `$.link_watch_policy`: how a port's watchers combine.
public enum LinkWatchPolicy: String, Sendable, Equatable, CaseIterable {
    /// The link is up when any watcher says so (default).
    case any
    /// The link is up only when every watcher says so.
    case all
}
