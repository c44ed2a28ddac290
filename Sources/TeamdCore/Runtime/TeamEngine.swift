import TeamJSON
import TeamWire
import Packets

/// The daemon's logic without any I/O: the port table, each port's link watchers, the runner and the
/// team's MAC. The daemon feeds it what the kernel reports and performs the actions it returns; the
/// engine mirrors the effect of those actions in its own model at once, so what it shows (state dump)
/// and what it decides next agree with what it asked for.
public struct TeamEngine: Sendable {
    public private(set) var ports = PortTable()
    public private(set) var runner: any Runner
    public private(set) var teamAddress: EthernetAddress
    public let linkWatchPolicy: LinkWatchPolicy
    /// Whether the team device is administratively up; LACP runs only then, as in teamd.
    public private(set) var isTeamUp = true
    private var watchers: [UInt32: [any LinkWatcher]] = [:]
    /// teamd's `forced_send` per port, as last told to its watchers.
    private var forcedSend: [UInt32: Bool] = [:]

    public init(runner: any Runner, teamAddress: EthernetAddress, linkWatchPolicy: LinkWatchPolicy = .any) {
        self.runner = runner
        self.teamAddress = teamAddress
        self.linkWatchPolicy = linkWatchPolicy
    }

    /// The real-time clock the runner reads for dates in the state; tests set their own.
    public var wallClock: @Sendable () -> WallClockTime = WallClockTime.current

    /// Whether the kernel has per-port `rx_enabled` and `tx_enabled` (the daemon finds out on the first port).
    public var kernelSeparatesRxTx = false
    /// The kernel's `lb_tx_hash_to_port_mapping` when the first port was adopted (RunnerContext's).
    public var kernelHashMapping: [UInt32] = []

    public var context: RunnerContext {
        var context = RunnerContext(ports: ports, teamAddress: teamAddress, isTeamUp: isTeamUp, now: wallClock)
        context.kernelSeparatesRxTx = kernelSeparatesRxTx
        context.kernelHashMapping = kernelHashMapping
        return context
    }

    public mutating func start() -> [TeamAction] {
        absorb(runner.start(context: context))
    }

    /// A warm start's plan, before `start` and before any port.
    public mutating func warmStart(_ plan: WarmStartPlan) -> [TeamAction] {
        absorb(runner.handle(.warmStart(plan), context: context))
    }

    /// The daemon exits for a restart, leaving the team as it is.
    public mutating func announceRestart() -> [TeamAction] {
        absorb(runner.handle(.restartAnnounced, context: context))
    }

    /// A port joined (already enslaved); `watchers` are its link watchers, global and its own.
    public mutating func addPort(_ port: TeamPort, watchers portWatchers: [any LinkWatcher]) -> [TeamAction] {
        var port = port
        var list = portWatchers
        var actions: [TeamAction] = []
        for i in list.indices {
            actions += list[i].start(port: port, timer: .watcher(port: port.index, instance: i))
        }
        port.isLinkUp = linkWatchPolicy.combine(list.map(\.isUp))
        ports.insert(port)
        watchers[port.index] = list
        list.removeAll()
        actions.append(userLinkUp(port))
        actions = absorb(actions)
        actions += absorb(runner.handle(.portAdded(port.index), context: context))
        return actions + refreshForcedSend()
    }

    /// A port left the team.
    public mutating func removePort(index: UInt32) -> [TeamAction] {
        guard let port = ports.remove(index: index) else { return [] }
        var actions: [TeamAction] = []
        for i in (watchers[index] ?? []).indices {
            actions.append(.cancelTimer(.watcher(port: index, instance: i)))
        }
        watchers[index] = nil
        forcedSend[index] = nil
        actions += absorb(runner.handle(.portRemoved(port), context: context))
        return actions + refreshForcedSend()
    }

    /// The kernel reported a port's status (from the port list or a change event).
    public mutating func kernelPortChanged(_ status: TeamPortStatus) -> [TeamAction] {
        guard let old = ports[index: status.index] else { return [] }
        ports.update(index: status.index) { $0.kernelLink = status }
        var actions: [TeamAction] = []
        if old.kernelLink.isLinkUp != status.isLinkUp {
            actions += watcherEvent(.kernelLinkChanged(status.isLinkUp), port: status.index)
        }
        if old.kernelLink.speed != status.speed || old.kernelLink.duplex != status.duplex
            || old.kernelLink.isLinkUp != status.isLinkUp {
            actions += absorb(runner.handle(.portKernelChanged(status.index), context: context))
        }
        return actions
    }

    /// The kernel reported an option's value (change event). Nothing in the model follows it: `enabled` is
    /// what teamd last asked for, and an event may be older than teamd's own latest write (the kernel
    /// queues one per write, and the port's first announcement comes after the write that follows it),
    /// so mirroring events would undo decisions. Kept as the place where options written by others
    /// would be looked at.
    public mutating func kernelOptionChanged(_ option: TeamOption) -> [TeamAction] {
        []
    }

    /// A port's MAC changed behind our back (rtnetlink).
    public mutating func portAddressChanged(index: UInt32, to address: EthernetAddress) {
        ports.update(index: index) { $0.address = address }
    }

    @discardableResult
    public mutating func teamAddressChanged(to address: EthernetAddress) -> [TeamAction] {
        guard address != teamAddress else { return [] }
        teamAddress = address
        return absorb(runner.handle(.teamAddressChanged, context: context))
    }

