import TeamJSON

/// What the exporter reads from one teamd's `StateDump` (the JSON that `teamdctl T state dump` prints),
/// as typed values: everything a metric is made of, nothing else.
///
/// A field that is absent is nil, and its metric is left out: the C teamd and older versions of ours
/// have no `ports.X.runner.statistics`, a runner other than lacp has no LACP fields. A field that is
/// there with the wrong type is an error naming its path, because guessing would publish a wrong value.
public struct TeamSnapshot: Sendable, Equatable {
    /// The team device (`team_device.ifinfo.ifname`).
    public var team: String
    /// `setup.pid`: the teamd process.
    public var pid: Int64?
    /// `setup.runner_name`.
    public var runner: String?
    /// `setup.kernel_team_mode_name`.
    public var kernelTeamMode: String?
    /// `runner.active_port` of activebackup: the active port, "" when there is none, nil for other runners.
    public var activePort: String?
    /// The ports in the team, by name.
    public var ports: [PortSnapshot]

    public init(team: String, pid: Int64? = nil, runner: String? = nil, kernelTeamMode: String? = nil,
                activePort: String? = nil, ports: [PortSnapshot] = []) {
        self.team = team
        self.pid = pid
        self.runner = runner
        self.kernelTeamMode = kernelTeamMode
        self.activePort = activePort
        self.ports = ports
    }
}

/// One port of a team (`ports.NAME`).
public struct PortSnapshot: Sendable, Equatable {
    public var name: String
    /// `link.up`: the kernel's carrier as teamd last saw it.
    public var linkUp: Bool?
    /// `link_watches.up`: teamd's verdict from its link watchers (what decides whether the port carries
    /// traffic; the counterpart of a bonding slave's MII status).
    public var up: Bool?
    /// `link_watches.list`, by key (`link_watch_0`, ...).
    public var watches: [LinkWatchSnapshot]
    /// `runner` of the lacp runner.
    public var lacp: LACPPortSnapshot?

    public init(name: String, linkUp: Bool? = nil, up: Bool? = nil, watches: [LinkWatchSnapshot] = [],
                lacp: LACPPortSnapshot? = nil) {
        self.name = name
        self.linkUp = linkUp
        self.up = up
        self.watches = watches
        self.lacp = lacp
    }
}

/// One link watcher of a port (`ports.NAME.link_watches.list.KEY`).
public struct LinkWatchSnapshot: Sendable, Equatable {
    /// The key in the list (`link_watch_0`).
    public var key: String
    /// The watcher (`ethtool`, `arp_ping`, `nsna_ping`, `tipc`).
    public var name: String
    public var up: Bool?
    /// `down_count`: how many times the watcher went from up to down.
    public var downCount: Int64?
    /// `missed` of the ping watchers: replies missed in a row.
    public var missed: Int64?

    public init(key: String, name: String, up: Bool? = nil, downCount: Int64? = nil, missed: Int64? = nil) {
        self.key = key
        self.name = name
        self.up = up
        self.downCount = downCount
        self.missed = missed
    }
}

/// The lacp runner's view of one port (`ports.NAME.runner`).
public struct LACPPortSnapshot: Sendable, Equatable {
    /// `actor_lacpdu_info.state`: the actor state octet of IEEE 802.1AX (bit 0 activity ... bit 7 expired).
    public var actorState: Int64?
    /// `partner_lacpdu_info.state`.
    public var partnerState: Int64?
    /// `partner_lacpdu_info.system` (a MAC address; all zeros without a partner).
    public var partnerSystem: String?
    /// `partner_lacpdu_info.key`.
    public var partnerKey: Int64?
    /// `selected`: the selection logic gave the port an aggregator.
    public var selected: Bool?
    /// `aggregator.id`.
    public var aggregatorID: Int64?
    /// `aggregator.selected`: the port's aggregator is the one the team uses.
    public var aggregatorSelected: Bool?
    /// `state`: the receive machine (`current`, `expired`, `defaulted`, `disabled`).
    public var receiveState: String?
    /// `statistics`, when teamd keeps LACPDU counters.
    public var statistics: LACPStatistics?

    public init(actorState: Int64? = nil, partnerState: Int64? = nil, partnerSystem: String? = nil,
                partnerKey: Int64? = nil, selected: Bool? = nil, aggregatorID: Int64? = nil,
                aggregatorSelected: Bool? = nil, receiveState: String? = nil, statistics: LACPStatistics? = nil) {
        self.actorState = actorState
        self.partnerState = partnerState
        self.partnerSystem = partnerSystem
        self.partnerKey = partnerKey
        self.selected = selected
        self.aggregatorID = aggregatorID
        self.aggregatorSelected = aggregatorSelected
        self.receiveState = receiveState
        self.statistics = statistics
    }
}

/// LACPDU counters of one port, read from what our lacp runner writes under `ports.NAME.runner.statistics`
/// (the names of SONiC's teamd, sonic-buildimage PR 23380), exported with the meaning of OpenConfig's
/// `openconfig-lacp` member counters. The C teamd keeps none.
public struct LACPStatistics: Sendable, Equatable {
    /// `lacpdu_rx_stats`: LACPDUs received (lacp-in-pkts).
    public var inPackets: Int64?
    /// `lacpdu_tx_stats`: LACPDUs sent (lacp-out-pkts).
    public var outPackets: Int64?
    /// `lacpdu_illegal_pkts`: LACP frames that did not decode or carried an illegal retry count, dropped
    /// (lacp-rx-errors).
    public var receiveErrors: Int64?
    /// `marker_pdu_rx_stats`: Marker PDUs received (no OpenConfig counter).
    public var markers: Int64?
    /// `partner_churn_count`: times the partner churn machine found the partner churned (802.1AX
    /// aggPortDebugPartnerChurnCount).
    public var partnerChurns: Int64?

    /// The keys read under `statistics`, in the order of the properties.
    public static let keys = ["lacpdu_rx_stats", "lacpdu_tx_stats", "lacpdu_illegal_pkts", "marker_pdu_rx_stats",
                              "partner_churn_count"]

    public init(inPackets: Int64? = nil, outPackets: Int64? = nil, receiveErrors: Int64? = nil,
                markers: Int64? = nil, partnerChurns: Int64? = nil) {
        self.inPackets = inPackets
        self.outPackets = outPackets
        self.receiveErrors = receiveErrors
        self.markers = markers
        self.partnerChurns = partnerChurns
    }
}

/// Why a state dump could not be read: the JSON text is not JSON, or a field has the wrong type.
public struct StateDumpError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The JSON path of the field ("ports.tp0.link.up"), empty for the whole document.
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { path.isEmpty ? "state dump: \(reason)" : "state dump: \(path): \(reason)" }
}
