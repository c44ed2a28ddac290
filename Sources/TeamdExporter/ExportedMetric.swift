import Prometheus

/// One metric family the exporter publishes: its name, type, HELP text and label names.
public struct ExportedMetric: Sendable, Hashable {
    public enum Kind: String, Sendable { case gauge, counter }

    public let name: String
    public let kind: Kind
    public let help: String
    public let labels: [String]

    init(_ name: String, _ kind: Kind, labels: [String], help: String) {
        self.name = name
        self.kind = kind
        self.help = help
        self.labels = labels
    }
}

extension ExportedMetric {
    private static let port = ["team", "port"]
    private static let watch = ["team", "port", "watch", "watcher"]

    // node_exporter's bonding collector, name, label and HELP text exactly, so that dashboards and the
    // node-mixin alert NodeBondingDegraded, `(node_bonding_slaves - node_bonding_active) != 0`, take
    // teams as they take bonds (and node_exporter's textfile collector merges them with its own).
    public static let bondingSlaves = ExportedMetric(
        "node_bonding_slaves", .gauge, labels: ["master"], help: "Number of configured slaves per bonding interface.")
    public static let bondingActive = ExportedMetric(
        "node_bonding_active", .gauge, labels: ["master"], help: "Number of active slaves per bonding interface.")

    public static let up = ExportedMetric(
        "teamd_up", .gauge, labels: ["team"],
        help: "Whether the team's teamd answered a state dump on its control socket (1) or not (0).")
    public static let restarts = ExportedMetric(
        "teamd_restarts_total", .counter, labels: ["team"],
        help: "Times the exporter saw the team's teamd pid change between two scrapes.")
    public static let info = ExportedMetric(
        "teamd_info", .gauge, labels: ["team", "runner", "kernel_team_mode"],
        help: "The team's runner and kernel team mode as labels; always 1.")

    public static let portLinkUp = ExportedMetric(
        "teamd_port_link_up", .gauge, labels: port,
        help: "The port's kernel link (carrier) as teamd sees it: 1 up, 0 down.")
    public static let portUp = ExportedMetric(
        "teamd_port_up", .gauge, labels: port,
        help: "Whether teamd's link watchers see the port up (1) or down (0); node_bonding_active counts the ports at 1.")
    public static let linkWatchUp = ExportedMetric(
        "teamd_link_watch_up", .gauge, labels: watch, help: "Whether one link watcher of the port sees it up (1) or down (0).")
    public static let linkWatchDowns = ExportedMetric(
        "teamd_link_watch_down_total", .counter, labels: watch,
        help: "Times the link watcher went from up to down (flaps): its down_count.")
    public static let linkWatchMissed = ExportedMetric(
        "teamd_link_watch_missed", .gauge, labels: watch,
        help: "Replies the ping link watcher (arp_ping, nsna_ping) missed in a row.")

    public static let activePort = ExportedMetric(
        "teamd_activebackup_active_port", .gauge, labels: port,
        help: "1 for the activebackup runner's active port, 0 for the team's other ports.")

    public static let lacpActorState = ExportedMetric(
        "teamd_lacp_actor_state", .gauge, labels: port,
        help: "The LACP actor state octet of IEEE 802.1AX (bit 0 activity, 1 timeout, 2 aggregation, "
            + "3 synchronization, 4 collecting, 5 distributing, 6 defaulted, 7 expired).")
    public static let lacpPartnerState = ExportedMetric(
        "teamd_lacp_partner_state", .gauge, labels: port,
        help: "The LACP partner state octet of IEEE 802.1AX, bits as in teamd_lacp_actor_state.")
    public static let lacpPartnerInfo = ExportedMetric(
        "teamd_lacp_partner_info", .gauge, labels: ["team", "port", "partner_system", "partner_key"],
        help: "The LACP partner's system ID and key as labels; always 1.")
    public static let lacpSelected = ExportedMetric(
        "teamd_lacp_port_selected", .gauge, labels: port,
        help: "Whether LACP selection gave the port an aggregator (1) or not (0).")
    public static let lacpAggregatorID = ExportedMetric(
        "teamd_lacp_port_aggregator_id", .gauge, labels: port, help: "The ID of the port's LACP aggregator, 0 for none.")
    public static let lacpAggregatorSelected = ExportedMetric(
        "teamd_lacp_port_aggregator_selected", .gauge, labels: port,
        help: "Whether the port's aggregator is the team's selected aggregator, the one that carries traffic.")
    public static let lacpReceiveState = ExportedMetric(
        "teamd_lacp_port_receive_state", .gauge, labels: ["team", "port", "state"],
        help: "The state of the port's LACP receive machine: 1 for the state it is in, 0 for the others.")

