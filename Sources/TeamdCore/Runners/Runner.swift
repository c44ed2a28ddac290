import TeamJSON
import TeamWire
import Packets

/// Names a timer that a runner or a link watcher asked the daemon to arm.
public enum TimerID: Hashable, Sendable {
    /// Link watcher number `instance` of the port with ifindex `port`.
    case watcher(port: UInt32, instance: Int)
    /// A runner timer; the runner names it.
    case runner(String)
    /// A runner timer for one port (LACP's per-port machines).
    case runnerPort(String, port: UInt32)
}

/// What a runner (or a link watcher) asks the daemon to do. Only the daemon performs these, so a runner is
/// a pure state machine that tests drive with events and check by the actions it returns.
public enum TeamAction: Equatable, Sendable {
    /// Set a kernel team option (one message, acknowledged).
    case setOption(TeamOptionID, TeamOptionValue)
    case setPortAddress(port: UInt32, EthernetAddress)
    case setTeamAddress(EthernetAddress)
    /// IFLA_CARRIER of the team device.
    case setCarrier(Bool)
    case armTimer(TimerID, milliseconds: Int)
    case cancelTimer(TimerID)
    /// Send a frame out of one port (LACPDU, ARP, NS).
    case send(port: UInt32, frame: [UInt8])
    /// A line for the daemon's log (a runner has no logger of its own): state transitions at info level,
    /// dropped frames and details at debug level.
    case log(String, isDebug: Bool)
    /// A warm start's saved file the runner is done with (used, or outlived): the daemon deletes it.
    case removeSavedState(SavedStateFile)

    /// The per-port kernel option `enabled`.
    public static func enable(_ port: UInt32, _ on: Bool) -> TeamAction {
        .setOption(TeamOptionID(.enabled, port: port), .bool(on))
    }
}

/// What happened, as a runner sees it.
public enum RunnerEvent: Equatable, Sendable {
    /// The port is now in `ports` (enslaved, settings applied).
    case portAdded(UInt32)
    /// The port left; it is no longer in `ports`.
    case portRemoved(TeamPort)
    /// The link watchers' verdict for the port changed (`TeamPort.isLinkUp`).
    case portLinkChanged(UInt32)
    /// The kernel's view of the port changed (speed, duplex, link flag).
    case portKernelChanged(UInt32)
    /// The port's per-port config changed (PortConfigUpdate).
    case portSettingsChanged(UInt32)
    case timer(TimerID)
    case frame(port: UInt32, bytes: [UInt8])
    /// The team device went administratively up or down (`RunnerContext.isTeamUp`).
    case teamStateChanged
    /// The team device's MAC changed (`RunnerContext.teamAddress`).
    case teamAddressChanged
    /// Started with `-w -L DIR`: what the previous teamd saved, delivered once before `start` and before
    /// any port is added (the daemon read the files).
    case warmStart(WarmStartPlan)
    /// The daemon is about to exit for a restart and leaves the team and its ports as they are (SIGUSR1,
    /// SIGUSR2): the runner's last word to the partners (LACP: a fresh LACPDU on every selected port).
    case restartAnnounced
}

/// What a runner may read when it handles an event.
public struct RunnerContext: Sendable {
    public var ports: PortTable
    /// The team device's MAC.
    public var teamAddress: EthernetAddress
    /// Whether the team device is administratively up (IFF_UP).
    public var isTeamUp: Bool
    /// The real-time clock, for dates the state shows (never for timing: timers do that).
    public var now: @Sendable () -> WallClockTime
    /// Whether the kernel's team driver has the per-port `rx_enabled` and `tx_enabled` options (receive
    /// and transmit enabled apart); Debian 12's 6.1 has only `enabled`.
    public var kernelSeparatesRxTx = false
    /// The kernel's transmit hash buckets (`lb_tx_hash_to_port_mapping`, port ifindex per bucket) as the
    /// daemon found them: a team taken over keeps the previous teamd's buckets instead of spreading anew.
    public var kernelHashMapping: [UInt32] = []

