import Glibc
import Logging
import Packets
import TeamJSON
import TeamKit
import TeamWire

/// How the daemon reaches the kernel: four netlink transports (requests and events, for rtnetlink and the
/// team family) and, for runners that talk on the wire (LACP), a frame port per team port. The real ones
/// are sockets; tests give the daemon a fake kernel behind the same seam.
public struct KernelAccess {
    public var makeRoute: () throws -> any NetlinkTransport
    public var makeRouteEvents: () throws -> any NetlinkTransport
    public var makeGeneric: () throws -> any NetlinkTransport
    public var makeGenericEvents: () throws -> any NetlinkTransport
    /// A port for LACPDUs on the interface with this ifindex: slow-protocols frames only, the
    /// Slow_Protocols_Multicast address joined.
    public var makeLACPPort: (_ interfaceIndex: UInt32) throws -> any FramePort
    /// A port for a link watcher's frames (ARP replies, NAs) on the interface with this ifindex: every
    /// frame of the interface that passes the filter, seen before the team driver takes it.
    public var makeWatcherPort: (_ interfaceIndex: UInt32, _ filter: BPFProgram) throws -> any FramePort

    public init(makeRoute: @escaping () throws -> any NetlinkTransport,
                makeRouteEvents: @escaping () throws -> any NetlinkTransport,
                makeGeneric: @escaping () throws -> any NetlinkTransport,
                makeGenericEvents: @escaping () throws -> any NetlinkTransport,
                makeLACPPort: @escaping (_ interfaceIndex: UInt32) throws -> any FramePort = KernelAccess.lacpSocket,
                makeWatcherPort: @escaping (_ interfaceIndex: UInt32, _ filter: BPFProgram) throws -> any FramePort
                    = KernelAccess.watcherSocket) {
        self.makeRoute = makeRoute
        self.makeRouteEvents = makeRouteEvents
        self.makeGeneric = makeGeneric
        self.makeGenericEvents = makeGenericEvents
        self.makeLACPPort = makeLACPPort
        self.makeWatcherPort = makeWatcherPort
    }

    /// The real watcher port: an AF_PACKET socket on ETH_P_ALL with the watcher's filter, as the C teamd's
    /// arp_ping and nsna_ping open (ETH_P_ALL sees a port's frames before the team driver hands them to
    /// the team device; a socket bound to one EtherType on the port would miss those of an enabled port).
    public static func watcherSocket(_ interfaceIndex: UInt32, _ filter: BPFProgram) throws -> any FramePort {
        try PacketSocket(interfaceIndex: interfaceIndex, etherType: EtherType.all, filter: filter)
    }

    /// The real LACP port: an AF_PACKET socket on ETH_P_SLOW with the LACPDU filter, joined to
    /// 01:80:c2:00:00:02.
    public static func lacpSocket(_ interfaceIndex: UInt32) throws -> any FramePort {
        try PacketSocket(interfaceIndex: interfaceIndex, etherType: EtherType.slowProtocols, filter: .lacpdus,
                         multicast: .slowProtocolsMulticast)
    }

    public static var system: KernelAccess { KernelAccess(
        makeRoute: { try NetlinkSocket(protocol: .route) },
        makeRouteEvents: { try NetlinkSocket(protocol: .route) },
        makeGeneric: { try NetlinkSocket(protocol: .generic) },
        makeGenericEvents: { try NetlinkSocket(protocol: .generic) }) }
}

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

    public init(deviceName: String) { self.deviceName = deviceName }
}

/// A control method's answer: a payload, or an error code of the C teamd with its message.
public enum ControlResult: Equatable, Sendable {
    case success(String?)
    case failure(code: String, message: String)
}

