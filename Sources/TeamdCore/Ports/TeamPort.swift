import TeamWire
import Packets

/// One port of the team as teamd knows it: identity, settings, the kernel's view of its link, and the
/// aggregate of its link watchers (`ports.X.link_watches.up`), which is what runners act on.
public struct TeamPort: Equatable, Sendable {
    public var name: String
    public var index: UInt32
    /// The MAC the port had before it joined; restored when it leaves.
    public var originalAddress: EthernetAddress
    /// Its MAC now (may be the team's, depending on the runner).
    public var address: EthernetAddress
    public var settings: PortSettings
    /// The kernel's TEAM_ATTR_PORT_LINKUP, SPEED and DUPLEX.
    public var kernelLink: TeamPortStatus
    /// The link watchers' verdict under `link_watch_policy`.
    public var isLinkUp: Bool
    /// The kernel option `enabled` as teamd last set or saw it.
    public var isEnabled: Bool

    public init(name: String, index: UInt32, originalAddress: EthernetAddress, address: EthernetAddress? = nil,
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