    public init(ports: PortTable, teamAddress: EthernetAddress, isTeamUp: Bool = true,
                now: @escaping @Sendable () -> WallClockTime = WallClockTime.current) {
        self.ports = ports
        self.teamAddress = teamAddress
        self.isTeamUp = isTeamUp
        self.now = now
    }
}

/// Why a state item could not be set.
public enum StateItemError: Error, Equatable, Sendable {
    /// No such settable item (the control API's PathDoesNotExist).
    case noSuchItem
    /// The value does not fit the item; the text says why (ItemValueSetFail).
    case invalidValue(String)
}

/// A teamd runner: the policy that decides which ports carry traffic. One file per runner holds its whole
/// behaviour. libteam's runner interface (name, kernel mode, init, event callbacks) as a value type.
public protocol Runner: Sendable {
    /// `runner.name` in the config and `setup.runner_name` in the state.
    var name: String { get }
    /// The kernel team mode it drives (`mode` option; `setup.kernel_team_mode_name`).
    var kernelMode: String { get }
    /// Actions to take once the team is ready, before any port is added (team options, carrier).
    mutating func start(context: RunnerContext) -> [TeamAction]
    mutating func handle(_ event: RunnerEvent, context: RunnerContext) -> [TeamAction]
    /// The top-level `runner` object of the state dump, or nil when the runner has none.
    func state(context: RunnerContext) -> JSONObject?
    /// `ports.X.runner` of the state dump, or nil when the runner has none.
    func portState(_ port: TeamPort, context: RunnerContext) -> JSONObject?
    /// Sets a runner state item (`runner.active_port`, ...); `path` is relative to `runner`.
    mutating func setStateItem(_ path: [String], value: String,
                               context: RunnerContext) throws(StateItemError) -> [TeamAction]
    /// Sets a per-port runner state item (`ports.X.runner.aggregator.selected`); `path` is relative to
    /// `ports.X.runner`.
    mutating func setPortStateItem(_ port: TeamPort, path: [String], value: String,
                                   context: RunnerContext) throws(StateItemError) -> [TeamAction]
    /// Whether the runner talks on the wire (LACP): the daemon then opens a packet socket on every port
    /// and hands it the frames as `.frame` events.
    var wantsFrames: Bool { get }
    /// The port is about to leave (PortRemove, teamd stopping): stop sending on it and tell the partner,
    /// keep receiving until the partner stopped sending to it (`isDraining`).
    mutating func drain(_ port: TeamPort, context: RunnerContext) -> [TeamAction]
    /// Whether the port still waits for its partner to stop sending to it.
    func isDraining(_ port: UInt32) -> Bool
    /// What a warm exit (SIGUSR1) saves for the next teamd, or nil when the runner saves nothing.
    func savedState(context: RunnerContext) -> SavedStateDirectory.Snapshot?
}

extension Runner {
    public mutating func start(context: RunnerContext) -> [TeamAction] { [] }
    public func state(context: RunnerContext) -> JSONObject? { nil }
    public func portState(_ port: TeamPort, context: RunnerContext) -> JSONObject? { nil }
    public mutating func setStateItem(_ path: [String], value: String,
                                      context: RunnerContext) throws(StateItemError) -> [TeamAction] {
        throw .noSuchItem
    }
    public mutating func setPortStateItem(_ port: TeamPort, path: [String], value: String,
                                          context: RunnerContext) throws(StateItemError) -> [TeamAction] {
        throw .noSuchItem
    }
    public var wantsFrames: Bool { false }
    public mutating func drain(_ port: TeamPort, context: RunnerContext) -> [TeamAction] { [] }
    public func isDraining(_ port: UInt32) -> Bool { false }
    public func savedState(context: RunnerContext) -> SavedStateDirectory.Snapshot? { nil }
}
