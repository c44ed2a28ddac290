import Glibc
import Logging
import TeamJSON
import TeamKit
import TeamWire
import Packets

/// What the daemon was told on its command line that shapes its behaviour (not the config).
public struct DaemonOptions: Sendable {
    public var deviceName: String
    public var takeOver = false
    public var forceRecreate = false
    public var noQuitDestroy = false
    public var noPorts = false
    public var daemonized = false
    public var pidFile = ""
    public var debugLevel = 0
    public var dbusEnabled = false
    public var zmqEnabled = false
    /// The kernel driver to use; nil: the team driver when it is there, else bonding.
    public var backend: Backend?
    /// `-w`: warm start; takes over a device that exists, as `-o` does, and restores what `stateDirectory`
    /// holds.
    public var warmStart = false
    /// `-L DIR`: where a warm exit (SIGUSR1) saves, and a warm start finds, the LACP state.
    public var stateDirectory: String?

    public init(deviceName: String) { self.deviceName = deviceName }
}

/// Why start-up failed; the message is for the log, the daemon exits 1.
public struct DaemonStartError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The puppeteer for one team device. Its parts, each the one place for what it does:
/// - `OpenedTeam` (TeamSetup.swift): creating or taking over the device;
/// - `PortRegistry`: adopting and dropping ports, their watchers and sockets;
/// - `ActionExecutor`: every kernel write, frame and timer the engine asks for, batches coalesced;
/// - the events (Daemon+Events.swift): kernel events and frames to the engine;
/// - `ControlDispatcher` and `StateItemSetter`: the control methods.
/// It owns no loop: `descriptors` says what to poll, `handleReadable` and `fireDueTimers` do the work, so
/// tests drive it step by step against a fake kernel.
public final class Daemon {
    public let options: DaemonOptions
    public var debugLevel: Int
    /// Set when the team device vanished; the loop ends.
    public internal(set) var shouldQuit = false
    let model: DaemonModel
    let log: Logger
    let route: RouteClient
    let linkEvents: LinkEventSocket
    let team: any AggregateDevice
    /// The driver behind `team`.
    public let backend: Backend
    let executor: ActionExecutor
    let registry: PortRegistry
    let hosts: ResolvedHosts
    let events: EventPublisher

    public var engine: TeamEngine { model.engine }
    public var document: ConfigDocument { model.document }
    public var config: TeamdConfig { model.document.config }
    public var teamIndex: UInt32 { executor.teamIndex }

    /// Opens (creates or takes over) the team device, sets it up and adds the config's ports. On failure
    /// what was made is undone as far as `-N` allows: a device this daemon created is deleted with its
    /// ports; a taken-over one (`-o`) keeps its ports with `-N`, as the C teamd does.
    public static func start(config: TeamdConfig, options: DaemonOptions, kernel: KernelAccess,
                             logger: Logger = Logger(label: "teamd"),
                             clock: @escaping @Sendable () -> Int64 = Daemon.monotonicMilliseconds,
                             resolve: @escaping @Sendable (String, HostResolver.Family) -> [UInt8]? = HostResolver.resolve(_:family:))
        throws(DaemonStartError) -> Daemon {
        // Host names are resolved now, before the loop, never inside it (see ResolvedHosts).
        let hosts = ResolvedHosts(resolve: resolve)
        hosts.prime(config)
        let opened: OpenedTeam
        do {
            opened = try OpenedTeam.open(options: options, config: config, kernel: kernel, log: logger)
        } catch {
            // The caller logs why (TeamdProcess: one line).
            throw error as? DaemonStartError ?? DaemonStartError("\(error)")
        }
        let daemon = Daemon(team: opened, config: config, options: options, kernel: kernel, hosts: hosts, logger: logger,
                            clock: clock)
        do {
            try daemon.setUp()
        } catch {
            hosts.stop()
            logger.error("start failed: \(error)")
            daemon.teardown(releasePorts: opened.created || !options.noQuitDestroy, deleteDevice: opened.created)
            throw error as? DaemonStartError ?? DaemonStartError("\(error)")
        }
        return daemon
    }

