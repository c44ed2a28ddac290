import NetlinkCodec
import TeamWire

/// A bond device driven as teamd drives a team: the daemon's option writes and port statuses translated to
/// the bonding driver over rtnetlink.
///
/// - `activeport` is IFLA_BOND_ACTIVE_SLAVE (active-backup; the bond's own monitoring is off, teamd decides).
/// - `enabled` false on a port, in the modes where every port transmits, takes the port out of the bond's
///   use: the bonding driver has no per-port "enabled" and, without miimon or arp_interval, counts every
///   port as usable whose carrier is on, so a port that teamd's watchers declare down while its carrier is
///   up (an ARP path failure) is released from the bond and kept up ("parked"): it stays teamd's port, its
///   watchers keep probing through it, and `enabled` true enslaves it again. In active-backup `enabled` has
///   no meaning of its own (the active slave is the one that transmits).
/// - `queue_id` is IFLA_BOND_SLAVE_QUEUE_ID; `notify_peers_count`/`_interval` are IFLA_BOND_NUM_PEER_NOTIF
///   and IFLA_BOND_PEER_NOTIF_DELAY; `mcast_rejoin_count` is IFLA_BOND_RESEND_IGMP. Other team options
///   (`user_linkup`, `priority`, `bpf_hash_func`...) have no bonding counterpart and are only remembered.
/// - Port statuses come from rtnetlink link events (the port's carrier), as the team family's port events.
public final class BondDevice: AggregateDevice {
    public let teamIndex: UInt32
    public let mode: BondMode
    /// The team mode name the daemon's runner asks for (`mode`), shown in place of the bond's.
    private let teamMode: String
    private let route: RouteClient
    private let events: LinkEventSocket
    private var portCache: [TeamPortStatus] = []
    private var enabled: [UInt32: Bool] = [:]
    /// Ports released from the bond because teamd disabled them: still teamd's ports.
    private var parked: Set<UInt32> = []
    private var activeSlave: UInt32 = 0
    /// Option writes with no bonding meaning, kept so that reading them back gives what was written.
    private var remembered: [TeamOptionID: TeamOptionValue] = [:]
    /// Statuses that changed since the last `drainEvents`.
    private var pending: [TeamPortStatus] = []

    public init(bondIndex: UInt32, mode: BondMode, teamMode: String, route: RouteClient, events: LinkEventSocket) throws {
        teamIndex = bondIndex
        self.mode = mode
        self.teamMode = teamMode
        self.route = route
        self.events = events
        try refresh()
    }

    public var kernelModeName: String? { mode.name }
    public var driverManagesAddresses: Bool { true }
    public var eventDescriptor: Int32 { events.pollDescriptor }

    // MARK: Reading

    public func ports() -> [TeamPortStatus] { portCache }

    private func refresh() throws {
        try refreshPorts()
        try refreshOptions()
    }

    @discardableResult
    public func refreshPorts() throws -> [TeamPortStatus] {
        let links = try route.dumpLinks()
        portCache = links.filter { $0.master == teamIndex || parked.contains($0.index) }.map(status(of:))
        parked.formIntersection(portCache.map(\.index))
        return portCache
    }

    @discardableResult
    public func refreshOptions() throws -> [TeamOption] {
        activeSlave = try route.link(index: teamIndex)?.bond?.activeSlave ?? 0
        return options()
    }

    public func options() -> [TeamOption] {
        var list = [TeamOption(name: "mode", value: .string(teamMode)),
                    TeamOption(name: "activeport", value: .u32(activeSlave))]
        for port in portCache {
            list.append(TeamOption(name: "enabled", portIndex: port.index, value: .bool(isEnabled(port.index))))
        }
        for (id, value) in remembered.sorted(by: { "\($0.key)" < "\($1.key)" }) {
            list.append(TeamOption(id: id, value: value))
        }
        return list
    }

    public func option(named name: String, port: UInt32?, arrayIndex: UInt32?) -> TeamOption? {
        options().first { $0.id == TeamOptionID(name: name, portIndex: port, arrayIndex: arrayIndex) }
    }

    /// A port is enabled unless teamd disabled it; an active-backup port is enabled while it is the active
    /// slave.
    private func isEnabled(_ index: UInt32) -> Bool {
        mode == .activeBackup ? index == activeSlave : (enabled[index] ?? true) && !parked.contains(index)
    }

    private func status(of link: Link) -> TeamPortStatus {
        // The carrier (IFF_LOWER_UP) as the team driver reports it; speed is not on rtnetlink.
        let up = link.flags.contains(.lowerUp) || (link.carrier == true && link.isUp)
        return TeamPortStatus(index: link.index, isLinkUp: up, speed: 0, duplex: up ? Duplex.full : Duplex.half,
                              isChanged: true)
    }

