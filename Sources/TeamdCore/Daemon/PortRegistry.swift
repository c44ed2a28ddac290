import Logging
import Packets
import TeamKit
import TeamWire

/// What the daemon's parts share and change: the engine (ports, runner, watchers) and the config
/// document the control methods show.
final class DaemonModel {
    var engine: TeamEngine
    var document: ConfigDocument

    init(engine: TeamEngine, document: ConfigDocument) {
        self.engine = engine
        self.document = document
    }
}

/// The ports of the team as the daemon holds them: the one place where a port is adopted (its config
/// applied, its watchers and sockets made, handed to the engine) and where it is dropped again (the
/// engine told, its sockets closed), whatever the reason: PortRemove, a port released behind our back,
/// a resync, or the daemon's exit.
final class PortRegistry {
    let sockets: PortSockets
    private let model: DaemonModel
    private let executor: ActionExecutor
    private let route: RouteClient
    private let kernel: KernelAccess
    private let hosts: ResolvedHosts
    private let log: Logger
    /// Names of the ports in the team as far as the daemon knows: those in the engine and those it
    /// enslaved whose adoption is under way (released on exit too).
    private var names: [UInt32: String] = [:]

    init(model: DaemonModel, executor: ActionExecutor, sockets: PortSockets, route: RouteClient,
         kernel: KernelAccess, hosts: ResolvedHosts, log: Logger) {
        self.model = model
        self.hosts = hosts
        self.executor = executor
        self.sockets = sockets
        self.route = route
        self.kernel = kernel
        self.log = log
    }

    private var team: any AggregateDevice { executor.team }
    private var config: TeamdConfig { model.document.config }

    /// Records a port this daemon just enslaved, before the kernel's announcement of it is handled.
    func enslaved(_ index: UInt32, name: String) { names[index] = name }

    /// Takes a port that is already in the team into the engine: applies its config, makes its watchers
    /// and sockets. `known` is the port's status from the event that announced it; without one the kernel
    /// is asked. Nothing happens for a port the engine has or a link that is gone.
    func adopt(index: UInt32, status known: TeamPortStatus? = nil) throws {
        guard model.engine.ports[index: index] == nil, let link = try route.link(index: index) else { return }
        names[index] = link.name
        let settings = config.port(named: link.name).settings
        try executor.perform(TeamEngine.settingWrites(index: index, settings))
        let status = try known ?? team.refreshPorts().first { $0.index == index } ?? TeamPortStatus(index: index)
        log.debug("\(link.name): adopting, kernel link \(status.isLinkUp ? "up" : "down")")
        let address = link.address ?? model.engine.teamAddress
        let original = route.originalAddress(port: index) ?? address
        let port = TeamPort(name: link.name, index: index, originalAddress: original, address: address,
                            settings: settings, kernelLink: status, isEnabled: isEnabledInKernel(index))
        // The per-port options the kernel registers tell what it can: rx_enabled/tx_enabled (Decoupled.swift).
        if team.option(.enabled, port: index) != nil {
            model.engine.kernelSeparatesRxTx = team.option(.txEnabled, port: index) != nil
        }
        if model.engine.kernelHashMapping.isEmpty,
           let buckets = LACPHashMapping.kernelBuckets(in: team.options()) {
            model.engine.kernelHashMapping = buckets
        }
        let watchers = try openSockets(for: port)
        model.document.portAdded(link.name)
        try executor.perform(model.engine.addPort(port, watchers: watchers))
        log.info("\(link.name): port added")
    }

    /// The port's `enabled` option. It reaches the cache with the event that announced the port (the
    /// kernel sends the options first); the kernel is asked only when it has not: a full option dump per
    /// port made a 32-port start quadratic.
    private func isEnabledInKernel(_ index: UInt32) -> Bool {
        func cached() -> TeamOptionValue? { team.option(.enabled, port: index)?.value }
        if case .bool(let on)? = cached() ?? ((try? team.refreshOptions()) != nil ? cached() : nil) { return on }
        return false
    }

