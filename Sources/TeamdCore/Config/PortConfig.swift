// MARK: - Ports

/// `$.ports.IFNAME`: one port's entry, defaults applied: its settings and its own link watchers.
public struct PortConfig: Sendable, Equatable {
    /// The interface name (the key under `$.ports`).
    public let name: String
    /// `prio`, `queue_id`, `sticky`, `lacp_prio`, `lacp_key`: what the engine keeps for the port.
    public let settings: PortSettings
    /// `link_watch` (object or array): this port's own watchers, before the global ones.
    public let linkWatchers: [LinkWatcherConfig]

    public init(name: String, settings: PortSettings = PortSettings(), linkWatchers: [LinkWatcherConfig] = []) {
        self.name = name
        self.settings = settings
        self.linkWatchers = linkWatchers
    }
}

/// A port's settings from `$.ports.IFNAME`, defaults applied: the one type the config decoder produces,
/// the engine keeps per port (`TeamPort.settings`) and the runners read.
public struct PortSettings: Equatable, Sendable {
    /// `prio` (default 0): the kernel port option `priority`; activebackup prefers the higher.
    public var priority: Int32
    /// `queue_id`: the kernel port option `queue_id`; nil leaves it alone.
    public var queueID: UInt32?
    /// `sticky` (default false): activebackup and lacp keep a sticky active port/aggregator while its
    /// link is up.
    public var isSticky: Bool
    /// `lacp_prio` (0...65535, default 255): the LACP port priority; lower is better.
    public var lacpPriority: UInt16
    /// `lacp_key` (0...65535, default 0): only ports with the same key aggregate.
    public var lacpKey: UInt16

    public init(priority: Int32 = 0, queueID: UInt32? = nil, isSticky: Bool = false,
                lacpPriority: UInt16 = 255, lacpKey: UInt16 = 0) {
        self.priority = priority
        self.queueID = queueID
        self.isSticky = isSticky
        self.lacpPriority = lacpPriority
        self.lacpKey = lacpKey
    }
}