    // MARK: Writing

    public func setOption(_ id: TeamOptionID, to value: TeamOptionValue) throws {
        switch (id.name, id.portIndex, value) {
        case ("mode", nil, .string(let name)):
            guard name == teamMode else {
                throw NetlinkError(.kernel(errno: 95), operation: "set mode \(name) on bond \(teamIndex) (\(mode.name))")
            }
        case ("activeport", nil, .u32(let port)):
            guard mode == .activeBackup else { break }
            var parameters = BondParameters()
            parameters.activeSlave = port
            try route.changeBond(index: teamIndex, parameters: parameters)
            activeSlave = port
        case ("enabled", let port?, .bool(let on)):
            enabled[port] = on
            guard mode != .activeBackup else { break }
            if on && parked.contains(port) { try unpark(port) } else if !on && !parked.contains(port) { try park(port) }
        case ("queue_id", let port?, .u32(let queue)):
            try route.changeBondSlave(index: port, queueID: UInt16(truncatingIfNeeded: queue))
            remembered[id] = value
        case ("notify_peers_count", nil, .u32(let count)):
            var parameters = BondParameters()
            parameters.peerNotifications = UInt8(min(count, 255))
            try route.changeBond(index: teamIndex, parameters: parameters)
            remembered[id] = value
        case ("notify_peers_interval", nil, .u32(let milliseconds)):
            var parameters = BondParameters()
            parameters.peerNotificationDelay = milliseconds
            try route.changeBond(index: teamIndex, parameters: parameters)
            remembered[id] = value
        case ("mcast_rejoin_count", nil, .u32(let count)):
            var parameters = BondParameters()
            parameters.resendIGMP = count
            try route.changeBond(index: teamIndex, parameters: parameters)
            remembered[id] = value
        default:
            remembered[id] = value
        }
    }

    public func portReleased(_ index: UInt32) {
        parked.remove(index)
        enabled[index] = nil
        remembered = remembered.filter { $0.key.portIndex != index }
    }

    /// Out of the bond, kept up for its watchers. The link events of the move (down on release, up again)
    /// are not the port's news: its status is read afresh once it is up again.
    private func park(_ port: UInt32) throws {
        parked.insert(port)
        try route.release(port: port)
        try route.setUp(true, index: port)
        try settle(port)
    }

    /// Back into the bond (enslaving opens it).
    private func unpark(_ port: UInt32) throws {
        try route.setUp(false, index: port)
        try route.setMaster(port: port, master: teamIndex)
        parked.remove(port)
        try settle(port)
    }

    private func settle(_ port: UInt32) throws {
        try collect(ignoring: port)
        guard let link = try route.link(index: port), let at = portCache.firstIndex(where: { $0.index == port }) else { return }
        let fresh = status(of: link)
        if fresh.isLinkUp != portCache[at].isLinkUp {
            portCache[at] = fresh
            pending.append(fresh)
        }
    }

    // MARK: Events

    public func drainEvents(maxReads: Int = .max) throws -> [TeamEvent] {
        if try collect(ignoring: nil, maxReads: maxReads) {
            pending = []
            try refresh()
            return [.resynced]
        }
        defer { pending = [] }
        return pending.isEmpty ? [] : [.portsChanged(pending)]
    }

    /// Applies the queued link events to the cache, the changed statuses to `pending`; true after an overrun.
    @discardableResult
    private func collect(ignoring skipped: UInt32?, maxReads: Int = .max) throws -> Bool {
        var overrun = false
        for event in try events.drainEvents(maxReads: maxReads) {
            switch event {
            case .overrun:
                overrun = true
            case .changed(let link):
                if link.index == teamIndex {
                    if let active = link.bond?.activeSlave { activeSlave = active }
                    continue
                }
                guard link.index != skipped else { continue }
                let member = link.master == teamIndex || parked.contains(link.index)
                let at = portCache.firstIndex { $0.index == link.index }
                if member {
                    let fresh = status(of: link)
                    if let at {
                        guard portCache[at].isLinkUp != fresh.isLinkUp else { continue }
                        portCache[at] = fresh
                    } else {
                        portCache.append(fresh)
                    }
                    pending.append(fresh)
                } else if let at {
                    removed(at)
                }
            case .removed(let link):
                if let at = portCache.firstIndex(where: { $0.index == link.index }) { removed(at) }
            }
        }
        return overrun
    }

    private func removed(_ at: Int) {
        var status = portCache.remove(at: at)
        status.isRemoved = true
        status.isChanged = true
        status.isLinkUp = false
        parked.remove(status.index)
        enabled[status.index] = nil
        pending.append(status)
    }
}