    init(team opened: OpenedTeam, config: TeamdConfig, options: DaemonOptions, kernel: KernelAccess, hosts: ResolvedHosts,
         logger: Logger, clock: @escaping @Sendable () -> Int64) {
        self.hosts = hosts
        self.options = options
        self.log = logger
        self.debugLevel = max(options.debugLevel, config.debugLevel)
        route = opened.route
        linkEvents = opened.linkEvents
        team = opened.device
        backend = opened.backend
        model = DaemonModel(engine: TeamEngine(runner: Self.makeRunner(config.runner, backend: opened.backend),
                                               teamAddress: EthernetAddress(bytes: [0, 0, 0, 0, 0, 0])!,
                                               linkWatchPolicy: config.linkWatchPolicy),
                            document: ConfigDocument(config: config, deviceName: options.deviceName))
        let sockets = PortSockets()
        executor = ActionExecutor(team: opened.device, teamIndex: opened.index, route: opened.route, sockets: sockets,
                                  log: logger, clock: clock)
        registry = PortRegistry(model: model, executor: executor, sockets: sockets, route: opened.route,
                                kernel: kernel, hosts: hosts, log: logger)
        executor.hasPort = { [model] in model.engine.ports[index: $0] != nil }
        events = EventPublisher(team: options.deviceName)
        executor.savedState = options.stateDirectory.map { SavedStateDirectory(path: $0, teamName: options.deviceName) }
    }

    public static func makeRunner(_ config: RunnerConfig, backend: Backend = .team) -> any Runner {
        switch config {
        case .broadcast: return BasicRunner(.broadcast)
        case .roundRobin: return BasicRunner(.roundrobin)
        case .random: return BasicRunner(.random)
        case .activeBackup(let ab):
            return ActiveBackupRunner(addressPolicy: ab.hardwareAddressPolicy)
        case .lacp(let lacp):
            // On bonding the kernel's 802.3ad speaks LACP; teamd keeps the watchers' verdicts.
            return backend == .bonding ? BondLACPRunner(config: lacp) : LACPRunner(config: lacp)
        case .loadBalance(let config):
            return LoadBalanceRunner(config: config)
        }
    }

    public static func monotonicMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    // MARK: Start and stop

    /// The team's mode and options, the ports already in it (taken over), then the config's ports.
    private func setUp() throws {
        if let link = try route.link(index: teamIndex) {
            if let address = link.address { model.engine.teamAddressChanged(to: address) }
            // Before any port: LACP leaves its ports disabled while the team is down.
            _ = model.engine.teamAdminStateChanged(up: link.flags.contains(.up))
        }
        try executor.perform(OpenedTeam.modeWrites(for: engine.runner.kernelMode, on: team))
        if options.warmStart, let directory = executor.savedState {
            do {
                if let plan = try directory.load(log: { [log] in log.warning("warm start: \($0)") }) {
                    try executor.perform(model.engine.warmStart(plan))
                } else {
                    log.info("warm start: no saved state for \(options.deviceName) in \(directory.path); starting cold")
                }
            } catch {
                log.error("warm start: \(error); starting cold")
            }
        }
        try executor.perform(model.engine.start())
        for write in OpenedTeam.peerNotificationWrites(config) {
            do { try executor.perform([write]) } catch { log.warning("Failed to set \(write): \(error)") }
        }
        try adoptPresentPorts()
        guard !options.noPorts else { return }
        for port in config.ports {
            do {
                try addPort(named: port.name)
            } catch {
                let why = error == .noSuchDevice ? "No such device" : "\(error)"
                throw DaemonStartError("Failed to add port \"\(port.name)\": \(why)")
            }
        }
    }

    /// Ports already in the team (taken over) are adopted without touching the team's MAC, the kernel's
    /// active port first, so that a running activebackup team keeps its port.
    private func adoptPresentPorts() throws {
        var present = team.ports().filter { !$0.isRemoved }
        if case .u32(let active)? = team.option(.activePort)?.value,
           let at = present.firstIndex(where: { $0.index == active }) {
            present.insert(present.remove(at: at), at: 0)
        }
        for status in present { try registry.adopt(index: status.index, status: status) }
    }

    /// SIGUSR1 (`saveState`) and SIGUSR2: the exit of a warm or fast restart. The runner has its last word
    /// (LACP: a fresh LACPDU on every selected port), SIGUSR1 saves the runner's state in `-L DIR`, and
    /// the team device, its ports, their `enabled` and the carrier stay exactly as they are for the next
    /// teamd (`-w` or `-o`). Nothing else is sent: no LACPDU out of sync, no carrier down.
    public func exitForRestart(saveState: Bool) {
        executor.batch { do { try executor.perform(model.engine.announceRestart()) } catch {} }
        guard saveState else { return }
        guard let directory = executor.savedState else {
            log.warning("warm exit: no state directory (-L); nothing saved")
            return
        }
        guard let snapshot = engine.runner.savedState(context: engine.context) else { return }
        do {
            try directory.save(snapshot)
            log.info("warm exit: saved \(snapshot.team.ports.count) port(s), \(snapshot.lastPDUs.count) LACPDU(s) in \(directory.path)")
        } catch {
            log.error("warm exit: \(error)")
        }
    }

