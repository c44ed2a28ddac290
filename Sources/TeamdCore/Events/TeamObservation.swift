/// What the event stream watches, read from the engine: the ports with their watchers' and the policy's
/// link verdicts, the activebackup runner's active port, and each lacp port's receive state and
/// selection. The daemon takes one after every step of its event path and reports the difference to the
/// one before (`changes(since:)`), so each change is reported once, in the order the steps made them,
/// without polling anything.
struct TeamObservation: Equatable, Sendable {
    struct Port: Equatable, Sendable {
        var name: String
        var index: UInt32
        var linkUp: Bool
        /// Each link watcher's name and verdict, in `link_watches.list` order.
        var watchers: [Watcher]
        var lacp: LACPPort?
    }

    struct Watcher: Equatable, Sendable {
        var name: String
        var up: Bool
    }

    struct LACPPort: Equatable, Sendable {
        var receive: String
        var aggregator: UInt32?
        var aggregatorSelected: Bool
    }

    var ports: [Port]
    /// nil unless the runner is activebackup; `.some(nil)` for no active port.
    var activePort: String??

    init(ports: [Port] = [], activePort: String?? = nil) {
        self.ports = ports
        self.activePort = activePort
    }

    init(engine: TeamEngine) {
        let lacp = engine.runner as? LACPRunner
        ports = engine.ports.ports.map { port in
            Port(name: port.name, index: port.index, linkUp: port.isLinkUp,
                 watchers: engine.watcherList(of: port.index).map { Watcher(name: $0.name, up: $0.isUp) },
                 lacp: lacp.map { runner in
                     LACPPort(receive: (runner.machines[port.index]?.receive ?? .disabled).rawValue,
                              aggregator: runner.selection.aggregatorOf[port.index],
                              aggregatorSelected: runner.selection.isInSelectedAggregator(port.index))
                 })
        }
        if let activeBackup = engine.runner as? ActiveBackupRunner {
            activePort = .some(activeBackup.activePort.flatMap { engine.ports[index: $0]?.name })
        } else {
            activePort = nil
        }
    }

    /// What changed from `old` to this: removed ports, added ports, then per port its watchers' verdicts,
    /// its link, its LACP receive state and selection, then the active port.
    func changes(since old: TeamObservation) -> [TeamdEvent.Kind] {
        var events: [TeamdEvent.Kind] = []
        let current = Set(ports.map(\.index))
        for port in old.ports where !current.contains(port.index) { events.append(.portRemoved(port: port.name)) }
        for port in ports {
            guard let before = old.ports.first(where: { $0.index == port.index }) else {
                events.append(.portAdded(port: port.name, linkUp: port.linkUp))
                continue
            }
            for (instance, watcher) in port.watchers.enumerated()
            where instance < before.watchers.count && before.watchers[instance].up != watcher.up {
                events.append(.watcherLink(port: port.name, watcher: watcher.name, instance: instance, up: watcher.up))
            }
            if before.linkUp != port.linkUp { events.append(.portLink(port: port.name, up: port.linkUp)) }
            if let lacp = port.lacp, let was = before.lacp {
                if lacp.receive != was.receive {
                    events.append(.lacpState(port: port.name, state: lacp.receive, previous: was.receive))
                }
                if lacp.aggregator != was.aggregator || lacp.aggregatorSelected != was.aggregatorSelected {
                    events.append(.lacpSelection(port: port.name, selected: lacp.aggregator != nil,
                                                 aggregator: lacp.aggregator ?? 0,
                                                 aggregatorSelected: lacp.aggregatorSelected))
                }
            }
        }
        if case .some(let active) = activePort, case .some(let previous) = old.activePort, active != previous {
            events.append(.activePort(port: active, previous: previous))
        }
        return events
    }
}
