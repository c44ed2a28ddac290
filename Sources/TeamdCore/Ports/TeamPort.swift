import TeamWire

/// The per-port settings of teamd.conf (`ports.IF`), as the runners use them.
public struct PortSettings: Equatable, Sendable {
    /// `prio`: kernel option `priority`; activebackup prefers the higher.
    public var priority: Int32
    /// `queue_id`: kernel option `queue_id`.
    public var queueID: UInt32?
    /// `sticky`: an active port that is never replaced while its link is up (activebackup).
    public var isSticky: Bool
    /// `lacp_prio`
    public var lacpPriority: UInt16
    /// `lacp_key`
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

/// One port of the team as teamd knows it: identity, settings, the kernel's view of its link, and the
/// aggregate of its link watchers (`ports.X.link_watches.up`), which is what runners act on.
public struct TeamPort: Equatable, Sendable {
    public var name: String
    public var index: UInt32
    /// The MAC the port had before it joined; restored when it leaves.
    public var originalAddress: HardwareAddress
    /// Its MAC now (may be the team's, depending on the runner).
    public var address: HardwareAddress
    public var settings: PortSettings
    /// The kernel's TEAM_ATTR_PORT_LINKUP, SPEED and DUPLEX.
    public var kernelLink: TeamPortStatus
    /// The link watchers' verdict under `link_watch_policy`.
    public var isLinkUp: Bool
    /// The kernel option `enabled` as teamd last set or saw it.
    public var isEnabled: Bool

    public init(name: String, index: UInt32, originalAddress: HardwareAddress, address: HardwareAddress? = nil,
                settings: PortSettings = PortSettings(), kernelLink: TeamPortStatus? = nil,
                isLinkUp: Bool = false, isEnabled: Bool = false) {
        self.name = name
        self.index = index
        self.originalAddress = originalAddress
        self.address = address ?? originalAddress
        self.settings = settings
        self.kernelLink = kernelLink ?? TeamPortStatus(index: index)
        self.isLinkUp = isLinkUp
        self.isEnabled = isEnabled
    }
}

/// The team's ports in the order they joined (runners break ties by that order, as teamd does).
public struct PortTable: Equatable, Sendable {
    public private(set) var ports: [TeamPort] = []

    public init(_ ports: [TeamPort] = []) { self.ports = ports }

    public subscript(index index: UInt32) -> TeamPort? {
        ports.first { $0.index == index }
    }

    public subscript(name name: String) -> TeamPort? {
        ports.first { $0.name == name }
    }

    public var isEmpty: Bool { ports.isEmpty }
    public var count: Int { ports.count }

    public mutating func insert(_ port: TeamPort) {
        if let at = ports.firstIndex(where: { $0.index == port.index }) {
            ports[at] = port
        } else {
            ports.append(port)
        }
    }

    @discardableResult
    public mutating func remove(index: UInt32) -> TeamPort? {
        guard let at = ports.firstIndex(where: { $0.index == index }) else { return nil }
        return ports.remove(at: at)
    }

    public mutating func update(index: UInt32, _ change: (inout TeamPort) -> Void) {
        guard let at = ports.firstIndex(where: { $0.index == index }) else { return }
        change(&ports[at])
    }
}