    /// Releases the ports and deletes the device, as far as `-N` allows. Used on exit.
    public func stop() {
        hosts.stop()
        teardown(releasePorts: !options.noQuitDestroy, deleteDevice: !options.noQuitDestroy)
    }

    private func teardown(releasePorts: Bool, deleteDevice: Bool) {
        if releasePorts {
            drain(engine.ports.ports.map(\.index))
            registry.releaseAll()
        }
        if deleteDevice {
            do { try route.deleteLink(index: teamIndex) } catch { log.warning("delete of the team failed: \(error)") }
        }
    }

    // MARK: Ports by name (PortAdd, PortRemove, the config's ports)

    /// Whether `name` can name a network interface at all (1 to IFNAMSIZ - 1 = 15 bytes, no NUL or `/`).
    /// A control request may carry any string (D-Bus up to megabytes); what cannot be a name is answered
    /// NoSuchDev without asking the kernel, as the C teamd's if_nametoindex does.
    static func canBeInterfaceName(_ name: String) -> Bool {
        let bytes = name.utf8
        return !bytes.isEmpty && bytes.count < 16 && !bytes.contains(0) && !bytes.contains(UInt8(ascii: "/"))
    }

    public enum PortError: Error, Equatable, CustomStringConvertible {
        /// NoSuchDev
        case noSuchDevice
        case failed(String)

        public var description: String {
            switch self {
            case .noSuchDevice: "No such device"
            case .failed(let why): why
            }
        }
    }

    /// The link named `name`, or NoSuchDev.
    func existingLink(named name: String) throws(PortError) -> Link {
        try wrap { () throws -> Link in
            guard Self.canBeInterfaceName(name), let found = try route.link(named: name) else { throw PortError.noSuchDevice }
            return found
        }
    }

    /// Enslaves a port by name and hands it to the engine (PortAdd, and the config's ports at start).
    public func addPort(named name: String) throws(PortError) {
        let link = try existingLink(named: name)
        if link.master == teamIndex {
            try wrap { try registry.adopt(index: link.index) }
            return
        }
        guard link.master == 0 else { throw .failed("\(name) is already enslaved to another device") }
        try wrap {
            // The first port gives the team its MAC unless the config names one (teamd_hwaddr_check_change).
            if engine.ports.isEmpty && config.hardwareAddress == nil,
               let address = link.address, address != engine.teamAddress {
                try route.setAddress(address, index: teamIndex)
                try executor.perform(model.engine.teamAddressChanged(to: address))
            }
            // The team driver refuses a port that is up.
            if link.flags.contains(.up) { try route.setUp(false, index: link.index) }
            try route.setMaster(port: link.index, master: teamIndex)
            registry.enslaved(link.index, name: name)
            // The kernel announced the new port, and any change since, on the event socket: take the port
            // from those events in order (as teamd does), so that its history starts where the kernel's
            // does and a stale "down" is never counted after a fresh "up".
            handleTeamEvents(try team.drainEvents())
            try registry.adopt(index: link.index)
        }
    }

    /// Releases a port (PortRemove).
    public func removePort(named name: String) throws(PortError) {
        guard let port = engine.ports[name: name] else {
            _ = try existingLink(named: name)
            throw .failed("\(name) is not a port of \(options.deviceName)")
        }
        drain([port.index])
        try wrap {
            try route.release(port: port.index)
            team.portReleased(port.index)
            try registry.drop(index: port.index)
            log.info("\(name): port removed")
        }
    }

    private func wrap<T>(_ body: () throws -> T) throws(PortError) -> T {
        do { return try body() } catch let error as PortError { throw error } catch { throw .failed("\(error)") }
    }

    // MARK: Events

    /// Hands every later change to `sink` as it happens (the event stream); see `EventPublisher`.
    public func subscribe(_ sink: @escaping (TeamdEvent) -> Void) {
        events.subscribe(sink, engine: engine)
    }

    /// Reports what the last step changed; called after every step of the event path with the time the
    /// step began.
    func noteChanges(since start: WallClockTime? = nil) {
        events.observe(engine, time: start)
    }

    /// The last event: teamd is stopping.
    public func announceStop() {
        noteChanges()
        events.publish([.stopped], time: engine.wallClock())
    }

    // MARK: State

    public var setup: SetupState {
        SetupState(runnerName: config.runner.name, kernelModeName: team.kernelModeName ?? config.runner.kernelMode,
                   dbusEnabled: options.dbusEnabled, zmqEnabled: options.zmqEnabled, debugLevel: debugLevel,
                   daemonized: options.daemonized, pid: getpid(), pidFile: options.pidFile)
    }

    public func stateDump() -> JSONValue {
        StateTree.dump(engine: engine, setup: setup, teamName: options.deviceName, teamIndex: teamIndex)
    }
}
