import TeamJSON

/// One change teamd made or saw, as the event stream reports it (`teamdctl T monitor`, the UNIX socket's
/// EventSubscribe, the D-Bus signal `org.libteam.teamd.Event`): one JSON object per event, with the
/// real-time clock's time of the step that made the change.
public struct TeamdEvent: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// A port joined the team (PortAdd, the config, or enslaved behind teamd's back); `linkUp` is
        /// the link watchers' verdict it joined with.
        case portAdded(port: String, linkUp: Bool)
        /// A port left the team.
        case portRemoved(port: String)
        /// One link watcher of a port (its `instance` in `ports.X.link_watches.list`) changed its verdict.
        case watcherLink(port: String, watcher: String, instance: Int, up: Bool)
        /// The port's link verdict under `link_watch_policy` changed (`ports.X.link.up`).
        case portLink(port: String, up: Bool)
        /// The activebackup runner's active port changed (nil: none).
        case activePort(port: String?, previous: String?)
        /// A lacp port's receive machine moved (`ports.X.runner.state`).
        case lacpState(port: String, state: String, previous: String)
        /// A lacp port's selection changed: whether it has an aggregator, which, and whether that is
        /// the team's selected one (`ports.X.runner.selected`, `.aggregator.id`, `.aggregator.selected`).
        case lacpSelection(port: String, selected: Bool, aggregator: UInt32, aggregatorSelected: Bool)
        /// A port's config was replaced (PortConfigUpdate).
        case configUpdated(port: String)
        /// teamd is stopping; the stream ends after this one.
        case stopped

        /// The `event` member.
        public var name: String {
            switch self {
            case .portAdded: "port_added"
            case .portRemoved: "port_removed"
            case .watcherLink: "link_watch"
            case .portLink: "port_link"
            case .activePort: "active_port"
            case .lacpState: "lacp_state"
            case .lacpSelection: "lacp_selection"
            case .configUpdated: "config_update"
            case .stopped: "teamd_stop"
            }
        }

        /// The members besides `event`, `team` and `time`.
        var members: [(String, JSONValue)] {
            switch self {
            case .portAdded(let port, let up): [("port", .string(port)), ("up", .bool(up))]
            case .portRemoved(let port), .configUpdated(let port): [("port", .string(port))]
            case .watcherLink(let port, let watcher, let instance, let up):
                [("port", .string(port)), ("watcher", .string(watcher)), ("instance", .integer(Int64(instance))),
                 ("up", .bool(up))]
            case .portLink(let port, let up): [("port", .string(port)), ("up", .bool(up))]
            case .activePort(let port, let previous):
                [("port", port.map(JSONValue.string) ?? .null), ("previous", previous.map(JSONValue.string) ?? .null)]
            case .lacpState(let port, let state, let previous):
                [("port", .string(port)), ("state", .string(state)), ("previous", .string(previous))]
            case .lacpSelection(let port, let selected, let aggregator, let aggregatorSelected):
                [("port", .string(port)), ("selected", .bool(selected)), ("aggregator", .integer(Int64(aggregator))),
                 ("aggregator_selected", .bool(aggregatorSelected))]
            case .stopped: []
            }
        }
    }

    public var time: WallClockTime
    public var team: String
    public var kind: Kind

    public init(time: WallClockTime, team: String, kind: Kind) {
        self.time = time
        self.team = team
        self.kind = kind
    }

    public var json: JSONValue {
        var object = JSONObject()
        object["event"] = .string(kind.name)
        object["team"] = .string(team)
        object["time"] = .string(time.iso8601)
        for (key, value) in kind.members { object[key] = value }
        return .object(object)
    }

    /// The event on one line, keys sorted, ASCII only (what `teamdctl T monitor` prints).
    public var line: String {
        json.serialized(JSONSerializationOptions(sortKeys: true, ensureASCII: true, compact: true))
    }
}
