import TeamJSON
import TeamWire

/// The activebackup runner: exactly one port, the active one, carries traffic; the others wait.
///
/// Choice of the active port, made whenever a link, a port or a setting changes:
/// - only ports whose link watchers say up are candidates;
/// - a sticky active port whose link is up is never replaced;
/// - otherwise the best candidate wins: higher `prio`, then higher speed, then full duplex; on a tie
///   the current active port stays, else the port that joined first wins.
/// The C teamd compares prio OR speed, so a faster port can beat a higher prio (libteam issue 66); here
/// prio always comes first (docs/differences.md).
/// When no port is up, the active port stays as it is, as in teamd: there is nothing better to take.
///
/// A switch disables the old port, enables the new one and sets the kernel's `activeport`; the MACs
/// follow `hwaddr_policy`.
public struct ActiveBackupRunner: Runner {
    /// `runner.hwaddr_policy`
    public let addressPolicy: HardwareAddressPolicy
    /// The active port's ifindex (kernel option `activeport`).
    public private(set) var activePort: UInt32?

    public var name: String { "activebackup" }
    public var kernelMode: String { "activebackup" }

    public init(addressPolicy: HardwareAddressPolicy = .sameAll) {
        self.addressPolicy = addressPolicy
    }

    public mutating func handle(_ event: RunnerEvent, context: RunnerContext) -> [TeamAction] {
        var actions: [TeamAction] = []
        switch event {
        case .portAdded(let index):
            guard let port = context.ports[index: index] else { return [] }
            if addressPolicy == .sameAll && port.address != context.teamAddress {
                actions.append(.setPortAddress(port: index, context.teamAddress))
            }
            // A new port waits, unless it is about to become active: a port taken over while it carries
            // the traffic (teamd -o) must not be switched off for a moment.
            let switching = reselect(context: context)
            if port.isEnabled && activePort != index { actions.append(.enable(index, false)) }
            return actions + switching
        case .portRemoved(let port):
            if port.index == activePort { activePort = nil }
        case .portLinkChanged, .portKernelChanged, .portSettingsChanged:
            break
        case .teamAddressChanged:
            return addressFollowsTeam(context: context)
        case .timer, .frame, .teamStateChanged, .warmStart, .restartAnnounced:
            return []
        }
        return actions + reselect(context: context)
    }

    /// The team's MAC changed: as the C teamd's hwaddr_changed, same_all gives it to every port, only_active
    /// to the active port; by_active has the team follow the active port, not the other way.
    func addressFollowsTeam(context: RunnerContext) -> [TeamAction] {
        let followers: [TeamPort]
        switch addressPolicy {
        case .sameAll: followers = context.ports.ports
        case .onlyActive: followers = activePort.flatMap { context.ports[index: $0] }.map { [$0] } ?? []
        case .byActive: followers = []
        }
        return followers.filter { $0.address != context.teamAddress }.map { .setPortAddress(port: $0.index, context.teamAddress) }
    }

    /// The port that should be active now, or nil to keep things as they are.
    func bestPort(in context: RunnerContext) -> TeamPort? {
        var best: TeamPort?
        if let activePort, let active = context.ports[index: activePort], active.isLinkUp {
            if active.settings.isSticky { return active }
            best = active
        }
        for port in context.ports.ports where port.isLinkUp {
            if let current = best, !Self.isBetter(port, than: current) { continue }
            best = port
        }
        return best
    }

    /// Prio first, then speed, then duplex (libteam issue 66 fixed).
    static func isBetter(_ port: TeamPort, than other: TeamPort) -> Bool {
        if port.settings.priority != other.settings.priority {
            return port.settings.priority > other.settings.priority
        }
        if port.kernelLink.speed != other.kernelLink.speed {
            return port.kernelLink.speed > other.kernelLink.speed
        }
        return port.kernelLink.isFullDuplex && !other.kernelLink.isFullDuplex
    }

    mutating func reselect(context: RunnerContext) -> [TeamAction] {
        guard let best = bestPort(in: context), best.index != activePort else { return [] }
        return makeActive(best, context: context)
    }

    /// The switch, ordered so that traffic moves as early as possible: the new port is enabled and made
    /// the kernel's `activeport` first; the old port is disabled and the MACs settled after.
    mutating func makeActive(_ port: TeamPort, context: RunnerContext) -> [TeamAction] {
        var actions: [TeamAction] = []
        switch addressPolicy {
        case .sameAll:
            break
        case .byActive:
            if port.address != context.teamAddress { actions.append(.setTeamAddress(port.address)) }
        case .onlyActive:
            if port.address != context.teamAddress {
                actions.append(.setPortAddress(port: port.index, context.teamAddress))
            }
        }
        actions.append(.enable(port.index, true))
        actions.append(.setOption(TeamOptionID(.activePort), .u32(port.index)))
        if let old = activePort.flatMap({ context.ports[index: $0] }) {
            actions.append(.enable(old.index, false))
            if addressPolicy == .onlyActive && old.address != old.originalAddress {
                actions.append(.setPortAddress(port: old.index, old.originalAddress))
            }
        }
        activePort = port.index
        return actions
    }

    public func state(context: RunnerContext) -> JSONObject? {
        let name = activePort.flatMap { context.ports[index: $0]?.name } ?? ""
        return ["active_port": .string(name)]
    }

    /// `runner.active_port`: makes the named port active at once (it need not be up, as in teamd).
    public mutating func setStateItem(_ path: [String], value: String,
                                      context: RunnerContext) throws(StateItemError) -> [TeamAction] {
        guard path == ["active_port"] else { throw .noSuchItem }
        guard let port = context.ports[name: value] else {
            throw .invalidValue("no port named \"\(value)\" in the team")
        }
        guard port.index != activePort else { return [] }
        return makeActive(port, context: context)
    }
}