/// Why start-up failed; the message is for the log, the daemon exits 1.
public struct DaemonStartError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The puppeteer for one team device: creates or takes over the device, adds ports, turns kernel events
/// into engine events and performs the engine's actions. It owns no loop: `descriptors` says what to poll,
/// `handleReadable` and `fireDueTimers` do the work, so tests drive it step by step against a fake kernel.
public final class Daemon {
    public private(set) var document: ConfigDocument
    public var config: TeamdConfig { document.config }
    public let options: DaemonOptions
    public private(set) var engine: TeamEngine
    public private(set) var teamIndex: UInt32 = 0
    public private(set) var timers = TimerQueue()
    /// Set when the team device vanished or a fatal error happened; the loop ends.
    public private(set) var shouldQuit = false
    public var debugLevel: Int
    let log: Logger
    private let route: RouteClient
    private let linkEvents: LinkEventSocket
    private let kernel: KernelAccess
    private var team: TeamDevice!
    private var createdDevice = false
    /// Ports this daemon enslaved (released on exit) versus ones it adopted.
    private var portNames: [UInt32: String] = [:]
    /// The runner's frame ports (LACP), by port ifindex.
    private var framePorts: [UInt32: any FramePort] = [:]
    /// The link watchers' frame ports (arp_ping, nsna_ping), by port ifindex and watcher instance.
    private var watcherPorts: [UInt32: [Int: any FramePort]] = [:]
    private let clock: @Sendable () -> Int64

    public init(config: TeamdConfig, options: DaemonOptions, kernel: KernelAccess = .system,
                logger: Logger = Logger(label: "teamd"),
                clock: @escaping @Sendable () -> Int64 = Daemon.monotonicMilliseconds) throws {
        self.document = ConfigDocument(config: config, deviceName: options.deviceName)
        self.options = options
        self.kernel = kernel
        self.log = logger
        self.clock = clock
        self.debugLevel = max(options.debugLevel, config.debugLevel)
        route = RouteClient(transport: try kernel.makeRoute())
        linkEvents = try LinkEventSocket(transport: try kernel.makeRouteEvents())
        engine = TeamEngine(runner: Self.makeRunner(config.runner), teamAddress: HardwareAddress(bytes: [0, 0, 0, 0, 0, 0])!,
                            linkWatchPolicy: config.linkWatchPolicy)
    }

