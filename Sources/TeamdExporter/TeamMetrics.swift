/// What the exporter knows of one team at a scrape: its state, or why there is none, and how many
/// times its teamd has restarted since the exporter started.
public struct TeamReading: Sendable, Equatable {
    public var team: String
    /// The state dump, or the reason teamd gave none (it does not answer, or answers garbage).
    public var state: Result<TeamSnapshot, TeamReadError>
    public var restarts: Int64

    public init(team: String, state: Result<TeamSnapshot, TeamReadError>, restarts: Int64 = 0) {
        self.team = team
        self.state = state
        self.restarts = restarts
    }
}

/// Why a team's state could not be read.
public struct TeamReadError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// The receive machine states that teamd shows in `ports.X.runner.state` (the C teamd's names too).
let lacpReceiveStates = ["current", "expired", "defaulted", "disabled"]

extension SampleWriter {
    /// Adds a team's samples: `teamd_up` and the restart count always, the rest when its state was read.
    public func add(_ reading: TeamReading) {
        let team = [reading.team]
        count(.restarts, team, reading.restarts)
        switch reading.state {
        case .success(let snapshot):
            set(.up, team, true)
            add(snapshot)
        case .failure:
            set(.up, team, false)
        }
    }

    /// Adds the samples of one team's state.
    public func add(_ snapshot: TeamSnapshot) {
        let team = snapshot.team
        // node_exporter counts a bond's slaves and those whose MII status is up; a port's MII status
        // counterpart is teamd's link-watch verdict, which decides whether the port carries traffic.
        set(.bondingSlaves, [team], Double(snapshot.ports.count))
        set(.bondingActive, [team], Double(snapshot.ports.filter { $0.up == true }.count))
        if snapshot.runner != nil || snapshot.kernelTeamMode != nil {
            set(.info, [team, snapshot.runner ?? "", snapshot.kernelTeamMode ?? ""], 1)
        }
        for port in snapshot.ports {
            let labels = [team, port.name]
            if let linkUp = port.linkUp { set(.portLinkUp, labels, linkUp) }
            if let up = port.up { set(.portUp, labels, up) }
            for watch in port.watches {
                let watchLabels = labels + [watch.key, watch.name]
                if let up = watch.up { set(.linkWatchUp, watchLabels, up) }
                if let downs = watch.downCount { count(.linkWatchDowns, watchLabels, downs) }
                if let missed = watch.missed { set(.linkWatchMissed, watchLabels, Double(missed)) }
            }
            if let active = snapshot.activePort { set(.activePort, labels, port.name == active) }
            if let lacp = port.lacp { add(lacp, labels: labels) }
        }
    }

    private func add(_ lacp: LACPPortSnapshot, labels: [String]) {
        if let state = lacp.actorState { set(.lacpActorState, labels, Double(state)) }
        if let state = lacp.partnerState { set(.lacpPartnerState, labels, Double(state)) }
        if let system = lacp.partnerSystem {
            set(.lacpPartnerInfo, labels + [system, lacp.partnerKey.map(String.init) ?? ""], 1)
        }
        if let selected = lacp.selected { set(.lacpSelected, labels, selected) }
        if let id = lacp.aggregatorID { set(.lacpAggregatorID, labels, Double(id)) }
        if let selected = lacp.aggregatorSelected { set(.lacpAggregatorSelected, labels, selected) }
        if let current = lacp.receiveState {
            let states = lacpReceiveStates.contains(current) ? lacpReceiveStates : lacpReceiveStates + [current]
            for state in states { set(.lacpReceiveState, labels + [state], state == current) }
        }
        if let statistics = lacp.statistics {
            let counters: [(ExportedMetric, Int64?)] = [
                (.lacpInPackets, statistics.inPackets), (.lacpOutPackets, statistics.outPackets),
                (.lacpReceiveErrors, statistics.receiveErrors), (.lacpMarkersIn, statistics.markers),
                (.lacpPartnerChurns, statistics.partnerChurns),
            ]
            for case let (metric, value?) in counters { count(metric, labels, value) }
        }
    }
}