    // OpenConfig openconfig-lacp member counters, by meaning.
    public static let lacpInPackets = ExportedMetric(
        "teamd_lacp_in_pkts_total", .counter, labels: port, help: "LACPDUs received on the port (OpenConfig lacp-in-pkts).")
    public static let lacpOutPackets = ExportedMetric(
        "teamd_lacp_out_pkts_total", .counter, labels: port, help: "LACPDUs sent on the port (OpenConfig lacp-out-pkts).")
    public static let lacpReceiveErrors = ExportedMetric(
        "teamd_lacp_rx_errors_total", .counter, labels: port,
        help: "LACPDUs received on the port with errors, dropped (OpenConfig lacp-rx-errors).")
    public static let lacpMarkersIn = ExportedMetric(
        "teamd_lacp_marker_in_pkts_total", .counter, labels: port, help: "Marker PDUs received on the port.")
    public static let lacpPartnerChurns = ExportedMetric(
        "teamd_lacp_partner_churn_total", .counter, labels: port,
        help: "Times the port's LACP partner stayed out of sync for 60 s (802.1AX partner churn).")

    /// Every family, in the order of the documentation.
    public static let all: [ExportedMetric] = [
        bondingSlaves, bondingActive, up, restarts, info, portLinkUp, portUp, linkWatchUp, linkWatchDowns,
        linkWatchMissed, activePort, lacpActorState, lacpPartnerState, lacpPartnerInfo, lacpSelected,
        lacpAggregatorID, lacpAggregatorSelected, lacpReceiveState, lacpInPackets, lacpOutPackets,
        lacpReceiveErrors, lacpMarkersIn, lacpPartnerChurns,
    ]
}

/// Puts samples into a swift-prometheus registry, one family description for every sample of it.
///
/// A scrape fills a fresh registry: what teamd reports is the state at that moment, and a port or team
/// that has gone must not linger in the output. Counters come from teamd's own counts, so a counter
/// starts at that count.
public struct SampleWriter {
    public let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    /// Sets the gauge `metric`'s sample with `values` for its labels, in the order of `metric.labels`.
    public func set(_ metric: ExportedMetric, _ values: [String], _ value: Double) {
        precondition(metric.kind == .gauge, "\(metric.name) is not a gauge")
        registry.makeGauge(descriptor: descriptor(metric), labels: labels(metric, values)).set(value)
    }

    /// Sets the counter `metric`'s sample to `count`. A count below zero, which teamd cannot have, is
    /// left out rather than published.
    public func count(_ metric: ExportedMetric, _ values: [String], _ count: Int64) {
        precondition(metric.kind == .counter, "\(metric.name) is not a counter")
        guard count >= 0 else { return }
        registry.makeCounter(descriptor: descriptor(metric), labels: labels(metric, values)).increment(by: count)
    }

    private func descriptor(_ metric: ExportedMetric) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: metric.name, unitName: "", helpText: metric.help)
    }

    private func labels(_ metric: ExportedMetric, _ values: [String]) -> [(String, String)] {
        precondition(values.count == metric.labels.count, "\(metric.name): label values do not match the labels")
        return Array(zip(metric.labels, values))
    }

    /// A boolean as 1 or 0.
    public func set(_ metric: ExportedMetric, _ values: [String], _ flag: Bool) {
        set(metric, values, flag ? 1 : 0)
    }

    /// The exposition text of everything set so far.
    public func exposition() -> String {
        registry.emitToString()
    }
}