    public static func makeRunner(_ config: RunnerConfig) -> any Runner {
        switch config {
        case .broadcast: return BasicRunner(.broadcast)
        case .roundRobin: return BasicRunner(.roundrobin)
        case .random: return BasicRunner(.random)
        case .activeBackup(let ab):
            let policy = ActiveBackupRunner.AddressPolicy(rawValue: ab.hardwareAddressPolicy.rawValue) ?? .sameAll
            return ActiveBackupRunner(addressPolicy: policy)
        case .lacp(let lacp):
            return LACPRunner(config: lacp)
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

    /// Creates (or takes over) the device and adds the configured ports. On failure everything made so
    /// far is undone: no half-made device and no enslaved port is left behind.
    public func start() throws(DaemonStartError) {
        do {
            try createDevice()
            try setUpTeam()
            if !options.noPorts {
                for port in config.ports {
                    do {
                        try addPort(named: port.name)
                    } catch {
                        let why = error == .noSuchDevice ? "No such device" : "\(error)"
                        throw DaemonStartError("Failed to add port \"\(port.name)\": \(why)")
                    }
                }
            }
        } catch {
            log.error("start failed: \(error)")
            teardown(releasePorts: true, deleteDevice: createdDevice)
            throw error as? DaemonStartError ?? DaemonStartError("\(error)")
        }
    }

    private func createDevice() throws {
        let name = options.deviceName
        if let existing = try route.link(named: name) {
            if options.takeOver {
                guard existing.kind == "team" else { throw DaemonStartError("\(name) exists and is not a team device") }
                teamIndex = existing.index
                log.info("taking over \(name)")
                return
            }
            if options.forceRecreate {
                try route.deleteLink(index: existing.index)
            } else {
                throw DaemonStartError("Failed to create team device \"\(name)\": File exists")
            }
        }
        let link = try route.createTeam(name: name, address: config.hardwareAddress?.bytes)
        teamIndex = link.index
        createdDevice = true
    }

    private func setUpTeam() throws {
        team = try TeamDevice(teamIndex: teamIndex, commandTransport: try kernel.makeGeneric(),
                              eventTransport: try kernel.makeGenericEvents())
        if let link = try route.link(index: teamIndex) {
            if let address = HardwareAddress(bytes: link.address) { engine.teamAddressChanged(to: address) }
            // Before any port: LACP leaves its ports disabled while the team is down.
            _ = engine.teamAdminStateChanged(up: link.flags.contains(.up))
        }
        let mode = engine.runner.kernelMode
        if case .string(let current)? = team.option(named: "mode")?.value, current == mode {
            // Already in the right mode (taken over): setting it again would fail with ports present.
        } else {
            try team.setOption(named: "mode", to: .string(mode))
        }
        try perform(engine.start())
        try applyPeerNotification()
        // Ports already in the team (taken over): adopt them without touching the team's MAC, the kernel's
        // active port first, so that a running activebackup team keeps its port.
        var present = team.ports().filter { !$0.isRemoved }
        if case .u32(let active)? = team.option(named: "activeport")?.value,
           let at = present.firstIndex(where: { $0.index == active }) {
            present.insert(present.remove(at: at), at: 0)
        }
        for status in present { try adoptPort(index: status.index, status: status) }
    }

    private func applyPeerNotification() throws {
        var defaults = (notifyCount: UInt32?.none, rejoinCount: UInt32?.none)
        if case .activeBackup = config.runner { defaults = (1, 1) }
        let settings: [(String, UInt32?)] = [
            ("notify_peers_count", config.notifyPeers.count ?? defaults.notifyCount),
            ("notify_peers_interval", config.notifyPeers.interval),
            ("mcast_rejoin_count", config.multicastRejoin.count ?? defaults.rejoinCount),
            ("mcast_rejoin_interval", config.multicastRejoin.interval),
        ]
        for (name, value) in settings {
            guard let value else { continue }
            do {
                try team.setOption(named: name, to: .u32(value))
            } catch {
                log.warning("Failed to set \"\(name)\": \(error)")
            }
        }
    }

    /// Releases the ports and deletes the device, as far as `-N` allows. Used on exit and after a failed
    /// start.
    public func stop() {
        teardown(releasePorts: !options.noQuitDestroy, deleteDevice: !options.noQuitDestroy)
    }

    private func teardown(releasePorts: Bool, deleteDevice: Bool) {
        if releasePorts {
            for index in engine.ports.ports.map(\.index) + portNames.keys.filter({ engine.ports[index: $0] == nil }) {
                do { try route.release(port: index) } catch { log.warning("release of port \(index) failed: \(error)") }
                // The runner's farewell frames (LACP) still go out; the rest concerns a port that has left.
                for case .send(let port, let frame) in engine.removePort(index: index) {
                    do { try framePorts[port]?.send(frame) } catch { log.debug("send on port \(port) failed: \(error)") }
                }
                portNames[index] = nil
                framePorts[index] = nil
                watcherPorts[index] = nil
            }
        }
        if deleteDevice && teamIndex != 0 {
            do { try route.deleteLink(index: teamIndex) } catch { log.warning("delete of the team failed: \(error)") }
        }
    }

    // MARK: Ports

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

    /// Enslaves a port by name and hands it to the engine (PortAdd, and the config's ports at start).
    public func addPort(named name: String) throws(PortError) {
        let link: Link
        do {
            guard Self.canBeInterfaceName(name), let found = try route.link(named: name) else { throw PortError.noSuchDevice }
            link = found
        } catch let error as PortError {
            throw error
        } catch {
            throw .failed("\(error)")
        }
        if link.master == teamIndex {
            if engine.ports[index: link.index] == nil { try wrap { try adoptPort(index: link.index) } }
            return
        }
        guard link.master == 0 else { throw .failed("\(name) is already enslaved to another device") }
        try wrap {
            // The first port gives the team its MAC unless the config names one (teamd_hwaddr_check_change).
            if engine.ports.isEmpty && config.hardwareAddress == nil,
               let address = HardwareAddress(bytes: link.address), address != engine.teamAddress {
                try route.setAddress(address.bytes, index: teamIndex)
                try perform(engine.teamAddressChanged(to: address))
            }
            // The team driver refuses a port that is up.
            if link.flags.contains(.up) { try route.setUp(false, index: link.index) }
            try route.setMaster(port: link.index, master: teamIndex)
            portNames[link.index] = name
            // The kernel announced the new port, and any change since, on the event socket: take the port
            // from those events in order (as teamd does), so that its history starts where the kernel's
            // does and a stale "down" is never counted after a fresh "up".
            for event in try team.drainEvents() { try handle(event) }
            if engine.ports[index: link.index] == nil { try adoptPort(index: link.index) }
        }
    }

    private func wrap(_ body: () throws -> Void) throws(PortError) {
        do { try body() } catch let error as PortError { throw error } catch { throw .failed("\(error)") }
    }

    /// Takes a port that is already in the team into the engine: applies its config, starts its watchers.
    /// `known` is the port's status from the event that announced it; without one the kernel is asked.
    private func adoptPort(index: UInt32, status known: TeamPortStatus? = nil) throws {
        guard engine.ports[index: index] == nil, let link = try route.link(index: index) else { return }
        portNames[index] = link.name
        let settings = config.port(named: link.name)
        try team.setOption(named: "priority", port: index, to: .s32(settings.priority))
        if let queue = settings.queueID { try team.setOption(named: "queue_id", port: index, to: .u32(queue)) }
        let status = try known ?? team.refreshPorts().first { $0.index == index } ?? TeamPortStatus(index: index)
        log.debug("\(link.name): adopting, kernel link \(status.isLinkUp ? "up" : "down")")
        // The port's options reach the cache with the event that announced the port (the kernel sends
        // them first); ask the kernel only when they have not: a full option dump per port made a
        // 32-port start quadratic.
        func cachedEnabled() -> TeamOptionValue? { team.option(named: "enabled", port: index)?.value }
        let enabled: Bool
        if case .bool(let on)? = cachedEnabled() ?? ((try? team.refreshOptions()) != nil ? cachedEnabled() : nil) {
            enabled = on
        } else {
            enabled = false
        }
        let address = HardwareAddress(bytes: link.address) ?? engine.teamAddress
        let original = route.originalAddress(port: index).flatMap { HardwareAddress(bytes: $0) } ?? address
        let port = TeamPort(name: link.name, index: index, originalAddress: original, address: address,
                            settings: PortSettings(priority: settings.priority, queueID: settings.queueID,
                                                   isSticky: settings.sticky, lacpPriority: settings.lacpPriority,
                                                   lacpKey: settings.lacpKey),
                            kernelLink: status, isEnabled: enabled)
        if engine.runner.wantsFrames && framePorts[index] == nil {
            framePorts[index] = try kernel.makeLACPPort(index)
        }
        var watchers: [any LinkWatcher] = []
        for watch in config.linkWatchers(forPort: link.name) {
            if let watcher = try Self.makeWatcher(watch, resolve: HostResolver.resolve(_:_:)) { watchers.append(watcher) }
        }
        // The watchers' sockets before their first probe, so that no answer is missed.
        var sockets: [Int: any FramePort] = [:]
        for (instance, watcher) in watchers.enumerated() {
            guard let filter = watcher.packetFilter else { continue }
            sockets[instance] = try kernel.makeWatcherPort(index, filter)
        }
        watcherPorts[index] = sockets.isEmpty ? nil : sockets
        document.portAdded(link.name)
        try perform(engine.addPort(port, watchers: watchers))
        log.info("\(link.name): port added")
    }

    /// The watcher a `link_watch` entry asks for; host names in it are resolved with `resolve` (once, as
    /// the C teamd does when the port joins). Nil for tipc, which is not implemented.
    static func makeWatcher(_ config: LinkWatcherConfig,
                            resolve: (String, HostResolver.Family) -> [UInt8]?) throws(DaemonStartError) -> (any LinkWatcher)? {
        func address(_ host: HostSpecifier, _ family: HostResolver.Family, _ key: String) throws(DaemonStartError) -> [UInt8] {
            switch host {
            case .ipv4(let bytes) where family == .ipv4: return bytes
            case .ipv6(let bytes) where family == .ipv6: return bytes
            case .hostname(let name):
                guard let bytes = resolve(name, family) else {
                    throw DaemonStartError("\(config.name): \(key) \"\(name)\" does not resolve to an \(family) address")
                }
                return bytes
            default:
                throw DaemonStartError("\(config.name): \(key) \"\(host)\" is not an \(family) address")
            }
        }
        switch config {
        case .ethtool(let ethtool):
            return EthtoolWatcher(delayUp: Int(ethtool.delayUp.milliseconds),
                                  delayDown: Int(ethtool.delayDown.milliseconds))
        case .arpPing(let arp):
            guard let source = IPv4Address(bytes: try address(arp.sourceHost, .ipv4, "source_host")),
                  let target = IPv4Address(bytes: try address(arp.targetHost, .ipv4, "target_host")) else { return nil }
            let probe = ARPProbe(source: source, target: target, validateActive: arp.validateActive,
                                 validateInactive: arp.validateInactive, sendsAlways: arp.sendAlways, vlanID: arp.vlanID)
            return PingWatcher(probe: probe, timing: arp.timing)
        case .nsnaPing(let nsna):
            guard let target = IPv6Address(bytes: try address(nsna.targetHost, .ipv6, "target_host")) else { return nil }
            return PingWatcher(probe: NSNAProbe(target: target), timing: nsna.timing)
        case .tipc:
            return nil
        }
    }

    /// Releases a port (PortRemove).
    public func removePort(named name: String) throws(PortError) {
        guard let port = engine.ports[name: name] else {
            do {
                guard Self.canBeInterfaceName(name), try route.link(named: name) != nil else { throw PortError.noSuchDevice }
            } catch let error as PortError { throw error } catch { throw .failed("\(error)") }
            throw .failed("\(name) is not a port of \(options.deviceName)")
        }
        try wrap {
            try route.release(port: port.index)
            portNames[port.index] = nil
            try perform(engine.removePort(index: port.index))
            framePorts[port.index] = nil
            watcherPorts[port.index] = nil
            log.info("\(name): port removed")
        }
    }

    // MARK: Events

    /// The descriptors to poll for reading.
    public var descriptors: [Int32] {
        [team.eventDescriptor, linkEvents.pollDescriptor] + framePorts.values.map(\.pollDescriptor)
            + watcherPorts.values.flatMap { $0.values.map(\.pollDescriptor) }
    }

    public func handleReadable(_ fd: Int32) {
        // Everything the kernel queued is handled first and the actions it asks for are written after,
        // coalesced: a port that flaps down and up within one batch costs no option write at all, and a
        // storm of N events costs at most one write per option (the C teamd writes every intermediate
        // state, one netlink round trip each).
        pendingActions = []
        defer { flushPendingActions() }
        do {
            if fd == team.eventDescriptor {
                for event in try team.drainEvents() { try handle(event) }
            } else if fd == linkEvents.pollDescriptor {
                for event in try linkEvents.drainEvents() { try handle(event) }
            } else if let (index, port) = framePorts.first(where: { $0.value.pollDescriptor == fd }) {
                try receiveFrames(from: port, index: index)
            } else {
                for (index, sockets) in watcherPorts {
                    for (instance, port) in sockets where port.pollDescriptor == fd {
                        try receiveFrames(from: port, index: index, watcher: instance)
                    }
                }
            }
        } catch {
            log.error("event handling failed: \(error)")
        }
    }

    /// Actions held back while a batch of events is handled; nil outside a batch.
    private var pendingActions: [TeamAction]?

    /// Performs the held-back actions, each kernel option once with its last value, in the order of
    /// those last writes: activebackup's "enable the new port, set activeport, disable the old one"
    /// keeps its order, whatever came before it in the batch.
    private func flushPendingActions() {
        guard let actions = pendingActions else { return }
        pendingActions = nil
        for action in Self.coalesced(actions) {
            do { try execute(action) } catch { log.error("event handling failed: \(error)") }
        }
    }

    /// `actions` with every `setOption` but the last for each option dropped.
    static func coalesced(_ actions: [TeamAction]) -> [TeamAction] {
        var last: [TeamOptionID: Int] = [:]
        for (position, action) in actions.enumerated() {
            if case .setOption(let id, _) = action { last[id] = position }
        }
        return actions.enumerated().compactMap { position, action in
            if case .setOption(let id, _) = action, last[id] != position { return nil }
            return action
        }
    }

    /// The frames waiting on a port's socket, to the runner (at most a batch: a flood cannot starve the
    /// netlink events).
    private func receiveFrames(from port: any FramePort, index: UInt32, watcher: Int? = nil) throws {
        for _ in 0..<64 {
            let frame: [UInt8]?
            do { frame = try port.receive() } catch {
                log.debug("port \(index): \(error)")
                return
            }
            guard let frame else { return }
            try perform(engine.frameReceived(port: index, bytes: frame, forWatcher: watcher))
        }
    }

    func handle(_ event: TeamEvent) throws {
        switch event {
        case .portsChanged(let statuses):
            for status in statuses { try portStatusChanged(status) }
        case .optionsChanged(let options):
            for option in options { try perform(engine.kernelOptionChanged(option)) }
        case .resynced:
            let current = Set(team.ports().filter { !$0.isRemoved }.map(\.index))
            for port in engine.ports.ports where !current.contains(port.index) {
                portNames[port.index] = nil
                try perform(engine.removePort(index: port.index))
                framePorts[port.index] = nil
                watcherPorts[port.index] = nil
            }
            for status in team.ports() where !status.isRemoved { try portStatusChanged(status) }
            for option in team.options() { try perform(engine.kernelOptionChanged(option)) }
        }
    }

    private func portStatusChanged(_ status: TeamPortStatus) throws {
        log.debug("port \(status.index): link \(status.isLinkUp ? "up" : "down") speed \(status.speed) changed \(status.isChanged) removed \(status.isRemoved)")
        if status.isRemoved {
            guard let port = engine.ports[index: status.index] else { return }
            // Released behind our back (`ip link set X nomaster`): forget it.
            log.info("\(port.name): port left the team")
            portNames[status.index] = nil
            try perform(engine.removePort(index: status.index))
            framePorts[status.index] = nil
            watcherPorts[status.index] = nil
        } else if engine.ports[index: status.index] == nil {
            // Enslaved behind our back (`ip link set X master team0`, NetworkManager), or by us just now.
            try adoptPort(index: status.index, status: status)
        } else {
            try perform(engine.kernelPortChanged(status))
        }
    }

    func handle(_ event: LinkEvent) throws {
        switch event {
        case .changed(let link):
            guard let address = HardwareAddress(bytes: link.address) else { return }
            if link.index == teamIndex {
                if address != engine.teamAddress { try perform(engine.teamAddressChanged(to: address)) }
                try perform(engine.teamAdminStateChanged(up: link.flags.contains(.up)))
            } else if let port = engine.ports[index: link.index], port.address != address {
                engine.portAddressChanged(index: link.index, to: address)
            }
        case .removed(let link):
            if link.index == teamIndex {
                log.warning("team device \(options.deviceName) disappeared, exiting")
                shouldQuit = true
            }
        case .overrun:
            if try route.link(index: teamIndex) == nil { shouldQuit = true }
        }
    }

    /// Milliseconds until the next timer, or nil when none is armed.
    public func timeoutMilliseconds() -> Int? {
        guard let next = timers.nextDeadline else { return nil }
        return Int(max(0, next - clock()))
    }

    public func fireDueTimers() {
        for id in timers.popDue(now: clock()) {
            do { try perform(engine.timerFired(id)) } catch { log.error("timer \(id) failed: \(error)") }
        }
    }

    // MARK: Actions

    func perform(_ actions: [TeamAction]) throws {
        if pendingActions != nil {
            pendingActions!.append(contentsOf: actions)
            return
        }
        for action in actions { try execute(action) }
    }

    private func execute(_ action: TeamAction) throws {
        switch action {
        case .setOption(let id, let value):
            do {
                try team.setOption(id, to: value)
            } catch {
                // A port that just left takes its options with it; that is not worth failing for.
                if let port = id.portIndex, engine.ports[index: port] == nil { return }
                throw error
            }
        case .setPortAddress(let port, let address):
            try route.setAddress(address.bytes, index: port)
        case .setTeamAddress(let address):
            try route.setAddress(address.bytes, index: teamIndex)
        case .setCarrier(let on):
            try route.setCarrier(on, index: teamIndex)
        case .armTimer(let id, let ms):
            timers.arm(id, at: clock() + Int64(ms))
        case .cancelTimer(let id):
            timers.cancel(id)
        case .send(let port, let frame):
            // The runner's socket, else a watcher's: any packet socket on the port sends any frame.
            guard let socket = framePorts[port] ?? watcherPorts[port]?.values.first else { return }
            do { try socket.send(frame) } catch {
                // A port whose link just went down refuses; the runner will notice the link.
                log.debug("send on port \(port) failed: \(error)")
            }
        case .log(let text, let isDebug):
            if isDebug { log.debug("\(text)") } else { log.info("\(text)") }
        }
    }

    // MARK: State and control

    public var setup: SetupState {
        SetupState(runnerName: config.runner.name, kernelModeName: config.runner.kernelMode,
                   dbusEnabled: options.dbusEnabled, zmqEnabled: options.zmqEnabled, debugLevel: debugLevel,
                   daemonized: options.daemonized, pid: getpid(), pidFile: options.pidFile)
    }

    public func stateDump() -> JSONValue {
        StateTree.dump(engine: engine, setup: setup, teamName: options.deviceName, teamIndex: teamIndex)
    }

    /// One control method call (the nine methods of the C teamd); never throws, never traps.
    public func call(method: String, arguments args: [String]) -> ControlResult {
        let invalidArgs = ControlResult.failure(code: "InvalidArgs", message: "Did not receive correct message arguments.")
        switch method {
        case "ConfigDump":
            return .success(Self.dumpJSON(document.dump()))
        case "ConfigDumpActual":
            return .success(Self.dumpJSON(document.dumpActual(presentPorts: engine.ports.ports.map(\.name))))
        case "StateDump":
            return .success(Self.dumpJSON(stateDump()))
        case "PortAdd":
            guard args.count == 1 else { return invalidArgs }
            do { try addPort(named: args[0]) } catch {
                if error == .noSuchDevice { return .failure(code: "NoSuchDev", message: "No such device.") }
                log.error("\(args[0]): port add failed: \(error)")
                return .failure(code: "PortAddFail", message: "Failed to add port.")
            }
            return .success(nil)
        case "PortRemove":
            guard args.count == 1 else { return invalidArgs }
            do { try removePort(named: args[0]) } catch {
                if error == .noSuchDevice { return .failure(code: "NoSuchDev", message: "No such device.") }
                log.error("\(args[0]): port remove failed: \(error)")
                return .failure(code: "PortRemoveFail", message: "Failed to del port.")
            }
            return .success(nil)
        case "PortConfigUpdate":
            guard args.count == 2 else { return invalidArgs }
            guard Self.canBeInterfaceName(args[0]), (try? route.link(named: args[0])) ?? nil != nil else {
                return .failure(code: "NoSuchDev", message: "No such device.")
            }
            do {
                let (port, _) = try document.updatePort(args[0], json: args[1])
                if let existing = engine.ports[name: args[0]] {
                    try perform(engine.updateSettings(index: existing.index, PortSettings(
                        priority: port.priority, queueID: port.queueID, isSticky: port.sticky,
                        lacpPriority: port.lacpPriority, lacpKey: port.lacpKey)))
                }
            } catch {
                log.error("\(args[0]): config update failed: \(error)")
                return .failure(code: "ConfigUpdateFail", message: "Failed to update config.")
            }
            return .success(nil)
        case "PortConfigDump":
            guard args.count == 1 else { return invalidArgs }
            guard engine.ports[name: args[0]] != nil else {
                return .failure(code: "NoSuchDev", message: "No such device.")
            }
            return .success(Self.dumpJSON(document.portDump(args[0])))
        case "StateItemValueGet":
            guard args.count == 1 else { return invalidArgs }
            do {
                return .success(try StateTree.itemValue(args[0], in: stateDump(),
                                                        portNames: engine.ports.ports.map(\.name)))
            } catch {
                return .failure(code: "PathDoesNotExist", message: "Item path does not exist.")
            }
        case "StateItemValueSet":
            guard args.count == 2 else { return invalidArgs }
            return setStateItem(args[0], value: args[1])
        default:
            return .failure(code: "UnknownMethod", message: "Unknown method \"\(method)\".")
        }
    }

    private func setStateItem(_ path: String, value: String) -> ControlResult {
        let notExist = ControlResult.failure(code: "PathDoesNotExist", message: "Item path does not exist.")
        let setFail = ControlResult.failure(code: "ItemValueSetFail", message: "Failed to set item value.")
        if path == "setup.debug_level" {
            guard let level = Int32(value), level >= 0 else { return setFail }
            debugLevel = Int(level)
            return .success(nil)
        }
        if path.hasPrefix("ports."), let parts = StateTree.components(of: path, portNames: engine.ports.ports.map(\.name)),
           parts.count > 3, parts[2] == "runner" {
            do {
                try perform(try engine.setRunnerPortStateItem(port: parts[1], Array(parts[3...]), value: value))
                return .success(nil)
            } catch let error as StateItemError {
                if case .invalidValue(let why) = error {
                    log.error("\(path): \(why)")
                    return setFail
                }
            } catch {
                log.error("\(path): \(error)")
                return setFail
            }
        }
        if path.hasPrefix("runner.") {
            let sub = path.dropFirst("runner.".count).split(separator: ".").map(String.init)
            do {
                try perform(try engine.setRunnerStateItem(sub, value: value))
                return .success(nil)
            } catch let error as StateItemError {
                switch error {
                case .noSuchItem:
                    // An existing read-only item is OpNotSupp, as in teamd.
                    break
                case .invalidValue(let why):
                    log.error("\(path): \(why)")
                    return setFail
                }
            } catch {
                log.error("\(path): \(error)")
                return setFail
            }
        }
        let exists = (try? StateTree.itemValue(path, in: stateDump(), portNames: engine.ports.ports.map(\.name))) != nil
        return exists ? .failure(code: "OpNotSupp", message: "Operation not supported.") : notExist
    }

    /// The C teamd's control payloads: jansson with JSON_INDENT(4) | JSON_SORT_KEYS (TEAMD_JSON_DUMPS_FLAGS).
    static func dumpJSON(_ value: JSONValue) -> String {
        value.serialized(.teamdControl)
    }
}

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
