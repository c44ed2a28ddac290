import Packets
import TeamJSON

/// What a link watcher hears about its port.
public enum LinkWatcherEvent: Equatable, Sendable {
    /// The kernel's link flag for the port (TEAM_ATTR_PORT_LINKUP) is now this.
    case kernelLinkChanged(Bool)
    /// The watcher's timer fired.
    case timer
    /// A frame arrived on the port through the watcher's packet filter (ARP reply, NA).
    case frame([UInt8])
    /// Whether the port should probe (teamd's `forced_send`): it is enabled, or no port of the team is,
    /// so that a team with no usable port keeps probing on all of them until one answers.
    case forcedSendChanged(Bool)
}

/// A link watcher: one instance per port and configured watcher (`link_watch` may name several, globally
/// and per port). It decides whether its port's link is usable; the daemon combines the instances of a
/// port under `link_watch_policy`. Like runners, watchers are pure: they return actions (arm a timer, send
/// a probe) and never touch a socket.
public protocol LinkWatcher: Sendable {
    /// `name` in the config and the state (`ethtool`, `arp_ping`, `nsna_ping`, `tipc`).
    var name: String { get }
    /// The watcher's verdict.
    var isUp: Bool { get }
    /// How many times the verdict went from up to down.
    var downCount: Int { get }
    /// Called once when the port joins; `timer` is the id the watcher's timer must use.
    mutating func start(port: TeamPort, timer: TimerID) -> [TeamAction]
    mutating func handle(_ event: LinkWatcherEvent, port: TeamPort, timer: TimerID) -> [TeamAction]
    /// The entry of `ports.X.link_watches.list`.
    func state() -> JSONObject
    /// The frames the watcher wants from its port: the daemon opens a packet socket on the port with this
    /// filter and hands what it reads to the watcher as `.frame`. Nil (the default) opens none.
    var packetFilter: BPFProgram? { get }
}

extension LinkWatcher {
    public var packetFilter: BPFProgram? { nil }
}

extension LinkWatchPolicy {
    /// A port's verdict from its watchers' verdicts: any (the default) or all must say up.
    public func combine(_ verdicts: [Bool]) -> Bool {
        switch self {
        case .any: verdicts.contains(true)
        case .all: !verdicts.isEmpty && verdicts.allSatisfy { $0 }
        }
    }
}