    /// The team device went administratively up or down.
    public mutating func teamAdminStateChanged(up: Bool) -> [TeamAction] {
        guard up != isTeamUp else { return [] }
        isTeamUp = up
        return absorb(runner.handle(.teamStateChanged, context: context))
    }

    public mutating func timerFired(_ id: TimerID) -> [TeamAction] {
        switch id {
        case .watcher(let port, let instance):
            return watcherEvent(.timer, port: port, only: instance)
        case .runner, .runnerPort:
            return absorb(runner.handle(.timer(id), context: context))
        }
    }

    public mutating func frameReceived(port: UInt32, bytes: [UInt8], forWatcher instance: Int? = nil) -> [TeamAction] {
        if let instance { return watcherEvent(.frame(bytes), port: port, only: instance) }
        return absorb(runner.handle(.frame(port: port, bytes: bytes), context: context))
    }

    /// Per-port config changed (PortConfigUpdate).
    public mutating func updateSettings(index: UInt32, _ settings: PortSettings) -> [TeamAction] {
        guard ports[index: index] != nil else { return [] }
        ports.update(index: index) { $0.settings = settings }
        return Self.settingWrites(index: index, settings) + absorb(runner.handle(.portSettingsChanged(index), context: context))
    }

    /// The kernel options a port's settings set: `priority`, and `queue_id` when configured. Written when
    /// the port is adopted and when its config changes.
    public static func settingWrites(index: UInt32, _ settings: PortSettings) -> [TeamAction] {
        var actions: [TeamAction] = [.setOption(TeamOptionID(.priority, port: index), .s32(settings.priority))]
        if let queue = settings.queueID {
            actions.append(.setOption(TeamOptionID(.queueID, port: index), .u32(queue)))
        }
        return actions
    }

    public mutating func setRunnerStateItem(_ path: [String], value: String) throws(StateItemError) -> [TeamAction] {
        absorb(try runner.setStateItem(path, value: value, context: context))
    }

    /// Sets `ports.NAME.runner.PATH`.
    public mutating func setRunnerPortStateItem(port name: String, _ path: [String],
                                                value: String) throws(StateItemError) -> [TeamAction] {
        guard let port = ports[name: name] else { throw .noSuchItem }
        return absorb(try runner.setPortStateItem(port, path: path, value: value, context: context))
    }

    /// A port about to leave: the runner stops sending on it and tells its partner (see `Runner.drain`).
    public mutating func drainPort(index: UInt32) -> [TeamAction] {
        guard let port = ports[index: index] else { return [] }
        return absorb(runner.drain(port, context: context))
    }

    public func isDraining(index: UInt32) -> Bool { runner.isDraining(index) }

    public func watcherStates(of index: UInt32) -> [JSONObject] {
        (watchers[index] ?? []).map { $0.state() }
    }

    public func watcherList(of index: UInt32) -> [any LinkWatcher] { watchers[index] ?? [] }

    // MARK: internals

    private mutating func watcherEvent(_ event: LinkWatcherEvent, port index: UInt32, only: Int? = nil) -> [TeamAction] {
        guard var list = watchers[index], let port = ports[index: index] else { return [] }
        var actions: [TeamAction] = []
        for i in list.indices where only == nil || only == i {
            actions += list[i].handle(event, port: port, timer: .watcher(port: index, instance: i))
        }
        watchers[index] = list
        let up = linkWatchPolicy.combine(list.map(\.isUp))
        guard up != port.isLinkUp else { return absorb(actions) }
        ports.update(index: index) { $0.isLinkUp = up }
        // The runner first: on failover its actions move the traffic; user_linkup can wait a moment.
        actions = absorb(actions)
        actions += absorb(runner.handle(.portLinkChanged(index), context: context))
        return actions + [userLinkUp(ports[index: index]!)]
    }

    /// Every verdict is written to the per-port kernel option `user_linkup`, as teamd does.
    private func userLinkUp(_ port: TeamPort) -> TeamAction {
        .setOption(TeamOptionID(.userLinkup, port: port.index), .bool(port.isLinkUp))
    }

    /// teamd's `forced_send`: a port probes (ping watchers) when it is enabled, or when no port of the team
    /// is, so that a team with no usable port keeps asking on every port until one answers. Told to the
    /// watchers whose value changed.
    private mutating func refreshForcedSend() -> [TeamAction] {
        let anyEnabled = ports.ports.contains { $0.isEnabled }
        var actions: [TeamAction] = []
        for port in ports.ports {
            let on = port.isEnabled || !anyEnabled
            guard forcedSend[port.index] != on, var list = watchers[port.index] else { continue }
            forcedSend[port.index] = on
            for i in list.indices {
                actions += list[i].handle(.forcedSendChanged(on), port: port, timer: .watcher(port: port.index, instance: i))
            }
            watchers[port.index] = list
        }
        return actions
    }

    /// Mirrors the effect of actions in the model and passes them on.
    private mutating func absorb(_ actions: [TeamAction]) -> [TeamAction] {
        var enabledChanged = false
        for action in actions {
            switch action {
            case .setOption(let id, .bool(let on)) where id.name == TeamOptionName.enabled || id.name == TeamOptionName.rxEnabled:
                if let index = id.portIndex { ports.update(index: index) { $0.isEnabled = on } }
                enabledChanged = true
            case .setPortAddress(let index, let address):
                ports.update(index: index) { $0.address = address }
            case .setTeamAddress(let address):
                teamAddress = address
            default:
                break
            }
        }
        return enabledChanged ? actions + refreshForcedSend() : actions
    }
}