    /// The port's runner socket (LACP) and its watchers with their sockets, the sockets before the
    /// watchers' first probe so that no answer is missed.
    private func openSockets(for port: TeamPort) throws -> [any LinkWatcher] {
        if model.engine.runner.wantsFrames && sockets.runner[port.index] == nil {
            sockets.setRunner(try kernel.makeLACPPort(port.index), for: port.index)
        }
        var watchers: [any LinkWatcher] = []
        for watch in config.linkWatchers(forPort: port.name) {
            if let watcher = try Self.makeWatcher(watch, resolve: hosts.lookup) { watchers.append(watcher) }
        }
        var watcherSockets: [Int: any FramePort] = [:]
        for (instance, watcher) in watchers.enumerated() {
            guard let filter = watcher.packetFilter else { continue }
            watcherSockets[instance] = try kernel.makeWatcherPort(port.index, filter)
        }
        sockets.setWatchers(watcherSockets, for: port.index)
        return watchers
    }

    /// Drops a port that left the team (or is about to): the engine lets it go, its sockets close.
    func drop(index: UInt32) throws {
        names[index] = nil
        defer { sockets.close(index) }
        try executor.perform(model.engine.removePort(index: index))
    }

    /// Releases every port from the team (exit, failed start): each tells its partner goodbye (LACP) on
    /// its way out; the rest of the runner's reaction concerns a port that has left.
    func releaseAll() {
        for index in model.engine.ports.ports.map(\.index) + names.keys.filter({ model.engine.ports[index: $0] == nil }) {
            do { try route.release(port: index) } catch { log.warning("release of port \(index) failed: \(error)") }
            team.portReleased(index)
            names[index] = nil
            for case .send(let port, let frame) in model.engine.removePort(index: index) {
                executor.send(frame, on: port)
            }
            sockets.close(index)
        }
    }

    /// The watcher a `link_watch` entry asks for; host names in it are looked up with `resolve` (in
    /// `ResolvedHosts`, which never blocks the loop). Nil for tipc, which is not implemented.
    static func makeWatcher(_ config: LinkWatcherConfig,
                            resolve: (String, HostResolver.Family) -> ResolvedHosts.Entry) throws(DaemonStartError) -> (any LinkWatcher)? {
        func address<Address>(_ host: HostSpecifier<Address>, _ family: HostResolver.Family, _ key: String,
                              _ make: ([UInt8]) -> Address?) throws(DaemonStartError) -> Address {
            switch host {
            case .address(let address): return address
            case .hostname(let name):
                switch resolve(name, family) {
                case .address(let bytes):
                    if let address = make(bytes) { return address }
                    throw DaemonStartError("\(config.name): \(key) \"\(name)\" does not resolve to an \(family) address")
                case .unresolvable:
                    throw DaemonStartError("\(config.name): \(key) \"\(name)\" does not resolve to an \(family) address")
                case .pending:
                    throw DaemonStartError("\(config.name): \(key) \"\(name)\" is being resolved in the background; add the port again")
                }
            }
        }
        switch config {
        case .ethtool(let ethtool):
            return EthtoolWatcher(delayUp: Int(ethtool.delayUp.milliseconds),
                                  delayDown: Int(ethtool.delayDown.milliseconds))
        case .arpPing(let arp):
            let source = try address(arp.sourceHost, .ipv4, "source_host", IPv4Address.init(bytes:))
            let target = try address(arp.targetHost, .ipv4, "target_host", IPv4Address.init(bytes:))
            let probe = ARPProbe(source: source, target: target, validateActive: arp.validateActive,
                                 validateInactive: arp.validateInactive, sendsAlways: arp.sendAlways, vlanID: arp.vlanID)
            return PingWatcher(probe: probe, timing: arp.timing)
        case .nsnaPing(let nsna):
            let target = try address(nsna.targetHost, .ipv6, "target_host", IPv6Address.init(bytes:))
            return PingWatcher(probe: NSNAProbe(target: target), timing: nsna.timing)
        case .tipc:
            return nil
        }
    }
}

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
